"""Working days from the factory calendar and deadline states (DOMAIN.md semantics)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import PermissionDenied
from app.models.workdays import DeadlineState, Rule, WorkCalendar, evaluate
from app.services.kernel import calendar

D = dt.date


@pytest.fixture
def cal(sqlite_db) -> WorkCalendar:  # type: ignore[no-untyped-def]
    with sqlite_db.reading() as session:
        return calendar.load_calendar(session)


def test_spring_festival_2026_is_skipped(cal):
    # 2026-02-15..23 is the Spring Festival holiday; Saturday 2026-02-14 is a make-up workday.
    assert not cal.is_workday(D(2026, 2, 16))
    assert cal.is_workday(D(2026, 2, 14))
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert cal.add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)


def test_national_day_2026_is_skipped(cal):
    # 2026-10-01..07 off; Sunday 2026-09-20 and Saturday 2026-10-10 are make-up workdays.
    assert not cal.is_workday(D(2026, 10, 5))
    assert cal.is_workday(D(2026, 10, 10))
    assert cal.add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 12)


def test_n_zero_and_negative(cal):
    assert cal.add_working_days(D(2026, 11, 20), 0) == D(2026, 11, 20)
    assert cal.add_working_days(D(2026, 11, 23), -1) == D(2026, 11, 20)
    assert cal.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)


def test_unknown_year_is_provisional_monday_to_friday(sqlite_db, cal):
    assert cal.is_provisional(D(2027, 5, 3)) and not cal.is_provisional(D(2026, 5, 1))
    answer = calendar.nth_working_day(sqlite_db, D(2026, 12, 30), 3)
    assert answer.date == D(2027, 1, 4) and answer.provisional
    # 2027-01-01 is a Friday: counted as a working day in a provisional year.
    assert calendar.nth_working_day(sqlite_db, D(2026, 12, 31), 1).date == D(2027, 1, 1)


def test_factory_override_wins_and_is_audited(sqlite_db):
    from tests.conftest import Org

    org = Org(sqlite_db)
    # The plant works Saturday 2026-11-28 and shuts Monday 2026-11-30.
    calendar.set_day(sqlite_db, org.admin, D(2026, 11, 28), True, "赶工")
    calendar.set_day(sqlite_db, org.admin, D(2026, 11, 30), False, "停电检修")
    assert calendar.nth_working_day(sqlite_db, D(2026, 11, 27), 1).date == D(2026, 11, 28)
    assert calendar.nth_working_day(sqlite_db, D(2026, 11, 28), 1).date == D(2026, 12, 1)
    with pytest.raises(PermissionDenied):
        calendar.set_day(sqlite_db, org.clerk, D(2026, 12, 5), True)
    # Back to the normal pattern removes the override.
    calendar.set_day(sqlite_db, org.admin, D(2026, 11, 30), True)
    assert calendar.nth_working_day(sqlite_db, D(2026, 11, 28), 1).date == D(2026, 11, 30)


def test_admin_enters_a_new_year_notice(sqlite_db):
    from tests.conftest import Org

    org = Org(sqlite_db)
    calendar.set_day(sqlite_db, org.admin, D(2027, 1, 1), False, "元旦")
    calendar.mark_year_official(sqlite_db, org.admin, 2027)
    answer = calendar.nth_working_day(sqlite_db, D(2026, 12, 31), 1)
    assert answer.date == D(2027, 1, 4) and not answer.provisional


LOCALIZE = Rule("localization", 5, "working_days")
DISPATCH = Rule("dispatch", 7, "calendar_days")


def test_deadline_states(cal):
    start = D(2026, 11, 2)  # Monday
    assert evaluate(DISPATCH, None, None, start, cal).state == DeadlineState.not_started
    running = evaluate(DISPATCH, start, None, D(2026, 11, 3), cal)
    assert running.state == DeadlineState.running and running.due == D(2026, 11, 9)
    assert running.days_left == 6
    assert evaluate(DISPATCH, start, None, D(2026, 11, 6), cal).state == DeadlineState.due_soon
    assert evaluate(DISPATCH, start, None, D(2026, 11, 9), cal).state == DeadlineState.due_soon
    late = evaluate(DISPATCH, start, None, D(2026, 11, 11), cal)
    assert late.state == DeadlineState.overdue and late.days_left == -2
    assert evaluate(DISPATCH, start, D(2026, 11, 9), D(2026, 12, 1), cal).state == DeadlineState.met
    late_met = evaluate(DISPATCH, start, D(2026, 11, 10), D(2026, 12, 1), cal)
    assert late_met.state == DeadlineState.met_late


def test_localization_across_national_day(cal):
    received = D(2026, 9, 29)
    deadline = evaluate(LOCALIZE, received, None, D(2026, 9, 30), cal)
    assert deadline.due == D(2026, 10, 12)
    # Ten calendar days away but four working days left during the holiday: still running.
    assert evaluate(LOCALIZE, received, None, D(2026, 10, 2), cal).state == DeadlineState.running
    # Two working days left (Saturday make-up day 10-10 and Monday 10-12): due soon.
    assert evaluate(LOCALIZE, received, None, D(2026, 10, 9), cal).state == DeadlineState.due_soon
    assert evaluate(LOCALIZE, received, D(2026, 10, 12), D(2026, 10, 20), cal).state == "met"
