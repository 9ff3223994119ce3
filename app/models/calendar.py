"""The factory's working calendar and the deadline rules (data, editable by an admin)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime, utcnow


class DayKind(enum.StrEnum):
    """What a day is in the factory's calendar (shown in the admin's year view)."""

    workday = "workday"
    weekend = "weekend"
    holiday = "holiday"  # a day off the notice lists (weekends inside a range too), or a shutdown
    makeup_workday = "makeup_workday"  # a Saturday or Sunday worked in exchange (调休上班)


class CalendarDay(Base):
    """A day the Monday–Friday pattern does not tell: a holiday (on a weekday, or a weekend
    inside a holiday range), a make-up workday, or an admin's override."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    # statutory (chinese-calendar or the State Council's notice) or factory (an admin's override)
    source: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(100), default="")


class CalendarYear(Base):
    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    # official: the State Council's notice is in; provisional: Monday–Friday guessed.
    official: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(50))
    loaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class DeadlineRule(Base):
    __tablename__ = "deadline_rule"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    length: Mapped[int] = mapped_column(Integer)
    # calendar_days, working_days, hours; negative length counts back from the end date.
    unit: Mapped[str] = mapped_column(String(20))
    due_soon_working_days: Mapped[int] = mapped_column(Integer, default=2)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
