"""Builders for handover-list workbooks as units really send them; tests build them in tmp_path."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

TITLE = "XX部队故障产品返厂交接清单"
SUBTITLE = "交接日期：2026年11月20日"
# Keys of a row dict (the ListRow field names) and the header as a unit typed it.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序\u3000号"),
    ("product_name", "产品名称"),
    ("model_code", "型号（代号）"),
    ("drawing_no", "图 号"),
    ("serial_no", "出 厂 编 号"),
    ("quantity", "数\u3000量"),
    ("fault_description", "故障现象"),
    ("remark", "备\u3000注"),
)
HEADER = [label for _, label in COLUMNS]


class _SameAsAbove:
    def __repr__(self) -> str:
        return "SAME_AS_ABOVE"


SAME_AS_ABOVE: Any = _SameAsAbove()
"""A cell value meaning: merge this cell with the one above (a value merged down rows)."""

# The default content; the comments say what read_handover_list should make of each line.
DEFAULT_ROWS: list[dict[str, Any]] = [
    # accepted; serial stored as a number -> "2301" with a leading-zero warning
    {"seq": 1, "product_name": "电源模块", "model_code": "DY-12A", "drawing_no": "GC1.234.001",
     "serial_no": 2301, "quantity": 1, "fault_description": "无输出"},
    # accepted; model merged down from the row above, "1件" is one
    {"seq": 2, "product_name": "电源模块", "model_code": SAME_AS_ABOVE,
     "drawing_no": "GC1.234.001", "serial_no": "2302", "quantity": "1件",
     "fault_description": "输出电压低"},
    # accepted; full-width serial, model still merged, blank quantity, messy whitespace
    {"seq": 3, "product_name": "电源\u3000模块", "model_code": SAME_AS_ABOVE,
     "serial_no": "ＧＣ１２Ａ－００１", "fault_description": "  开机\n  无显示 "},
    # (a blank row follows)
    # accepted; spaces inside the model code, date in 备注, quantity stored as 1.0
    {"seq": 4, "product_name": "显示控制盒", "model_code": "XK - 3", "serial_no": "XK3-0005",
     "quantity": 1.0, "remark": dt.date(2026, 10, 3)},
    # rejected: same model and serial as the row above
    {"seq": 5, "product_name": "显示控制盒", "model_code": "XK-3", "serial_no": " XK3-0005 "},
    # rejected: no serial
    {"seq": 6, "product_name": "天线", "model_code": "TX-7"},
    # (the header is repeated here, as at the top of a printed page)
    # rejected: no model
    {"seq": 7, "product_name": "天线", "serial_no": "TX-771"},
    # rejected: quantity 2
    {"seq": 8, "product_name": "线缆", "model_code": "XL-1", "serial_no": "XL-0101", "quantity": 2},
    # rejected: quantity not a number
    {"seq": 9, "product_name": "线缆", "model_code": "XL-1", "serial_no": "XL-0102",
     "quantity": "若干"},
    # accepted; serial stored as a float -> "12345", never "12345.0"
    {"seq": 10, "product_name": "接收机", "model_code": "JS-9", "serial_no": 12345.0},
    # accepted; a serial kept as text keeps its leading zeros and gets no warning
    {"seq": 11, "product_name": "接收机", "model_code": "JS-9", "serial_no": "00123",
     "remark": "外壳有划痕"},
]  # fmt: skip


@dataclass(frozen=True)
class MessyList:
    """Where things landed in a built list (1-based sheet rows, as Excel shows them)."""

    path: Path
    sheet_name: str
    title: str
    header_row: int
    data_rows: tuple[int, ...]  # sheet row of each given row dict, in order
    blank_rows: tuple[int, ...]  # blank rows inside the table
    repeated_header_row: int | None
    footer_rows: tuple[int, ...]  # 以下空白, 合计, signature and date lines


def write_messy_list(
    path: str | os.PathLike[str],
    rows: list[dict[str, Any]] | None = None,
    *,
    blank_after: int | None = 3,
    repeat_header_after: int | None = 6,
    sheet_name: str = "交接清单",
    leading_sheet: str | None = None,
) -> MessyList:
    """Write a realistic messy list: merged title, subtitle, spaced header, blank and
    repeated-header rows in the table, and 以下空白 / 合计 / signature lines below it.

    `blank_after` / `repeat_header_after` put those rows after that many data rows (None: none).
    `leading_sheet` adds a first sheet of that name holding notes but no header.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if leading_sheet is not None:
        sheet.title = leading_sheet
        sheet.append(["填表说明"])
        sheet.append(["1. 每行填写一件产品。"])
        sheet.append(["2. 出厂编号按铭牌填写。"])
        sheet = workbook.create_sheet(sheet_name)
    else:
        sheet.title = sheet_name
    layout = _write_messy_sheet(
        sheet, DEFAULT_ROWS if rows is None else rows, blank_after, repeat_header_after
    )
    workbook.save(path)
    return MessyList(path=Path(path), sheet_name=sheet_name, **layout)


def _write_messy_sheet(
    sheet: Worksheet,
    rows: list[dict[str, Any]],
    blank_after: int | None,
    repeat_header_after: int | None,
) -> dict[str, Any]:
    last_col = get_column_letter(len(COLUMNS))
    sheet["A1"] = TITLE
    sheet.merge_cells(f"A1:{last_col}1")
    sheet["A2"] = SUBTITLE
    sheet.merge_cells("A2:D2")
    sheet["F2"] = "送修单位：XX部队"
    header_row = 4  # row 3 stays blank
    sheet.append([])  # openpyxl appends after the last used row (2) -> row 3 blank
    for column, label in enumerate(HEADER, start=1):
        sheet.cell(row=header_row, column=column, value=label)

    current = header_row
    data_rows: list[int] = []
    blank_rows: list[int] = []
    repeated: int | None = None
    merge_start: dict[int, int] = {}  # column -> first row of a running SAME_AS_ABOVE merge
    for index, values in enumerate(rows):
        if blank_after is not None and index == blank_after:
            current += 1
            blank_rows.append(current)
        if repeat_header_after is not None and index == repeat_header_after:
            current += 1
            repeated = current
            for column, label in enumerate(HEADER, start=1):
                sheet.cell(row=current, column=column, value=label)
        current += 1
        data_rows.append(current)
        unknown = set(values) - {key for key, _ in COLUMNS}
        if unknown:
            raise ValueError(f"unknown row keys {sorted(unknown)}")
        for column, (key, _) in enumerate(COLUMNS, start=1):
            value = values.get(key)
            if value is SAME_AS_ABOVE:
                if len(data_rows) < 2 or data_rows[-2] != current - 1:
                    raise ValueError("SAME_AS_ABOVE needs a data row directly above")
                merge_start.setdefault(column, current - 1)
                continue
            if len(data_rows) > 1:
                _close_merge(sheet, merge_start, column, data_rows[-2])
            if value is not None:
                sheet.cell(row=current, column=column, value=value)
    for column in list(merge_start):
        _close_merge(sheet, merge_start, column, current)

    footer_rows = []
    current += 1
    sheet.cell(row=current, column=1, value="以下空白")
    footer_rows.append(current)
    current += 1
    sheet.cell(row=current, column=1, value="合计")
    sheet.cell(row=current, column=6, value=len(rows))
    footer_rows.append(current)
    current += 2  # a blank line before the signatures
    sheet.cell(row=current, column=1, value="交接人：        接收人：")
    sheet.merge_cells(f"A{current}:D{current}")
    sheet.cell(row=current, column=5, value="移交单位（盖章）：")
    footer_rows.append(current)
    current += 1
    sheet.cell(row=current, column=5, value="日期：    年  月  日")
    footer_rows.append(current)
    return {
        "title": TITLE,
        "header_row": header_row,
        "data_rows": tuple(data_rows),
        "blank_rows": tuple(blank_rows),
        "repeated_header_row": repeated,
        "footer_rows": tuple(footer_rows),
    }


def _close_merge(sheet: Worksheet, starts: dict[int, int], column: int, last_row: int) -> None:
    start = starts.pop(column, None)
    if start is not None and last_row > start:
        sheet.merge_cells(start_row=start, start_column=column, end_row=last_row, end_column=column)


def write_rows(
    path: str | os.PathLike[str],
    rows: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    sheet_name: str = "Sheet1",
    more_sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
) -> Path:
    """Write rows from A1 exactly as given (None for an empty cell), for small targeted lists."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_name
    _put_rows(sheet, rows)
    for ref in merges:
        sheet.merge_cells(ref)
    for name, more in (more_sheets or {}).items():
        _put_rows(workbook.create_sheet(name), more)
    workbook.save(path)
    return Path(path)


def _put_rows(sheet: Worksheet, rows: Sequence[Sequence[Any]]) -> None:
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)


def write_big_list(path: str | os.PathLike[str], n: int = 10000) -> Path:
    """A plain list of n accepted rows (title, header on row 2), for benchmarks and progress."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("清单")
    sheet.append([TITLE])
    sheet.append(["序号", "产品名称", "型号", "图号", "出厂编号", "数量", "故障现象", "备注"])
    for i in range(1, n + 1):
        serial: Any = f"SN{i:06d}" if i % 2 else 20260000 + i  # text and number serials mixed
        sheet.append([i, "电源模块", f"DY-{i % 7}", "GC1.234.001", serial, 1, "无输出", ""])
    workbook.save(path)
    return Path(path)


def write_encrypted_list(path: str | os.PathLike[str], password: str = "1234") -> MessyList:
    """The default messy list, saved with a password (openpyxl cannot; msoffcrypto-tool can)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = Path(path).with_name(Path(path).name + ".plain.xlsx")
    layout = write_messy_list(plain)
    encrypted = io.BytesIO()
    with plain.open("rb") as handle:
        OOXMLFile(handle).encrypt(password, encrypted)
    plain.unlink()
    Path(path).write_bytes(encrypted.getvalue())
    return MessyList(**{**layout.__dict__, "path": Path(path)})


def write_xls_list(path: str | os.PathLike[str]) -> Path:
    """An old-format .xls list (xlwt): merged title, numeric serial, model merged down 2 rows."""
    import xlwt  # type: ignore[import-untyped]

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Sheet1")
    sheet.write_merge(0, 0, 0, 5, TITLE)
    for column, label in enumerate(["序号", "产品名称", "型号", "出厂编号", "数量", "备注"]):
        sheet.write(1, column, label)
    sheet.write(2, 0, 1)
    sheet.write(2, 1, "电源模块")
    sheet.write_merge(2, 3, 2, 2, "DY-12A")
    sheet.write(2, 3, 2301.0)
    sheet.write(2, 4, 1)
    sheet.write(3, 0, 2)
    sheet.write(3, 1, "电源模块")
    sheet.write(3, 3, "0042")
    sheet.write(4, 0, "交接人：")
    workbook.save(str(path))
    return Path(path)


# --- hostile and awkward files (tests/unit/test_hostile_lists.py) ------------------------------


def write_far_cell_list(path: str | os.PathLike[str], *, honest_dimension: bool = True) -> Path:
    """A small good list plus one value in XFD1048576, the sheet's last cell.

    With `honest_dimension` false the sheet's <dimension> says A1:H10, so only the reader's own
    look at the cells (in its child process) can find the far cell.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["序号", "型号", "出厂编号", "数量"])
    sheet.append([1, "DY-12A", "DY-0001", 1])
    sheet["XFD1048576"] = "x"
    workbook.save(path)
    if not honest_dimension:
        _rewrite_member(
            Path(path),
            "xl/worksheets/sheet1.xml",
            lambda xml: xml.replace(
                b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1:H10"/>'
            ),
        )
    return Path(path)


def _rewrite_member(path: Path, name: str, change: Any) -> None:
    """Rewrite one member of a zip (an .xlsx) through `change(bytes) -> bytes`."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            target.writestr(info, change(data) if info.filename == name else data)


def write_inflating_list(path: str | os.PathLike[str], inflated_mb: int = 1024) -> Path:
    """A workbook whose sheet inflates to `inflated_mb` MB of XML (a few MB zipped).

    Streamed into the zip 1 MB at a time: the test never holds the sheet in memory.
    """
    import zipfile

    built = write_rows(Path(path).with_name("seed.xlsx"), [["序号", "型号", "出厂编号"]])
    with zipfile.ZipFile(built) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    built.unlink()
    row = b'<row><c t="inlineStr"><is><t>0000000000000000000000000000</t></is></c></row>'
    chunk = row * ((1 << 20) // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info, data in members:
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, data)
                continue
            head, _, tail = data.partition(b"</sheetData>")
            with target.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(inflated_mb):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return Path(path)


def write_group_header_list(path: str | os.PathLike[str], rows: Sequence[Sequence[Any]]) -> Path:
    """A list whose header is two rows under a title, as some units draw it:

    row 2: 序号 | 型号 | 出厂编号 | 故障信息 (merged over two) | 备注   (the others merged down)
    row 3:      |      |          | 故障现象 | 数量            |
    `rows` (序号, 型号, 出厂编号, 故障现象, 数量, 备注) start on row 4.
    """
    merges = ["A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3"]
    return write_rows(
        path,
        [
            [TITLE],
            ["序号", "型号", "出厂编号", "故障信息", None, "备注"],
            [None, None, None, "故障现象", "数量", None],
            *rows,
        ],
        merges=merges,
    )


def write_product_group_list(path: str | os.PathLike[str], rows: Sequence[Sequence[Any]]) -> Path:
    """Group headers over the words: "产品信息" over 型号/编号, "故障信息" over 现象/数量.

    row 1: 序号 | 产品信息 (B:C) | 故障信息 (D:E) | 备注    (序号 and 备注 merged down)
    row 2:      | 型号 | 编号     | 现象 | 数量     |
    `rows` (序号, 型号, 编号, 现象, 数量, 备注) start on row 3.
    """
    return write_rows(
        path,
        [
            ["序号", "产品信息", None, "故障信息", None, "备注"],
            [None, "型号", "编号", "现象", "数量", None],
            *rows,
        ],
        merges=["A1:A2", "B1:C1", "D1:E1", "F1:F2"],
    )


def mutated_copies(source: bytes, count: int, seed: int = 9) -> Iterator[tuple[str, bytes]]:
    """`count` damaged copies of a workbook's bytes, the same ones on every run (seeded).

    Byte flips in the zip, truncations, and flips inside the inflated sheet XML zipped again
    (far cell references, broken tags), which get past the zip's checks to the reader itself.
    """
    import random
    import zipfile

    rng = random.Random(seed)
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    for number in range(count):
        kind = number % 4
        if kind == 0:
            data = bytearray(source)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield f"{number}-flips", bytes(data)
        elif kind == 1:
            yield f"{number}-cut", source[: rng.randrange(len(source))]
        else:
            sheets = [n for n, _ in members if n.startswith("xl/worksheets/")]
            target = rng.choice(sheets if kind == 2 else [n for n, _ in members if "xl/" in n])
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in members:
                    if name == target:
                        data = _mutate_xml(rng, data)
                    archive.writestr(name, data)
            yield f"{number}-xml-{target}", out.getvalue()


def _mutate_xml(rng: Any, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(mutable))
        choice = rng.random()
        if choice < 0.4 and (digit := mutable.find(b'r="', at)) >= 0:
            # a cell or row reference pushed far out: r="A1" -> r="XFD1048576"
            end = mutable.find(b'"', digit + 3)
            far = rng.choice([b"XFD1048576", b"XFD1", b"A1048576", b"AMJ1048576", b"ZZZ9999999"])
            mutable[digit + 3 : end] = far
        elif choice < 0.7:
            mutable[at] = rng.choice(b'<>/"=0123456789&')
        else:
            del mutable[at : at + rng.randint(1, 40)]
    return bytes(mutable)
