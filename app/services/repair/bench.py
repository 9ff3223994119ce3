"""The engineer's bench: my unit's lines by nearest deadline, each line's next step and the
steps beside it, its records and plans. The bench's rules live here; the page shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.models.org import Permission, Role
from app.models.products import QualityCertificate
from app.models.records import HandoverKind, HandoverRecord, HandoverRecordLine, Report, ReportLine
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    ScrapDecision,
    ScrapRequest,
    UnboxingInspection,
)
from app.models.returns import ReturnLine
from app.models.states import BENCH_STATES, PLAN_EDITABLE, SCRAPPABLE, LineStatus
from app.models.workdays import DeadlineState, RuleCode
from app.services.admin.codelists import ChecklistPoint, checklist, point
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import Actor, local_today
from app.services.kernel.line_steps import load_line
from app.services.kernel.terms import line_status_label, plan_version_label, record_title
from app.services.kernel.views import BenchLine
from app.services.oversight.deadlines import Lateness, line_deadlines, step_lateness
from app.services.repair import scrapping
from app.services.repair.scrapping import ScrapView

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
# A line whose scrap request waits: the manager's decision comes first.
DECIDE_SCRAP = "decide_scrap"
# Who may take each step the bench offers (next steps and the steps beside them).
STEP_PERMISSIONS: dict[str, Permission] = {
    "receive_at_manufacturer": Permission.receive_at_manufacturer,
    "unbox": Permission.unbox,
    "write_plan": Permission.investigate,
    "localize": Permission.investigate,
    "no_fault_found": Permission.investigate,
    "new_plan": Permission.investigate,
    "start_repair": Permission.repair,
    "finish_repair": Permission.repair,
    "request_scrap": Permission.repair,
    "accept_repair": Permission.inspect_acceptance,
    DECIDE_SCRAP: Permission.approve_scrap,
}
# The clock a step ends: taken late, it asks why (issue 7, defect 8).
STEP_RULES = {
    "localize": RuleCode.localization,
    "no_fault_found": RuleCode.localization,
    "finish_repair": RuleCode.repair,
}
OPEN_DEADLINE = (DeadlineState.running, DeadlineState.due_soon, DeadlineState.overdue)


@dataclass(frozen=True)
class RecordItem:
    """A printable record of a line, with the title the 打印 menu shows."""

    number: str
    title: str


@dataclass(frozen=True)
class PlanItem:
    document_no: str
    version: str
    number: str


@dataclass(frozen=True)
class LineDetail:
    """What the bench shows of the selected line and what it allows.

    `blocked` names, for each step beside the next one (no_fault_found, new_plan,
    request_scrap, decide_scrap), why the line's state does not allow it ("" when it does).
    """

    line_id: int
    records: tuple[RecordItem, ...]
    plans: tuple[PlanItem, ...]
    blocked: dict[str, str]
    scrap: ScrapView | None  # the pending request, or the latest refused one
    lateness: Lateness | None  # of the next step, taken today
    certificate_no: str


def _next_step(line: ReturnLine, pending: set[int]) -> str:
    if line.id in pending:
        return DECIDE_SCRAP
    return NEXT_STEP.get(LineStatus(line.status), "")


def bench_lines(db: Database, actor: Actor, today: dt.date | None = None) -> list[BenchLine]:
    """Lines at the actor's manufacturer (every unit for managers and quality), nearest due first."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        stmt = select(ReturnLine).where(ReturnLine.status.in_(sorted(BENCH_STATES)))
        if not (actor.system or actor.role in (Role.manager, Role.quality)):
            stmt = stmt.where(ReturnLine.manufacturer_unit_id == actor.unit_id)
        pending = scrapping.pending_line_ids(session)
        result = []
        for line in session.scalars(stmt):
            deadlines = tuple(
                d for d in line_deadlines(line, rules, cal, today) if d.rule != RuleCode.dispatch
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
                    _next_step(line, pending),
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
        found += [
            (at, n)
            for at, n in session.execute(
                select(ScrapRequest.created_at, ScrapRequest.number).where(
                    ScrapRequest.line_id == line_id
                )
            )
            if n  # a refused or waiting request is no record of its own
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


def _blocked(status: LineStatus, scrap: ScrapRequest | None) -> dict[str, str]:
    pending = scrap is not None and scrap.decision == ScrapDecision.pending
    state = line_status_label(status)
    return {
        "no_fault_found": ""
        if status == LineStatus.localizing
        else f"只有“排查中”的产品可以判定复测无故障（当前：{state}）。",
        "new_plan": ""
        if status in PLAN_EDITABLE
        else "产品编写过排查方案（排查中、已定位或维修中）后才能登记新版本。",
        "request_scrap": "已申请报废，等待总体/主管审批。"
        if pending
        else ""
        if status in SCRAPPABLE
        else f"只有“已定位”或“维修中”的产品可以申请报废（当前：{state}）。",
        DECIDE_SCRAP: "" if pending else "这件产品没有待审批的报废申请。",
    }


def line_detail(db: Database, line_id: int, today: dt.date | None = None) -> LineDetail:
    """The selected line: its records and plans, what the steps beside the next one allow, its
    scrap request, how late its next step would be today, its quality certificate's number."""
    today = today or local_today()
    records = line_records(db, line_id)
    plans = line_plans(db, line_id)
    versions = {number: version for _doc, version, number in plans}
    with db.reading() as session:
        line = load_line(session, line_id)
        status = LineStatus(line.status)
        scrap = scrapping.latest_request(session, line.id)
        shown = scrap if scrap is not None and scrap.decision != ScrapDecision.approved else None
        rule = STEP_RULES.get(NEXT_STEP.get(status, ""))
        cert = session.scalar(
            select(QualityCertificate.certificate_no).where(
                QualityCertificate.item_id == line.item_id
            )
        )
        return LineDetail(
            line.id,
            tuple(RecordItem(n, _record_title(n, versions.get(n, ""))) for n in records),
            tuple(PlanItem(doc, version, number) for doc, version, number in plans),
            _blocked(status, scrap),
            scrapping.view_of(session, shown) if shown is not None else None,
            step_lateness(db, session, line, rule, today) if rule else None,
            cert or "",
        )


def _record_title(number: str, version: str) -> str:
    title = record_title(number)
    return f"{title}（{plan_version_label(version)}）" if version else title


def step_lateness_of(
    db: Database, line_id: int, step: str, today: dt.date | None = None
) -> Lateness | None:
    """How late `step` would be if taken today on this line (None when on time or untimed)."""
    rule = STEP_RULES.get(step)
    if rule is None:
        return None
    with db.reading() as session:
        return step_lateness(db, session, load_line(session, line_id), rule, today or local_today())


def acceptance_points(db: Database, line_id: int) -> list[ChecklistPoint]:
    """The acceptance checklist of the line's model (出厂验收要求), in order."""
    with db.reading() as session:
        line = load_line(session, line_id)
        return [point(c) for c in checklist(session, line.item.model_id)]
