"""The dashboard's deadlines read from the kept due dates (models/clocks.py), not evaluated.

Overdue and due-soon clocks are selected in SQL by due date against each rule's due-soon
window; of the running ones the soonest are shown and the rest counted. The cost follows the
few rows shown, not the number of open lines (issue 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models.clocks import LineClock
from app.models.org import Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import BEFORE_DISPATCH
from app.models.workdays import Deadline, DeadlineState, Rule, WorkCalendar, units_between
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.line_steps import unit_of_kind
from app.services.kernel.views import DeadlineRow

RUNNING_SHOWN = 200  # the soonest running clocks listed; the rest are counted


@dataclass(frozen=True)
class ClockBoard:
    overdue: tuple[DeadlineRow, ...]
    due_soon: tuple[DeadlineRow, ...]
    running: tuple[DeadlineRow, ...]  # the soonest RUNNING_SHOWN
    running_count: int


def due_soon_until(cal: WorkCalendar, today: dt.date, rule: Rule) -> dt.date:
    """The last due date that reads as due soon today (evaluate's test, solved for the date)."""
    day = today
    while cal.within_working_days(today, day + dt.timedelta(days=1), rule.due_soon_working_days):
        day += dt.timedelta(days=1)
    return day


def _rows(unit_id: int | None, rules: dict[str, Rule]) -> Select[*tuple[Any, ...]]:
    stmt: Select[*tuple[Any, ...]] = (
        select(
            LineClock.line_id,
            LineClock.rule,
            LineClock.started_on,
            LineClock.due_on,
            ReturnTask.number,
            ReturnLine.seq,
            ProductModel.code,
            Item.serial_no,
            ReturnLine.status,
            ReturnLine.manufacturer_unit_id,
        )
        .join(ReturnLine, ReturnLine.id == LineClock.line_id)
        .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
        .join(Item, Item.id == ReturnLine.item_id)
        .join(ProductModel, ProductModel.id == Item.model_id)
        .where(LineClock.stopped_on.is_(None), LineClock.rule.in_(sorted(rules)))
    )
    if unit_id is not None:
        stmt = stmt.where(ReturnLine.manufacturer_unit_id == unit_id)
    return stmt


def deadline_board(db: Database, today: dt.date, unit_id: int | None = None) -> ClockBoard:
    """Overdue, due-soon and the soonest running deadlines of open lines (an engineer's: at
    their manufacturer)."""
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        if not rules:
            return ClockBoard((), (), (), 0)
        cutoffs = {code: due_soon_until(cal, today, rule) for code, rule in rules.items()}
        urgent = or_(
            false(),
            *(
                and_(LineClock.rule == code, LineClock.due_on <= cut)
                for code, cut in cutoffs.items()
            ),
        )
        where = _where_names(session)
        shown = [
            _row(r, rules[r.rule], cutoffs[r.rule], cal, today, where)
            for r in session.execute(_rows(unit_id, rules).where(urgent))
        ]
        soonest = session.execute(
            _rows(unit_id, rules)
            .where(~urgent)
            .order_by(LineClock.due_on, LineClock.line_id)
            .limit(RUNNING_SHOWN)
        )
        running = [_row(r, rules[r.rule], cutoffs[r.rule], cal, today, where) for r in soonest]
        count = (
            select(func.count())
            .select_from(LineClock)
            .where(LineClock.stopped_on.is_(None), LineClock.rule.in_(sorted(rules)), ~urgent)
        )
        if unit_id is not None:
            count = count.join(ReturnLine, ReturnLine.id == LineClock.line_id).where(
                ReturnLine.manufacturer_unit_id == unit_id
            )
        running_count = session.scalar(count) or 0
    shown.sort(key=lambda r: (r.deadline.due or dt.date.max, r.line_id))
    return ClockBoard(
        tuple(r for r in shown if r.deadline.state == DeadlineState.overdue),
        tuple(r for r in shown if r.deadline.state == DeadlineState.due_soon),
        tuple(running),
        running_count,
    )


def _where_names(session: Session) -> tuple[dict[int, str], str]:
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    materials = unit_of_kind(session, UnitKind.materials_dept)
    return units, materials.name if materials else ""


def _row(
    r: Any,
    rule: Rule,
    cut: dt.date,
    cal: WorkCalendar,
    today: dt.date,
    where: tuple[dict[int, str], str],
) -> DeadlineRow:
    """A shown clock as the dashboard's row, its state from the kept due date."""
    line_id, code, start, due, number, seq, model, serial, status, maker = r
    units, home = where
    place = home if status in BEFORE_DISPATCH else units.get(maker or -1) or home
    if today > due:
        state = DeadlineState.overdue
    elif due <= cut:
        state = DeadlineState.due_soon
    else:
        state = DeadlineState.running
    provisional = rule.unit == "working_days" and (
        cal.is_provisional(due) or cal.is_provisional(start)
    )
    left = units_between(rule, today, due, cal)
    deadline = Deadline(code, start, due, state, (due - today).days, provisional, rule.unit, left)
    return DeadlineRow(
        line_id, f"{number}/{seq}", item_code(model, serial), status, place, deadline
    )
