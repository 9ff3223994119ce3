"""What every step on a line shares: load it, check the state and the actor's unit, move it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, PermissionDenied, WrongState
from app.models.org import Role, Unit, UnitKind
from app.models.returns import ReturnLine
from app.models.states import TRANSITIONS, LineStatus, next_status
from app.services.admin.masterdata import item_code
from app.services.kernel import audit
from app.services.kernel.context import Actor
from app.services.kernel.terms import line_status_label, step_label, unit_kind_label


def line_code(line: ReturnLine) -> str:
    return item_code(line.item.model.code, line.item.serial_no)


def load_line(session: Session, line_id: int) -> ReturnLine:
    line = session.get(ReturnLine, line_id)
    if line is None:
        raise NotFound("找不到这条返修产品记录。")
    return line


def check_step(line: ReturnLine, step: str) -> LineStatus:
    """The state `step` leads to; a wrong step names the state the line is in."""
    target = next_status(step, line.status)
    if target is None:
        allowed = "、".join(line_status_label(s) for s in sorted(TRANSITIONS[step][0]))
        raise WrongState(
            f"{line_code(line)} 当前状态为“{line_status_label(line.status)}”，"
            f"不能{step_label(step)}（需要处于：{allowed}）。"
        )
    return target


def check_own_unit(session: Session, actor: Actor, line: ReturnLine) -> None:
    """An engineer works only on lines at their own manufacturer."""
    if actor.system or actor.role in (Role.manager, Role.quality):
        return
    if line.manufacturer_unit_id is None or line.manufacturer_unit_id != actor.unit_id:
        where = session.get(Unit, line.manufacturer_unit_id) if line.manufacturer_unit_id else None
        holder = where.name if where else unit_kind_label(UnitKind.materials_dept)
        raise PermissionDenied(
            f"{line_code(line)} 在“{holder}”，不是本单位（{actor.unit_name}）的产品。"
        )


def advance(
    session: Session, actor: Actor, line: ReturnLine, step: str, reason: str = ""
) -> LineStatus:
    target = check_step(line, step)
    old = line.status
    line.status = target
    audit.record(session, actor, "return_line", line.id, step, old, target, reason)
    return target


def unit_of_kind(session: Session, kind: UnitKind, prefer: int | None = None) -> Unit | None:
    """The unit of this kind: the acting login's own if it is one, else the first."""
    if prefer is not None:
        own = session.get(Unit, prefer)
        if own is not None and own.kind == kind:
            return own
    return session.scalar(select(Unit).where(Unit.kind == kind, Unit.active).order_by(Unit.id))


def units_of_kind(session: Session, kind: UnitKind) -> list[Unit]:
    return list(
        session.scalars(select(Unit).where(Unit.kind == kind, Unit.active).order_by(Unit.id))
    )
