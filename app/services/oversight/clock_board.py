"""The dashboard's deadlines read from the kept due dates (models/clocks.py), not evaluated.

Overdue and due-soon clocks are selected in SQL by due date against each rule's due-soon
window; each kind is counted in SQL and at most SHOWN of it listed. The cost follows the
few rows shown, not the number of open lines (issue 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models.clocks import LineClock
from app.models.org import Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import BEFORE_DISPATCH, OPEN
from app.models.workdays import Deadline, DeadlineState, Rule, WorkCalendar, units_between
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.line_steps import unit_of_kind
from app.services.kernel.views import DeadlineRow

SHOWN = 200  # rows listed per kind of deadline; all of them are counted


@dataclass(frozen=True)
class ClockBoard:
    overdue: tuple[DeadlineRow, ...]  # the SHOWN most recently overdue
    due_soon: tuple[DeadlineRow, ...]  # the SHOWN soonest
    running: tuple[DeadlineRow, ...]  # the SHOWN soonest
    running_count: int
    overdue_count: int
    due_soon_count: int


def due_soon_until(cal: WorkCalendar, today: dt.date, rule: Rule) -> dt.date:
    """The last due date that reads as due soon today (evaluate's test, solved for the date)."""
    day = today
    while cal.within_working_days(today, day + dt.timedelta(days=1), rule.due_soon_working_days):
        day += dt.timedelta(days=1)
    return day


def _rows(unit_id: int | None, rules: dict[str, Rule], sqlite: bool) -> Select[*tuple[Any, ...]]:
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
        stmt = stmt.where(at_maker(unit_id, sqlite))
    return stmt


def at_maker(unit_id: int, sqlite: bool) -> ColumnElement[bool]:
    """The lines at one manufacturer, in the shape each database plans best (1M lines)."""
    if sqlite:
        # "+ 0": SQLite walks the running clocks in due order and stops at the rows shown
        # (a few ms); on the manufacturer's index it walked every line it ever had (250 ms).
        return ReturnLine.manufacturer_unit_id + 0 == unit_id
    # PostgreSQL joined all 65,000 running clocks for that (176 ms a statement); only open
    # lines have running clocks, and said so it starts from the manufacturer's ~1,000 open
    # lines on the (status, manufacturer) index (15 ms).
    return and_(ReturnLine.status.in_(sorted(OPEN)), ReturnLine.manufacturer_unit_id == unit_id)


def deadline_board(db: Database, today: dt.date, unit_id: int | None = None) -> ClockBoard:
    """Overdue, due-soon and running deadlines of open lines (an engineer's: at their
    manufacturer): each counted, and at most SHOWN of each listed: the most recently overdue
    (those a reminder is about), the soonest due."""
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        if not rules:
            return ClockBoard((), (), (), 0, 0, 0)
        cutoffs = {code: due_soon_until(cal, today, rule) for code, rule in rules.items()}
        urgent = or_(
            false(),
            *(
                and_(LineClock.rule == code, LineClock.due_on <= cut)
                for code, cut in cutoffs.items()
            ),
        )
        overdue = LineClock.due_on < today
        where = _where_names(session)
        base = _rows(unit_id, rules, db.is_sqlite)
        newest = LineClock.due_on.desc(), LineClock.line_id.desc()
        soonest = LineClock.due_on, LineClock.line_id
        found = []
        for condition, order in (
            (overdue, newest),
            (and_(~overdue, urgent), soonest),
            (~urgent, soonest),
        ):
            rows = session.execute(base.where(condition).order_by(*order).limit(SHOWN))
            found.append([_row(r, rules[r.rule], cutoffs[r.rule], cal, today, where) for r in rows])
        kind = case((overdue, 0), (urgent, 1), else_=2)
        count = (
            select(kind, func.count())
            .select_from(LineClock)
            .where(LineClock.stopped_on.is_(None), LineClock.rule.in_(sorted(rules)))
            .group_by(kind)
        )
        if unit_id is not None:
            count = count.join(ReturnLine, ReturnLine.id == LineClock.line_id).where(
                at_maker(unit_id, db.is_sqlite)
            )
        counts: dict[int, int] = {kind: n for kind, n in session.execute(count)}
    in_order = [
        sorted(rows, key=lambda r: (r.deadline.due or dt.date.max, r.line_id)) for rows in found
    ]
    return ClockBoard(
        tuple(in_order[0]),
        tuple(in_order[1]),
        tuple(in_order[2]),
        counts.get(2, 0),
        counts.get(0, 0),
        counts.get(1, 0),
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
