"""Finding any record by its number, and the inbox of reports addressed to a unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied
from app.models.delivery import DeliveryPlan, KitSet
from app.models.org import Role, Unit, UnitKind, User
from app.models.records import (
    HandoverKind,
    HandoverRecord,
    HandoverRecordLine,
    Report,
    ReportKind,
    ReportLine,
    ReportRecipient,
)
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    UnboxingInspection,
)
from app.models.returns import ReturnLine, ReturnTask
from app.services import audit
from app.services.context import Actor
from app.services.numbering import PREFIXES, issue_number, parse_number
from app.services.views import RecordRef, ReportView

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
    return RecordRef(number, PREFIXES[prefix], row.id, task_id)


def find_record(db: Database, number: str) -> RecordRef:
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
    for line, accepted, anomaly in lines:
        session.add(
            HandoverRecordLine(
                record_id=record.id, line_id=line.id, accepted=accepted, anomaly=anomaly.strip()
            )
        )
    return record


def _report_view(session: Session, r: Report, units: list[int] | None) -> ReportView:
    """The report as one reader sees it: acknowledged means by the reader's unit(s)."""
    task = session.get(ReturnTask, r.task_id) if r.task_id else None
    mine = [x for x in r.recipients if units is None or x.unit_id in units]
    done = [x for x in mine if x.acknowledged_at is not None]
    first = min(done, key=lambda x: x.acknowledged_at) if done else None  # type: ignore[arg-type,return-value]
    by = session.get(User, first.acknowledged_by_id) if first and first.acknowledged_by_id else None
    names = [session.get_one(Unit, x.unit_id).name for x in r.recipients]
    return ReportView(
        r.id,
        r.number,
        r.kind,
        r.title,
        "、".join(names),
        task.number if task else None,
        r.created_at,
        first.acknowledged_at if first and len(done) == len(mine) else None,
        by.display_name if by else "",
        r.body,
    )


def _inbox_units(session: Session, actor: Actor) -> list[int] | None:
    """The units whose reports this login reads; None means every unit."""
    if actor.system or actor.role == Role.manager:
        return None
    units = [actor.unit_id] if actor.unit_id is not None else []
    if actor.role == Role.quality:
        units += list(session.scalars(select(Unit.id).where(Unit.kind == UnitKind.quality_dept)))
    return units


def _inbox_filter(units: list[int] | None, unread_only: bool) -> ColumnElement[bool]:
    """Reports with a recipient among `units` (every report when None), unread if asked."""
    cond = []
    if units is not None:
        cond.append(ReportRecipient.unit_id.in_(units))
    if unread_only:
        cond.append(ReportRecipient.acknowledged_at.is_(None))
    return Report.id.in_(select(ReportRecipient.report_id).where(*cond))


def inbox(
    db: Database,
    actor: Actor,
    unread_only: bool = False,
    limit: int = 200,
    kind: str | None = None,
) -> list[ReportView]:
    with db.reading() as session:
        units = _inbox_units(session, actor)
        stmt = (
            select(Report)
            .where(Report.voided.is_(False), _inbox_filter(units, unread_only))
            .order_by(Report.id.desc())
            .limit(limit)
        )
        if kind:
            stmt = stmt.where(Report.kind == kind)
        return [_report_view(session, r, units) for r in session.scalars(stmt)]


def unread_count(db: Database, actor: Actor) -> int:
    with db.reading() as session:
        units = _inbox_units(session, actor)
        stmt = (
            select(func.count())
            .select_from(Report)
            .where(Report.voided.is_(False), _inbox_filter(units, True))
        )
        return session.scalar(stmt) or 0


def acknowledge(db: Database, actor: Actor, number: str) -> ReportView:
    with db.transaction() as session:
        report = session.scalar(select(Report).where(Report.number == number))
        if report is None:
            raise NotFound(f"报告 {number} 不存在。")
        units = _inbox_units(session, actor)
        mine = [r for r in report.recipients if units is None or r.unit_id in units]
        if not mine:
            raise PermissionDenied(f"报告 {number} 不是发给本单位的，不能签收。")
        if report.kind == ReportKind.escalation and not (
            actor.system or actor.role == Role.manager
        ):
            raise PermissionDenied(f"升级报告 {number} 需由总体/主管签收。")
        pending = [r for r in mine if r.acknowledged_at is None]
        if not pending:
            raise DomainError(f"报告 {number} 已经签收过了。")
        now = dt.datetime.now(dt.UTC)
        for recipient in pending:
            recipient.acknowledged_at = now
            recipient.acknowledged_by_id = actor.user_id
        audit.record(session, actor, "report", report.id, "acknowledge", "", "acknowledged")
        session.flush()
        return _report_view(session, report, units)


def get_report(db: Database, number: str) -> ReportView:
    with db.reading() as session:
        report = session.scalar(select(Report).where(Report.number == number))
        if report is None:
            raise NotFound(f"报告 {number} 不存在。")
        return _report_view(session, report, None)
