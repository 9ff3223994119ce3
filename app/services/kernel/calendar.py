"""The factory's working calendar: seeded from chinese-calendar, edited by an admin."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError
from app.models.calendar import CalendarDay, CalendarYear, DeadlineRule
from app.models.workdays import DEFAULT_RULES, Rule, WorkCalendar
from app.services.kernel import audit
from app.services.kernel.context import Actor, require


@dataclass(frozen=True)
class WorkdayAnswer:
    date: dt.date
    provisional: bool


def statutory_years() -> range:
    """The years the installed chinese-calendar package knows."""
    known = [d.year for d in chinese_calendar.holidays]
    return range(min(known), max(known) + 1)


def seed_calendar(session: Session, years: range | None = None) -> None:
    """Write the statutory holidays and make-up workdays of each year the package knows."""
    years = years or statutory_years()
    have = set(session.scalars(select(CalendarYear.year)))
    for year in years:
        if year in have:
            continue
        day = dt.date(year, 1, 1)
        while day.year == year:
            try:
                workday = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            if workday != (day.weekday() < 5):
                holiday = chinese_calendar.get_holiday_detail(day)[1]
                session.add(
                    CalendarDay(day=day, is_workday=workday, source="statutory", note=holiday or "")
                )
            day += dt.timedelta(days=1)
        else:
            session.add(CalendarYear(year=year, official=True, source="chinese-calendar"))


def seed_rules(session: Session) -> None:
    have = set(session.scalars(select(DeadlineRule.code)))
    for rule in DEFAULT_RULES:
        if rule.code not in have:
            session.add(
                DeadlineRule(
                    code=rule.code,
                    length=rule.length,
                    unit=rule.unit,
                    due_soon_working_days=rule.due_soon_working_days,
                )
            )


def load_calendar(session: Session) -> WorkCalendar:
    overrides = {d.day: d.is_workday for d in session.scalars(select(CalendarDay))}
    official = session.scalars(select(CalendarYear.year).where(CalendarYear.official))
    return WorkCalendar(overrides, official)


def load_rules(session: Session) -> dict[str, Rule]:
    return {
        r.code: Rule(r.code, r.length, r.unit, r.due_soon_working_days)
        for r in session.scalars(select(DeadlineRule).where(DeadlineRule.enabled))
    }


CACHE_SECONDS = 60.0


def calendar_and_rules(db: Database, session: Session) -> tuple[WorkCalendar, dict[str, Rule]]:
    """The calendar and rules, re-read at most once a minute (another desk may edit them)."""
    cached = db.cache.get("calendar")
    now = time.monotonic()
    if cached is None or now - cached[0] > CACHE_SECONDS:
        cached = (now, load_calendar(session), load_rules(session))
        db.cache["calendar"] = cached
    return cached[1], cached[2]


def nth_working_day(db: Database, start: dt.date, n: int) -> WorkdayAnswer:
    with db.reading() as session:
        cal = load_calendar(session)
    day = cal.add_working_days(start, n)
    return WorkdayAnswer(day, cal.is_provisional(day) or cal.is_provisional(start))


def set_day(db: Database, actor: Actor, day: dt.date, is_workday: bool, note: str = "") -> None:
    """A factory override: a plant shutdown, or a working Saturday the notice did not name."""
    require(actor, "manage_calendar")
    with db.transaction() as session:
        row = session.get(CalendarDay, day)
        old = row.is_workday if row else day.weekday() < 5
        if is_workday == (day.weekday() < 5):
            if row:
                session.delete(row)
        elif row:
            row.is_workday, row.source, row.note = is_workday, "factory", note
        else:
            session.add(CalendarDay(day=day, is_workday=is_workday, source="factory", note=note))
        ordinal = int(day.strftime("%Y%m%d"))
        audit.record(session, actor, "calendar_day", ordinal, "set_workday", old, is_workday, note)
    db.cache.pop("calendar", None)


def mark_year_official(db: Database, actor: Actor, year: int) -> None:
    """After an admin has entered the State Council's notice for `year`."""
    require(actor, "manage_calendar")
    with db.transaction() as session:
        row = session.get(CalendarYear, year)
        if row and row.official:
            raise DomainError(f"{year} 年的日历已经是正式日历。")
        if row:
            row.official, row.source = True, "factory"
        else:
            session.add(CalendarYear(year=year, official=True, source="factory"))
        audit.record(session, actor, "calendar_year", year, "mark_official", False, True)
    db.cache.pop("calendar", None)
