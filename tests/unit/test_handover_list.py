"""read_handover_list on lists built here the way units really send them."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.errors import DomainError, ListFileError
from app.services.handover.list_reader import (
    MSG_CANCELLED,
    MSG_CORRUPT,
    MSG_ENCRYPTED,
    MSG_NO_HEADER,
    WARN_SERIAL_DATE,
    WARN_SERIAL_LONG,
    WARN_SERIAL_NUMBER,
    ListRow,
    ParsedList,
    RejectedRow,
    read_handover_list,
)
from tests.support.messy_lists import (
    SAME_AS_ABOVE,
    SUBTITLE,
    TITLE,
    MessyList,
    write_big_list,
    write_encrypted_list,
    write_messy_list,
    write_rows,
    write_xls_list,
)

HEADER = ["序号", "产品名称", "型号", "出厂编号", "数量", "备注"]


def _rows(tmp_path: Path, data: list[list[Any]], **kwargs: Any) -> ParsedList:
    """Parse a list of HEADER on row 1 and `data` from row 2."""
    return read_handover_list(write_rows(tmp_path / "list.xlsx", [HEADER, *data], **kwargs))


def _by_row(parsed: ParsedList) -> dict[int, ListRow]:
    return {row.row: row for row in parsed.rows}


# --- the default messy list -------------------------------------------------------------------


@pytest.fixture
def messy(tmp_path: Path) -> tuple[MessyList, ParsedList]:
    built = write_messy_list(tmp_path / "交接清单.xlsx")
    return built, read_handover_list(built.path)


def test_messy_list_finds_title_header_and_sheet(messy: tuple[MessyList, ParsedList]) -> None:
    built, parsed = messy
    assert parsed.sheet_name == built.sheet_name == "交接清单"
    assert parsed.header_row == built.header_row == 4
    assert parsed.title == TITLE


def test_messy_list_accepted_rows(messy: tuple[MessyList, ParsedList]) -> None:
    built, parsed = messy
    r = built.data_rows
    assert parsed.rows == (
        ListRow(r[0], "1", "电源模块", "DY-12A", "GC1.234.001", "2301", 1, "无输出", "",
                (WARN_SERIAL_NUMBER,)),
        ListRow(r[1], "2", "电源模块", "DY-12A", "GC1.234.001", "2302", 1, "输出电压低", "", ()),
        ListRow(r[2], "3", "电源 模块", "DY-12A", "", "GC12A-001", 1, "开机 无显示", "", ()),
        ListRow(r[3], "4", "显示控制盒", "XK-3", "", "XK3-0005", 1, "", "2026-10-03", ()),
        ListRow(r[9], "10", "接收机", "JS-9", "", "12345", 1, "", "", (WARN_SERIAL_NUMBER,)),
        ListRow(r[10], "11", "接收机", "JS-9", "", "00123", 1, "", "外壳有划痕", ()),
    )  # fmt: skip


def test_messy_list_rejected_rows_name_the_sheet_row(messy: tuple[MessyList, ParsedList]) -> None:
    built, parsed = messy
    r = built.data_rows
    assert parsed.rejected == (
        RejectedRow(r[4], f"出厂编号 XK3-0005 在第 {r[3]} 行已出现"),
        RejectedRow(r[5], "缺少出厂编号"),
        RejectedRow(r[6], "缺少型号/代号"),
        RejectedRow(r[7], "数量为 2，每行应为一件产品（数量 1）"),
        RejectedRow(r[8], "数量“若干”无法识别，每行应为一件产品（数量 1）"),
    )
    # Sheet rows as Excel shows them: title 1, subtitle 2, blank 3, header 4, data from 5.
    assert [row.row for row in parsed.rejected] == [10, 11, 13, 14, 15]


def test_messy_list_skips_everything_that_is_not_a_product_line(
    messy: tuple[MessyList, ParsedList],
) -> None:
    built, parsed = messy
    seen = {row.row for row in parsed.rows} | {row.row for row in parsed.rejected}
    assert seen == set(built.data_rows)
    assert built.blank_rows and built.repeated_header_row is not None
    assert len(built.footer_rows) == 4  # 以下空白, 合计, signatures, date
    skipped = {1, 2, 3, built.header_row, *built.blank_rows, built.repeated_header_row}
    assert not seen & (skipped | set(built.footer_rows))


def test_messy_list_reports_the_merged_model_cell(messy: tuple[MessyList, ParsedList]) -> None:
    built, parsed = messy
    first, last = built.data_rows[0], built.data_rows[2]
    assert parsed.warnings == (
        f"“型号/代号”列有合并单元格（第 {first}–{last} 行），已按每行填入同一值",
    )


# --- header -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["序号", "产品名称", "型号", "图号", "出厂编号", "数量", "故障现象", "备注"],
        ["序", "名称", "代号", "产品图号", "编号", "数", "故障描述", "说明"],
        ["No.", "品名", "型号代号", "图 号", "产品编号", "数量(件)", "故障情况", "备 注"],
        ["ＮＯ", "产品名称", "型号(代号)", "图号", "序列号", "数量", "故障", "备注"],
        ["序\u3000号", " 产 品 名 称 ", "型号/代号", "图号", "出厂号", "数\u3000量", "故障现象", "备注"],
        ["序号", "产品名称", "产品型号", "图号", "出厂编号（必填）", "数量", "故障现象", "备注"],
        ["序号", "产品名称", "型号（代号）", "图号", "出\n厂\n编\n号", "数量", "故障现象", "备注"],
    ],
)  # fmt: skip
def test_header_synonyms_and_spellings(tmp_path: Path, header: list[str]) -> None:
    data = [1, "电源模块", "DY-12A", "GC1.234.001", "A001", 1, "无输出", "返修两次"]
    parsed = read_handover_list(write_rows(tmp_path / "h.xlsx", [header, data]))
    assert parsed.header_row == 1
    assert parsed.rows == (
        ListRow(2, "1", "电源模块", "DY-12A", "GC1.234.001", "A001", 1, "无输出", "返修两次", ()),
    )
    assert parsed.warnings == ()


def test_header_below_title_rows_and_in_later_columns(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        [None, "清单"],
        [None, "第 1 页"],
        [],
        [None, None, *HEADER],
        [None, None, 1, "机箱", "JX-1", "S1"],
    ]
    parsed = read_handover_list(write_rows(tmp_path / "h.xlsx", rows))
    assert (parsed.title, parsed.header_row) == ("清单", 4)
    assert [(r.row, r.seq, r.model_code, r.serial_no) for r in parsed.rows] == [
        (5, "1", "JX-1", "S1")
    ]


def test_title_is_empty_when_the_header_is_on_top(tmp_path: Path) -> None:
    assert _rows(tmp_path, [[1, "机箱", "JX-1", "S1"]]).title == ""


def test_title_joins_the_texts_of_the_first_row(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["交接清单", None, "（第二批）"],
        [SUBTITLE],
        HEADER,
        [1, "机箱", "JX-1", "S1"],
    ]
    assert read_handover_list(write_rows(tmp_path / "t.xlsx", rows)).title == "交接清单 (第二批)"


def test_a_model_column_is_required(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["序号", "产品名称", "出厂编号"], [1, "机箱", "S1"]]
    with pytest.raises(ListFileError) as err:
        read_handover_list(write_rows(tmp_path / "m.xlsx", rows))
    assert err.value.message == MSG_NO_HEADER


def test_a_serial_column_is_required(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="找不到表头"):
        read_handover_list(write_rows(tmp_path / "s.xlsx", [["序号", "型号", "数量"], [1, "X", 1]]))


def test_header_beyond_the_first_30_rows_is_not_found(tmp_path: Path) -> None:
    rows: list[list[Any]] = [[f"说明 {i}"] for i in range(30)] + [HEADER, [1, "机箱", "JX-1", "S1"]]
    with pytest.raises(ListFileError, match="找不到表头"):
        read_handover_list(write_rows(tmp_path / "far.xlsx", rows))


def test_empty_workbook_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(ListFileError) as err:
        read_handover_list(write_rows(tmp_path / "empty.xlsx", []))
    assert err.value.message == MSG_NO_HEADER


def test_specific_serial_name_beats_bare_bianhao(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["编号", "型号", "出厂编号"], ["7", "JX-1", "S1"]]
    parsed = read_handover_list(write_rows(tmp_path / "b.xlsx", rows))
    assert [r.serial_no for r in parsed.rows] == ["S1"]
    assert parsed.warnings == ("表头中有多列都是“出厂编号”，使用第 C 列", "表头中没有“产品名称”列")


def test_first_sheet_with_a_header_is_used(tmp_path: Path) -> None:
    built = write_messy_list(tmp_path / "two.xlsx", leading_sheet="填表说明")
    parsed = read_handover_list(built.path)
    assert parsed.sheet_name == "交接清单"
    assert len(parsed.rows) == 6


def test_other_sheets_with_a_header_are_named_in_a_warning(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "many.xlsx",
        [HEADER, [1, "机箱", "JX-1", "S1"]],
        sheet_name="一月",
        more_sheets={"二月": [HEADER, [1, "机箱", "JX-1", "S2"]], "备忘": [["无"]]},
    )
    parsed = read_handover_list(path)
    assert parsed.sheet_name == "一月"
    assert [r.serial_no for r in parsed.rows] == ["S1"]
    assert "工作表 “二月” 也有表头但未导入，本次只导入“一月”" in parsed.warnings


# --- skipped rows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "footer",
    [
        ["交接人：张三", None, None, None],
        [None, "接收人：", None, None],
        [None, "移交人：李四", None, "签字："],
        ["经办人："],
        [None, "签字（盖章）"],
        [None, None, None, "签名："],
        ["日期：2026年11月20日"],
        [None, "合计", None, None, 5],
        [None, "本页小计", None, None, 3],
        [None, "交接人：", "接收人：", "移交单位（盖章）："],
        [dt.date(2026, 11, 20)],  # a date in 序号 only: nothing that names a product
    ],
)
def test_footer_rows_are_skipped(tmp_path: Path, footer: list[Any]) -> None:
    parsed = _rows(tmp_path, [[1, "机箱", "JX-1", "S1"], footer, [2, "机箱", "JX-1", "S2"]])
    assert [r.row for r in parsed.rows] == [2, 4]
    assert parsed.rejected == ()


def test_a_product_whose_name_mentions_a_footer_word_is_kept(tmp_path: Path) -> None:
    parsed = _rows(tmp_path, [[1, "日期显示板", "RQ-1", "RQ001"], [None, "签字笔", "QZ-1", "Q1"]])
    assert [r.product_name for r in parsed.rows] == ["日期显示板", "签字笔"]


def test_blank_and_template_rows_are_skipped(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [1, "机箱", "JX-1", "S1"],
        [],
        [None, "  ", "\u3000", None, None, " "],  # only whitespace
        [2],  # numbered but unused template line
        [3, None, None, None, 1],  # template line with its quantity pre-filled
        ["以下空白"],
        ["注：请逐台核对铭牌"],
    ]
    parsed = _rows(tmp_path, data)
    assert [r.row for r in parsed.rows] == [2]
    assert parsed.rejected == ()


def test_repeated_header_is_skipped_even_spelled_differently(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [1, "机箱", "JX-1", "S1"],
        ["序 号", "名称", "型号（代号）", "出 厂 编 号", "数量", "备注"],
        [2, "机箱", "JX-1", "S2"],
    ]
    parsed = _rows(tmp_path, data)
    assert [r.row for r in parsed.rows] == [2, 4]
    assert parsed.rejected == ()


def test_two_row_header_merged_down_is_not_a_data_row(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["序号", "型号", "出厂编号", "故障", None],
        [None, None, None, "现象", "原因"],
        [1, "JX-1", "S1", "无输出", "待查"],
    ]
    parsed = read_handover_list(
        write_rows(tmp_path / "h2.xlsx", rows, merges=["A1:A2", "B1:B2", "C1:C2", "D1:E1"])
    )
    assert parsed.header_row == 1
    assert [(r.row, r.serial_no, r.fault_description) for r in parsed.rows] == [(3, "S1", "无输出")]
    assert parsed.rejected == ()


# --- rejected rows ----------------------------------------------------------------------------


def test_missing_serial_and_model(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [1, "机箱", None, "S1"],
        [2, "机箱", "JX-1", None],
        [3, "机箱", None, None, None, "坏"],
    ]
    assert _rows(tmp_path, data).rejected == (
        RejectedRow(2, "缺少型号/代号"),
        RejectedRow(3, "缺少出厂编号"),
        RejectedRow(4, "缺少出厂编号和型号/代号"),
    )


def test_duplicate_serial_names_the_first_row(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [1, "机箱", "JX-1", "S1"],
        [2, "机箱", "JX-2", "S1"],  # same serial, other model: another product
        [3, "机箱", "JX-1", "S2"],
        [4, "机箱", "jx-1", " s1 "],  # same product typed differently
        [5, "机箱", "JX-1", "S1"],
    ]
    parsed = _rows(tmp_path, data)
    assert [r.row for r in parsed.rows] == [2, 3, 4]
    assert parsed.rejected == (
        RejectedRow(5, "出厂编号 s1 在第 2 行已出现"),
        RejectedRow(6, "出厂编号 S1 在第 2 行已出现"),
    )


@pytest.mark.parametrize("quantity", [None, 1, 1.0, "1", "１", "1件", "1 台", "1pcs", " 1 ", "一"])
def test_quantity_meaning_one_is_accepted(tmp_path: Path, quantity: Any) -> None:
    parsed = _rows(tmp_path, [[1, "机箱", "JX-1", "S1", quantity]])
    assert [(r.row, r.quantity) for r in parsed.rows] == [(2, 1)]


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        (2, "数量为 2，每行应为一件产品（数量 1）"),
        (0, "数量为 0，每行应为一件产品（数量 1）"),
        ("3件", "数量为 3，每行应为一件产品（数量 1）"),
        (1.5, "数量为 1.5，每行应为一件产品（数量 1）"),
        ("若干", "数量“若干”无法识别，每行应为一件产品（数量 1）"),
        ("1-2", "数量“1-2”无法识别，每行应为一件产品（数量 1）"),
        (True, "数量“TRUE”无法识别，每行应为一件产品（数量 1）"),
    ],
)
def test_quantity_other_than_one_is_rejected(tmp_path: Path, quantity: Any, reason: str) -> None:
    parsed = _rows(tmp_path, [[1, "机箱", "JX-1", "S1", quantity]])
    assert parsed.rows == ()
    assert parsed.rejected == (RejectedRow(2, reason),)


def test_a_rejected_row_does_not_block_a_later_good_one(tmp_path: Path) -> None:
    parsed = _rows(tmp_path, [[1, "机箱", "JX-1", "S1", 2], [2, "机箱", "JX-1", "S1", 1]])
    assert [r.row for r in parsed.rows] == [3]
    assert [r.row for r in parsed.rejected] == [2]


# --- cell values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "serial", "warnings"),
    [
        (123.0, "123", (WARN_SERIAL_NUMBER,)),
        (20260001, "20260001", (WARN_SERIAL_NUMBER,)),
        (12.5, "12.5", (WARN_SERIAL_NUMBER,)),
        ("0123", "0123", ()),
        ("ＧＣ１２Ａ－００１", "GC12A-001", ()),
        ("GC 12A - 001", "GC12A-001", ()),
        ("\u200bGC12A-001\ufeff", "GC12A-001", ()),
        ("GC12A\u3000001", "GC12A001", ()),
        (1234567890123456789, "1234567890123460000", (WARN_SERIAL_LONG,)),
        (dt.datetime(2026, 1, 5), "2026-01-05", (WARN_SERIAL_DATE,)),
    ],
)
def test_serial_as_text(tmp_path: Path, cell: Any, serial: str, warnings: tuple[str, ...]) -> None:
    (row,) = _rows(tmp_path, [[1, "机箱", "JX-1", cell]]).rows
    assert (row.serial_no, row.warnings) == (serial, warnings)


def test_text_cells_are_normalised(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [1.0, "  电源\u3000\u3000模块（Ａ型） ", "ＤＹ－１２ Ａ", "S1", 1, "第一行\n第二行"]
    ]
    (row,) = _rows(tmp_path, data).rows
    assert (row.seq, row.product_name, row.model_code, row.remark) == (
        "1",
        "电源 模块(A型)",
        "DY-12A",
        "第一行 第二行",
    )


def test_dates_and_times_render_iso(tmp_path: Path) -> None:
    data: list[list[Any]] = [
        [1, "机箱", "JX-1", "S1", 1, dt.date(2026, 11, 20)],
        [2, "机箱", "JX-1", "S2", 1, dt.datetime(2026, 11, 20, 9, 30)],
    ]
    assert [r.remark for r in _rows(tmp_path, data).rows] == ["2026-11-20", "2026-11-20 09:30:00"]


def test_model_merged_down_applies_to_each_row(tmp_path: Path) -> None:
    rows = [
        {"seq": 1, "model_code": "DY-12A", "serial_no": "A1"},
        {"seq": 2, "model_code": SAME_AS_ABOVE, "serial_no": "A2"},
        {"seq": 3, "model_code": SAME_AS_ABOVE, "serial_no": "A3"},
        {"seq": 4, "model_code": "XK-3", "serial_no": "A4", "product_name": "控制盒"},
    ]
    built = write_messy_list(tmp_path / "m.xlsx", rows, blank_after=None, repeat_header_after=None)
    parsed = read_handover_list(built.path)
    assert [(r.row, r.model_code) for r in parsed.rows] == [
        (built.data_rows[0], "DY-12A"),
        (built.data_rows[1], "DY-12A"),
        (built.data_rows[2], "DY-12A"),
        (built.data_rows[3], "XK-3"),
    ]


def test_value_merged_across_columns_stays_in_its_first_column(tmp_path: Path) -> None:
    parsed = _rows(tmp_path, [[1, "机箱", "JX-1", "S1", None, "外壳变形"]], merges=["B2:C2"])
    # B2:C2 merged: the name is not copied into the model column, so the model is missing.
    assert parsed.rejected == (RejectedRow(2, "缺少型号/代号"),)


# --- files that cannot be read ----------------------------------------------------------------


def _read_error(path: Path) -> str:
    with pytest.raises(ListFileError) as err:
        read_handover_list(path)
    message = err.value.message
    assert "\n" not in message and "Traceback" not in message
    return message


def test_random_bytes_are_reported_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "坏.xlsx"
    path.write_bytes(os.urandom(4096))
    assert _read_error(path) == MSG_CORRUPT


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".csv", ".docx", ""])
def test_not_a_spreadsheet_is_reported_as_corrupt(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"list{suffix}"
    path.write_text("序号,型号,出厂编号\n1,JX-1,S1\n", encoding="utf-8")
    assert _read_error(path) == MSG_CORRUPT


def test_empty_file_and_zip_without_workbook_are_corrupt(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _read_error(empty) == MSG_CORRUPT
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert _read_error(bare) == MSG_CORRUPT


def test_truncated_workbook_is_corrupt(tmp_path: Path) -> None:
    path = write_messy_list(tmp_path / "cut.xlsx").path
    path.write_bytes(path.read_bytes()[:3000])
    assert _read_error(path) == MSG_CORRUPT


def test_encrypted_file(tmp_path: Path) -> None:
    assert _read_error(write_encrypted_list(tmp_path / "密码.xlsx").path) == MSG_ENCRYPTED


def test_encrypted_file_with_the_wrong_suffix(tmp_path: Path) -> None:
    built = write_encrypted_list(tmp_path / "locked.xlsx")
    renamed = built.path.rename(tmp_path / "locked.xls")
    assert _read_error(renamed) == MSG_ENCRYPTED


def test_missing_file(tmp_path: Path) -> None:
    assert _read_error(tmp_path / "不存在.xlsx") == "找不到文件：不存在.xlsx"


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "清单.xlsx"
    folder.mkdir()
    assert _read_error(folder) == "不是文件：清单.xlsx"


def test_an_xlsx_renamed_to_xls_still_reads(tmp_path: Path) -> None:
    built = write_messy_list(tmp_path / "list.xlsx")
    parsed = read_handover_list(built.path.rename(tmp_path / "list.xls"))
    assert len(parsed.rows) == 6


def test_xls_file(tmp_path: Path) -> None:
    pytest.importorskip("xlwt")
    parsed = read_handover_list(write_xls_list(tmp_path / "old.xls"))
    assert (parsed.title, parsed.header_row) == (TITLE, 2)
    assert [(r.row, r.model_code, r.serial_no, r.warnings) for r in parsed.rows] == [
        (3, "DY-12A", "2301", (WARN_SERIAL_NUMBER,)),
        (4, "DY-12A", "0042", ()),
    ]
    assert parsed.rejected == ()


# --- progress and size ------------------------------------------------------------------------


def test_progress_is_reported_every_200_rows(tmp_path: Path) -> None:
    path = write_big_list(tmp_path / "big.xlsx", n=450)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        if total:  # (0, 0): asked whether to go on while the child process reads the file
            calls.append((done, total))
        return True

    parsed = read_handover_list(path, progress)
    assert len(parsed.rows) == 450
    assert calls == [(0, 450), (200, 450), (400, 450), (450, 450)]


def test_progress_returning_false_cancels(tmp_path: Path) -> None:
    path = write_big_list(tmp_path / "big.xlsx", n=450)
    calls: list[int] = []

    def progress(done: int, total: int) -> bool:
        if total:
            calls.append(done)
        return done < 200

    with pytest.raises(DomainError) as err:
        read_handover_list(path, progress)
    assert err.value.message == MSG_CANCELLED
    assert not isinstance(err.value, ListFileError)
    assert calls == [0, 200]


def test_ten_thousand_rows(tmp_path: Path) -> None:
    parsed = read_handover_list(write_big_list(tmp_path / "big.xlsx", n=10_000))
    assert len(parsed.rows) == 10_000
    assert parsed.rejected == ()
    assert parsed.rows[-1].row == 10_002
