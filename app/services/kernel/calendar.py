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
from app.models.base import utcnow
from app.models.calendar import CalendarDay, CalendarYear, DayKind, DeadlineRule
from app.models.org import Permission
from app.models.workdays import DEFAULT_RULES, Rule, WorkCalendar
from app.services.admin.holiday_notice import NoticeYear, read_notice
from app.services.kernel import audit, clocks
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.terms import span_text


@dataclass(frozen=True)
class WorkdayAnswer:
    date: dt.date
    provisional: bool


def statutory_years() -> range:
    """The years the installed chinese-calendar package knows."""
    known = [d.year for d in chinese_calendar.holidays]
    return range(min(known), max(known) + 1)


# chinese-calendar names its holidays in English; the window shows them in the notice's words.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
MAKEUP_NOTE = "{name}调休上班"
NOTICE_SOURCE = "state_council_notice"
FACTORY = "factory"
STATUTORY = "statutory"


def note_text(note: str) -> str:
    """A day's note in Chinese (stores seeded before issue 8 hold the package's English names)."""
    return HOLIDAY_NAMES.get(note, note)


def seed_calendar(session: Session, years: range | None = None) -> None:
    """Write the statutory holidays (weekends inside a range too) and make-up workdays of each
    year the package knows."""
    years = years or statutory_years()
    have = set(session.scalars(select(CalendarYear.year)))
    for year in years:
        if year in have:
            continue
        off = {d: n for d, n in chinese_calendar.holidays.items() if d.year == year}
        on = {d: n for d, n in chinese_calendar.workdays.items() if d.year == year}
        if not off:
            continue  # a year the package does not know stays provisional
        for day, name in off.items():
            session.add(CalendarDay(day=day, is_workday=False, source=STATUTORY, note=_name(name)))
        for day, name in on.items():
            note = MAKEUP_NOTE.format(name=_name(name)) if name else "调休上班"
            session.add(CalendarDay(day=day, is_workday=True, source=STATUTORY, note=note))
        session.add(CalendarYear(year=year, official=True, source="chinese-calendar"))


def _name(holiday: str | None) -> str:
    return HOLIDAY_NAMES.get(holiday or "", holiday or "")


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


def rule_span(session: Session, code: str) -> str:
    """A rule's length in its own unit, as the report texts print it: “5 个工作日”, “60 天”."""
    row = session.get(DeadlineRule, code)
    if row is not None:
        return span_text(abs(row.length), row.unit)
    rule = next((r for r in DEFAULT_RULES if r.code == code), None)
    return span_text(abs(rule.length), rule.unit) if rule else ""


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
    require(actor, Permission.manage_calendar)
    with db.transaction() as session:
        row = session.get(CalendarDay, day)
        old = row.is_workday if row else day.weekday() < 5
        # Back to the Monday–Friday pattern without a word drops the mark. A day with a
        # statutory arrangement, or a reason given, keeps it: the admin's word must outlast the
        # next notice applied (a shutdown on what the notice makes a make-up Saturday).
        plain = row is None or row.source == FACTORY
        if is_workday == (day.weekday() < 5) and plain and not note.strip():
            if row:
                session.delete(row)
        elif row:
            row.is_workday, row.source, row.note = is_workday, FACTORY, note
        else:
            session.add(CalendarDay(day=day, is_workday=is_workday, source=FACTORY, note=note))
        session.flush()
        clocks.reclock(session)  # every working-day deadline across the day moves with it
        ordinal = int(day.strftime("%Y%m%d"))
        audit.record(session, actor, "calendar_day", ordinal, "set_workday", old, is_workday, note)
    db.cache.pop("calendar", None)


def mark_year_official(db: Database, actor: Actor, year: int) -> None:
    """After an admin has entered the State Council's notice for `year`."""
    require(actor, Permission.manage_calendar)
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


# --- the admin's year view --------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDayView:
    day: dt.date
    kind: DayKind
    note: str
    source: str  # "" (the Monday–Friday pattern), statutory or factory

    @property
    def is_workday(self) -> bool:
        return self.kind in (DayKind.workday, DayKind.makeup_workday)

    @property
    def overridden(self) -> bool:
        """An admin's own mark (a shutdown, a working Saturday), kept when a notice is applied."""
        return self.source == FACTORY


@dataclass(frozen=True)
class CalendarYearView:
    year: int
    official: bool
    source: str  # chinese-calendar, state_council_notice, factory; "" while provisional
    days: tuple[CalendarDayView, ...]  # every day of the year, 1 January first

    def day(self, day: dt.date) -> CalendarDayView:
        return self.days[(day - dt.date(self.year, 1, 1)).days]

    def count(self, kind: DayKind) -> int:
        return sum(1 for d in self.days if d.kind == kind)


def day_kind(day: dt.date, row: CalendarDay | None) -> DayKind:
    weekend = day.weekday() >= 5
    if row is None:
        return DayKind.weekend if weekend else DayKind.workday
    if not row.is_workday:
        return DayKind.holiday
    return DayKind.makeup_workday if weekend else DayKind.workday


def _day_view(day: dt.date, row: CalendarDay | None) -> CalendarDayView:
    if row is None:
        return CalendarDayView(day, day_kind(day, None), "", "")
    return CalendarDayView(day, day_kind(day, row), note_text(row.note), row.source)


def _year_rows(session: Session, year: int) -> dict[dt.date, CalendarDay]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = session.scalars(select(CalendarDay).where(CalendarDay.day.between(first, last)))
    return {row.day: row for row in rows}


def _days_of(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def year_view(db: Database, year: int) -> CalendarYearView:
    """Every day of `year` as the deadlines count it, and whether the year is official."""
    if not 1900 < year < 2200:
        raise DomainError(f"{year} 不是有效的年份。")
    with db.reading() as session:
        rows = _year_rows(session, year)
        row = session.get(CalendarYear, year)
        official = bool(row and row.official)
        source = row.source if row and row.official else ""
        days = tuple(_day_view(d, rows.get(d)) for d in _days_of(year))
    return CalendarYearView(year, official, source, days)


# --- the State Council's notice ---------------------------------------------------------------


@dataclass(frozen=True)
class DayChange:
    """A day a notice changes: working day to day off, or back."""

    day: dt.date
    was: DayKind
    becomes: DayKind
    note: str


@dataclass(frozen=True)
class NoticePreview:
    """What applying a notice would do to the store's calendar, before anything is written."""

    notice: NoticeYear
    was_official: bool
    was_source: str
    # Days whose working or not changes, so deadlines across them move.
    changes: tuple[DayChange, ...]
    # An admin's own marks that stay as they are, though the notice says otherwise.
    kept: tuple[CalendarDayView, ...]


@dataclass(frozen=True)
class NoticeApplied:
    year: int
    changes: tuple[DayChange, ...]
    kept: tuple[CalendarDayView, ...]


def _planned(day: dt.date, notice: NoticeYear) -> tuple[bool, str] | None:
    """(is_workday, note) the notice gives `day`, None where it says nothing."""
    name = notice.name_of(day)
    if day in notice.holidays:
        return False, name
    if day in notice.workdays:
        return True, MAKEUP_NOTE.format(name=name) if name else "调休上班"
    return None


def _notice_rows(session: Session, notice: NoticeYear) -> dict[dt.date, CalendarDay]:
    rows = _year_rows(session, notice.year)
    outside = [d for d in (*notice.holidays, *notice.workdays) if d.year != notice.year]
    if outside:
        rows.update(
            {
                r.day: r
                for r in session.scalars(select(CalendarDay).where(CalendarDay.day.in_(outside)))
            }
        )
    return rows


def _compare(
    rows: dict[dt.date, CalendarDay], notice: NoticeYear
) -> tuple[tuple[DayChange, ...], tuple[CalendarDayView, ...]]:
    """Each day of the year (and each day the notice names outside it): what it is in the
    store, what the notice makes it. A factory override stays and is listed as kept."""
    listed = sorted({*_days_of(notice.year), *notice.holidays, *notice.workdays})
    changes: list[DayChange] = []
    kept: list[CalendarDayView] = []
    for day in listed:
        row = rows.get(day)
        was = day_kind(day, row)
        plan = _planned(day, notice)
        if row is not None and row.source == FACTORY:
            if plan is not None and plan[0] != row.is_workday:
                kept.append(CalendarDayView(day, was, note_text(row.note), FACTORY))
            continue
        becomes = day_kind(day, None) if plan is None else _kind_of(day, plan[0])
        if (was in (DayKind.workday, DayKind.makeup_workday)) != (
            becomes in (DayKind.workday, DayKind.makeup_workday)
        ):
            changes.append(
                DayChange(
                    day, was, becomes, plan[1] if plan else note_text(row.note if row else "")
                )
            )
    return tuple(changes), tuple(kept)


def _kind_of(day: dt.date, is_workday: bool) -> DayKind:
    if not is_workday:
        return DayKind.holiday
    return DayKind.makeup_workday if day.weekday() >= 5 else DayKind.workday


def preview_notice(db: Database, text: str) -> NoticePreview:
    """Read a pasted notice and compare it with the calendar the store has; writes nothing."""
    notice = read_notice(text)
    with db.reading() as session:
        rows = _notice_rows(session, notice)
        row = session.get(CalendarYear, notice.year)
        official = bool(row and row.official)
        source = row.source if row and official else ""
        changes, kept = _compare(rows, notice)
    return NoticePreview(notice, official, source, changes, kept)


def apply_notice(db: Database, actor: Actor, notice: NoticeYear) -> NoticeApplied:
    """Write the year as the notice gives it and mark it official, in one transaction.

    The year's statutory days are replaced (a notice is the whole arrangement); an admin's own
    marks stay. Deadlines are computed from the calendar, so every working-day deadline across
    a changed day moves with it. Returns the days that changed against what the store had."""
    require(actor, Permission.manage_calendar)
    with db.transaction() as session:
        rows = _notice_rows(session, notice)
        changes, kept = _compare(rows, notice)
        for row in rows.values():
            if row.source != FACTORY:
                session.delete(row)
        session.flush()
        for day in sorted({*notice.holidays, *notice.workdays}):
            plan = _planned(day, notice)
            existing = rows.get(day)
            if plan is None or (existing is not None and existing.source == FACTORY):
                continue
            session.add(CalendarDay(day=day, is_workday=plan[0], source=STATUTORY, note=plan[1]))
        year = session.get(CalendarYear, notice.year)
        was = "official" if year and year.official else "provisional"
        if year is None:
            year = CalendarYear(year=notice.year, official=True, source=NOTICE_SOURCE)
            session.add(year)
        year.official, year.source, year.loaded_at = True, NOTICE_SOURCE, utcnow()
        session.flush()
        clocks.reclock(session)
        summary = (
            f"放假 {len(notice.holidays)} 天，调休上班 {len(notice.workdays)} 天；"
            f"变动 {len(changes)} 天，保留本厂设定 {len(kept)} 天"
        )
        audit.record(
            session, actor, "calendar_year", notice.year, "apply_notice", was, "official", summary
        )
    db.cache.pop("calendar", None)
    return NoticeApplied(notice.year, changes, kept)


# --- the warning while next year is provisional -----------------------------------------------

WARN_FROM_MONTH = 11  # the State Council publishes next year's notice in November


@dataclass(frozen=True)
class CalendarWarning:
    year: int
    text: str


def calendar_warning(db: Database, today: dt.date | None = None) -> CalendarWarning | None:
    """From November on, while next year's calendar is provisional (and at any time while this
    year's is): what the dashboards of admins and managers say."""
    today = today or local_today()
    with db.reading() as session:
        official = set(session.scalars(select(CalendarYear.year).where(CalendarYear.official)))
    if today.year not in official:
        year, when = today.year, f"今年（{today.year} 年）"
    elif today.month >= WARN_FROM_MONTH and today.year + 1 not in official:
        year, when = today.year + 1, f"{today.year + 1} 年"
    else:
        return None
    return CalendarWarning(
        year,
        f"{when}的法定节假日安排尚未录入，工作日暂按周一至周五计算，落在该年的工作日时限均为临时。"
        "国务院办公厅的放假通知发布后，请管理员在“工作日历”页导入。",
    )
