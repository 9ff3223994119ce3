"""The manufacturer's records: unboxing, investigation plan, localization, repair, acceptance,
and the scrap requests a manager approves (报废审批单, BF) or refuses."""

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
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, StrEnumType, UtcDateTime, one_of, utcnow
from app.models.records import Voidable
from app.models.states import LineStatus


class UnboxingInspection(Voidable, Base):
    __tablename__ = "unboxing_inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    packaging_ok: Mapped[bool] = mapped_column(Boolean)
    seals_ok: Mapped[bool] = mapped_column(Boolean)
    appearance_ok: Mapped[bool] = mapped_column(Boolean)
    accessories_ok: Mapped[bool] = mapped_column(Boolean)
    documents_consistent: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text, default="")
    user_rep_name: Mapped[str] = mapped_column(String(50))
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class UnboxingPhoto(Base):
    __tablename__ = "unboxing_photo"
    __table_args__ = (UniqueConstraint("inspection_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("unboxing_inspection.id"))
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"))


class InvestigationPlan(Voidable, Base):
    __tablename__ = "investigation_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    document_no: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(50))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class FaultLocalization(Voidable, Base):
    __tablename__ = "fault_localization"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    no_fault_found: Mapped[bool] = mapped_column(Boolean, default=False)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    fault_mode: Mapped[str] = mapped_column(String(50), default="")
    cause_category: Mapped[str] = mapped_column(String(50), default="")
    faulty_part: Mapped[str] = mapped_column(String(100), default="")
    localized_on: Mapped[dt.date] = mapped_column(Date)
    # Localized after its deadline: by how many working days, and why (issue 7, defect 8).
    late_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    late_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class RepairPlan(Base):
    __tablename__ = "repair_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    document_no: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[str] = mapped_column(String(20), default="")
    measures: Mapped[str] = mapped_column(Text)
    planned_completion: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class RepairRecord(Voidable, Base):
    """The 维修记录 page that goes into the item's quality certificate."""

    __tablename__ = "repair_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("quality_certificate.id"))
    # repaired | no_fault_found: what the certificate page says was done.
    outcome: Mapped[str] = mapped_column(String(20), default="repaired", server_default="repaired")
    work_done: Mapped[str] = mapped_column(Text)
    tests: Mapped[str] = mapped_column(Text, default="")
    repaired_by: Mapped[str] = mapped_column(String(50))
    repaired_on: Mapped[dt.date] = mapped_column(Date)
    # Finished past the time in repair: by how many calendar days, and why.
    late_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    late_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ReplacedPart(Base):
    __tablename__ = "replaced_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    repair_record_id: Mapped[int] = mapped_column(ForeignKey("repair_record.id"))
    part_name: Mapped[str] = mapped_column(String(100), default="")
    part_no: Mapped[str] = mapped_column(String(64))
    removed_serial: Mapped[str] = mapped_column(String(64), default="")
    fitted_serial: Mapped[str] = mapped_column(String(64), default="")


class AcceptanceInspection(Voidable, Base):
    __tablename__ = "acceptance_inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"), index=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    findings: Mapped[str] = mapped_column(Text, default="")
    inspector: Mapped[str] = mapped_column(String(50))
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class AcceptanceResult(Base):
    __tablename__ = "acceptance_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("acceptance_inspection.id"))
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")


class CodeListEntry(Base):
    """Admin-editable lists: fault modes, cause categories."""

    __tablename__ = "code_list_entry"
    __table_args__ = (UniqueConstraint("list_name", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ScrapDecision(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class ScrapRequest(Voidable, Base):
    """An engineer's request to scrap an item, and the manager's answer. An approval is the
    numbered record 报废审批单 (BF); a refusal sends the item back to the bench with its note."""

    __tablename__ = "scrap_request"
    __table_args__ = (
        Index("ix_scrap_request_line_id_decision", "line_id", "decision"),
        CheckConstraint(one_of("decision", ScrapDecision), name="decision"),
        CheckConstraint(one_of("line_status", LineStatus), name="line_status"),
        # An approval is the numbered record; a request waiting or refused has no number.
        CheckConstraint("number IS NULL OR decision = 'approved'", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Issued on approval only: a refused request is not a record of its own.
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"))
    # The line's state when it was asked (localized or in repair), for the record.
    line_status: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(50))
    requested_on: Mapped[dt.date] = mapped_column(Date)
    decision: Mapped[ScrapDecision] = mapped_column(
        StrEnumType(ScrapDecision, 20), default=ScrapDecision.pending
    )
    decided_by: Mapped[str] = mapped_column(String(50), default="", server_default="")
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
