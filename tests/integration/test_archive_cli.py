"""`fanxiu archive YEAR -o DIR` (issue 9): a demo store's year as PDFs and an index workbook, a
voided record stamped and indexed as such; signed in; whole or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.services.admin.demo import DEMO_PASSWORD
from app.services.kernel.bootstrap import open_store
from app.services.kernel.context import command_line_actor
from app.services.records import archive, printing, voiding
from tests.integration.test_cli import DEMO_TODAY, run
from tests.pdf_tools import pdf_text

YEAR = DEMO_TODAY[:4]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """The demo's data directory, with one handover record voided and re-issued, one overdue
    report (or escalation) and one kitting status report voided."""
    data_dir = tmp_path_factory.mktemp("archive") / "data"
    loaded = run(data_dir, "demo", "--today", DEMO_TODAY, "--json")
    assert loaded.code == 0, loaded
    records = loaded.json()["records"]
    db = open_store(f"sqlite:///{data_dir / 'fanxiu.db'}")
    try:
        system = command_line_actor()
        jj = records["handover_record"][0]
        voiding.void_record(db, system, jj, "交接日期填错")
        cq = (records["overdue_report"] or records["escalation"])[0]
        voiding.void_record(db, system, cq, "误报超期")
        qb = records["kitting_status_report"][0]
        voiding.void_record(db, system, qb, "齐套情况报错")
    finally:
        db.dispose()
    return data_dir, jj, cq, qb


def _flat(pdf: bytes | Path) -> str:
    return "".join(pdf_text(pdf).split())


def test_a_year_is_archived_as_pdfs_and_an_index(
    demo_store: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    data_dir, jj, cq, qb = demo_store
    out = tmp_path / "档案"
    done = run(
        data_dir,
        "archive",
        YEAR,
        "-o",
        str(out),
        "--json",
        "--login",
        "zhaozong",
        password=DEMO_PASSWORD,
    )
    assert done.code == 0, done
    answer = done.json()
    assert set(answer["voided"]) == {jj, cq, qb}
    book = load_workbook(out / f"记录索引-{YEAR}.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == archive.INDEX_HEADERS
    by_number = {r[0]: r for r in rows[1:]}
    assert len(by_number) == answer["records"] == len(rows) - 1
    # Every kind the demo issues is there; FX and QT (working items) are not.
    assert {n[:2] for n in by_number} >= {
        "JJ",
        "JS",
        "KX",
        "PC",
        "DW",
        "WX",
        "YS",
        "SJ",
        "QB",
        "JF",
    }
    assert not {n[:2] for n in by_number} & {"FX", "QT"}
    assert by_number[jj][5:7] == ("已作废", "交接日期填错")
    reissued = [r for r in rows[1:] if r[7] == jj]
    assert len(reissued) == 1 and reissued[0][5] == "有效"
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([*(r[8] for r in rows[1:]), f"记录索引-{YEAR}.xlsx"])
    for row in rows[1:]:
        text = _flat(out / row[8])
        assert row[0] in text, row  # every PDF opens and names its record
        assert ("作废原因" in text) == (row[5] == "已作废"), row
    assert "误报超期" in _flat(out / f"{cq}.pdf")
    assert "齐套情况报错" in _flat(out / f"{qb}.pdf")
    assert f"替代{jj}" in _flat(out / reissued[0][8])


def test_archive_signs_in_and_never_writes_over_a_folder(
    demo_store: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    data_dir = demo_store[0]
    out = tmp_path / "档案"
    anonymous = run(data_dir, "archive", YEAR, "-o", str(out))
    assert "--login" in anonymous.one_line_error()
    clerk = run(
        data_dir, "archive", YEAR, "-o", str(out), "--login", "wangmin", password=DEMO_PASSWORD
    )
    assert "无权" in clerk.one_line_error() or "只有" in clerk.one_line_error()
    assert not out.exists()
    out.mkdir()
    (out / "旧文件.txt").write_text("留着", encoding="utf-8")
    taken = run(
        data_dir, "archive", YEAR, "-o", str(out), "--login", "admin", password=DEMO_PASSWORD
    )
    assert "不是空文件夹" in taken.one_line_error()
    assert [p.name for p in out.iterdir()] == ["旧文件.txt"]


def test_a_failure_half_way_leaves_nothing(
    demo_store: tuple[Path, str, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = demo_store[0]
    real = printing.render_record
    calls = []

    def breaks_at_the_third(db, number):  # type: ignore[no-untyped-def]
        calls.append(number)
        if len(calls) == 3:
            raise OSError("磁盘已满")
        return real(db, number)

    monkeypatch.setattr(printing, "render_record", breaks_at_the_third)
    db = open_store(f"sqlite:///{data_dir / 'fanxiu.db'}")
    try:
        with pytest.raises(OSError):
            archive.archive_year(db, command_line_actor(), int(YEAR), tmp_path / "档案")
    finally:
        db.dispose()
    assert list(tmp_path.iterdir()) == []
