"""Read a unit's handover list (交接清单) from Excel into checked rows; no database, no Qt.

Lists come from many units and are typed by hand: titles and signature lines around the table,
headers spelled a dozen ways, merged cells, serials stored as numbers. This module turns one
into accepted rows (one product each) and rejected rows with a reason a clerk can act on.

The cells are read by sheet_guard in a child process, so that no file can crash or swamp the
program; a header may be two rows (a group header over the words); a cell the reader would have
emptied (formula without result, error value) or misread (a logical value, a date serial) is
named on its row: the row is rejected if it cannot do without the cell, else imported with a
warning.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from app.errors import DomainError, ListFileError
from app.services.handover import sheet_guard
from app.services.handover.sheet_guard import Flagged, SheetData

HEADER_SCAN_ROWS = 30
PROGRESS_EVERY = 200

MSG_ENCRYPTED = "文件已加密（有密码保护），请在 Excel 中取消密码后再导入"
MSG_CORRUPT = "文件已损坏或不是 Excel 表格（支持 .xlsx、.xlsm、.xls、.ods），无法读取"
MSG_NO_HEADER = "找不到表头：需要至少包含“出厂编号”和“型号/代号”两列"
MSG_CANCELLED = "导入已取消"
WARN_SERIAL_NUMBER = "出厂编号以数字存储，前导零可能已丢失"
WARN_SERIAL_LONG = "出厂编号超过 15 位且以数字存储，Excel 已把末几位变成 0，请核对原件"
WARN_SERIAL_DATE = "出厂编号被 Excel 识别成了日期，请核对原件"

# Header synonyms per field, best first: when two columns match one field, the better-ranked
# name wins ("出厂编号" over a bare "编号", which some units use for the row number).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "序", "no", "行号"),
    "product_name": ("产品名称", "名称", "品名", "产品"),
    "model_code": ("型号代号", "代号型号", "型号", "代号", "产品型号", "产品代号", "规格型号"),
    "drawing_no": ("图号", "产品图号"),
    "serial_no": ("出厂编号", "产品编号", "序列号", "产品序列号", "出厂号", "编号"),
    "quantity": ("数量", "件数", "数"),
    "remark": ("备注", "说明"),
    "fault_description": ("故障现象", "故障描述", "故障情况", "故障"),
}
_HEADER_INDEX = {
    name: (field, rank) for field, names in _SYNONYMS.items() for rank, name in enumerate(names)
}
FIELD_LABELS = {
    "seq": "序号",
    "product_name": "产品名称",
    "model_code": "型号/代号",
    "drawing_no": "图号",
    "serial_no": "出厂编号",
    "quantity": "数量",
    "remark": "备注",
    "fault_description": "故障现象",
}
_FOOTER_WORDS = (
    "交接人",
    "接收人",
    "移交人",
    "经办人",
    "签字",
    "签名",
    "日期",
    "合计",
    "小计",
    "总计",
)
_FOOTER_RE = re.compile("|".join(_FOOTER_WORDS))
# Zero-width characters arrive with text pasted from chat programs and web pages.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_HEADER_PUNCT = re.compile(r"[()\[\]{}【】〔〕<>《》/\\、,，.。:：;；*＊#＃_\-—~]")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_GROUP_SUFFIX = re.compile(r"(信息|情况|内容|部分|说明|栏)$")
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)\s*[^\d\s.]{0,4}")  # a number and maybe a unit
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office puts an encrypted .xlsx inside an OLE container with this stream (UTF-16 name).
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")

# What calamine hands back for one cell ("" for an empty one), or a cell it would have emptied.
Cell = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta | Flagged
Merge = tuple[tuple[int, int], tuple[int, int]]  # ((top, left), (bottom, right)), 0-based


@dataclass(frozen=True)
class ListRow:
    """One product line of the list, accepted for import."""

    row: int
    seq: str
    product_name: str
    model_code: str
    drawing_no: str
    serial_no: str
    quantity: int
    fault_description: str
    remark: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class RejectedRow:
    """A line that looks like a product but cannot be imported as it stands."""

    row: int
    reason: str


@dataclass(frozen=True)
class ParsedList:
    """What was read from one handover list file."""

    sheet_name: str
    header_row: int
    title: str
    rows: tuple[ListRow, ...]
    rejected: tuple[RejectedRow, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Header:
    row_index: int  # 0-based, the last header row: data starts below it
    columns: dict[str, int]  # field -> 0-based column
    duplicates: tuple[str, ...]  # file-level warnings about fields named twice
    first_row: int = -1  # 0-based, the first header row (a group header's row); -1: row_index

    @property
    def top(self) -> int:
        return self.row_index if self.first_row < 0 else self.first_row


def read_handover_list(
    path: str | os.PathLike[str],
    progress: Callable[[int, int], bool] | None = None,
) -> ParsedList:
    """Parse the first sheet with a recognisable header; raise ListFileError if unreadable."""
    sheet_name, grid, merges, header, other_sheets = _load(Path(path), progress)
    warnings: list[str] = list(header.duplicates)
    if other_sheets:
        names = "、".join(f"“{name}”" for name in other_sheets)
        warnings.append(f"工作表 {names} 也有表头但未导入，本次只导入“{sheet_name}”")
    if "product_name" not in header.columns:
        warnings.append("表头中没有“产品名称”列")
    warnings.extend(_fill_merged_down(grid, merges, header))
    rows, rejected = _parse_rows(grid, header, progress)
    return ParsedList(
        sheet_name=sheet_name,
        header_row=header.top + 1,
        title=_title(grid, header.top),
        rows=tuple(rows),
        rejected=tuple(rejected),
        warnings=tuple(warnings),
    )


# --- reading the file -------------------------------------------------------------------------


def _load(
    path: Path, progress: Callable[[int, int], bool] | None = None
) -> tuple[str, list[list[Cell]], list[Merge], _Header, list[str]]:
    """Read the workbook (in a guarded child process) and pick the first sheet with a header."""
    sheets = read_sheets_guarded(path, progress)
    found = [
        (name, grid, merges, header)
        for name, grid, merges in sheets
        if (header := _find_header(grid[: HEADER_SCAN_ROWS + 1], merges)) is not None
    ]
    if not found:
        raise ListFileError(MSG_NO_HEADER)
    name, grid, merges, header = found[0]
    return name, grid, merges, header, [other for other, *_ in found[1:]]


def read_sheets_guarded(
    path: Path, progress: Callable[[int, int], bool] | None = None
) -> list[SheetData]:
    """Every worksheet of the file, visible first; whatever goes wrong is one line for the clerk.

    The cells are read in a child process (sheet_guard): a file that would crash the reader or
    swamp the memory ends here as a ListFileError; `progress` returning False stops the read.
    """
    if not path.exists():
        raise ListFileError(f"找不到文件：{path.name}")
    if not path.is_file():
        raise ListFileError(f"不是文件：{path.name}")
    keep_going = None if progress is None else (lambda: progress(0, 0) is not False)
    try:
        return sheet_guard.read_sheets(path, keep_going)
    except sheet_guard.UnreadableFile as exc:
        if exc.kind == "cancelled":
            raise DomainError(MSG_CANCELLED) from None
        if exc.kind == "password":
            raise ListFileError(MSG_ENCRYPTED) from None
        if exc.kind == "oserror":
            raise ListFileError(f"无法读取文件（可能正被其他程序占用）：{path.name}") from None
        if exc.kind == "refused":
            raise ListFileError(exc.message) from None
        raise ListFileError(MSG_ENCRYPTED if _looks_encrypted(path) else MSG_CORRUPT) from None


def _looks_encrypted(path: Path) -> bool:
    """An encrypted .xlsx is an OLE file holding an EncryptionInfo stream, whatever its suffix."""
    overlap = len(_ENCRYPTION_STREAM)
    try:
        with path.open("rb") as handle:
            if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
                return False
            # The OLE directory can sit anywhere in the file, so scan it all in chunks.
            tail = b""
            while chunk := handle.read(1 << 20):
                if _ENCRYPTION_STREAM in tail + chunk:
                    return True
                tail = chunk[-overlap:]
    except OSError:
        pass
    return False


# --- header -----------------------------------------------------------------------------------


def _header_field(value: Cell) -> tuple[str, int] | None:
    """Which field a header cell names, with its synonym rank; None if it names none."""
    if not isinstance(value, str) or not value:
        return None
    text = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
    text = "".join(text.split()).lower()
    if len(text) > 20:  # a title or a note, not a column name
        return None
    hit = _HEADER_INDEX.get(_HEADER_PUNCT.sub("", text))
    if hit is None:
        # "出厂编号(必填)", "数量(件)": the bracketed part is a hint, not the name.
        hit = _HEADER_INDEX.get(_HEADER_PUNCT.sub("", _BRACKETED.sub("", text)))
    return hit


def _match_header(cells: Sequence[Cell]) -> tuple[dict[str, int], list[str]] | None:
    """Map fields to columns if this row is a header (has serial and model columns)."""
    return _match_columns([[value] for value in cells])


def _match_columns(candidates: Sequence[Sequence[Cell]]) -> tuple[dict[str, int], list[str]] | None:
    """Like _match_header, each column named by the first of its candidate words that is a name."""
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    named_twice: list[str] = []
    for column, words in enumerate(candidates):
        hit = next((h for h in map(_header_field, words) if h is not None), None)
        if hit is None:
            continue
        field, rank = hit
        if field in best:
            named_twice.append(field)
            if rank >= best[field][0]:
                continue
        best[field] = (rank, column)
    if "serial_no" not in best or "model_code" not in best:
        return None
    return {field: column for field, (_, column) in best.items()}, named_twice


def _two_row_words(top: list[list[Cell]], index: int, merges: list[Merge]) -> list[list[Cell]]:
    """Candidate words per column of a header over rows `index` and `index + 1`.

    A group header ("产品信息" merged over 型号/编号, "故障信息" over 现象/数量) is read with
    the word under it: 故障 + 现象 is 故障现象. A cell merged down over both rows is its own name.
    Empty when row `index` holds no group header or vertical header merge (then it is not one).
    """
    upper, lower = list(top[index]), list(top[index + 1])
    width = max(len(upper), len(lower))
    upper += [""] * (width - len(upper))
    lower += [""] * (width - len(lower))
    grouped: set[int] = set()
    spans_both = False
    for (first, left), (last, right) in merges:
        if not first <= index <= last or left >= width:
            continue
        value = top[first][left] if left < len(top[first]) else ""
        if last > index:  # merged down over the lower row too: the lower cells are its own
            spans_both = True
            for column in range(left, min(right, width - 1) + 1):
                lower[column] = ""
        elif right > left and first == index and _header_word_like(value):
            for column in range(left, min(right, width - 1) + 1):
                upper[column] = value
                grouped.add(column)
    if not grouped and not spans_both:
        return []
    words: list[list[Cell]] = []
    for column in range(width):
        up, down = upper[column], lower[column]
        if column in grouped:
            # "故障信息" over "现象": 故障信息现象 names nothing, 故障 + 现象 does.
            stem = _GROUP_SUFFIX.sub("", _text(up))
            words.append([f"{up}{down}", f"{stem}{down}", down] if _text(down) else [up])
        else:
            words.append([up] if _text(up) else [down])
    return words


def _header_word_like(value: Cell) -> bool:
    return isinstance(value, str) and 0 < len("".join(value.split())) <= 20


def _find_header(top: list[list[Cell]], merges: list[Merge] | None = None) -> _Header | None:
    for index, cells in enumerate(top[:HEADER_SCAN_ROWS]):
        matched = _match_header(cells)
        first, last = -1, index
        double = _two_row_header(top, index, merges or [])
        if double is not None and (matched is None or len(double[0]) > len(matched[0])):
            matched, first, last = double, index, index + 1
        if matched is None:
            continue
        columns, named_twice = matched
        duplicates = tuple(
            f"表头中有多列都是“{FIELD_LABELS[field]}”，使用第 {_column_letter(columns[field])} 列"
            for field in dict.fromkeys(named_twice)
        )
        return _Header(row_index=last, columns=columns, duplicates=duplicates, first_row=first)
    return None


def _two_row_header(
    top: list[list[Cell]], index: int, merges: list[Merge]
) -> tuple[dict[str, int], list[str]] | None:
    """Rows `index` and `index + 1` read as one header, if together they name more than the
    lower row alone (a title merged above a one-row header adds nothing, so it is not one)."""
    if index + 1 >= len(top):
        return None
    words = _two_row_words(top, index, merges)
    double = _match_columns(words) if words else None
    if double is None:
        return None
    below = _match_header(top[index + 1])
    return None if below is not None and below[0] == double[0] else double


def _column_letter(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _title(grid: list[list[Cell]], header_index: int) -> str:
    """Text of the first non-empty row above the header (the list's title), else ""."""
    for cells in grid[:header_index]:
        texts = [text for text in (_text(value) for value in cells) if text]
        if texts:
            return " ".join(texts)
    return ""


def _fill_merged_down(
    grid: list[list[Cell]],
    merges: list[Merge],
    header: _Header,
) -> list[str]:
    """Copy a merged cell's value down its first column, so each row carries it.

    Only downward: a value merged across columns belongs to the column it starts in, and
    copying it sideways would put, say, a fault text into 备注 as well.
    """
    labels = {column: FIELD_LABELS[field] for field, column in header.columns.items()}
    filled: dict[str, list[str]] = {}
    for (top, left), (bottom, _right) in merges:
        if bottom <= top or top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        if value == "":
            continue
        last = min(bottom, len(grid) - 1)
        for index in range(top + 1, last + 1):
            if left < len(grid[index]):
                grid[index][left] = value
        if top > header.row_index and left in labels and last > top:
            filled.setdefault(labels[left], []).append(f"{top + 1}–{last + 1}")
    warnings = []
    for label, spans in filled.items():
        shown = "、".join(f"第 {span} 行" for span in spans[:5])
        more = f" 等 {len(spans)} 处" if len(spans) > 5 else ""
        warnings.append(f"“{label}”列有合并单元格（{shown}{more}），已按每行填入同一值")
    return warnings


# --- cells ------------------------------------------------------------------------------------


def _text(value: Cell) -> str:
    """A cell as the clerk sees it: NFKC, trimmed, inner whitespace runs made one space."""
    if isinstance(value, str):
        if not value.isascii():  # ASCII is already NFKC and has no zero-width characters
            value = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
        return " ".join(value.split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        # calamine returns whole numbers as floats (ints from .xls); "123.0" was never typed.
        if isinstance(value, float) and not value.is_integer():
            return format(value, ".15g")
        if abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits; show its zeros, not binary noise like ...457024.
        return str(int(Decimal(f"{value:.14e}")))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Flagged):
        return ""
    return str(value)


def _code(value: Cell) -> str:
    """Serials and model codes lose all whitespace: "GC 12A - 001" is "GC12A-001"."""
    return "".join(_text(value).split())


def _serial(value: Cell) -> tuple[str, list[str]]:
    """The serial as text, with warnings about what Excel may have done to it."""
    text = _code(value)
    if not text:
        return "", []
    if isinstance(value, bool):
        return text, []
    if isinstance(value, int | float):
        if abs(value) >= 1e15:
            return text, [WARN_SERIAL_LONG]
        return text, [WARN_SERIAL_NUMBER]
    if isinstance(value, dt.date | dt.time):
        return text, [WARN_SERIAL_DATE]
    return text, []


def _quantity(value: Cell) -> tuple[float | None, str]:
    """The quantity (None if it is not a number at all) and how it reads in a message."""
    if isinstance(value, bool):
        return None, _text(value)
    if isinstance(value, int | float):
        return float(value), _text(value)
    text = _text(value)
    if not text:
        return 1, ""  # blank means one product, as on most lists
    if text in ("一", "壹"):
        return 1, text
    match = _QUANTITY.fullmatch(text)  # "1", "1件", "1 台", "1pcs"
    if match is None:
        return None, text
    return float(match.group(1)), match.group(1)


# --- rows -------------------------------------------------------------------------------------


def _cell(cells: list[Cell], column: int | None) -> Cell:
    if column is None or column >= len(cells):
        return ""
    return cells[column]


def _is_footer(cells: list[Cell], serial: str) -> bool:
    """Signature, date and total lines at the foot of a page, which name no product."""
    # A label like "移交单位（盖章）：" under the serial column is not a serial either.
    if serial and not serial.endswith(":") and not _FOOTER_RE.search(serial):
        return False
    first = next((text for text in map(_text, cells) if text), "")
    return _FOOTER_RE.search(first) is not None


def _is_product_line(
    cells: list[Cell], raw_serial: Cell, serial: str, others: tuple[str, ...]
) -> bool:
    """Rows that are not product lines are skipped before they can be rejected."""
    # Only 序号 or 数量 filled is a numbered but unused template line; text only in columns we
    # do not read (or in 序号, like "以下空白" or "注：…") is a note.
    if not (serial or any(others)):
        return False
    if _is_footer(cells, serial):
        return False
    # Serial column names are Chinese, so an ASCII serial cannot start a repeated header.
    return not (
        not serial.isascii()
        and _header_field(raw_serial) is not None
        and _match_header(cells) is not None
    )  # the header again, at the top of a printed page


# A serial, model or quantity the row cannot do without: such a cell rejects the row.
_NEEDED = ("serial_no", "model_code", "quantity")


def _cell_issue(field: str, value: Cell) -> str:
    """What is wrong with a cell the reader would empty or misread silently, or ""."""
    label = FIELD_LABELS[field]
    if isinstance(value, Flagged):
        if value.kind == "error":
            return f"“{label}”是错误值 {value.text or '#VALUE!'}"
        return f"“{label}”是公式，文件中没有保存计算结果（请用 Excel 打开并保存后再导入）"
    if isinstance(value, bool) and field != "quantity":  # a TRUE quantity is refused as such
        return f"“{label}”是逻辑值 {'TRUE' if value else 'FALSE'}"
    return ""


def _cell_issues(cells: list[Cell], columns: dict[str, int]) -> tuple[str, list[str]]:
    """(why the row cannot be imported, or ""; what to check in a row imported anyway)."""
    refused: list[str] = []
    warnings: list[str] = []
    for field, column in columns.items():
        issue = _cell_issue(field, _cell(cells, column))
        if not issue:
            continue
        if field in _NEEDED:
            refused.append(issue)
        elif isinstance(_cell(cells, column), Flagged):
            warnings.append(f"{issue}，已按空白导入")
        else:
            warnings.append(f"{issue}，请核对")
    return "；".join(refused), warnings


def _row_problem(serial: str, model: str, quantity_cell: Cell) -> str:
    """Why a product line cannot be imported, or ""."""
    missing = [label for label, value in (("出厂编号", serial), ("型号/代号", model)) if not value]
    if missing:
        return f"缺少{'和'.join(missing)}"
    quantity, shown = _quantity(quantity_cell)
    if quantity is None:
        return f"数量“{shown}”无法识别，每行应为一件产品（数量 1）"
    if quantity != 1:
        return f"数量为 {shown}，每行应为一件产品（数量 1）"
    return ""


def _parse_rows(
    grid: list[list[Cell]],
    header: _Header,
    progress: Callable[[int, int], bool] | None,
) -> tuple[list[ListRow], list[RejectedRow]]:
    cols = header.columns
    c_serial = cols["serial_no"]
    c_model = cols["model_code"]
    c_seq = cols.get("seq")
    c_name = cols.get("product_name")
    c_drawing = cols.get("drawing_no")
    c_qty = cols.get("quantity")
    c_fault = cols.get("fault_description")
    c_remark = cols.get("remark")

    rows: list[ListRow] = []
    rejected: list[RejectedRow] = []
    seen: dict[tuple[str, str], int] = {}  # (model, serial) casefolded -> first sheet row
    data = grid[header.row_index + 1 :]
    total = len(data)
    for done, cells in enumerate(data):
        if progress is not None and done % PROGRESS_EVERY == 0 and progress(done, total) is False:
            raise DomainError(MSG_CANCELLED)
        row_no = header.row_index + 2 + done

        raw_serial = _cell(cells, c_serial)
        serial, row_warnings = _serial(raw_serial)
        model = _code(_cell(cells, c_model))
        name = _text(_cell(cells, c_name))
        drawing = _text(_cell(cells, c_drawing))
        fault = _text(_cell(cells, c_fault))
        remark = _text(_cell(cells, c_remark))

        # A flagged cell is content too: a row of formulas without results is not a blank row.
        flagged = tuple(
            "?"
            for column in (c_serial, c_model, c_name, c_drawing, c_fault, c_remark)
            if isinstance(_cell(cells, column), Flagged)
        )
        content = (model, name, drawing, fault, remark, *flagged)
        if not _is_product_line(cells, raw_serial, serial, content):
            continue
        refused, cell_warnings = _cell_issues(cells, cols)
        problem = refused or _row_problem(serial, model, _cell(cells, c_qty))
        if problem:
            rejected.append(RejectedRow(row_no, problem))
            continue
        key = (model.casefold(), serial.casefold())
        first = seen.get(key)
        if first is not None:
            rejected.append(RejectedRow(row_no, f"出厂编号 {serial} 在第 {first} 行已出现"))
            continue
        seen[key] = row_no
        rows.append(
            ListRow(
                row=row_no,
                seq=_text(_cell(cells, c_seq)),
                product_name=name,
                model_code=model,
                drawing_no=drawing,
                serial_no=serial,
                quantity=1,
                fault_description=fault,
                remark=remark,
                warnings=(*row_warnings, *cell_warnings),
            )
        )
    if progress is not None and progress(total, total) is False:
        raise DomainError(MSG_CANCELLED)
    return rows, rejected
