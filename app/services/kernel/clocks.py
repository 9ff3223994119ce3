"""Each line's clocks kept with their due dates (models/clocks.py), so deadlines are read in SQL.

A line's clocks follow from its dates: the dispatch clock runs from acceptance to dispatch, the
localization and repair clocks from receipt at the manufacturer to localization and to the
accepted repair. Whatever step changes those dates, the rows follow in the same flush (a
`before_flush` hook, so no step can forget them); a finished line keeps no running clock. A
change of the calendar or of a rule moves the due dates of every running clock (`reclock`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, event, insert, select, update
from sqlalchemy.orm import Session, attributes

from app.models.calendar import DeadlineRule
from app.models.clocks import LineClock
from app.models.misc import SharedSetting
from app.models.returns import ReturnLine
from app.models.states import OPEN, LineStatus
from app.models.workdays import Rule, RuleCode, WorkCalendar, due_date

TRACKED = (
    "status",
    "accepted_on",
    "dispatched_on",
    "received_on",
    "localized_on",
    "repair_accepted_on",
)
CLOCK_RULES = (RuleCode.dispatch, RuleCode.localization, RuleCode.repair)
BUILT = "line_clocks_built"  # a shared setting: the table was filled from the lines once
CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, WorkCalendar, dict[str, Rule]]] = {}

Span = tuple[str, dt.date, dt.date | None]


def spans(line: Any) -> list[Span]:
    """(rule, started, stopped) of the clocks this line has started; none once it is finished."""
    found: list[Span] = []
    if line.status not in OPEN:
        return found
    if line.accepted_on:
        found.append((RuleCode.dispatch, line.accepted_on, line.dispatched_on))
    if line.received_on:
        found.append((RuleCode.localization, line.received_on, line.localized_on))
        if not (line.repair_accepted_on is None and line.status == LineStatus.scrapped):
            found.append((RuleCode.repair, line.received_on, line.repair_accepted_on))
    return found


def reference(session: Session) -> tuple[WorkCalendar, dict[str, Rule]]:
    """The calendar and every rule (a disabled one too: its clock still has a due date)."""
    from app.services.kernel.calendar import load_calendar

    bind = session.get_bind()
    key = str((bind.engine if isinstance(bind, Connection) else bind).url)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is None or now - cached[0] > CACHE_SECONDS:
        rules = {
            r.code: Rule(r.code, r.length, r.unit, r.due_soon_working_days)
            for r in session.scalars(select(DeadlineRule))
        }
        cached = (now, load_calendar(session), rules)
        _cache[key] = cached
    return cached[1], cached[2]


def forget() -> None:
    """The calendar or a rule changed: read them again at the next clock."""
    _cache.clear()


def _due(rules: dict[str, Rule], cal: WorkCalendar, rule: str, start: dt.date) -> dt.date:
    return due_date(rules[rule], start, cal) if rule in rules else start


def sync(session: Session, lines: Iterable[ReturnLine]) -> None:
    """Bring these lines' clock rows in line with their dates."""
    lines = [line for line in lines if line.id is not None]
    if not lines:
        return
    cal, rules = reference(session)
    with session.no_autoflush:
        have = {
            (c.line_id, c.rule): c
            for c in session.scalars(
                select(LineClock).where(LineClock.line_id.in_([line.id for line in lines]))
            )
        }
        for line in lines:
            wanted = {rule: (start, end) for rule, start, end in spans(line)}
            for rule in CLOCK_RULES:
                row = have.get((line.id, rule))
                if rule not in wanted:
                    if row is not None and row.stopped_on is None:
                        session.delete(row)  # never met: the line left the way (scrapped…)
                    continue
                start, end = wanted[rule]
                due = _due(rules, cal, rule, start)
                if row is None:
                    session.add(
                        LineClock(
                            line_id=line.id, rule=rule, started_on=start, due_on=due, stopped_on=end
                        )
                    )
                else:
                    row.started_on, row.due_on, row.stopped_on = start, due, end


def _changed(line: ReturnLine) -> bool:
    return any(attributes.get_history(line, name).has_changes() for name in TRACKED)


@event.listens_for(Session, "before_flush")
def _keep_clocks(session: Session, _context: Any, _instances: Any) -> None:
    lines = [o for o in session.dirty if isinstance(o, ReturnLine) and _changed(o)]
    if lines:
        sync(session, lines)


def reclock(session: Session) -> int:
    """Move the due dates of running clocks after a calendar or rule change; returns how many."""
    forget()
    cal, rules = reference(session)
    running = session.execute(
        select(LineClock.line_id, LineClock.rule, LineClock.started_on, LineClock.due_on).where(
            LineClock.stopped_on.is_(None)
        )
    )
    dues: dict[tuple[str, dt.date], dt.date] = {}
    moved = []
    for line_id, rule, start, due in running:
        new = dues.get((rule, start))
        if new is None:
            new = dues[(rule, start)] = _due(rules, cal, rule, start)
        if new != due:
            moved.append({"line_id": line_id, "rule": rule, "due_on": new})
    if moved:
        session.execute(update(LineClock), moved)  # by primary key, one statement executed many
    return len(moved)


def rebuild(session: Session) -> int:
    """Fill the table from every open line's dates (first start after the upgrade, bench)."""
    cal, rules = reference(session)
    session.execute(delete(LineClock))
    rows = []
    lines = session.execute(
        select(
            ReturnLine.id,
            ReturnLine.status,
            ReturnLine.accepted_on,
            ReturnLine.dispatched_on,
            ReturnLine.received_on,
            ReturnLine.localized_on,
            ReturnLine.repair_accepted_on,
        ).where(
            ReturnLine.status.in_(sorted(OPEN)),
            (ReturnLine.accepted_on.is_not(None)) | (ReturnLine.received_on.is_not(None)),
        )
    )
    for line in lines:
        for rule, start, end in spans(line):
            due = _due(rules, cal, rule, start)
            rows.append(
                {
                    "line_id": line.id,
                    "rule": rule,
                    "started_on": start,
                    "due_on": due,
                    "stopped_on": end,
                }
            )
    if rows:
        session.execute(insert(LineClock), rows)
    return len(rows)


def ensure_clocks(session: Session) -> None:
    """At start: fill the table once, the first time a store opens with it empty."""
    if session.get(SharedSetting, BUILT) is not None:
        return
    rebuild(session)
    session.add(SharedSetting(key=BUILT, value="1"))
