"""The dashboard (工作台): what needs doing first, for the logged-in person's unit and role."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.db import Database
from app.models.org import Role, Unit, UnitKind
from app.models.returns import ReturnLine
from app.models.states import AT_MATERIALS, OPEN, LineStatus
from app.models.workdays import DeadlineState
from app.services.kernel.context import Actor, local_today
from app.services.kernel.line_steps import unit_of_kind
from app.services.kernel.terms import unit_kind_label
from app.services.kernel.views import Dashboard
from app.services.oversight import inbox
from app.services.oversight.clock_board import at_maker, deadline_board
from app.services.oversight.kit_board import kit_board


def _scope(actor: Actor) -> int | None:
    """An engineer sees the lines at their own manufacturer; everyone else sees them all."""
    return actor.unit_id if actor.role == Role.engineer and not actor.system else None


def dashboard(db: Database, actor: Actor, today: dt.date | None = None) -> Dashboard:
    today = today or local_today()
    unit = _scope(actor)
    boards = [deadline_board(db, today, unit)]
    if unit is None:  # the kit sets are the materials department's
        boards.append(kit_board(db, today))
    rows = sorted(
        (row for b in boards for row in (*b.overdue, *b.due_soon, *b.running)),
        key=lambda r: (r.deadline.due or dt.date.max, r.line),
    )
    counts: dict[str, int] = {
        DeadlineState.overdue: sum(b.overdue_count for b in boards),
        DeadlineState.due_soon: sum(b.due_soon_count for b in boards),
        DeadlineState.running: sum(b.running_count for b in boards),
    }
    with db.reading() as session:
        stage = select(ReturnLine.status, func.count()).where(ReturnLine.status.in_(sorted(OPEN)))
        if unit is not None:
            stage = stage.where(at_maker(unit, db.is_sqlite))
        by_stage: dict[str, int] = {
            status: n for status, n in session.execute(stage.group_by(ReturnLine.status))
        }
        holder = select(ReturnLine.manufacturer_unit_id, ReturnLine.status, func.count()).where(
            ReturnLine.status.in_(sorted(OPEN))
        )
        if unit is not None:
            holder = holder.where(at_maker(unit, db.is_sqlite))
        names = {u.id: u.name for u in session.scalars(select(Unit))}
        materials = unit_of_kind(session, UnitKind.materials_dept)
        by_unit: dict[str, int] = {}
        for maker_id, status, n in session.execute(
            holder.group_by(ReturnLine.manufacturer_unit_id, ReturnLine.status)
        ):
            if status in AT_MATERIALS or maker_id is None:
                name = materials.name if materials else unit_kind_label(UnitKind.materials_dept)
            else:
                name = names.get(maker_id, "")
            by_unit[name] = by_unit.get(name, 0) + n
    order = {s.value: i for i, s in enumerate(LineStatus)}
    unread = inbox.inbox(db, actor, unread_only=True, limit=50)
    return Dashboard(
        today,
        tuple(r for r in rows if r.deadline.state == DeadlineState.overdue),
        tuple(r for r in rows if r.deadline.state == DeadlineState.due_soon),
        tuple(r for r in rows if r.deadline.state == DeadlineState.running),
        counts,
        tuple(sorted(by_stage.items(), key=lambda kv: order[kv[0]])),
        tuple(sorted(by_unit.items(), key=lambda kv: -kv[1])),
        tuple(unread),
        inbox.unread_count(db, actor),
    )


def warm(db: Database) -> None:
    """Read the dashboard once for nobody while the login is asked, and keep nothing: the
    calendar is cached and the statements compiled, so the first reading after sign-in costs
    what later ones do (1M lines: 100 ms the first time, 40 after: issue 10)."""
    dashboard(db, Actor(None, "", None, None, system=True))
