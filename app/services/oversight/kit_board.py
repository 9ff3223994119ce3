"""The kit sets' status-report deadlines for the dashboard, selected in SQL like the lines'.

A set's report falls due `kitting_report` calendar days before its kitting deadline (-3: three
days before), so its due date is the kept deadline shifted by a constant: overdue and due-soon
sets are selected by their deadline, each kind counted in SQL and at most SHOWN listed. Nothing
is evaluated set by set (717 live sets at 1M lines cost the dashboard 100 ms: issue 10).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from app.db import Database
from app.models.delivery import KIT_LIVE, KitSet
from app.models.org import UnitKind
from app.models.returns import ReturnLine
from app.models.workdays import Deadline, DeadlineState, RuleCode
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.line_steps import unit_of_kind
from app.services.kernel.views import DeadlineRow
from app.services.oversight.clock_board import SHOWN, ClockBoard, due_soon_until

STATES = (DeadlineState.overdue, DeadlineState.due_soon, DeadlineState.running)


def _due(kit: Any) -> ColumnElement[bool]:
    """Sets whose report is still to come: a deadline, no report, not yet handed over."""
    return and_(
        kit.deadline.is_not(None),
        kit.report_issued_on.is_(None),
        kit.status.in_(sorted(KIT_LIVE)),  # not handed over: read from the status index
    )


def kit_board(db: Database, today: dt.date) -> ClockBoard:
    """Overdue, due-soon and running report deadlines of the kit sets: each kind counted, at
    most SHOWN listed (the most recently overdue, the soonest due)."""
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        rule = rules.get(RuleCode.kitting_report)
        if rule is None:
            return ClockBoard((), (), (), 0, 0, 0)
        shift = dt.timedelta(days=rule.length)  # due = deadline + shift
        cut = due_soon_until(cal, today, rule)
        overdue = KitSet.deadline < today - shift
        urgent = KitSet.deadline <= cut - shift
        materials = unit_of_kind(session, UnitKind.materials_dept)
        place = materials.name if materials else ""
        lines = (
            select(func.count())
            .where(ReturnLine.kit_set_id == KitSet.id)
            .correlate(KitSet)
            .scalar_subquery()
        )
        base = select(
            KitSet.number, KitSet.status, KitSet.deadline, KitSet.created_on, lines
        ).where(_due(KitSet))
        newest = KitSet.deadline.desc(), KitSet.id.desc()
        soonest = KitSet.deadline, KitSet.id
        found: list[tuple[DeadlineRow, ...]] = []
        for state, condition, order in (
            (DeadlineState.overdue, overdue, newest),
            (DeadlineState.due_soon, and_(~overdue, urgent), soonest),
            (DeadlineState.running, ~urgent, soonest),
        ):
            rows = session.execute(base.where(condition).order_by(*order).limit(SHOWN))
            found.append(
                tuple(
                    _row(number, status, deadline + shift, created, count, state, today, place)
                    for number, status, deadline, created, count in rows
                )
            )
        kind = case((overdue, 0), (urgent, 1), else_=2)
        counted = select(kind, func.count()).where(_due(KitSet)).group_by(kind)
        counts: dict[int, int] = {k: n for k, n in session.execute(counted)}
    return ClockBoard(
        found[0], found[1], found[2], counts.get(2, 0), counts.get(0, 0), counts.get(1, 0)
    )


def _row(
    number: str,
    status: str,
    due: dt.date,
    created: dt.date,
    count: int,
    state: DeadlineState,
    today: dt.date,
    place: str,
) -> DeadlineRow:
    deadline = Deadline(RuleCode.kitting_report, created, due, state, (due - today).days, False)
    return DeadlineRow(0, number, f"齐套 {count} 件", status, place, deadline)
