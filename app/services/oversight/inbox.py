"""The inbox: reports addressed to a login's unit(s), read and acknowledged; and the overdue
reports and escalations a login follows on 超期与升级."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied
from app.models.org import Permission, Role, Unit, UnitKind, User
from app.models.records import Report, ReportKind, ReportLine, ReportRecipient
from app.models.returns import ReturnLine, ReturnTask
from app.models.workdays import RuleCode
from app.services.kernel import audit
from app.services.kernel.context import Actor, can
from app.services.kernel.views import ReportView


@dataclass(frozen=True)
class Acknowledged:
    """What one 签收 of several reports did: those acknowledged, and those it could not, why."""

    done: tuple[ReportView, ...]
    refused: tuple[tuple[str, str], ...]  # (number, the reason in the clerk's words)


def _pairs(
    session: Session,
    stmt: Select[int, str],
    key: InstrumentedAttribute[int] | None,
    wanted: Collection[int],
) -> dict[int, str]:
    """id → name, for the ids `wanted` (every row when `key` is None)."""
    if key is not None:
        if not wanted:
            return {}
        stmt = stmt.where(key.in_(sorted(wanted)))
    return {k: v for k, v in session.execute(stmt)}


# A report as a list shows it: plain rows, not ORM objects (a page of 200 reports and their
# recipients made ~1,400 objects a read, and the garbage collections they bring on the GUI thread).
_REPORT_ROW = (
    Report.id,
    Report.number,
    Report.kind,
    Report.title,
    Report.task_id,
    Report.created_at,
    Report.body,
    Report.answered_by,
    Report.answered_on,
    Report.voided,
    Report.void_reason,
)


def _recipients_of(session: Session, report_ids: Collection[int]) -> dict[int, list[Any]]:
    """Each report's recipients (unit, when and by whom acknowledged), in one query."""
    found: dict[int, list[Any]] = {i: [] for i in report_ids}
    if not found:
        return found
    rows = session.execute(
        select(
            ReportRecipient.report_id,
            ReportRecipient.unit_id,
            ReportRecipient.acknowledged_at,
            ReportRecipient.acknowledged_by_id,
        )
        .where(ReportRecipient.report_id.in_(sorted(found)))
        .order_by(ReportRecipient.id)
    )
    for row in rows:
        found[row.report_id].append(row)
    return found


def _views(
    session: Session,
    reports: Sequence[Any],
    units: list[int] | None,
    recipients: Mapping[int, Sequence[Any]] | None = None,
) -> list[ReportView]:
    """The reports as one reader sees them, read with a handful of queries for the whole page.
    `reports` are rows of _REPORT_ROW with `recipients` by report id, or ORM reports."""
    if recipients is None:
        recipients = {r.id: list(r.recipients) for r in reports}
    task_ids = {r.task_id for r in reports if r.task_id}
    by_ids = {
        x.acknowledged_by_id for r in reports for x in recipients[r.id] if x.acknowledged_by_id
    }
    tasks = _pairs(session, select(ReturnTask.id, ReturnTask.number), ReturnTask.id, task_ids)
    names = _pairs(session, select(Unit.id, Unit.name), None, ())
    users = _pairs(session, select(User.id, User.display_name), User.id, by_ids)
    found = []
    for r in reports:
        every = recipients[r.id]
        mine = [x for x in every if units is None or x.unit_id in units]
        # A report the reader only follows reads as acknowledged once all its addressees have.
        counted = mine or list(every)
        done = [x for x in counted if x.acknowledged_at is not None]
        first = min(done, key=lambda x: x.acknowledged_at or dt.datetime.max) if done else None
        found.append(
            ReportView(
                r.id,
                r.number,
                r.kind,
                r.title,
                "、".join(names.get(x.unit_id, "") for x in every),
                tasks.get(r.task_id) if r.task_id else None,
                r.created_at,
                first.acknowledged_at if first and len(done) == len(counted) else None,
                users.get(first.acknowledged_by_id or 0, "") if first else "",
                r.body,
                mine=bool(mine),
                answered_by=r.answered_by,
                answered_on=r.answered_on,
                voided=bool(r.voided),
                void_reason=r.void_reason,
            )
        )
    return found


def _read_page(
    session: Session,
    cond: ColumnElement[bool],
    kinds: Collection[str],
    after: int | None,
    limit: int,
    units: list[int] | None,
) -> list[ReportView]:
    """A keyset page of reports (newest first) as plain rows, their recipients in one more."""
    rows = session.execute(_page(select(*_REPORT_ROW).where(cond), kinds, after, limit)).all()
    return _views(session, rows, units, _recipients_of(session, [r.id for r in rows]))


def _inbox_units(session: Session, actor: Actor) -> list[int] | None:
    """The units whose reports this login reads; None means every unit."""
    if actor.system or actor.role == Role.manager:
        return None
    units = [actor.unit_id] if actor.unit_id is not None else []
    if actor.role == Role.quality:
        units += list(session.scalars(select(Unit.id).where(Unit.kind == UnitKind.quality_dept)))
    return units


def _addressed(units: list[int] | None, unread_only: bool) -> ColumnElement[bool]:
    """Reports with a recipient among `units` (every report when None), unread if asked."""
    cond = []
    if units is not None:
        cond.append(ReportRecipient.unit_id.in_(units))
    if unread_only:
        cond.append(ReportRecipient.acknowledged_at.is_(None))
    return Report.id.in_(select(ReportRecipient.report_id).where(*cond))


def _page(
    stmt: Select[*tuple[Any, ...]],
    kinds: Collection[str],
    after: int | None,
    limit: int,
) -> Select[*tuple[Any, ...]]:
    """Newest first, in keyset pages: `after` is the id of the last report already shown."""
    if kinds:
        stmt = stmt.where(Report.kind.in_(sorted(kinds)))
    if after is not None:
        stmt = stmt.where(Report.id < after)
    return stmt.order_by(Report.id.desc()).limit(limit)


def inbox(
    db: Database,
    actor: Actor,
    unread_only: bool = False,
    limit: int = 200,
    kind: str | None = None,
    *,
    kinds: Collection[str] = (),
    after: int | None = None,
) -> list[ReportView]:
    """Reports addressed to the login's unit(s), newest first; `kind` or `kinds` filter them."""
    wanted = set(kinds) | ({kind} if kind else set())
    with db.reading() as session:
        units = _inbox_units(session, actor)
        cond = and_(Report.voided.is_(False), _addressed(units, unread_only))
        return _read_page(session, cond, wanted, after, limit, units)


def _followed(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Reports a login follows without being their addressee: those issued by a login of their
    unit (a clerk's late dispatch issues a CQ to the prime unit), and those about the lines in
    their keeping. A manufacturer keeps the lines at its bench (their localization and repair
    clocks). The materials department keeps every returned line: it received each from the user
    and owes it back, so a late localization or repair delays what it must kit and deliver."""
    if actor.unit_id is None:
        return false()
    colleagues = select(User.id).where(User.unit_id == actor.unit_id)
    about_lines = select(ReportLine.report_id)
    kind = session.scalar(select(Unit.kind).where(Unit.id == actor.unit_id))
    kept: ColumnElement[bool]
    if kind == UnitKind.materials_dept:
        kept = Report.id.in_(about_lines)
    else:
        at_their_bench = about_lines.join(ReturnLine, ReturnLine.id == ReportLine.line_id).where(
            ReturnLine.manufacturer_unit_id == actor.unit_id
        )
        kept = and_(Report.id.in_(at_their_bench), Report.rule != RuleCode.dispatch)
    return or_(Report.created_by_id.in_(colleagues), kept)


def followed_reports(
    db: Database,
    actor: Actor,
    kinds: Collection[str] = (ReportKind.overdue_report, ReportKind.escalation),
    unread_only: bool = False,
    limit: int = 200,
    after: int | None = None,
) -> list[ReportView]:
    """超期与升级: the reports addressed to the login's unit(s) and those they follow (see
    `_followed`), newest first. Unread means not yet acknowledged by the reader's unit, or,
    for a report they only follow, by its addressees."""
    with db.reading() as session:
        units = _inbox_units(session, actor)
        if units is None:
            cond = _addressed(None, unread_only)
        else:
            mine = _addressed(units, False)
            seen = or_(mine, _followed(session, actor))
            if unread_only:
                unread = or_(_addressed(units, True), and_(~mine, _addressed(None, True)))
                seen = and_(seen, unread)
            cond = seen
        return _read_page(session, and_(Report.voided.is_(False), cond), kinds, after, limit, units)


def unread_count(db: Database, actor: Actor) -> int:
    with db.reading() as session:
        units = _inbox_units(session, actor)
        stmt = (
            select(func.count())
            .select_from(Report)
            .where(Report.voided.is_(False), _addressed(units, True))
        )
        return session.scalar(stmt) or 0


def _refusal(
    report: Report | None, number: str, actor: Actor, units: list[int] | None
) -> DomainError | None:
    """Why this login may not acknowledge this report now; None when it may."""
    if report is None or report.voided:
        return NotFound(f"报告 {number} 不存在。")
    mine = [r for r in report.recipients if units is None or r.unit_id in units]
    if not mine:
        return PermissionDenied(f"报告 {number} 不是发给本单位的，不能签收。")
    if report.kind == ReportKind.escalation and not can(actor, Permission.acknowledge_escalation):
        return PermissionDenied(f"升级报告 {number} 需由总体/主管签收。")
    if all(r.acknowledged_at is not None for r in mine):
        return DomainError(f"报告 {number} 已经签收过了。")
    return None


def acknowledge_many(db: Database, actor: Actor, numbers: Sequence[str]) -> Acknowledged:
    """签收 several reports in one transaction.

    Each acknowledgement is a receipt on its own, not a joint decision: a manager who selects
    twenty reports expects the nineteen signed even when one was signed by a colleague meanwhile
    or is an escalation their role may not sign. So every report that can be is acknowledged,
    and those that cannot are named with the reason; only when none can is it refused whole.
    """
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    if not wanted:
        raise DomainError("请先选择要签收的报告。")
    with db.transaction() as session:
        units = _inbox_units(session, actor)
        found = {
            r.number: r
            for r in session.scalars(
                select(Report)
                .where(Report.number.in_(wanted))
                .options(selectinload(Report.recipients))
            )
        }
        now = dt.datetime.now(dt.UTC)
        signed: list[Report] = []
        refused: list[tuple[str, DomainError]] = []
        for number in wanted:
            report = found.get(number)
            why = _refusal(report, number, actor, units)
            if why is not None or report is None:
                refused.append((number, why or NotFound(number)))
                continue
            for recipient in report.recipients:
                if (units is None or recipient.unit_id in units) and not recipient.acknowledged_at:
                    recipient.acknowledged_at = now
                    recipient.acknowledged_by_id = actor.user_id
            audit.record(session, actor, "report", report.id, "acknowledge", "", "acknowledged")
            signed.append(report)
        if not signed:
            if len(refused) == 1:
                raise refused[0][1]
            raise DomainError("没有可签收的报告：" + "；".join(str(e) for _n, e in refused))
        session.flush()
        return Acknowledged(
            tuple(_views(session, signed, units)), tuple((n, str(e)) for n, e in refused)
        )


def acknowledge(db: Database, actor: Actor, number: str) -> ReportView:
    """签收 one report (refused with the reason when it cannot be)."""
    return acknowledge_many(db, actor, [number]).done[0]


def get_report(db: Database, number: str) -> ReportView:
    with db.reading() as session:
        report = session.scalar(select(Report).where(Report.number == number))
        if report is None:
            raise NotFound(f"报告 {number} 不存在。")
        return _views(session, [report], None)[0]
