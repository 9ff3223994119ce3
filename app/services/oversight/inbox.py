"""The inbox: reports addressed to a login's unit(s), read and acknowledged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied
from app.models.org import Role, Unit, UnitKind, User
from app.models.records import Report, ReportKind, ReportRecipient
from app.models.returns import ReturnTask
from app.services.kernel import audit
from app.services.kernel.context import Actor
from app.services.kernel.views import ReportView


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
