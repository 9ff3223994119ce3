"""Finding any record by its number; issuing reports and handover records in their transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.delivery import DeliveryPlan, KitSet
from app.models.org import Unit
from app.models.records import (
    HandoverKind,
    HandoverRecord,
    HandoverRecordLine,
    Report,
    ReportLine,
    ReportRecipient,
)
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    ScrapRequest,
    UnboxingInspection,
)
from app.models.returns import ReturnLine, ReturnTask
from app.services.kernel import audit
from app.services.kernel.context import Actor
from app.services.kernel.numbering import PREFIXES, issue_number, parse_number
from app.services.kernel.views import RecordRef

# Which table holds each prefix's records; reports share one table.
_TABLES = {
    "FX": ReturnTask,
    "JJ": HandoverRecord,
    "PC": InvestigationPlan,
    "DW": FaultLocalization,
    "WX": RepairRecord,
    "YS": AcceptanceInspection,
    "KX": UnboxingInspection,
    "JF": DeliveryPlan,
    "QT": KitSet,
    "BF": ScrapRequest,
}


def find_record_in(session: Session, number: str) -> RecordRef | None:
    parsed = parse_number(number)
    if parsed is None:
        return None
    prefix = parsed[0]
    table = _TABLES.get(prefix, Report)
    row = session.scalar(select(table).where(table.number == number))  # type: ignore[attr-defined,arg-type]
    if row is None:
        return None
    task_id = row.id if table is ReturnTask else getattr(row, "task_id", None)
    line_id = getattr(row, "line_id", None)
    if task_id is None and line_id is not None:
        # A bench record (KX, PC, DW, WX, YS, BF) belongs to its line's task.
        task_id = session.scalar(select(ReturnLine.task_id).where(ReturnLine.id == line_id))
    return RecordRef(number, PREFIXES[prefix], row.id, task_id)


def find_record(db: Database, number: str) -> RecordRef:
    """The record a scanned or typed number names (any prefix), e.g. for a history row that
    names a record: its kind, its row and its task. Refused in words when there is none."""
    number = number.strip().upper()
    with db.reading() as session:
        if parse_number(number) is None:
            raise DomainError(f"“{number}”不是记录编号（格式如 JJ-2026-000001）。")
        ref = find_record_in(session, number)
        if ref is None:
            raise NotFound(f"记录编号 {number} 不存在。")
        return ref


def issue_report(
    session: Session,
    actor: Actor,
    *,
    number: str | None = None,
    prefix: str = "",
    year: int = 0,
    kind: str,
    recipients: list[Unit],
    title: str,
    body: str = "",
    task_id: int | None = None,
    handover_record_id: int | None = None,
    lines: list[tuple[int, str]] | None = None,
    rule: str = "",
) -> Report:
    """A report addressed to `recipients` (the first is the main addressee), in their inboxes."""
    if not recipients:
        raise DomainError("报告没有收件单位。")
    report = Report(
        number=number or issue_number(session, prefix, year),
        kind=kind,
        addressed_unit_id=recipients[0].id,
        task_id=task_id,
        handover_record_id=handover_record_id,
        title=title,
        rule=rule,
        body=body,
        created_by_id=actor.user_id,
    )
    session.add(report)
    session.flush()
    for unit in dict.fromkeys(recipients):
        session.add(ReportRecipient(report_id=report.id, unit_id=unit.id))
    for line_id, reason in lines or []:
        session.add(ReportLine(report_id=report.id, line_id=line_id, reason=reason))
    names = "、".join(u.name for u in recipients)
    audit.record(session, actor, "report", report.id, "issue", "", f"{report.number} → {names}")
    return report


def new_handover(
    session: Session,
    actor: Actor,
    kind: HandoverKind,
    *,
    sender: Unit,
    receiver: Unit,
    sender_person: str,
    receiver_person: str,
    today: dt.date,
    lines: list[tuple[ReturnLine, bool, str]],
    anomalies: str = "",
    countersigned: bool = False,
) -> HandoverRecord:
    """A handover record (JJ) between two parties: each line accepted or not, with its anomaly."""
    tasks = {line.task_id for line, _ok, _a in lines}
    record = HandoverRecord(
        number=issue_number(session, "JJ", today.year),
        kind=kind,
        task_id=tasks.pop() if len(tasks) == 1 else None,
        from_unit_id=sender.id,
        to_unit_id=receiver.id,
        from_person=sender_person.strip(),
        to_person=receiver_person.strip(),
        handover_date=today,
        anomalies=anomalies.strip(),
        created_by_id=actor.user_id,
        countersigned_at=dt.datetime.now(dt.UTC) if countersigned else None,
        countersigned_by_id=actor.user_id if countersigned else None,
    )
    session.add(record)
    session.flush()
    # One statement for every line (the JJ series waits for this commit): the ORM sends an
    # INSERT per line on SQLite, to read back ids nothing here uses.
    if lines:
        session.execute(
            insert(HandoverRecordLine.__table__),  # type: ignore[arg-type]
            [
                {"record_id": record.id, "line_id": line.id, "accepted": ok, "anomaly": a.strip()}
                for line, ok, a in lines
            ],
        )
    return record
