"""Finding any record by its number, and the inbox of reports addressed to a unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied
from app.models.delivery import DeliveryPlan, KitSet
from app.models.org import Role, Unit, UnitKind, User
from app.models.records import HandoverRecord, Report
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    UnboxingInspection,
)
from app.models.returns import ReturnTask
from app.services import audit
from app.services.context import Actor
from app.services.numbering import PREFIXES, parse_number
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


def _report_view(session: Session, r: Report) -> ReportView:
    unit = session.get_one(Unit, r.addressed_unit_id)
    task = session.get(ReturnTask, r.task_id) if r.task_id else None
    by = session.get(User, r.acknowledged_by_id) if r.acknowledged_by_id else None
    return ReportView(
        r.id,
        r.number,
        r.kind,
        r.title,
        unit.name,
        task.number if task else None,
        r.created_at,
        r.acknowledged_at,
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


def inbox(
    db: Database, actor: Actor, unread_only: bool = False, limit: int = 200
) -> list[ReportView]:
    with db.reading() as session:
        stmt = (
            select(Report).where(Report.voided.is_(False)).order_by(Report.id.desc()).limit(limit)
        )
        units = _inbox_units(session, actor)
        if units is not None:
            stmt = stmt.where(Report.addressed_unit_id.in_(units))
        if unread_only:
            stmt = stmt.where(Report.acknowledged_at.is_(None))
        return [_report_view(session, r) for r in session.scalars(stmt)]


def unread_count(db: Database, actor: Actor) -> int:
    with db.reading() as session:
        stmt = (
            select(func.count())
            .select_from(Report)
            .where(Report.acknowledged_at.is_(None), Report.voided.is_(False))
        )
        units = _inbox_units(session, actor)
        if units is not None:
            stmt = stmt.where(Report.addressed_unit_id.in_(units))
        return session.scalar(stmt) or 0


def acknowledge(db: Database, actor: Actor, number: str) -> ReportView:
    with db.transaction() as session:
        report = session.scalar(select(Report).where(Report.number == number))
        if report is None:
            raise NotFound(f"报告 {number} 不存在。")
        units = _inbox_units(session, actor)
        if units is not None and report.addressed_unit_id not in units:
            raise PermissionDenied(f"报告 {number} 不是发给本单位的，不能签收。")
        if report.acknowledged_at is not None:
            raise DomainError(f"报告 {number} 已经签收过了。")
        report.acknowledged_at = dt.datetime.now(dt.UTC)
        report.acknowledged_by_id = actor.user_id
        audit.record(session, actor, "report", report.id, "acknowledge", "", "acknowledged")
        session.flush()
        return _report_view(session, report)


def get_report(db: Database, number: str) -> ReportView:
    with db.reading() as session:
        report = session.scalar(select(Report).where(Report.number == number))
        if report is None:
            raise NotFound(f"报告 {number} 不存在。")
        return _report_view(session, report)
