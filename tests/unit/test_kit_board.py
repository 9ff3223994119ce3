"""Issue 10: the kit sets' status-report deadlines on the dashboard are selected in SQL by their
kept kitting deadline: the same as evaluating each set says (the CLI's listing), counted whatever
their number, in a fixed number of statements."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.oversight import dashboard, kit_board
from app.services.way_back import kitting
from tests.support.statements import statements
from tests.unit.test_repair_way import accepted_lines

D = dt.date
Shown = set[tuple[str, str, dt.date | None]]


def kit_sets(db, org, deadlines, tag):  # type: ignore[no-untyped-def]
    """One confirmed task (and so one kit set) per deadline."""
    numbers = []
    for n, deadline in enumerate(deadlines):
        (line,) = accepted_lines(db, org, [("GC-12A", f"{tag}-{n}")], confirmed=D(2026, 10, 1))
        number = kitting.kit_of_line(db, line)
        assert number is not None
        kitting.set_deadline(db, org.manager, number, deadline)
        numbers.append(number)
    return numbers


def truth(db, today) -> Shown:  # type: ignore[no-untyped-def]
    return {
        (r.line, str(r.deadline.state), r.deadline.due)
        for r in kitting.kit_deadline_rows(db, today)
    }


def on_board(board) -> Shown:  # type: ignore[no-untyped-def]
    return {
        (r.line, str(r.deadline.state), r.deadline.due)
        for r in (*board.overdue, *board.due_soon, *board.running)
        if r.deadline.rule == "kitting_report"
    }


def test_the_dashboard_selects_kit_deadlines_in_sql_as_evaluating_each_set_says(
    db, org, monkeypatch
):  # type: ignore[no-untyped-def]
    # Report due three calendar days before each deadline: 10-07, 10-19, 10-20, 10-23, 11-27.
    deadlines = [D(2026, 10, 10), D(2026, 10, 22), D(2026, 10, 23), D(2026, 10, 26)]
    numbers = kit_sets(db, org, [*deadlines, D(2026, 11, 30)], "KB")
    kitting.issue_status_report(db, org.clerk, numbers[0], D(2026, 10, 6))  # met: not shown

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a kit set's deadline was evaluated in Python")

    for today in (D(2026, 10, 16), D(2026, 10, 20), D(2026, 10, 21), D(2026, 11, 28)):
        expected = truth(db, today)
        with monkeypatch.context() as patch:
            patch.setattr(kitting, "_report_deadline", refuse)
            board = dashboard.dashboard(db, org.manager, today)
        assert on_board(board) == expected and len(expected) == 4
        for state in ("overdue", "due_soon", "running"):
            kits = sum(1 for r in expected if r[1] == state)
            lines = sum(
                1
                for r in (*board.overdue, *board.due_soon, *board.running)
                if r.deadline.state == state and r.deadline.rule != "kitting_report"
            )
            assert board.counts[state] == kits + lines
    # On 10-20 the set due the day before is overdue, the one due that day due soon.
    states = {n: s for n, s, _due in truth(db, D(2026, 10, 20))}
    assert [states[n] for n in numbers[1:3]] == ["overdue", "due_soon"]
    assert states[numbers[4]] == "running"


def test_at_most_shown_are_listed_and_every_one_counted(db, org, monkeypatch):  # type: ignore[no-untyped-def]
    numbers = kit_sets(db, org, [D(2026, 10, 10), D(2026, 10, 12), D(2026, 10, 14)], "KS")
    monkeypatch.setattr(kit_board, "SHOWN", 2)
    board = kit_board.kit_board(db, D(2026, 10, 30))
    assert board.overdue_count == 3 and board.due_soon_count == board.running_count == 0
    # The most recently overdue are the ones listed.
    assert {r.line for r in board.overdue} == set(numbers[1:])
    assert {r.item for r in board.overdue} == {"齐套 1 件"}


@pytest.mark.parametrize("more", [2, 8])
def test_the_kit_deadlines_read_a_fixed_number_of_statements(db, org, more):  # type: ignore[no-untyped-def]
    today = D(2026, 10, 20)
    kit_sets(db, org, [D(2026, 10, 22)], "KF")
    dashboard.dashboard(db, org.manager, today)  # the calendar cached, as at a desk
    with statements(db) as few:
        dashboard.dashboard(db, org.manager, today)
    kit_sets(db, org, [D(2026, 10, 10 + n) for n in range(more)], "KM")
    with statements(db) as many:
        board = dashboard.dashboard(db, org.manager, today)
    assert len(on_board(board)) == more + 1
    assert len(many) == len(few)
