"""The engineer's bench: my unit's lines by nearest deadline, their records and plans."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.db import Database
from app.models.org import Role
from app.models.records import HandoverKind, HandoverRecord, HandoverRecordLine, Report, ReportLine
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    UnboxingInspection,
)
from app.models.returns import ReturnLine
from app.models.states import LineStatus
from app.models.workdays import DeadlineState
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import Actor, local_today
from app.services.kernel.views import BenchLine
from app.services.oversight.deadlines import line_deadlines

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
