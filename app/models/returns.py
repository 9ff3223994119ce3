"""Return tasks (返厂交接任务), their lines (返修产品) and each line's document checks."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, StrEnumType, UtcDateTime, one_of, utcnow
from app.models.products import Item
from app.models.states import FINISHED, Decision, LineStatus, TaskStatus


class DocumentKind(enum.StrEnum):
    certificate = "certificate"
    fault_report = "fault_report"
    packing_list = "packing_list"


class DocumentVerdict(enum.StrEnum):
    """What the clerk found when checking one document against the item (文物一致).

    Not checked yet is its own answer: a document checked and found wrong must never read
    as "未核" on the printed record (issue 7, defect 3).
    """

    unchecked = "unchecked"  # 未核
    consistent = "consistent"  # present and matching the item: model, serial, quantity
    inconsistent = "inconsistent"  # present, but does not match the item
    missing = "missing"  # not handed over with the item


# The states in which a line no longer holds its item: the one-open-return index leaves them out.
FINISHED_SQL = "status NOT IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(FINISHED)))


class ReturnTask(Base):
    __tablename__ = "return_task"
    __table_args__ = (
        CheckConstraint(one_of("status", TaskStatus), name="status"),
        CheckConstraint("version > 0", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    node_date: Mapped[dt.date | None] = mapped_column(Date)
    kitting_deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(
        StrEnumType(TaskStatus, 20), default=TaskStatus.open, index=True
    )
    source: Mapped[str] = mapped_column(String(200), default="")
    # The title of the imported list (e.g. “XX部队故障产品返厂交接清单”), for the printed record.
    list_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    user_rep_name: Mapped[str] = mapped_column(String(50), default="")
    clerk_name: Mapped[str] = mapped_column(String(50), default="")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[ReturnLine]] = relationship(back_populates="task", order_by="ReturnLine.seq")

    __mapper_args__ = {"version_id_col": version}


class ReturnLine(Base):
    __tablename__ = "return_line"
    __table_args__ = (
        UniqueConstraint("task_id", "seq"),
        UniqueConstraint("task_id", "item_id"),
        Index("ix_return_line_status_id", "status", "id"),
        # Open work counted by state and holder (the dashboard) from the index alone (issue 10).
        Index("ix_return_line_status_maker", "status", "manufacturer_unit_id"),
        # One open return per item, kept by the database itself: two desks scanning the same
        # item into two returns at once cannot both commit (issue 9). Migration 0012.
        Index(
            "uq_return_line_open_item",
            "item_id",
            unique=True,
            sqlite_where=text(FINISHED_SQL),
            postgresql_where=text(FINISHED_SQL),
        ),
        CheckConstraint(one_of("status", LineStatus), name="status"),
        CheckConstraint(one_of("decision", Decision, nullable=True), name="decision"),
        CheckConstraint("seq > 0", name="seq"),
        CheckConstraint("source_row IS NULL OR source_row > 0", name="source_row"),
        CheckConstraint("version > 0", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("return_task.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    fault_description: Mapped[str] = mapped_column(Text, default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    # The sheet row it came from when imported, so a question about a line can cite the list.
    source_row: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[LineStatus] = mapped_column(
        StrEnumType(LineStatus, 30), default=LineStatus.registered
    )
    decision: Mapped[Decision | None] = mapped_column(StrEnumType(Decision, 10))
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    # Business dates (local) on which each clock starts or stops.
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    dispatched_on: Mapped[dt.date | None] = mapped_column(Date)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    localized_on: Mapped[dt.date | None] = mapped_column(Date)
    repair_accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    back_on: Mapped[dt.date | None] = mapped_column(Date)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    dispatch_late_reason: Mapped[str] = mapped_column(Text, default="")
    kit_set_id: Mapped[int | None] = mapped_column(ForeignKey("kit_set.id"), index=True)
    # The manufacturer it was dispatched to: the bench it sits on until it comes back.
    manufacturer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    task: Mapped[ReturnTask] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()
    documents: Mapped[list[DocumentCheck]] = relationship(
        back_populates="line", order_by="DocumentCheck.id"
    )

    __mapper_args__ = {"version_id_col": version}


class DocumentCheck(Base):
    __tablename__ = "document_check"
    __table_args__ = (
        UniqueConstraint("line_id", "kind"),
        # The closed set is the database's to keep (ARCHITECTURE.md); migration 0007.
        CheckConstraint(
            "verdict IN ('unchecked', 'consistent', 'inconsistent', 'missing')", name="verdict"
        ),
        CheckConstraint(one_of("kind", DocumentKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_line.id"))
    kind: Mapped[DocumentKind] = mapped_column(StrEnumType(DocumentKind, 20))
    verdict: Mapped[DocumentVerdict] = mapped_column(
        StrEnumType(DocumentVerdict, 20),
        default=DocumentVerdict.unchecked,
        server_default=DocumentVerdict.unchecked.value,
    )
    # What the clerk wrote: what is missing or does not match; printed on JJ and JS.
    note: Mapped[str] = mapped_column(Text, default="")

    line: Mapped[ReturnLine] = relationship(back_populates="documents")
