"""The running clocks of a line, with their due dates kept in an indexed column (issue 10).

A line's deadlines are computed from its dates and the calendar (models/workdays.py); reading
them that way for every open line made the dashboard cost grow with the store. Each clock a
step starts is kept here with its due date, set when it starts and moved when the calendar or a
rule changes (services/kernel/clocks.py), so overdue and due-soon clocks are selected in SQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class LineClock(Base):
    __tablename__ = "line_clock"
    __table_args__ = (
        # The dashboard reads running clocks by due date; stopped ones are history.
        Index(
            "ix_line_clock_running_due",
            "due_on",
            sqlite_where=text("stopped_on IS NULL"),
            postgresql_where=text("stopped_on IS NULL"),
        ),
    )

    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(30), primary_key=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    # The date of the step that met it; NULL while it runs.
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
