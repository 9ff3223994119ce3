"""The engineer's bench (my unit's lines by nearest deadline) and an item's whole history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.misc import AuditEvent
from app.models.org import Role
from app.models.products import Item, ProductModel, QualityCertificate
from app.models.records import HandoverKind, HandoverRecord, HandoverRecordLine, Report, ReportLine
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    UnboxingInspection,
)
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import LineStatus
from app.models.workdays import DeadlineState
from app.services.calendar import calendar_and_rules
from app.services.context import Actor, local_today
from app.services.deadlines import line_deadlines
from app.services.masterdata import item_code
from app.services.returns import ITEM_CODE_RE, normalize_code
from app.services.views import BenchLine, HistoryEvent, ItemHistory

BENCH_STATES = [
    LineStatus.dispatched,
    LineStatus.at_manufacturer,
    LineStatus.unboxed,
    LineStatus.localizing,
    LineStatus.localized,
    LineStatus.no_fault_found,
    LineStatus.in_repair,
    LineStatus.repaired,
]
# The one step the bench offers next, by state.
NEXT_STEP = {
    LineStatus.dispatched: "receive_at_manufacturer",
    LineStatus.at_manufacturer: "unbox",
    LineStatus.unboxed: "write_plan",
    LineStatus.localizing: "localize",
    LineStatus.localized: "start_repair",
    LineStatus.in_repair: "finish_repair",
    LineStatus.repaired: "accept_repair",
    LineStatus.no_fault_found: "accept_repair",
}
OPEN_DEADLINE = (DeadlineState.running, DeadlineState.due_soon, DeadlineState.overdue)


def bench_lines(db: Database, actor: Actor, today: dt.date | None = None) -> list[BenchLine]:
    """Lines at the actor's manufacturer (every unit for managers and quality), nearest due first."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        stmt = select(ReturnLine).where(ReturnLine.status.in_([s.value for s in BENCH_STATES]))
        if not (actor.system or actor.role in (Role.manager, Role.quality)):
            stmt = stmt.where(ReturnLine.manufacturer_unit_id == actor.unit_id)
        result = []
        for line in session.scalars(stmt):
            deadlines = tuple(
                d for d in line_deadlines(line, rules, cal, today) if d.rule != "dispatch"
            )
            running = [d for d in deadlines if d.state in OPEN_DEADLINE and d.due]
            nearest = min(running, key=lambda d: d.due or dt.date.max) if running else None
            handover = ""
            if line.status == LineStatus.dispatched:
                handover = (
                    session.scalar(
                        select(HandoverRecord.number)
                        .join(HandoverRecordLine, HandoverRecordLine.record_id == HandoverRecord.id)
                        .where(
                            HandoverRecordLine.line_id == line.id,
                            HandoverRecord.kind == HandoverKind.materials_to_manufacturer,
                        )
                        .order_by(HandoverRecord.id.desc())
                    )
                    or ""
                )
            result.append(
                BenchLine(
                    line.id,
                    line.task.number,
                    item_code(line.item.model.code, line.item.serial_no),
                    line.item.model.name,
                    line.fault_description,
                    line.status,
                    NEXT_STEP.get(LineStatus(line.status), ""),
                    handover,
                    nearest,
                    deadlines,
                )
            )
        return sorted(
            result,
            key=lambda b: (
                b.nearest is None,
                b.nearest.due if b.nearest else dt.date.max,
                b.line_id,
            ),
        )


def line_records(db: Database, line_id: int) -> list[str]:
    """Every record one line's way has issued so far, oldest first (JJ, KX, PC, DW, WX, YS,
    and the reports about it)."""
    with db.reading() as session:
        found: list[tuple[dt.datetime, str]] = [
            (at, n)
            for at, n in session.execute(
                select(HandoverRecord.created_at, HandoverRecord.number)
                .join(HandoverRecordLine, HandoverRecordLine.record_id == HandoverRecord.id)
                .where(HandoverRecordLine.line_id == line_id)
            )
        ]
        for table in (
            UnboxingInspection,
            InvestigationPlan,
            FaultLocalization,
            RepairRecord,
            AcceptanceInspection,
        ):
            found += [
                (at, n)
                for at, n in session.execute(
                    select(table.created_at, table.number).where(table.line_id == line_id)
                )
            ]
        found += [
            (at, n)
            for at, n in session.execute(
                select(Report.created_at, Report.number)
                .join(ReportLine, ReportLine.report_id == Report.id)
                .where(ReportLine.line_id == line_id, Report.number.not_like("DW-%"))
            )
        ]
        return [n for _at, n in sorted(found)]


def line_plans(db: Database, line_id: int) -> list[tuple[str, str, str]]:
    """(document no, version, PC number) of a line's investigation plans, oldest first."""
    with db.reading() as session:
        return [
            (p.document_no, p.version, p.number)
            for p in session.scalars(
                select(InvestigationPlan)
                .where(InvestigationPlan.line_id == line_id)
                .order_by(InvestigationPlan.id)
            )
        ]


def find_items(db: Database, code: str) -> list[int]:
    """Item ids an item code or a bare serial names."""
    code = normalize_code(code)
    with db.reading() as session:
        m = ITEM_CODE_RE.match(code)
        stmt = select(Item.id).join(ProductModel, ProductModel.id == Item.model_id)
        if m:
            stmt = stmt.where(ProductModel.code == m["model"], Item.serial_no == m["serial"])
        else:
            stmt = stmt.where(Item.serial_no == code)
        return list(session.scalars(stmt))


def item_history(db: Database, code: str) -> ItemHistory:
    """Everything that happened to one item, across all its returns (traceability)."""
    ids = find_items(db, code)
    if not ids:
        raise NotFound(f"找不到产品 {code}。")
    if len(ids) > 1:
        raise DomainError(f"出厂编号 {code} 对应多个型号，请扫描产品标签（型号/编号）。")
    with db.reading() as session:
        item = session.get_one(Item, ids[0])
        lines = session.scalars(
            select(ReturnLine).where(ReturnLine.item_id == item.id).order_by(ReturnLine.id)
        ).all()
        task_of = {line.id: line.task.number for line in lines}
        events = session.execute(
            select(AuditEvent)
            .where(
                ((AuditEvent.entity == "return_line") & AuditEvent.entity_id.in_(list(task_of)))
                | ((AuditEvent.entity == "item") & (AuditEvent.entity_id == item.id))
            )
            .order_by(AuditEvent.id)
        ).scalars()
        history = tuple(
            HistoryEvent(
                e.at,
                task_of.get(e.entity_id, "") if e.entity == "return_line" else "",
                e.actor_name,
                e.action,
                e.new_value,
                e.reason,
            )
            for e in events
        )
        pages = session.scalars(
            select(RepairRecord.number)
            .join(QualityCertificate, QualityCertificate.id == RepairRecord.certificate_id)
            .where(QualityCertificate.item_id == item.id)
            .order_by(RepairRecord.id)
        )
        tasks = session.scalars(
            select(ReturnTask.number)
            .join(ReturnLine, ReturnLine.task_id == ReturnTask.id)
            .where(ReturnLine.item_id == item.id)
            .order_by(ReturnTask.id)
        )
        return ItemHistory(
            item_code(item.model.code, item.serial_no),
            item.model.name,
            tuple(tasks),
            tuple(pages),
            history,
        )
