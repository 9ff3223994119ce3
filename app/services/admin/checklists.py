"""The admin's acceptance checklists (验收细则) per model: add, edit, retire and order points.

A point an inspection has used is never changed in place: the edit retires it and a new point
takes its place, so a printed YS keeps the words it was inspected against."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Permission
from app.models.products import ChecklistItem, ProductModel
from app.models.repair import AcceptanceResult
from app.services.admin.codelists import RETIRED_BASE
from app.services.kernel import audit
from app.services.kernel.context import Actor, require

# Retired points leave the numbered order (RETIRED_BASE + id) so the live points stay 1..n.


@dataclass(frozen=True)
class ChecklistModel:
    code: str
    name: str
    points: int  # live points


@dataclass(frozen=True)
class PointRow:
    id: int
    position: int  # 1..n among live points; 0 for a retired one
    text: str
    criterion: str
    measured: bool
    active: bool
    used: bool  # an inspection recorded a result against it


def checklist_models(db: Database) -> list[ChecklistModel]:
    """Every model with its count of live points, by code."""
    with db.reading() as session:
        counts = dict(
            session.execute(
                select(ChecklistItem.model_id, func.count())
                .where(ChecklistItem.active)
                .group_by(ChecklistItem.model_id)
            ).all()
        )
        return [
            ChecklistModel(m.code, m.name, counts.get(m.id, 0))
            for m in session.scalars(select(ProductModel).order_by(ProductModel.code))
        ]


def _model(session: Session, code: str) -> ProductModel:
    model = session.scalar(select(ProductModel).where(ProductModel.code == code))
    if model is None:
        raise NotFound(f"型号 {code} 不存在。")
    return model


def _live(session: Session, model_id: int) -> list[ChecklistItem]:
    return list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.model_id == model_id, ChecklistItem.active)
            .order_by(ChecklistItem.position)
        )
    )


def _used(session: Session, item_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(AcceptanceResult)
            .where(AcceptanceResult.checklist_item_id == item_id)
        )
    )


def _row(session: Session, c: ChecklistItem) -> PointRow:
    position = c.position if c.active else 0
    return PointRow(c.id, position, c.text, c.criterion, c.measured, c.active, _used(session, c.id))


def list_points(db: Database, model_code: str) -> list[PointRow]:
    """A model's points: the live ones in order, then the retired ones."""
    with db.reading() as session:
        model = _model(session, model_code)
        items = session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.model_id == model.id)
            .order_by(ChecklistItem.active.desc(), ChecklistItem.position)
        )
        return [_row(session, c) for c in items]


def _clean(text: str, criterion: str) -> tuple[str, str]:
    text, criterion = " ".join(text.split()), " ".join(criterion.split())
    if not text:
        raise DomainError("请填写验收项目。")
    if len(text) > 200 or len(criterion) > 200:
        raise DomainError("验收项目和合格判据最多 200 个字。")
    return text, criterion


def _renumber(session: Session, live: list[ChecklistItem]) -> None:
    """Positions 1..n in the given order (in two passes: (model, position) is unique)."""
    for c in live:
        c.position = -c.id
    session.flush()
    for i, c in enumerate(live, start=1):
        c.position = i
    session.flush()


def add_point(
    db: Database, actor: Actor, model_code: str, text: str, criterion: str, measured: bool
) -> PointRow:
    require(actor, Permission.manage_master_data)
    text, criterion = _clean(text, criterion)
    with db.transaction() as session:
        model = _model(session, model_code)
        live = _live(session, model.id)
        if any(c.text == text for c in live):
            raise DomainError(f"型号 {model_code} 的验收细则中已有“{text}”。")
        item = ChecklistItem(
            model_id=model.id,
            position=len(live) + 1,
            text=text,
            criterion=criterion,
            measured=measured,
        )
        session.add(item)
        session.flush()
        audit.record(session, actor, "checklist_item", item.id, "create", "", _said(item))
        return _row(session, item)


def _said(c: ChecklistItem) -> str:
    how = "记录实测值" if c.measured else "合格/不合格"
    return f"{c.text}｜{c.criterion or '—'}｜{how}"


def _item(session: Session, item_id: int) -> ChecklistItem:
    item = session.get(ChecklistItem, item_id)
    if item is None:
        raise NotFound("该验收项目不存在（可能已被他人修改），请刷新。")
    return item


def edit_point(
    db: Database, actor: Actor, item_id: int, text: str, criterion: str, measured: bool
) -> PointRow:
    """Change a point; one an inspection used is replaced (retired, a new one in its place)."""
    require(actor, Permission.manage_master_data)
    text, criterion = _clean(text, criterion)
    with db.transaction() as session:
        item = _item(session, item_id)
        if not item.active:
            raise DomainError("已停用的验收项目不能修改，请先重新启用。")
        old = _said(item)
        if (text, criterion, measured) == (item.text, item.criterion, item.measured):
            return _row(session, item)
        if _used(session, item.id):
            live = _live(session, item.model_id)
            new = ChecklistItem(
                model_id=item.model_id,
                position=2 * RETIRED_BASE + item.id,  # a free place until renumbered
                text=text,
                criterion=criterion,
                measured=measured,
            )
            session.add(new)
            item.active = False
            item.position = RETIRED_BASE + item.id
            session.flush()
            _renumber(session, [new if c is item else c for c in live])
            audit.record(session, actor, "checklist_item", item.id, "replace", old, _said(new))
            return _row(session, new)
        item.text, item.criterion, item.measured = text, criterion, measured
        audit.record(session, actor, "checklist_item", item.id, "edit", old, _said(item))
        return _row(session, item)


def set_point_active(db: Database, actor: Actor, item_id: int, active: bool) -> PointRow:
    """Retire a point (no longer inspected; past inspections keep it) or take it back."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        item = _item(session, item_id)
        if item.active == active:
            return _row(session, item)
        live = [c for c in _live(session, item.model_id) if c.id != item.id]
        item.active = active
        if active:
            item.position = -item.id
            live.append(item)
        else:
            item.position = RETIRED_BASE + item.id
        session.flush()
        _renumber(session, live)
        action = "restore" if active else "retire"
        audit.record(session, actor, "checklist_item", item.id, action, _said(item))
        return _row(session, item)


def move_point(db: Database, actor: Actor, item_id: int, step: int) -> PointRow:
    """Up (-1) or down (+1) one place in the order the inspector goes through."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        item = _item(session, item_id)
        live = _live(session, item.model_id)
        if item not in live:
            raise DomainError("已停用的验收项目没有顺序。")
        at = live.index(item)
        to = at + step
        if step and 0 <= to < len(live):
            live.insert(to, live.pop(at))
            _renumber(session, live)
            audit.record(session, actor, "checklist_item", item.id, "move", at + 1, to + 1)
        return _row(session, item)
