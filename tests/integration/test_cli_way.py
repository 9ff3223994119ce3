"""The command line for the rest of the way: deadlines, working days, labels, kitting reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from tests.integration.test_cli import Run, run, run_all
from tests.pdf_tools import decode_barcodes, pdf_text, render_pages

TODAY = "2026-11-22"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    data_dir = tmp_path_factory.mktemp("cli_way") / "data"
    loaded = run(data_dir, "demo", "--today", TODAY, "--json")
    assert loaded.code == 0, loaded
    return data_dir, loaded.json()


def test_workdays_across_holidays_and_into_a_provisional_year(tmp_path: Path) -> None:
    national, spring, back, zero, provisional = run_all(
        tmp_path / "d",
        ("workdays", "2026-09-29", "5", "--json"),
        ("workdays", "2026-02-13", "1", "--json"),
        ("workdays", "2026-10-08", "-1", "--json"),
        ("workdays", "2026-10-03", "0", "--json"),
        ("workdays", "2026-12-30", "3", "--json"),
    )
    assert national.json() == {"date": "2026-10-12", "calendar": "official", "provisional": False}
    assert spring.json() == {
        "date": "2026-02-14",
        "calendar": "official",
        "provisional": False,
    }  # a make-up Saturday
    assert back.json() == {"date": "2026-09-30", "calendar": "official", "provisional": False}
    assert zero.json() == {"date": "2026-10-03", "calendar": "official", "provisional": False}
    assert provisional.json() == {
        "date": "2027-01-04",
        "calendar": "provisional",
        "provisional": True,
    }


def test_deadlines_json_names_rules_and_states(store: tuple[Path, dict]) -> None:
    data_dir, _ = store
    listed, everything = run_all(
        data_dir,
        ("deadlines", "--today", TODAY, "--json"),
        ("deadlines", "--today", TODAY, "--all", "--json"),
    )
    rows = listed.json()
    assert rows and set(rows[0]) == {"line", "item", "rule", "starts", "due", "state", "days_left"}
    assert {r["rule"] for r in rows} == {"dispatch", "localization", "repair", "kitting_report"}
    assert {r["state"] for r in rows} == {"running", "due_soon", "overdue"}
    for r in rows:
        due = dt.date.fromisoformat(r["due"])
        assert r["days_left"] == (due - dt.date.fromisoformat(TODAY)).days
    assert {r["state"] for r in everything.json()} >= {"met", "running", "overdue"}
    assert len(everything.json()) > len(rows)


def test_labels_and_kitting_reports(store: tuple[Path, dict], tmp_path: Path) -> None:
    data_dir, numbers = store
    task = numbers["tasks"][0]
    kit = numbers["records"]["kit_set"][-1]
    labels, sheet, pdf, xlsx, wrong = run_all(
        data_dir,
        ("labels", task, "-o", str(tmp_path / "l.pdf")),
        ("labels", task, "--size", "a4", "-o", str(tmp_path / "a4.pdf")),
        ("kitting-report", kit, "-o", str(tmp_path / "k.pdf"), "--today", TODAY),
        ("kitting-report", kit, "-o", str(tmp_path / "k.xlsx"), "--today", TODAY),
        ("kitting-report", "QT-2026-999999", "-o", str(tmp_path / "x.pdf")),
    )
    for done in (labels, sheet, pdf, xlsx):
        assert done.code == 0, done
    codes: set[str] = set()
    for page in render_pages(tmp_path / "l.pdf", tmp_path, dpi=203):
        codes.update(decode_barcodes(page, symbology=None))
    assert any(code.endswith("2026001") for code in codes)
    text = "".join(pdf_text(tmp_path / "k.pdf").split())
    assert "齐套情况报告" in text and kit in text
    ws = openpyxl.load_workbook(tmp_path / "k.xlsx").active
    assert ws["A1"].value == f"齐套情况报告  {kit}"
    assert "找不到齐套" in wrong.one_line_error()
    assert not (tmp_path / "x.pdf").exists()


def test_print_every_record_kind(store: tuple[Path, dict], tmp_path: Path) -> None:
    data_dir, numbers = store
    records = numbers["records"]
    wanted = [records[kind][0] for kind in sorted(records) if records[kind]]
    runs: list[Run] = run_all(
        data_dir, *[("print", n, "-o", str(tmp_path / f"{n}.pdf")) for n in wanted]
    )
    for number, done in zip(wanted, runs, strict=True):
        assert done.code == 0, done
        assert number in "".join(pdf_text(tmp_path / f"{number}.pdf").split())
