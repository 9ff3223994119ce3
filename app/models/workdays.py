"""Working-day arithmetic and deadline states: the one home for both (DOMAIN.md, Deadlines)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class WorkCalendar:
    """Monday–Friday, corrected by the factory's table of holidays and make-up workdays."""

    def __init__(
        self, overrides: Mapping[dt.date, bool], official_years: Iterable[int] = ()
    ) -> None:
        self._overrides = dict(overrides)
        self.official_years = frozenset(official_years)

    def is_workday(self, day: dt.date) -> bool:
        found = self._overrides.get(day)
        return found if found is not None else day.weekday() < 5

    def is_provisional(self, day: dt.date) -> bool:
        """True where the year's calendar is a Monday–Friday guess, not the official notice."""
        return day.year not in self.official_years

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `start` (before it for negative n; n=0 is start)."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        day = start
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def within_working_days(self, start: dt.date, end: dt.date, n: int) -> bool:
        """Whether (start, end] holds at most n working days; stops counting past n."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
                if count > n:
                    return False
        return True

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


class DeadlineState(enum.StrEnum):
    not_started = "not_started"
    running = "running"
    due_soon = "due_soon"
    overdue = "overdue"
    met = "met"
    met_late = "met_late"


class RuleCode(enum.StrEnum):
    dispatch = "dispatch"
    localization = "localization"
    repair = "repair"
    kitting_report = "kitting_report"
    reply_after_measure = "reply_after_measure"
    adhoc_reply = "adhoc_reply"
    retention = "retention"


@dataclass(frozen=True)
class Rule:
    code: str
    length: int
    unit: str  # calendar_days | working_days | hours | years
    due_soon_working_days: int = 2


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(RuleCode.dispatch, 7, "calendar_days"),
    Rule(RuleCode.localization, 5, "working_days"),
    Rule(RuleCode.repair, 60, "calendar_days"),
    # Counted back from the kit set's deadline: the report is due 3 days before it.
    Rule(RuleCode.kitting_report, -3, "calendar_days"),
    Rule(RuleCode.reply_after_measure, 1, "working_days"),
    Rule(RuleCode.adhoc_reply, 48, "hours"),
    Rule(RuleCode.retention, 5, "years"),
)


@dataclass(frozen=True)
class Deadline:
    rule: str
    starts: dt.date | None
    due: dt.date | None
    state: DeadlineState
    # Calendar days until due (negative: overdue by); None when not running.
    days_left: int | None
    provisional: bool
    # The rule's own unit and what is left in it: working days on a working-day clock, so
    # the window can say "剩 3 个工作日" (negative: overdue by; for met_late, how late).
    unit: str = "calendar_days"
    left: int | None = None


def units_between(rule: Rule, start: dt.date, end: dt.date, cal: WorkCalendar) -> int:
    """How many of the rule's units lie in (start, end]; negative when end is before start."""
    if rule.unit == "working_days":
        return cal.working_days_between(start, end)
    return (end - start).days


def due_date(rule: Rule, start: dt.date, cal: WorkCalendar) -> dt.date:
    if rule.unit == "working_days":
        return cal.add_working_days(start, rule.length)
    if rule.unit == "calendar_days":
        return start + dt.timedelta(days=rule.length)
    if rule.unit == "hours":
        return start + dt.timedelta(days=-(-rule.length // 24))
    if rule.unit == "years":
        try:
            return start.replace(year=start.year + rule.length)
        except ValueError:  # 29 February
            return start.replace(year=start.year + rule.length, day=28)
    raise ValueError(f"unknown rule unit {rule.unit}")


def evaluate(
    rule: Rule,
    start: dt.date | None,
    end: dt.date | None,
    today: dt.date,
    cal: WorkCalendar,
) -> Deadline:
    """The state of one deadline: `start` starts the clock, `end` is the event that meets it."""
    if start is None:
        return Deadline(rule.code, None, None, DeadlineState.not_started, None, False, rule.unit)
    due = due_date(rule, start, cal)
    # Only working-day counts depend on the holiday notice; calendar days are exact anyway.
    provisional = rule.unit == "working_days" and (
        cal.is_provisional(due) or cal.is_provisional(start)
    )
    if end is not None:
        state = DeadlineState.met if end <= due else DeadlineState.met_late
        late = -units_between(rule, due, end, cal) if state == DeadlineState.met_late else None
        return Deadline(rule.code, start, due, state, None, provisional, rule.unit, late)
    days_left = (due - today).days
    if today > due:
        state = DeadlineState.overdue
    elif cal.within_working_days(today, due, rule.due_soon_working_days):
        state = DeadlineState.due_soon
    else:
        state = DeadlineState.running
    left = units_between(rule, today, due, cal)
    return Deadline(rule.code, start, due, state, days_left, provisional, rule.unit, left)
