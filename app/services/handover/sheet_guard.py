"""Read a workbook's cells in a child process, so that no file can kill or swamp the program.

The Excel reader (python-calamine, Rust) asks for a sheet's whole used range at once: one value
in cell XFD1048576 made it request 512 GB and abort the process (SIGABRT, no Python exception);
a small zipped sheet that inflates to gigabytes took as much memory. So, before any reading:

- the zip's directory is checked: the parts of the workbook may not inflate past
  MAX_UNCOMPRESSED_BYTES in all (read from the directory, nothing is decompressed);
- each sheet's `<dimension ref>` (the first bytes of its XML) may not pass MAX_ROWS rows or
  MAX_COLUMNS columns;

and then the cells are read in a child process limited to CHILD_MEMORY_BYTES of address space
and READ_TIMEOUT_SECONDS: a crash, an allocation failure or a hang there becomes a ListFileError
("文件无法读取：…") here. The child imports only the standard library and python-calamine
(~20 ms to start), so a normal list costs hardly more than reading it in the process itself.

The child also names what the reader silently turns into an empty cell: a formula whose result
the file does not hold (lists written by programs) and an error value (#N/A, #REF!…); those come
back as `Flagged` cells in the grid.

The child is `python -c "…child_main()" PATH` (see `child_command`); a frozen build starts itself
with CHILD_FLAG, and its entry point must then call `child_main()` before anything else.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_ROWS = 100_000
MAX_COLUMNS = 256  # old Excel's own limit (IV); a list has a dozen
MAX_CELLS = 2_000_000  # rows × columns of one sheet's used range (~400 MB in the child)
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024  # all parts of an .xlsx/.ods inflated
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024  # address space of the reading process
READ_TIMEOUT_SECONDS = 120.0
CHILD_FLAG = "--fanxiu-sheet-reader"  # argv[1] of a frozen build started as the child
POLL_SECONDS = 0.25

MSG_UNREADABLE = "文件无法读取："
MSG_CRASHED = MSG_UNREADABLE + "读取时出错退出，文件可能已损坏或内容异常"
MSG_MEMORY = (
    MSG_UNREADABLE
    + f"内容过大，读取所需内存超过上限 {CHILD_MEMORY_BYTES // (1024 * 1024)} MB，"
    + "文件可能已损坏或不是一份清单"
)
MSG_TIMEOUT = (
    MSG_UNREADABLE + f"读取超过 {READ_TIMEOUT_SECONDS:.0f} 秒仍未完成，文件可能已损坏或内容过大"
)
MSG_INFLATED = (
    MSG_UNREADABLE
    + "解压后内容达 {size} MB，超过上限 "
    + f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB，文件可能已损坏或不是一份清单"
)
MSG_RANGE = (
    MSG_UNREADABLE
    + "工作表“{sheet}”的使用范围到 {cell}（{rows} 行 × {columns} 列），超过上限（"
    + f"{MAX_ROWS} 行、{MAX_COLUMNS} 列、共 {MAX_CELLS} 个单元格）。请删除表格以外的多余单元格"
    + "（或把清单复制到新工作簿）后再导入"
)
MSG_CANCELLED = "导入已取消"

_SHEET_XML = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,8})$")
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Flagged:
    """A cell whose value the reader would drop: a formula without a stored result, an error."""

    kind: str  # "formula" | "error"
    text: str = ""  # the error value, e.g. "#N/A"

    def __str__(self) -> str:  # never shown as a value: a flagged cell reads as empty
        return ""


# What one sheet comes back as: name, grid (rows of cells), merged ranges (0-based, inclusive).
Merge = tuple[tuple[int, int], tuple[int, int]]
SheetData = tuple[str, list[list[Any]], list[Merge]]


class UnreadableFile(Exception):  # noqa: N818 - a reason, raised to the caller as one
    """Raised by read_sheets; `kind` says why, the caller words it for its own list."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(kind, message)
        self.kind = kind  # "password" | "oserror" | "corrupt" | "refused" | "cancelled"
        self.message = message


# --- before reading: the zip's directory and the sheets' declared ranges ----------------------


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet XML path → the sheet's name as Excel shows it (best effort; {} when unreadable)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return {}
    targets: dict[str, str] = {}
    for attrs in re.findall(r"<(?:[\w.-]+:)?Relationship\b([^>]*)>", rels):
        rid = re.search(r'\bId="([^"]*)"', attrs)
        target = re.search(r'\bTarget="([^"]*)"', attrs)
        if rid and target:
            path = target.group(1).lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    names: dict[str, str] = {}
    for attrs in re.findall(r"<(?:[\w.-]+:)?sheet\b([^>]*)>", book):
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\br:id="([^"]*)"|\b\w+:id="([^"]*)"', attrs)
        if name and rid:
            sheet_xml = targets.get(rid.group(1) or rid.group(2) or "")
            if sheet_xml:
                names[sheet_xml] = _unescape(name.group(1))
    return names


_CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]{1,6}|\d{1,7});")


def _char(match: re.Match[str]) -> str:
    code = match.group(1)
    number = int(code[1:], 16) if code[0] == "x" else int(code)
    return chr(number) if 0 < number < 0x110000 else match.group(0)


def _unescape(text: str) -> str:
    text = _CHAR_REF.sub(_char, text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def check_before_reading(path: Path) -> None:
    """Refuse a zipped workbook that inflates too far or declares a sheet too large.

    Reads only the zip directory and the first bytes of each sheet's XML; a file that is not a
    zip (.xls) or whose directory cannot be read is left for the child to judge.
    """
    try:
        if not zipfile.is_zipfile(path):
            return
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            inflated = sum(max(info.file_size, 0) for info in infos)
            if inflated > MAX_UNCOMPRESSED_BYTES:
                raise UnreadableFile("refused", MSG_INFLATED.format(size=inflated // (1024 * 1024)))
            sheets = [info for info in infos if _SHEET_XML.match(info.filename)]
            names = _sheet_names(archive) if sheets else {}
            for info in sheets:
                _check_dimension(archive, info, names.get(info.filename, info.filename))
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 - a broken zip is the child's to report, worded there
        return


def _check_dimension(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    with archive.open(info) as handle:
        head = handle.read(_HEAD_BYTES)
    found = _DIMENSION.search(head)
    if found is None:
        return
    last = found.group(1).decode("ascii", "replace").split(":")[-1]
    cell = _CELL_REF.match(last)
    if cell is None:
        return
    columns, rows = _column_number(cell.group(1)), int(cell.group(2))
    if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        shown = f"{cell.group(1).upper()}{rows}"
        raise UnreadableFile(
            "refused", MSG_RANGE.format(sheet=name, cell=shown, rows=rows, columns=columns)
        )


# --- the parent's side ------------------------------------------------------------------------


def child_command() -> list[str]:
    """How to start the child: this module under the same Python, or the frozen program itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    # Imported, not run as __main__: the cells it pickles must name this module's classes.
    boot = f"import sys; from {__name__} import child_main; sys.exit(child_main())"
    return [sys.executable, "-c", boot]


def _child_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[3])  # the folder holding the `app` package
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def read_sheets(path: Path, keep_going: Callable[[], bool] | None = None) -> list[SheetData]:
    """Every worksheet (visible ones first) as (name, grid, merges), read in a child process.

    `keep_going` is asked a few times a second while the child works; False stops it.
    Raises UnreadableFile.
    """
    check_before_reading(path)
    child = subprocess.Popen(  # noqa: S603 - our own program, a path as its one argument
        [*child_command(), str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_env(),
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # Windows: no console flash
    )
    out = _wait(child, keep_going)
    if child.returncode != 0:
        raise UnreadableFile("refused", MSG_CRASHED)
    try:
        answer = pickle.loads(out)  # noqa: S301 - written by our own child just now
    except Exception:  # noqa: BLE001 - a child that died mid-write
        raise UnreadableFile("refused", MSG_CRASHED) from None
    kind = answer[0]
    if kind == "ok":
        return list(answer[1])
    if kind == "memory":
        raise UnreadableFile("refused", MSG_MEMORY)
    if kind == "too_big":
        _, sheet, rows, columns = answer
        cell = f"{_column_letters(columns - 1)}{rows}"
        raise UnreadableFile(
            "refused", MSG_RANGE.format(sheet=sheet, cell=cell, rows=rows, columns=columns)
        )
    raise UnreadableFile(kind, str(answer[1]) if len(answer) > 1 else "")


def _wait(child: subprocess.Popen[bytes], keep_going: Callable[[], bool] | None) -> bytes:
    """The child's output; killed past the timeout or when the person stops the import."""
    deadline = time.monotonic() + READ_TIMEOUT_SECONDS
    while True:
        try:
            out, _err = child.communicate(timeout=POLL_SECONDS)
            return out
        except subprocess.TimeoutExpired:
            pass
        if keep_going is not None and not keep_going():
            _kill(child)
            raise UnreadableFile("cancelled", MSG_CANCELLED)
        if time.monotonic() > deadline:
            _kill(child)
            raise UnreadableFile("refused", MSG_TIMEOUT)


def _kill(child: subprocess.Popen[bytes]) -> None:
    child.kill()
    child.communicate()


def _column_letters(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- the child's side -------------------------------------------------------------------------


def _limit_child() -> None:
    try:
        import resource
    except ImportError:  # Windows: the child still keeps a crash away from the program
        return
    # The child also ends by itself should the program that started it die mid-read.
    import signal

    signal.alarm(int(READ_TIMEOUT_SECONDS) + 10)
    limits = (
        (resource.RLIMIT_AS, CHILD_MEMORY_BYTES),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, int(READ_TIMEOUT_SECONDS) + 10),
    )
    for limit, value in limits:
        try:
            _soft, hard = resource.getrlimit(limit)
            if hard != resource.RLIM_INFINITY and hard < value:
                value = hard
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass


def child_main(argv: list[str] | None = None) -> int:
    """Read the workbook named by argv[0]; write the pickled answer to stdout."""
    args = sys.argv[1:] if argv is None else argv
    args = [a for a in args if a != CHILD_FLAG]
    _limit_child()
    try:
        answer: tuple[Any, ...] = _read(Path(args[0]))
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory",))
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def _read(path: Path) -> tuple[Any, ...]:
    from python_calamine import (
        CalamineWorkbook,
        PasswordError,
        SheetTypeEnum,
        SheetVisibleEnum,
    )

    flags = _sheet_flags(path)
    try:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except (PasswordError, OSError):
            raise
        except Exception:  # noqa: BLE001 - clerks rename .xls to .xlsx and back: try by content
            with path.open("rb") as handle:
                workbook = CalamineWorkbook.from_filelike(handle)
        with workbook:
            order = [
                i
                for i, m in enumerate(workbook.sheets_metadata)
                if m.typ == SheetTypeEnum.WorkSheet
            ]
            visible = workbook.sheets_metadata
            order.sort(key=lambda i: visible[i].visible != SheetVisibleEnum.Visible)
            sheets: list[SheetData] = []
            for index in order:
                sheet = workbook.get_sheet_by_index(index)
                rows, columns = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
                if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
                    return ("too_big", sheet.name, rows, columns)
                grid = sheet.to_python(skip_empty_area=False)
                merges: list[Merge] = [
                    ((top, left), (bottom, right))
                    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []
                ]
                sheets.append((sheet.name, list(grid), merges))
        for name, grid, _merges in sheets:
            for row, column, flag in flags.get(name, ()):
                _put(grid, row, column, flag)
        return ("ok", sheets)
    except MemoryError:
        raise
    except PasswordError:
        return ("password",)
    except OSError as exc:
        return ("oserror", str(exc))
    except BaseException as exc:  # noqa: B036 - pyo3 panics derive from BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return ("corrupt", f"{type(exc).__name__}: {exc}")


_CELL_OR_ROW = re.compile(
    rb"<(?:[\w.-]+:)?row\b([^>]*)>|<(?:[\w.-]+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c>)", re.S
)
_ATTR_R = re.compile(rb'\br="\$?([A-Za-z]{1,4})\$?(\d{1,8})"')
_ATTR_ROW = re.compile(rb'\br="(\d{1,8})"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f\b")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>(.*?)</(?:[\w.-]+:)?v>", re.S)


def _sheet_flags(path: Path) -> dict[str, list[tuple[int, int, Flagged]]]:
    """Per sheet name, the formula cells without a stored result and the error cells (.xlsx).

    Run before the reader loads the workbook, so that a sheet's XML and its cells are never in
    memory together.
    """
    found: dict[str, list[tuple[int, int, Flagged]]] = {}
    try:
        if not zipfile.is_zipfile(path):
            return found
        with zipfile.ZipFile(path) as archive:
            for xml, name in _sheet_names(archive).items():
                data = archive.read(xml)
                if b"<f" in data or b":f" in data or b't="e"' in data:
                    found[name] = list(_flags(data))
                del data
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - cells the reader gives are still right without marks
        return {}
    return found


def _flags(data: bytes) -> Iterator[tuple[int, int, Flagged]]:
    row, column = 0, -1
    for match in _CELL_OR_ROW.finditer(data):
        row_attrs, attrs, body = match.groups()
        if row_attrs is not None:
            number = _ATTR_ROW.search(row_attrs)
            row = int(number.group(1)) - 1 if number else row + 1
            column = -1
            continue
        ref = _ATTR_R.search(attrs)
        if ref:
            row, column = int(ref.group(2)) - 1, _column_number(ref.group(1).decode()) - 1
        else:
            column += 1
        if not body:
            continue
        kind = _ATTR_T.search(attrs)
        value = _VALUE.search(body)
        text = value.group(1).strip() if value else b""
        if kind and kind.group(1) == b"e":
            yield row, column, Flagged("error", text.decode("utf-8", "replace"))
        elif _FORMULA.search(body) and not text and not (kind and kind.group(1) == b"str"):
            yield row, column, Flagged("formula")


def _put(grid: list[list[Any]], row: int, column: int, flag: Flagged) -> None:
    if row >= MAX_ROWS or column >= MAX_COLUMNS:
        return
    while len(grid) <= row:
        grid.append([""] * (len(grid[0]) if grid else 0))
    cells = grid[row]
    if len(cells) <= column:
        cells.extend([""] * (column + 1 - len(cells)))
    if cells[column] == "" or flag.kind == "error":
        cells[column] = flag
