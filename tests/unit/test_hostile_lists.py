"""Files that used to kill or swamp the program, and cells that used to vanish without a word.

Every hostile file ends in this process as a list read or a ListFileError ("文件无法读取：…"):
the reader runs in a child process (app/services/handover/sheet_guard.py). The mutated-copies
test reads 100 damaged workbooks by default; FANXIU_HOSTILE_LISTS=400 runs 400 (about 4x longer).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.db import Database
from app.errors import DomainError, ListFileError
from app.services.admin.master_list import preview_master_list
from app.services.handover import list_import, sheet_guard
from app.services.handover.list_reader import (
    MSG_CORRUPT,
    WARN_SERIAL_DATE,
    ParsedList,
    read_handover_list,
)
from tests.conftest import Org
from tests.support.messy_lists import (
    _rewrite_member,
    mutated_copies,
    write_far_cell_list,
    write_group_header_list,
    write_inflating_list,
    write_messy_list,
    write_product_group_list,
    write_rows,
)

MUTATED = int(os.environ.get("FANXIU_HOSTILE_LISTS", "100"))


def _refusal(path: Path) -> str:
    with pytest.raises(ListFileError) as err:
        read_handover_list(path)
    message = err.value.message
    assert "\n" not in message and "Traceback" not in message
    return message


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- files that killed the process or took gigabytes ------------------------------------------


def test_one_value_in_the_last_cell_is_refused_by_the_declared_range(tmp_path: Path) -> None:
    message = _refusal(write_far_cell_list(tmp_path / "远.xlsx"))
    assert message.startswith("文件无法读取：")
    assert "XFD1048576" in message and "100000 行" in message and "256 列" in message


def test_a_far_cell_behind_a_lying_dimension_is_caught_in_the_child(tmp_path: Path) -> None:
    """The declared range says A1:H10; the reader still meets XFD1048576 and dies in the child."""
    path = write_far_cell_list(tmp_path / "远.xlsx", honest_dimension=False)
    before = _peak_rss_mb()
    message = _refusal(path)
    assert message.startswith("文件无法读取：")
    assert _peak_rss_mb() - before < 200  # the gigabytes, if any, were the child's


def test_a_sheet_that_inflates_to_a_gigabyte_is_refused_before_reading(tmp_path: Path) -> None:
    path = write_inflating_list(tmp_path / "炸弹.xlsx", inflated_mb=1024)
    assert path.stat().st_size < 20 * 1024 * 1024
    before = _peak_rss_mb()
    started = time.monotonic()
    message = _refusal(path)
    assert time.monotonic() - started < 5
    assert _peak_rss_mb() - before < 100
    assert message.startswith("文件无法读取：") and "1024 MB" in message and "256 MB" in message


def test_the_child_memory_limit_turns_an_allocation_failure_into_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the checks before reading switched off, the far cell's
    allocation fails in the child; the person reads one line, the process goes on."""
    monkeypatch.setattr(sheet_guard, "check_before_reading", lambda path: None)
    path = write_far_cell_list(tmp_path / "远.xlsx")
    assert _refusal(path) in (sheet_guard.MSG_CRASHED, sheet_guard.MSG_MEMORY)


def test_a_hanging_read_is_stopped_at_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child that never answers is killed after READ_TIMEOUT_SECONDS (here 1 s)."""
    monkeypatch.setattr(sheet_guard, "READ_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(
        sheet_guard, "child_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    path = write_messy_list(tmp_path / "清单.xlsx").path
    started = time.monotonic()
    assert _refusal(path) == sheet_guard.MSG_TIMEOUT
    assert time.monotonic() - started < 10


def test_a_read_can_be_stopped_while_the_child_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sheet_guard, "child_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    path = write_messy_list(tmp_path / "清单.xlsx").path
    asked: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        asked.append((done, total))
        return len(asked) < 3

    started = time.monotonic()
    with pytest.raises(DomainError) as err:
        read_handover_list(path, progress)
    assert err.value.message == "导入已取消" and not isinstance(err.value, ListFileError)
    assert asked == [(0, 0)] * 3 and time.monotonic() - started < 10


def test_mutated_copies_of_a_real_list_each_read_or_refused(tmp_path: Path) -> None:
    source = write_messy_list(tmp_path / "原件.xlsx").path.read_bytes()
    outcomes: dict[str, int] = {"read": 0, "corrupt": 0, "refused": 0, "other": 0}
    for name, data in mutated_copies(source, MUTATED):
        path = tmp_path / f"{name.replace('/', '_')}.xlsx"
        path.write_bytes(data)
        try:
            parsed = read_handover_list(path)
        except ListFileError as exc:
            assert "\n" not in exc.message and "Traceback" not in exc.message, name
            if exc.message == MSG_CORRUPT:
                outcomes["corrupt"] += 1
            elif exc.message.startswith("文件无法读取："):
                outcomes["refused"] += 1
            else:
                outcomes["other"] += 1  # e.g. no header left
        else:
            assert isinstance(parsed, ParsedList)
            outcomes["read"] += 1
        path.unlink()
    assert sum(outcomes.values()) == MUTATED
    # Some copies reach the reader with a far cell and end in its child: "文件无法读取：…".
    assert outcomes["read"] > 0 and outcomes["corrupt"] > 0 and outcomes["refused"] > 0, outcomes


def test_a_normal_list_is_not_made_much_slower_by_the_child(tmp_path: Path) -> None:
    from tests.support.messy_lists import write_big_list

    path = write_big_list(tmp_path / "big.xlsx", n=10_000)
    read_handover_list(path)  # warm the page cache
    started = time.monotonic()
    sheet_guard.read_sheets(path)
    child = time.monotonic() - started
    assert child < 2.0  # ~0.16 s here, of which ~0.1 s is the child's start and the hand-over


# --- a header of two rows ---------------------------------------------------------------------


def test_a_group_header_over_the_fault_and_quantity_columns(tmp_path: Path) -> None:
    path = write_group_header_list(
        tmp_path / "两行表头.xlsx",
        [
            [1, "DY-12A", "DY-0001", "无输出", 1, "急"],
            [2, "DY-12A", "DY-0002", "输出电压低", 2, None],
        ],
    )
    parsed = read_handover_list(path)
    assert parsed.header_row == 2 and parsed.title.startswith("XX部队")
    assert [(r.row, r.serial_no, r.fault_description, r.remark) for r in parsed.rows] == [
        (4, "DY-0001", "无输出", "急")
    ]
    assert [(r.row, r.reason) for r in parsed.rejected] == [
        (5, "数量为 2，每行应为一件产品（数量 1）")
    ]


def test_group_headers_over_the_model_and_serial_words(tmp_path: Path) -> None:
    path = write_product_group_list(
        tmp_path / "产品信息.xlsx", [[1, "JX-1", "S1", "不开机", 1, "外壳裂"]]
    )
    parsed = read_handover_list(path)
    assert parsed.header_row == 1
    (row,) = parsed.rows
    assert (row.row, row.seq, row.model_code, row.serial_no) == (3, "1", "JX-1", "S1")
    assert (row.fault_description, row.remark) == ("不开机", "外壳裂")


def test_a_title_merged_over_a_one_row_header_is_not_a_group_header(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "标题.xlsx",
        [["某部队返厂交接清单"], ["序号", "型号", "出厂编号", "故障现象"], [1, "JX-1", "S1", "坏"]],
        merges=["A1:D1"],
    )
    parsed = read_handover_list(path)
    assert (parsed.header_row, parsed.title) == (2, "某部队返厂交接清单")
    assert [(r.row, r.fault_description) for r in parsed.rows] == [(3, "坏")]


# --- cells the reader used to empty without a word ---------------------------------------------

HEADER = ["序号", "型号", "出厂编号", "数量", "故障现象", "备注"]
FLAGGED_ROWS: list[list[Any]] = [
    [1, "JX-1", '="S"&A2', 1, "坏", None],  # 2: serial a formula without result -> rejected
    [2, "#REF!", "S2", 1, "坏", None],  # 3: model an error -> rejected
    [3, "JX-1", "S3", "=1", "坏", None],  # 4: quantity a formula -> rejected
    [4, "JX-1", True, 1, "坏", None],  # 5: serial a boolean -> rejected
    [5, "JX-1", "S5", 1, "=B6&C6", None],  # 6: fault a formula -> imported, warned
    [6, "JX-1", "S6", 1, "坏", "#N/A"],  # 7: remark an error -> imported, warned
    [7, "JX-1", dt.datetime(2026, 3, 12), 1, "坏", None],  # 8: serial a date -> warned
    [8, "JX-1", "S8", 1, "坏", False],  # 9: remark a boolean -> imported, warned
    ["=ROW()-1", None, None, None, None, None],  # 10: a numbered template line: skipped
]


def _flagged_list(tmp_path: Path) -> Path:
    return write_rows(tmp_path / "公式.xlsx", [HEADER, *FLAGGED_ROWS])


def test_formula_error_and_boolean_cells_are_named_per_row(tmp_path: Path) -> None:
    parsed = read_handover_list(_flagged_list(tmp_path))
    rejected = {r.row: r.reason for r in parsed.rejected}
    assert set(rejected) == {2, 3, 4, 5}
    assert rejected[2].startswith("“出厂编号”是公式，文件中没有保存计算结果")
    assert rejected[3] == "“型号/代号”是错误值 #REF!"
    assert rejected[4].startswith("“数量”是公式")
    assert rejected[5] == "“出厂编号”是逻辑值 TRUE"
    warned = {r.row: r.warnings for r in parsed.rows}
    assert set(warned) == {6, 7, 8, 9}
    assert warned[6] == (
        "“故障现象”是公式，文件中没有保存计算结果（请用 Excel 打开并保存后再导入），已按空白导入",
    )
    assert warned[7] == ("“备注”是错误值 #N/A，已按空白导入",)
    assert warned[8] == (WARN_SERIAL_DATE,)
    assert warned[9] == ("“备注”是逻辑值 FALSE，请核对",)
    assert {r.row: r.fault_description for r in parsed.rows}[6] == ""


def test_cells_are_named_on_a_sheet_whose_name_is_written_as_character_references(
    tmp_path: Path,
) -> None:
    """Some programs write the sheet's name in workbook.xml as &#20132;&#25509;…: still found."""
    path = write_rows(tmp_path / "清单.xlsx", [HEADER, FLAGGED_ROWS[4]], sheet_name="交接清单")
    refs = "".join(f"&#{ord(c)};" for c in "交接清单").encode()
    _rewrite_member(path, "xl/workbook.xml", lambda xml: xml.replace("交接清单".encode(), refs))
    parsed = read_handover_list(path)
    assert parsed.sheet_name == "交接清单"
    assert [(r.row, r.warnings[0][:9]) for r in parsed.rows] == [(2, "“故障现象”是公式")]


def test_the_preview_lists_the_warnings_by_sheet_row(
    db: Database, org: Org, tmp_path: Path
) -> None:
    preview = list_import.preview_list(db, _flagged_list(tmp_path))
    assert [row for row, _ in preview.row_warnings] == [6, 7, 8, 9]
    assert [row for row, _ in preview.rejected] == [2, 3, 4, 5]
    result = list_import.import_list(
        db, org.clerk, _flagged_list(tmp_path), user_unit="某部队", skip_bad_rows=True
    )
    assert result.imported == 4
    assert [row for row, _ in result.row_warnings] == [6, 7, 8, 9]


def test_master_list_formula_cells_are_named(db: Database, org: Org, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "主数据.xlsx",
        [
            ["型号", "名称", "图号", "层级"],
            ["=A3", "电源", "DY1", "单机"],
            ["XK-3", "控制盒", "#N/A", "单机"],
            ["JS-9", '="接收"&"机"', "JS1", "单机"],
        ],
    )
    preview = preview_master_list(db, org.admin, path)
    assert [(r.row, r.reason[:10]) for r in preview.rejected] == [(2, "“型号代号”是公式，")]
    assert [(r.row, r.reason) for r in preview.warnings] == [
        (3, "“图号”是错误值 #N/A，已按空白导入"),
        (4, "“名称”是公式，文件中没有保存计算结果（请用 Excel 打开并保存后再导入），已按空白导入"),
    ]


# --- the command's JSON -----------------------------------------------------------------------


def test_import_list_json_carries_the_warnings(tmp_path: Path) -> None:
    from tests.integration.test_cli import CLERK, CLERK_PASSWORD, run, set_up_store

    data_dir = tmp_path / "data"
    set_up_store(data_dir)
    path = _flagged_list(tmp_path)
    refused = run(data_dir, "import-list", str(path), "--json", "--login", CLERK,
                  password=CLERK_PASSWORD)  # fmt: skip
    assert refused.code == 2, refused
    payload = refused.json()
    assert [x["row"] for x in payload["rejected"]] == [2, 3, 4, 5]
    assert [x["row"] for x in payload["warnings"]] == [6, 7, 8, 9]
    assert all(set(x) == {"row", "reason"} and x["reason"] for x in payload["warnings"])
    done = run(data_dir, "import-list", str(path), "--json", "--skip-bad-rows", "--login", CLERK,
               password=CLERK_PASSWORD)  # fmt: skip
    assert done.code == 0, done
    assert done.json()["imported"] == 4
    assert done.json()["warnings"] == payload["warnings"]
    far = write_far_cell_list(tmp_path / "远.xlsx")
    failed = run(data_dir, "import-list", str(far), "--json", "--login", CLERK,
                 password=CLERK_PASSWORD)  # fmt: skip
    assert failed.one_line_error().startswith("fanxiu: 文件无法读取：")
    assert failed.json()["warnings"] == [] and failed.json()["task"] is None
