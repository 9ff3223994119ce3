"""审计日志: every audit event, filtered by person, record, item, action and time, read page
by page (newest first, keyset on id) and exported to Excel (issue 9).

A record number finds the events about that record's row, and, for a record of a return task
(its lines' bench records, its handover record), the events of the task and its lines that name
the number; a task number (FX) finds every event of the task and its lines. An item code (or a
bare serial) finds the events of the item and of its lines in every return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied
from app.models.misc import AuditEvent
from app.models.org import Role
from app.models.products import Item
from app.models.returns import ReturnLine
from app.services.kernel.chain import record_tables
from app.services.kernel.context import FACTORY_TZ, Actor
from app.services.kernel.terms import (
    audit_action_label,
    audit_entity_label,
    audit_value_label,
    line_status_label,
    role_label,
    task_status_label,
)

ROLES = frozenset({Role.admin, Role.manager, Role.quality})
EXPORT_CHUNK = 5_000
HEADERS = ("序号", "时间", "操作人", "对象", "编号", "操作", "原值", "新值", "原因", "状态")


@dataclass(frozen=True)
class AuditFilter:
    person: str = ""  # the name the trail shows (a login's display name), exactly
    record: str = ""  # a record number
    item: str = ""  # an item code (型号/编号) or a bare serial
    action: str = ""  # an action code (terms.ACTION_LABELS)
    since: dt.date | None = None  # local dates, both included
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    seq: int | None
    at: dt.datetime
    actor: str
    entity: str
    entity_id: int
    action: str
    old: str
    new: str
    reason: str
    state: str

    @property
    def action_text(self) -> str:
        return audit_action_label(self.action, self.entity)

    @property
    def entity_text(self) -> str:
        return audit_entity_label(self.entity)

    @property
    def old_text(self) -> str:
        return audit_value_label(self.entity, self.old)

    @property
    def new_text(self) -> str:
        return audit_value_label(self.entity, self.new)

    @property
    def state_text(self) -> str:
        if not self.state:
            return ""
        if self.entity == "return_task":
            return task_status_label(self.state)
        return line_status_label(self.state)


def _require(actor: Actor) -> None:
    if actor.system or actor.role in ROLES:
        return
    role = role_label(actor.role) if actor.role else "未登录"
    raise PermissionDenied(
        f"当前登录“{actor.name}”（{role}）无权查看审计日志：只有系统管理员、经理和质量人员可以查看。"
    )


def _local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), FACTORY_TZ).astimezone(dt.UTC)


def _about_lines(line_ids: Sequence[int]) -> ColumnElement[bool]:
    if not line_ids:
        return false()
    return and_(AuditEvent.entity == "return_line", AuditEvent.entity_id.in_(line_ids))


def _record_condition(session: Session, number: str) -> ColumnElement[bool]:
    from app.services.kernel.numbering import parse_number
    from app.services.records.registry import find_record_in

    number = number.strip().upper()
    if parse_number(number) is None:
        raise DomainError(f"“{number}”不是记录编号（格式如 JJ-2026-000001）。")
    ref = find_record_in(session, number)
    if ref is None:
        raise NotFound(f"记录编号 {number} 不存在。")
    # A record's events are about its row, named by its table (reports share one).
    table = record_tables()[number[:2]]
    own = and_(AuditEvent.entity == table, AuditEvent.entity_id == ref.id)
    if ref.task_id is None:
        return own
    lines = list(session.scalars(select(ReturnLine.id).where(ReturnLine.task_id == ref.task_id)))
    of_task = or_(
        and_(AuditEvent.entity == "return_task", AuditEvent.entity_id == ref.task_id),
        _about_lines(lines),
    )
    if ref.kind == "return_task":
        return or_(own, of_task)
    pattern = f"%{number}%"
    names = or_(
        AuditEvent.new_value.like(pattern),
        AuditEvent.old_value.like(pattern),
        AuditEvent.reason.like(pattern),
    )
    return or_(own, and_(of_task, names))


def _query(session: Session, filters: AuditFilter) -> Select[*tuple[Any, ...]]:
    stmt: Select[*tuple[Any, ...]] = select(
        AuditEvent.id,
        AuditEvent.seq,
        AuditEvent.at,
        AuditEvent.actor_name,
        AuditEvent.entity,
        AuditEvent.entity_id,
        AuditEvent.action,
        AuditEvent.old_value,
        AuditEvent.new_value,
        AuditEvent.reason,
        AuditEvent.state,
    )
    if filters.person.strip():
        stmt = stmt.where(AuditEvent.actor_name == filters.person.strip())
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.at >= _local_start(filters.since))
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.at < _local_start(filters.until + dt.timedelta(days=1)))
    if filters.record.strip():
        stmt = stmt.where(_record_condition(session, filters.record))
    if filters.item.strip():
        stmt = stmt.where(_items(session, filters.item))
    return stmt


def _items(session: Session, code: str) -> ColumnElement[bool]:
    from app.models.products import ProductModel
    from app.services.handover.returns import ITEM_CODE_RE, normalize_code

    code = normalize_code(code)
    m = ITEM_CODE_RE.match(code)
    stmt = select(Item.id).join(ProductModel, ProductModel.id == Item.model_id)
    if m:
        stmt = stmt.where(ProductModel.code == m["model"], Item.serial_no == m["serial"])
    else:
        stmt = stmt.where(Item.serial_no == code)
    items = list(session.scalars(stmt))
    if not items:
        raise NotFound(f"找不到产品 {code.strip()}。")
    lines = list(session.scalars(select(ReturnLine.id).where(ReturnLine.item_id.in_(items))))
    of_items = and_(AuditEvent.entity == "item", AuditEvent.entity_id.in_(items))
    return or_(of_items, _about_lines(lines))


def _row(r: Any) -> AuditRow:
    return AuditRow(*r)


def page_events(
    db: Database,
    actor: Actor,
    filters: AuditFilter,
    *,
    before: int | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """The newest events that match, older than event id `before`: one keyset page."""
    _require(actor)
    with db.reading() as session:
        stmt = _query(session, filters)
        if before is not None:
            stmt = stmt.where(AuditEvent.id < before)
        return [_row(r) for r in session.execute(stmt.order_by(AuditEvent.id.desc()).limit(limit))]


def count_events(db: Database, actor: Actor, filters: AuditFilter) -> int:
    _require(actor)
    with db.reading() as session:
        sub = _query(session, filters).subquery()
        return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def people(db: Database, actor: Actor) -> list[str]:
    """The names events are written under: every login's display name, then the others seen."""
    from app.models.org import User

    _require(actor)
    with db.reading() as session:
        return sorted(set(session.scalars(select(User.display_name))))


def _chunks(db: Database, filters: AuditFilter) -> Iterator[list[AuditRow]]:
    before: int | None = None
    while True:
        with db.reading() as session:
            stmt = _query(session, filters)
            if before is not None:
                stmt = stmt.where(AuditEvent.id < before)
            rows = [
                _row(r)
                for r in session.execute(stmt.order_by(AuditEvent.id.desc()).limit(EXPORT_CHUNK))
            ]
        if not rows:
            return
        yield rows
        before = rows[-1].id


def export_events(
    db: Database,
    actor: Actor,
    filters: AuditFilter,
    path: str | Path,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Write the matching events, newest first, to an Excel workbook; returns how many."""
    from openpyxl import Workbook

    total = count_events(db, actor, filters)
    target = Path(path)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append(list(HEADERS))
    done = 0
    for rows in _chunks(db, filters):
        for r in rows:
            sheet.append(export_cells(r))
        done += len(rows)
        if progress is not None and progress(done, total) is False:
            raise DomainError("导出已取消，没有写出文件。")
    try:
        book.save(target)
    except OSError as exc:
        raise DomainError(f"无法写入 {target}：{exc.strerror or exc}") from exc
    return done


def export_cells(r: AuditRow) -> list[Any]:
    local = r.at.astimezone(FACTORY_TZ).replace(tzinfo=None) if r.at.tzinfo else r.at
    return [
        r.seq,
        local.strftime("%Y-%m-%d %H:%M:%S"),
        r.actor,
        r.entity_text,
        r.entity_id,
        r.action_text,
        r.old_text,
        r.new_text,
        r.reason,
        r.state_text,
    ]
