"""The factory's own master list from Excel: its units and its product models with the kit tree.

One workbook, two sheets found by their headers (not their names or order): the units sheet
(名称, 类别) and the models sheet (型号, 名称, 图号, 层级, 上级, 承制单位). It is read as forgivingly as
a handover list (title rows, header words that vary, full-width characters, stray spaces), every
bad row is named by sheet and row, and it is written all or nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import ListFileError
from app.models.org import Permission, Unit, UnitKind
from app.models.products import ProductModel
from app.services.handover.list_reader import (
    HEADER_SCAN_ROWS,
    Cell,
    _code,
    _text,
    read_sheets_guarded,
)
from app.services.handover.sheet_guard import Flagged
from app.services.kernel import audit
from app.services.kernel.context import Actor, require
from app.services.kernel.terms import model_level_label, unit_kind_label

MSG_NO_SHEETS = "找不到主数据表：需要一张含“名称”和“类别”列的单位表，或一张含“型号/代号”列的型号表"

_UNIT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "名称", "单位"),
    "kind": ("单位类别", "类别", "单位类型", "类型"),
}
_MODEL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("型号代号", "产品代号", "型号", "代号", "产品型号"),
    "name": ("产品名称", "名称", "品名"),
    "drawing_no": ("图号", "产品图号"),
    "level": ("层级", "级别", "层次"),
    "parent": ("上级产品代号", "上级型号", "上级代号", "上级", "所属", "所属型号"),
    "manufacturer": ("承制单位", "承制方", "生产单位"),
}
_KIND_WORDS: dict[str, UnitKind] = {
    "用户单位": UnitKind.user_unit,
    "用户": UnitKind.user_unit,
    "总体单位": UnitKind.prime_unit,
    "总体": UnitKind.prime_unit,
    "物资管理部门": UnitKind.materials_dept,
    "物资部门": UnitKind.materials_dept,
    "物资管理部": UnitKind.materials_dept,
    "承制单位": UnitKind.manufacturer,
    "承制方": UnitKind.manufacturer,
    "设计部门": UnitKind.design_dept,
    "设计单位": UnitKind.design_dept,
    "质量部门": UnitKind.quality_dept,
    "质量管理部门": UnitKind.quality_dept,
    "主管部门": UnitKind.competent_dept,
    **{kind.value: kind for kind in UnitKind},
}
_LEVEL_WORDS: dict[str, str] = {
    "总体": "system",
    "系统": "system",
    "分系统": "subsystem",
    "单机": "unit",
    "system": "system",
    "subsystem": "subsystem",
    "unit": "unit",
}
# Lines under a table that name nothing: "制表：张三", "审核：", "注：层级填总体/分系统/单机".
_NOTE_RE = re.compile(r"^(制表|填表|审核|批准|签字|签名|日期|注|说明|备注|合计)|[:：]$")
_HEADER_PUNCT = re.compile(r"[()\[\]{}【】〔〕<>《》/\\、,，.。:：;；*＊#＃_\-—~]")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class MasterUnit:
    sheet: str
    row: int
    name: str
    kind: UnitKind


@dataclass(frozen=True)
class MasterModel:
    sheet: str
    row: int
    code: str
    name: str
    drawing_no: str
    level: str  # "" when the cell is blank
    parent: str
    manufacturer: str


@dataclass(frozen=True)
class MasterRejected:
    sheet: str
    row: int
    reason: str


@dataclass(frozen=True)
class MasterPreview:
    """What an import would do: the rows to create or complete, and the rows refused."""

    new_units: tuple[MasterUnit, ...]
    new_models: tuple[MasterModel, ...]
    updated_models: tuple[MasterModel, ...]  # already in the store: filled in from the list
    rejected: tuple[MasterRejected, ...]
    unchanged_units: int = 0
    warnings: tuple[MasterRejected, ...] = ()  # rows imported with a cell to check

    @property
    def ok(self) -> bool:
        return not self.rejected and bool(self.new_units or self.new_models or self.updated_models)


@dataclass(frozen=True)
class MasterResult:
    units: int
    models: int
    rejected: tuple[MasterRejected, ...]
    warnings: tuple[MasterRejected, ...] = ()


@dataclass
class _Parsed:
    units: list[MasterUnit] = field(default_factory=list)
    models: list[MasterModel] = field(default_factory=list)
    rejected: list[MasterRejected] = field(default_factory=list)
    warnings: list[MasterRejected] = field(default_factory=list)


# --- reading ----------------------------------------------------------------------------------


def _header_word(value: Cell) -> str:
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
    text = "".join(text.split()).lower()
    if len(text) > 20:
        return ""
    return text


def _match(cells: Sequence[Cell], synonyms: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Columns per field, the best-ranked synonym winning when two columns name one field."""
    index = {name: (f, rank) for f, names in synonyms.items() for rank, name in enumerate(names)}
    best: dict[str, tuple[int, int]] = {}
    for column, value in enumerate(cells):
        word = _header_word(value)
        if not word:
            continue
        hit = index.get(_HEADER_PUNCT.sub("", word)) or index.get(
            _HEADER_PUNCT.sub("", _BRACKETED.sub("", word))
        )
        if hit is None:
            continue
        name, rank = hit
        if name not in best or rank < best[name][0]:
            best[name] = (rank, column)
    return {name: column for name, (_, column) in best.items()}


def _find(top: list[list[Cell]]) -> tuple[str, int, dict[str, int]] | None:
    """("models" | "units", header row index, columns) for the first header row in the sheet."""
    for row_index, cells in enumerate(top[:HEADER_SCAN_ROWS]):
        models = _match(cells, _MODEL_SYNONYMS)
        if "code" in models:
            return "models", row_index, models
        units = _match(cells, _UNIT_SYNONYMS)
        if "name" in units and "kind" in units:
            return "units", row_index, units
    return None


def _at(cells: list[Cell], column: int | None) -> Cell:
    if column is None or column >= len(cells):
        return ""
    return cells[column]


def _is_note(cells: list[Cell]) -> bool:
    """A line with one text only, which is a signature, a date or a note, not a unit or model."""
    texts = [text for text in (_text(value) for value in cells) if text]
    return len(texts) == 1 and bool(_NOTE_RE.search(texts[0]))


def read_master_list(path: str | Path) -> _Parsed:
    """Every unit and model row of the workbook, or the rows that cannot be read as one."""
    path = Path(path)
    if not path.is_file():
        raise ListFileError(f"找不到文件：{path.name}")
    parsed = _Parsed()
    found = False
    # Read in a guarded child process: no file can crash or swamp the program (sheet_guard).
    grids = [(name, grid) for name, grid, _merges in read_sheets_guarded(path)]
    # Every sheet with a header is read: a list split over two model sheets is one list.
    for name, grid in grids:
        header = _find(grid)
        if header is None:
            continue
        kind, header_row, columns = header
        found = True
        rows = grid[header_row + 1 :]
        first = header_row + 2  # 1-based row number of the first data row
        if kind == "units":
            _read_units(parsed, name, rows, first, columns)
        else:
            _read_models(parsed, name, rows, first, columns)
    if not found:
        raise ListFileError(MSG_NO_SHEETS)
    return parsed


_FIELD_WORDS = {
    "name": "名称",
    "kind": "类别",
    "code": "型号代号",
    "drawing_no": "图号",
    "level": "层级",
    "parent": "上级",
    "manufacturer": "承制单位",
}


def _flagged(
    parsed: _Parsed,
    sheet: str,
    number: int,
    cells: list[Cell],
    columns: dict[str, int],
    needed: tuple[str, ...],
) -> bool:
    """Name the cells the reader would have emptied (formula without result, error value).

    True when the row cannot be read for it (a needed cell); otherwise a warning is kept.
    """
    refused: list[str] = []
    for name, column in columns.items():
        value = _at(cells, column)
        if not isinstance(value, Flagged):
            continue
        label = _FIELD_WORDS.get(name, name)
        if value.kind == "error":
            issue = f"“{label}”是错误值 {value.text or '#VALUE!'}"
        else:
            issue = f"“{label}”是公式，文件中没有保存计算结果（请用 Excel 打开并保存后再导入）"
        if name in needed:
            refused.append(issue)
        else:
            parsed.warnings.append(MasterRejected(sheet, number, f"{issue}，已按空白导入"))
    if refused:
        parsed.rejected.append(MasterRejected(sheet, number, "；".join(refused)))
    return bool(refused)


def _read_units(
    parsed: _Parsed, sheet: str, rows: list[list[Cell]], first: int, columns: dict[str, int]
) -> None:
    for number, cells in enumerate(rows, start=first):
        if _flagged(parsed, sheet, number, cells, columns, ("name", "kind")):
            continue
        name = _text(_at(cells, columns.get("name")))
        kind_text = _code(_at(cells, columns.get("kind")))
        if (not name and not kind_text) or _is_note(cells):
            continue
        if not name:
            parsed.rejected.append(MasterRejected(sheet, number, "缺少单位名称"))
            continue
        kind = _KIND_WORDS.get(kind_text) or _KIND_WORDS.get(kind_text.lower())
        if kind is None:
            words = "、".join(unit_kind_label(k) for k in UnitKind)
            reason = f"单位类别“{kind_text}”无法识别（应为 {words} 之一）"
            if not kind_text:
                reason = "缺少单位类别"
            parsed.rejected.append(MasterRejected(sheet, number, reason))
            continue
        parsed.units.append(MasterUnit(sheet, number, name, kind))


def _read_models(
    parsed: _Parsed, sheet: str, rows: list[list[Cell]], first: int, columns: dict[str, int]
) -> None:
    for number, cells in enumerate(rows, start=first):
        if _flagged(parsed, sheet, number, cells, columns, ("code", "level", "parent")):
            continue
        values = {f: _text(_at(cells, c)) for f, c in columns.items()}
        code = _code(_at(cells, columns.get("code")))
        if not any(values.values()) or _is_note(cells):
            continue
        if not code:
            parsed.rejected.append(MasterRejected(sheet, number, "缺少型号代号"))
            continue
        level_text = "".join(values.get("level", "").split())
        level = _LEVEL_WORDS.get(level_text.lower()) if level_text else ""
        if level is None:
            parsed.rejected.append(
                MasterRejected(
                    sheet, number, f"层级“{level_text}”无法识别（应为 总体、分系统、单机 之一）"
                )
            )
            continue
        parsed.models.append(
            MasterModel(
                sheet,
                number,
                code,
                values.get("name", ""),
                values.get("drawing_no", ""),
                level,
                _code(_at(cells, columns.get("parent"))),
                values.get("manufacturer", ""),
            )
        )


# --- checking against the store ---------------------------------------------------------------


def _check(session: Session, parsed: _Parsed) -> MasterPreview:
    rejected = list(parsed.rejected)
    stored_units = {u.name: u.kind for u in session.scalars(select(Unit))}
    new_units: list[MasterUnit] = []
    unchanged = 0
    first_seen: dict[str, MasterUnit] = {}
    for unit in parsed.units:
        if unit.name in first_seen:
            other = first_seen[unit.name]
            rejected.append(
                MasterRejected(
                    unit.sheet, unit.row, f"单位“{unit.name}”重复（与第 {other.row} 行相同）"
                )
            )
            continue
        first_seen[unit.name] = unit
        stored = stored_units.get(unit.name)
        if stored is None:
            new_units.append(unit)
        elif stored != unit.kind:
            rejected.append(
                MasterRejected(
                    unit.sheet,
                    unit.row,
                    f"单位“{unit.name}”已存在，类别为{unit_kind_label(stored)}，"
                    f"与表中的{unit_kind_label(unit.kind)}不同",
                )
            )
        else:
            unchanged += 1
    makers = {n for n, k in stored_units.items() if k == UnitKind.manufacturer}
    makers |= {u.name for u in new_units if u.kind == UnitKind.manufacturer}
    new_models, updated = _check_models(session, parsed.models, makers, rejected)
    rejected.sort(key=lambda r: (r.sheet, r.row))
    return MasterPreview(
        tuple(new_units),
        tuple(new_models),
        tuple(updated),
        tuple(rejected),
        unchanged,
        tuple(parsed.warnings),
    )


def _check_models(
    session: Session,
    models: list[MasterModel],
    makers: set[str],
    rejected: list[MasterRejected],
) -> tuple[list[MasterModel], list[MasterModel]]:
    stored = {m.code: m for m in session.scalars(select(ProductModel))}
    parent_of = {code: (m.parent.code if m.parent else "") for code, m in stored.items()}
    rows: dict[str, MasterModel] = {}
    for model in models:
        if model.code in rows:
            rejected.append(
                MasterRejected(
                    model.sheet,
                    model.row,
                    f"型号 {model.code} 重复（与第 {rows[model.code].row} 行相同）",
                )
            )
            continue
        rows[model.code] = model
    bad: set[str] = set()
    for code, model in rows.items():
        if model.parent:
            parent_of[code] = model.parent
        if model.parent and model.parent not in rows and model.parent not in stored:
            rejected.append(
                MasterRejected(model.sheet, model.row, f"上级型号 {model.parent} 不存在")
            )
            bad.add(code)
        if model.manufacturer and model.manufacturer not in makers:
            rejected.append(
                MasterRejected(model.sheet, model.row, f"承制单位“{model.manufacturer}”不存在")
            )
            bad.add(code)
    for code in _in_loops(parent_of, set(rows)):
        model = rows[code]
        rejected.append(MasterRejected(model.sheet, model.row, f"型号 {code} 的上级关系构成循环"))
        bad.add(code)
    good = {c: m for c, m in rows.items() if c not in bad}
    fresh = [m for c, m in good.items() if c not in stored]
    known = [m for c, m in good.items() if c in stored and _changes(session, stored[c], m)]
    return fresh, known


def _changes(session: Session, stored: ProductModel, row: MasterModel) -> bool:
    """Whether the row says anything the store does not know yet (a blank cell says nothing)."""
    maker = session.get(Unit, stored.manufacturer_unit_id) if stored.manufacturer_unit_id else None
    pairs = (
        (row.name, stored.name),
        (row.drawing_no, stored.drawing_no),
        (row.level, stored.level),
        (row.parent, stored.parent.code if stored.parent else ""),
        (row.manufacturer, maker.name if maker else ""),
    )
    return any(new and new != old for new, old in pairs)


def _in_loops(parent_of: dict[str, str], codes: set[str]) -> list[str]:
    """The codes of `codes` that sit on a loop of the parent relation (a model its own ancestor)."""
    looped: list[str] = []
    for code in sorted(codes):
        seen: set[str] = set()
        current = parent_of.get(code, "")
        while current and current not in seen:
            if current == code:
                looped.append(code)
                break
            seen.add(current)
            current = parent_of.get(current, "")
    return looped


# --- the two entry points ---------------------------------------------------------------------


def preview_master_list(db: Database, actor: Actor, path: str | Path) -> MasterPreview:
    """What importing the file would create, complete and refuse; nothing is written."""
    require(actor, Permission.manage_master_data)
    parsed = read_master_list(path)
    with db.reading() as session:
        return _check(session, parsed)


def import_master_list(db: Database, actor: Actor, path: str | Path) -> MasterResult:
    """Write the whole list in one transaction, or nothing at all when any row is bad."""
    require(actor, Permission.manage_master_data)
    parsed = read_master_list(path)
    with db.transaction() as session:
        preview = _check(session, parsed)
        if preview.rejected:
            return MasterResult(0, 0, preview.rejected, preview.warnings)
        if not (preview.new_units or preview.new_models or preview.updated_models):
            # The same list imported again is not an error: there is simply nothing to write.
            return MasterResult(0, 0, (), preview.warnings)
        units = {u.name: u for u in session.scalars(select(Unit))}
        for row in preview.new_units:
            unit = Unit(name=row.name, kind=row.kind)
            session.add(unit)
            session.flush()
            units[unit.name] = unit
            audit.record(session, actor, "unit", unit.id, "create", "", f"{row.name} {row.kind}")
        _write_models(session, actor, preview, units)
    return MasterResult(
        len(preview.new_units),
        len(preview.new_models) + len(preview.updated_models),
        (),
        preview.warnings,
    )


def _write_models(
    session: Session, actor: Actor, preview: MasterPreview, units: dict[str, Unit]
) -> None:
    stored = {m.code: m for m in session.scalars(select(ProductModel))}
    for row in preview.new_models:
        model = ProductModel(code=row.code, name=row.name, drawing_no=row.drawing_no)
        session.add(model)
        stored[row.code] = model
    for row in preview.updated_models:
        model = stored[row.code]
        # The list completes a model: a blank cell keeps what the store already knows.
        model.name = row.name or model.name
        model.drawing_no = row.drawing_no or model.drawing_no
    session.flush()
    for row in (*preview.new_models, *preview.updated_models):
        model = stored[row.code]
        is_new = row in preview.new_models
        before = f"{model.level} {model.manufacturer_unit_id} {model.parent_id}"
        # A blank 层级 makes a new model a 单机 and leaves a known one as it is.
        model.level = row.level or ("unit" if is_new else model.level)
        if row.manufacturer:
            model.manufacturer_unit_id = units[row.manufacturer].id
        if row.parent:
            model.parent_id = stored[row.parent].id
        session.flush()
        after = f"{model.level} {model.manufacturer_unit_id} {model.parent_id}"
        action = "create" if is_new else "update"
        note = f"{row.code} {model_level_label(model.level)}（主数据清单）"
        audit.record(session, actor, "product_model", model.id, action, before, f"{after} {note}")
