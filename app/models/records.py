"""Numbered records: the counters behind them, handover records and reports to a unit."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, StrEnumType, UtcDateTime, one_of, utcnow


class Voidable:
    """What voiding sets on a numbered record (issue 9): a manager voids it with a reason; the
    row stays, prints with 作废, and a re-issued record names it in `replaces`."""

    voided: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The manager's name as printed on the record (the audit event keeps the login).
    voided_by: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # The voided record's number this one was re-issued for ("" for a first issue).
    replaces: Mapped[str] = mapped_column(String(20), default="", server_default="")


class RecordCounter(Base):
    """Last number issued per prefix and year; bumped in the transaction that creates the record."""

    __tablename__ = "record_counter"
    __table_args__ = (
        CheckConstraint("last_value >= 0", name="last_value"),
        CheckConstraint("year BETWEEN 2000 AND 9999", name="year"),
    )

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class HandoverKind(enum.StrEnum):
    user_to_materials = "user_to_materials"
    materials_to_manufacturer = "materials_to_manufacturer"
    manufacturer_to_materials = "manufacturer_to_materials"
    materials_to_user = "materials_to_user"


class HandoverRecord(Base):
    __tablename__ = "handover_record"
    __table_args__ = (CheckConstraint(one_of("kind", HandoverKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[HandoverKind] = mapped_column(StrEnumType(HandoverKind, 30))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("return_task.id"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    from_person: Mapped[str] = mapped_column(String(50), default="")
    to_person: Mapped[str] = mapped_column(String(50), default="")
    handover_date: Mapped[dt.date] = mapped_column(Date)
    anomalies: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The receiving side countersigns at receipt (materials → manufacturer).
    countersigned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    voided_by: Mapped[str] = mapped_column(String(50), default="", server_default="")
    replaces: Mapped[str] = mapped_column(String(20), default="", server_default="")

    lines: Mapped[list[HandoverRecordLine]] = relationship(order_by="HandoverRecordLine.id")


class HandoverRecordLine(Base):
    __tablename__ = "handover_record_line"
    __table_args__ = (UniqueConstraint("record_id", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("handover_record.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    accepted: Mapped[bool] = mapped_column(Boolean, default=True)
    anomaly: Mapped[str] = mapped_column(Text, default="")


class ReportKind(enum.StrEnum):
    rejection_notice = "rejection_notice"
    overdue_report = "overdue_report"
    localization_report = "localization_report"
    escalation = "escalation"
    kitting_status_report = "kitting_status_report"


class Report(Base):
    """A record addressed to units: their logins see it in their inbox and acknowledge it."""

    __tablename__ = "report"
    __table_args__ = (CheckConstraint(one_of("kind", ReportKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[ReportKind] = mapped_column(StrEnumType(ReportKind, 30))
    addressed_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("return_task.id"), index=True)
    handover_record_id: Mapped[int | None] = mapped_column(ForeignKey("handover_record.id"))
    title: Mapped[str] = mapped_column(String(200))
    # For overdue reports and escalations: the deadline rule that was missed.
    rule: Mapped[str] = mapped_column(String(30), default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    voided_by: Mapped[str] = mapped_column(String(50), default="", server_default="")
    replaces: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # An overdue report or escalation is answered by the late step's record (DW, WX): its
    # number and date close the report (issue 7, defect 8).
    answered_by: Mapped[str] = mapped_column(String(20), default="", server_default="")
    answered_on: Mapped[dt.date | None] = mapped_column(Date)

    lines: Mapped[list[ReportLine]] = relationship(order_by="ReportLine.id")
    recipients: Mapped[list[ReportRecipient]] = relationship(order_by="ReportRecipient.id")


class ReportRecipient(Base):
    """One addressee of a report (a localization report goes to two departments), acknowledged
    by one of that unit's logins."""

    __tablename__ = "report_recipient"
    __table_args__ = (
        UniqueConstraint("report_id", "unit_id"),
        Index("ix_report_recipient_inbox", "unit_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ReportLine(Base):
    """A line a report is about, with the reason given for it (rejection, lateness)."""

    __tablename__ = "report_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
