"""Issue 10: the dashboard reads kept due dates (line_clock) in SQL instead of evaluating every
open line's clocks; the due dates move when the calendar changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.db import Database
from app.models.clocks import LineClock
from app.services.kernel import calendar
from app.services.kernel.context import command_line_actor
from app.services.oversight import dashboard, deadlines
from tests.support.statements import statements
from tests.unit.test_repair_way import CONFIRMED, RECEIVED, accepted_lines, at_bench

D = dt.date


@dataclass(frozen=True)
class Kept:
    started_on: dt.date
    due_on: dt.date
    stopped_on: dt.date | None


def clock(db: Database, line_id: int, rule: str) -> Kept | None:
    with db.reading() as session:
        row = session.scalar(
            select(LineClock).where(LineClock.line_id == line_id, LineClock.rule == rule)
        )
        return Kept(row.started_on, row.due_on, row.stopped_on) if row else None


def truth(db: Database, today: dt.date) -> set[tuple[int, str, str, dt.date | None]]:
    """What evaluating every open line's clocks in Python says (the CLI's listing)."""
    return {
        (r.line_id, r.deadline.rule, str(r.deadline.state), r.deadline.due)
        for r in deadlines.list_deadlines(db, today)
    }


def shown(board) -> set[tuple[int, str, str, dt.date | None]]:  # type: ignore[no-untyped-def]
    return {
        (r.line_id, r.deadline.rule, str(r.deadline.state), r.deadline.due)
        for r in (*board.overdue, *board.due_soon, *board.running)
        if r.line_id
    }


def test_a_clock_is_kept_when_it_starts_and_stops_when_met(db, org):  # type: ignore[no-untyped-def]
    (line,) = accepted_lines(db, org, [("GC-12A", "C-1")])
    kept = clock(db, line, "dispatch")
    assert kept is not None and kept.started_on == CONFIRMED and kept.stopped_on is None
    line = at_bench(db, org, "C-2")
    dispatch = clock(db, line, "dispatch")
    assert dispatch is not None and dispatch.stopped_on is not None
    local = clock(db, line, "localization")
    # Five working days after 09-22, with the Mid-Autumn Festival on 09-25.
    assert local is not None and (local.started_on, local.due_on) == (RECEIVED, D(2026, 9, 30))


def test_due_dates_move_when_a_holiday_is_added(db, org):  # type: ignore[no-untyped-def]
    line = at_bench(db, org, "C-3")
    before = clock(db, line, "localization")
    assert before is not None and before.due_on == D(2026, 9, 30)
    calendar.set_day(db, command_line_actor(), D(2026, 9, 24), False, "停电检修")
    moved = clock(db, line, "localization")
    # 09-30 is the last working day before National Day: one day more lands after the holidays.
    assert moved is not None and moved.due_on == D(2026, 10, 8)
    # The same as evaluating the line against the changed calendar.
    (row,) = [
        r for r in deadlines.list_deadlines(db, D(2026, 9, 25)) if r.deadline.rule == "localization"
    ]
    assert row.deadline.due == moved.due_on
    calendar.set_day(db, command_line_actor(), D(2026, 9, 24), True)
    back = clock(db, line, "localization")
    assert back is not None and back.due_on == D(2026, 9, 30)


def test_the_dashboard_does_not_evaluate_clocks_in_python(db, org, monkeypatch):  # type: ignore[no-untyped-def]
    accepted_lines(db, org, [("GC-12A", "C-4"), ("DY-3", "C-5")])
    for serial in ("C-6", "C-7"):
        at_bench(db, org, serial)
    for today in (D(2026, 9, 23), D(2026, 9, 28), D(2026, 10, 20)):
        expected = truth(db, today)

        def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("a clock was evaluated in Python")

        with monkeypatch.context() as patch:
            patch.setattr(deadlines, "evaluate", refuse)
            patch.setattr("app.models.workdays.evaluate", refuse)
            board = dashboard.dashboard(db, org.manager, today)
        assert shown(board) == expected and expected
        for state in ("overdue", "due_soon", "running"):
            assert board.counts[state] == sum(1 for r in expected if r[2] == state)


@pytest.mark.parametrize("more", [2, 10])
def test_the_dashboard_reads_a_fixed_number_of_statements(db, org, more):  # type: ignore[no-untyped-def]
    today = D(2026, 9, 28)
    at_bench(db, org, "C-8")
    dashboard.dashboard(db, org.manager, today)  # the calendar cached, as at a desk
    with statements(db) as few:
        dashboard.dashboard(db, org.manager, today)
    accepted_lines(db, org, [("GC-12A", f"M-{n}") for n in range(more)])
    for n in range(more):
        at_bench(db, org, f"B-{n}")
    with statements(db) as many:
        board = dashboard.dashboard(db, org.manager, today)
    assert sum(board.counts.values()) > more
    assert len(many) == len(few)


def test_due_dates_move_when_a_rule_changes(db, org):  # type: ignore[no-untyped-def]
    from app.services.admin import rules

    line = at_bench(db, org, "C-9")
    rules.set_rule(db, command_line_actor(), "localization", 3, "working_days", 2)
    moved = clock(db, line, "localization")
    # Three working days after 09-22 with 09-25 a holiday: 09-23, 09-24, 09-28.
    assert moved is not None and moved.due_on == D(2026, 9, 28)
    (row,) = [
        r for r in deadlines.list_deadlines(db, D(2026, 9, 23)) if r.deadline.rule == "localization"
    ]
    assert row.deadline.due == moved.due_on


def test_each_kind_is_counted_and_the_most_recently_overdue_listed(db, org, monkeypatch):  # type: ignore[no-untyped-def]
    from app.services.oversight import clock_board

    for n, day in enumerate((D(2026, 9, 21), D(2026, 9, 22), D(2026, 9, 23))):
        at_bench(db, org, f"O-{n}", received=day)
    today = D(2026, 10, 20)  # every localization clock long overdue
    expected = truth(db, today)
    monkeypatch.setattr(clock_board, "SHOWN", 2)
    board = dashboard.dashboard(db, org.manager, today)
    overdue = [r for r in expected if r[2] == "overdue"]
    assert board.counts["overdue"] == len(overdue) > 2
    # The two listed are the ones most recently overdue, shown most overdue first.
    newest = sorted(overdue, key=lambda r: (r[3], r[0]))[-2:]
    assert [(r.line_id, r.deadline.due) for r in board.overdue] == [(r[0], r[3]) for r in newest]
