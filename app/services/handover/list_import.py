"""Importing a handover list (交接清单) into a new return task: preview first, all or nothing."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError
from app.models.base import Base
from app.models.misc import AuditEvent
from app.models.org import Permission, Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.returns import DocumentCheck, ReturnLine, ReturnTask
from app.models.states import FINISHED, LineStatus
from app.services.handover.list_reader import ListRow, ParsedList, read_handover_list
from app.services.handover.returns import DOCUMENT_KINDS, new_task
from app.services.kernel import audit
from app.services.kernel.bulk import insert_rows
from app.services.kernel.context import Actor, require
from app.services.kernel.views import ImportResult

Progress = Callable[[int, int], bool]
T = TypeVar("T")
# Well under SQLite's limit on bound parameters per statement.
CHUNK = 2000


@dataclass(frozen=True)
class PreviewRow:
    row: int
    seq: str
    product_name: str
    model_code: str
    drawing_no: str
    serial_no: str
    fault_description: str
    remark: str
    new_model: bool
    problem: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ListPreview:
    file_name: str
    title: str
    rows: tuple[PreviewRow, ...]
    new_models: tuple[str, ...]
    rejected: tuple[tuple[int, str], ...]
    warnings: tuple[str, ...]

    @property
    def good_rows(self) -> tuple[PreviewRow, ...]:
        return tuple(r for r in self.rows if not r.problem)

    @property
    def row_warnings(self) -> tuple[tuple[int, str], ...]:
        """(sheet row, what to check) of every row that imports with something to check."""
        return tuple((r.row, w) for r in self.good_rows for w in r.warnings)


@dataclass(frozen=True)
class ListImportResult(ImportResult):
    """An import's result with the rows imported with something to check (sheet row, reason)."""

    row_warnings: tuple[tuple[int, str], ...] = ()


def _table(model: type[Base]) -> Table:
    """The Core table of a model: bulk inserts skip the ORM's per-row work (FIELD_NOTES.md)."""
    return cast(Table, model.__table__)


def _chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _busy_items(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(model code, serial) of listed items already on an unfinished return → that task's number."""
    found: dict[tuple[str, str], str] = {}
    finished = sorted(FINISHED)
    wanted = set(keys)
    # By serial through ix_item_serial_no, pairs checked here: SQLite cannot use an index for
    # a row-value IN list, (code, serial) IN (...) scanned all return lines per chunk (1M: 0.2 s).
    for chunk in _chunks(sorted({serial for _code, serial in wanted})):
        stmt = (
            select(ProductModel.code, Item.serial_no, ReturnTask.number)
            .join(Item, Item.model_id == ProductModel.id)
            .join(ReturnLine, ReturnLine.item_id == Item.id)
            .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
            .where(Item.serial_no.in_(chunk), ReturnLine.status.not_in(finished))
        )
        for code, serial, number in session.execute(stmt):
            if (code, serial) in wanted:
                found[(code, serial)] = number
    return found


def _item_ids(session: Session, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Ids of the items with these (model id, serial), looked up by serial (see _busy_items)."""
    wanted = set(keys)
    found: dict[tuple[int, str], int] = {}
    for chunk in _chunks(sorted({serial for _model, serial in wanted})):
        for item_id, model_id, serial in session.execute(
            select(Item.id, Item.model_id, Item.serial_no).where(Item.serial_no.in_(chunk))
        ):
            if (model_id, serial) in wanted:
                found[(model_id, serial)] = item_id
    return found


def _preview(session: Session, parsed: ParsedList, file_name: str) -> ListPreview:
    codes = sorted({r.model_code for r in parsed.rows})
    known: set[str] = set()
    for chunk in _chunks(codes):
        known.update(session.scalars(select(ProductModel.code).where(ProductModel.code.in_(chunk))))
    busy = _busy_items(session, {(r.model_code, r.serial_no) for r in parsed.rows})
    rows = []
    for r in parsed.rows:
        task = busy.get((r.model_code, r.serial_no))
        problem = f"该产品已在返厂任务 {task} 中，不能重复登记" if task else ""
        rows.append(
            PreviewRow(
                r.row,
                r.seq,
                r.product_name,
                r.model_code,
                r.drawing_no,
                r.serial_no,
                r.fault_description,
                r.remark,
                r.model_code not in known,
                problem,
                r.warnings,
            )
        )
    rejected = sorted(
        [(x.row, x.reason) for x in parsed.rejected]
        + [(r.row, r.problem) for r in rows if r.problem]
    )
    return ListPreview(
        file_name,
        parsed.title,
        tuple(rows),
        tuple(c for c in codes if c not in known),
        tuple(rejected),
        parsed.warnings,
    )


def preview_list(
    db: Database, path: str | os.PathLike[str], progress: Progress | None = None
) -> ListPreview:
    """What importing `path` would do, row by row; writes nothing."""
    parsed = read_handover_list(path, progress)
    with db.reading() as session:
        return _preview(session, parsed, Path(path).name)


def import_list(
    db: Database,
    actor: Actor,
    path: str | os.PathLike[str],
    *,
    user_unit: str,
    node_date: dt.date | None = None,
    kitting_deadline: dt.date | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    manufacturers: Mapping[str, str] | None = None,
) -> ListImportResult:
    """A new task holding the list's items: every row, or (when asked) the good rows only.

    With bad rows and `skip_bad_rows` false nothing is written and `task_number` is None.
    `manufacturers` names the manufacturer of a model the list brings in (code → unit name),
    so that its lines need not wait for an admin before they can be dispatched.
    """
    require(actor, Permission.import_list)
    if not user_unit.strip():
        raise DomainError("请填写交回产品的用户单位。")
    parsed = read_handover_list(path, progress)
    name = Path(path).name
    with db.transaction() as session:
        preview = _preview(session, parsed, name)
        if preview.rejected and not skip_bad_rows:
            return ListImportResult(
                None,
                0,
                preview.new_models,
                preview.rejected,
                preview.warnings,
                preview.row_warnings,
            )
        good = {r.row for r in preview.good_rows}
        rows = [r for r in parsed.rows if r.row in good]
        if not rows:
            raise DomainError("清单中没有可以导入的产品行。")
        task = new_task(
            session, actor, user_unit, node_date, kitting_deadline, f"导入：{name}", today
        )
        task.list_title = parsed.title
        makers = _manufacturer_ids(session, manufacturers or {})
        new_models = _write_rows(session, actor, task, rows, progress, makers)
        audit.record(session, actor, "return_task", task.id, "import", "", f"{len(rows)} 行", name)
        return ListImportResult(
            task.number,
            len(rows),
            tuple(sorted(new_models)),
            preview.rejected,
            preview.warnings,
            preview.row_warnings,
        )


def _manufacturer_ids(session: Session, names: Mapping[str, str]) -> dict[str, int]:
    """Model code → the id of the manufacturer the clerk named for it; an unknown name refused."""
    wanted = {code: name.strip() for code, name in names.items() if name.strip()}
    units = dict(
        session.execute(
            select(Unit.name, Unit.id).where(
                Unit.name.in_(set(wanted.values())),
                Unit.kind == UnitKind.manufacturer,
                Unit.active,
            )
        ).all()
    )
    unknown = sorted({name for name in wanted.values() if name not in units})
    if unknown:
        raise DomainError(f"承制单位“{'、'.join(unknown)}”不存在或已停用，请从列表中选择。")
    return {code: units[name] for code, name in wanted.items()}


def _model_ids(
    session: Session, actor: Actor, rows: list[ListRow], makers: Mapping[str, int]
) -> tuple[dict[str, int], list[str]]:
    """The id of every model the rows name; a model not in the master data yet is made."""
    models: dict[str, int] = {}
    codes = sorted({r.model_code for r in rows})
    for code_chunk in _chunks(codes):
        models.update(
            (code, model_id)
            for code, model_id in session.execute(
                select(ProductModel.code, ProductModel.id).where(ProductModel.code.in_(code_chunk))
            )
        )
    new_models = [c for c in codes if c not in models]
    first = {r.model_code: r for r in reversed(rows)}
    for code in new_models:
        model = ProductModel(
            code=code,
            name=first[code].product_name,
            drawing_no=first[code].drawing_no,
            from_import=True,
            manufacturer_unit_id=makers.get(code),
        )
        session.add(model)
        session.flush()
        models[code] = model.id
        audit.record(session, actor, "product_model", model.id, "create_from_list", "", code)
    return models, new_models


def _write_rows(
    session: Session,
    actor: Actor,
    task: ReturnTask,
    rows: list[ListRow],
    progress: Progress | None,
    makers: Mapping[str, int],
) -> list[str]:
    """Models, items, lines, document checks and audit events in bulk: 10,000 rows in ~1 s."""
    models, new_models = _model_ids(session, actor, rows, makers)
    keys = [(models[r.model_code], r.serial_no) for r in rows]
    items = _item_ids(session, keys)
    missing = [k for k in keys if k not in items]
    if missing:
        insert_rows(session, _table(Item), [{"model_id": m, "serial_no": s} for m, s in missing])
        items.update(_item_ids(session, missing))
    total = len(rows)
    insert_rows(
        session,
        _table(ReturnLine),
        [
            {
                "task_id": task.id,
                "item_id": items[key],
                "seq": seq,
                "fault_description": r.fault_description,
                "remark": r.remark,
                "source_row": r.row,
                "status": LineStatus.registered.value,
                "reject_reason": "",
                "dispatch_late_reason": "",
                "version": 1,
            }
            for seq, (r, key) in enumerate(zip(rows, keys, strict=True), start=1)
        ],
    )
    if progress is not None and progress(total // 2, total) is False:
        raise DomainError("导入已取消")
    line_ids = list(
        session.scalars(
            select(ReturnLine.id).where(ReturnLine.task_id == task.id).order_by(ReturnLine.seq)
        )
    )
    insert_rows(
        session,
        _table(DocumentCheck),
        [
            {"line_id": lid, "kind": k.value, "verdict": "unchecked", "note": ""}
            for lid in line_ids
            for k in DOCUMENT_KINDS
        ],
    )
    now = dt.datetime.now(dt.UTC)
    session.execute(
        insert(_table(AuditEvent)),
        [
            {
                "at": now,
                "actor_user_id": actor.user_id,
                "actor_name": actor.audit_name,
                "entity": "return_line",
                "entity_id": lid,
                "action": "register",
                "old_value": "",
                "new_value": f"{task.number} {r.model_code}/{r.serial_no}",
                "reason": f"清单第 {r.row} 行",
            }
            for lid, r in zip(line_ids, rows, strict=True)
        ],
    )
    if progress is not None and progress(total, total) is False:
        raise DomainError("导入已取消")
    return new_models
