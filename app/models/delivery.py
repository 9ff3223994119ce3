"""Delivery plans (交付计划), kit sets (齐套) and the service ledger (用户服务台账)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, StrEnumType, UtcDateTime, one_of, utcnow
from app.models.records import Voidable


class KitSetStatus(enum.StrEnum):
    """open → kitted (every remaining item kitted) → delivered → closed (follow-up done)."""

    open = "open"
    kitted = "kitted"
    delivered = "delivered"
    closed = "closed"


# A set still being put together or waiting to go to the user: its items may still change.
KIT_LIVE = frozenset({KitSetStatus.open, KitSetStatus.kitted})
# A set that has gone to the user: its status report no longer falls due.
KIT_HANDED_OVER = frozenset({KitSetStatus.delivered, KitSetStatus.closed})
# The steps of a kit set and the states each may start from: the services refuse any other, and
# the window greys the step's button by the same rule.
KIT_STEPS: dict[str, frozenset[KitSetStatus]] = {
    "report": KIT_LIVE,  # the kitting status report (QB)
    "complete": frozenset({KitSetStatus.open}),
    "deliver": frozenset({KitSetStatus.kitted}),
    "followup": frozenset({KitSetStatus.delivered}),
    "regroup": frozenset({KitSetStatus.open}),
    "set_deadline": KIT_LIVE,
}


class DeliveryPlan(Voidable, Base):
    __tablename__ = "delivery_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class DeliveryPlanLine(Base):
    __tablename__ = "delivery_plan_line"
    __table_args__ = (UniqueConstraint("plan_id", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("delivery_plan.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)


class KitSet(Base):
    __tablename__ = "kit_set"
    __table_args__ = (
        CheckConstraint(one_of("status", KitSetStatus), name="status"),
        # The live sets by their deadline: the dashboard's report deadlines read only them
        # (issue 10, migration 0017).
        Index("ix_kit_set_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("return_task.id"), index=True)
    # Wins over the task's default kitting deadline.
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[KitSetStatus] = mapped_column(
        StrEnumType(KitSetStatus, 20), default=KitSetStatus.open
    )
    status_report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    # The day the kitting status report (QB) was issued: meets the T-3 deadline.
    report_issued_on: Mapped[dt.date | None] = mapped_column(Date)
    created_on: Mapped[dt.date] = mapped_column(Date)
    kitted_on: Mapped[dt.date | None] = mapped_column(Date)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ServiceEvent(Base):
    __tablename__ = "service_event"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'waived')", name="status"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 0 AND 100", name="satisfaction"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("return_line.id"))
    kit_set_id: Mapped[int | None] = mapped_column(ForeignKey("kit_set.id"), index=True)
    # open → done (recorded) or waived
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    description: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    reply_due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
