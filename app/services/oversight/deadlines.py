"""Every deadline of every open line, and the reports a missed one calls for (CQ, SJ)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_, select, text
from sqlalchemy.orm import Session

from app.db import Database
from app.models.org import Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.records import Report, ReportKind, ReportLine
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import BEFORE_DISPATCH, OPEN, LineStatus
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar, evaluate
from app.services.admin.masterdata import item_code
from app.services.kernel import audit
from app.services.kernel.calendar import calendar_and_rules, rule_span
from app.services.kernel.context import Actor, local_today
from app.services.kernel.line_steps import line_code, unit_of_kind, units_of_kind
from app.services.kernel.terms import rule_label, span_text
from app.services.kernel.views import DeadlineRow
from app.services.records.registry import issue_report

SWEEP_LOCK = 0x46580001  # "FX" and a serial: the advisory lock of the deadline sweep
MONITOR = Actor(None, "时限监控", None, None, system=True)


class LineDates(Protocol):
    """What the deadlines of a line are computed from: an ORM line or a plain row."""

    status: LineStatus
    accepted_on: dt.date | None
    dispatched_on: dt.date | None
    received_on: dt.date | None
    localized_on: dt.date | None
    repair_accepted_on: dt.date | None


def line_deadlines(
    line: LineDates, rules: dict[str, Rule], cal: WorkCalendar, today: dt.date
) -> list[Deadline]:
    """The deadlines that apply to this line so far, started or met."""
    found = []
    if RuleCode.dispatch in rules and line.accepted_on:
        found.append(
            evaluate(rules[RuleCode.dispatch], line.accepted_on, line.dispatched_on, today, cal)
        )
    if line.received_on:
        if RuleCode.localization in rules:
            found.append(
                evaluate(
                    rules[RuleCode.localization], line.received_on, line.localized_on, today, cal
                )
            )
        if RuleCode.repair in rules:
            end = line.repair_accepted_on
            if end is None and line.status == LineStatus.scrapped:
                return found
            found.append(evaluate(rules[RuleCode.repair], line.received_on, end, today, cal))
    return found


def list_deadlines(
    db: Database,
    today: dt.date | None = None,
    include_met: bool = False,
    unit_id: int | None = None,
) -> list[DeadlineRow]:
    """Running, due soon and overdue deadlines of open lines (and met ones when asked), by due date."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        # Plain rows, not ORM objects: the dashboard reads this every few minutes at every desk.
        stmt = (
            select(
                ReturnLine.id,
                ReturnTask.number,
                ReturnLine.seq,
                ProductModel.code,
                Item.serial_no,
                ReturnLine.status,
                ReturnLine.manufacturer_unit_id,
                ReturnLine.accepted_on,
                ReturnLine.dispatched_on,
                ReturnLine.received_on,
                ReturnLine.localized_on,
                ReturnLine.repair_accepted_on,
            )
            .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
            .join(Item, Item.id == ReturnLine.item_id)
            .join(ProductModel, ProductModel.id == Item.model_id)
            .where(ReturnLine.status.in_(sorted(OPEN)))
        )
        if not include_met:
            # Only lines with a clock still running: waiting for dispatch, or at a manufacturer
            # not yet localized or accepted.
            stmt = stmt.where(
                or_(
                    ReturnLine.status == LineStatus.accepted,
                    and_(
                        ReturnLine.received_on.is_not(None),
                        or_(
                            ReturnLine.localized_on.is_(None),
                            ReturnLine.repair_accepted_on.is_(None),
                        ),
                    ),
                )
            )
        if unit_id is not None:
            stmt = stmt.where(ReturnLine.manufacturer_unit_id == unit_id)
        units = {u.id: u.name for u in session.scalars(select(Unit))}
        materials = unit_of_kind(session, UnitKind.materials_dept)
        home = materials.name if materials else ""
        rows = []
        for line in session.execute(stmt):
            where = units.get(line.manufacturer_unit_id or -1) or home
            if line.status in BEFORE_DISPATCH:
                where = home
            for d in line_deadlines(line, rules, cal, today):
                if not include_met and d.state in (DeadlineState.met, DeadlineState.met_late):
                    continue
                rows.append(
                    DeadlineRow(
                        line.id,
                        f"{line.number}/{line.seq}",
                        item_code(line.code, line.serial_no),
                        line.status,
                        where,
                        d,
                    )
                )
        return sorted(rows, key=lambda r: (r.deadline.due or dt.date.max, r.line_id))


def _already_reported(session: Session, line_id: int, kind: str, rule: str) -> bool:
    return (
        session.scalar(
            select(Report.id)
            .join(ReportLine, ReportLine.report_id == Report.id)
            .where(ReportLine.line_id == line_id, Report.kind == kind, Report.rule == rule)
            .limit(1)
        )
        is not None
    )


def sweep(db: Database, today: dt.date | None = None, *, wait: bool = True) -> list[str]:
    """Record the reports missed deadlines call for, once per line and rule; returns their numbers.

    Localization late: an overdue report (CQ) to the competent and quality departments.
    Time in repair past its limit: an escalation (SJ) to the prime unit.
    With `wait` false (a desk's periodic sweep) a sweep already running elsewhere is left to
    finish its work and this one returns at once with nothing issued.
    """
    today = today or local_today()
    issued: list[str] = []
    with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Every desk sweeps; one at a time, or two could report the same line (SQLite's
            # BEGIN IMMEDIATE already serialises this). Ten desks starting together must not
            # queue behind each other for the same work (issue 10): the others skip.
            if wait:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK})
            elif not session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK}
            ):
                return issued
        cal, rules = calendar_and_rules(db, session)
        lines = session.scalars(
            select(ReturnLine).where(
                ReturnLine.status.in_(sorted(OPEN)), _maybe_overdue(rules, today)
            )
        ).all()
        for line in lines:
            for d in line_deadlines(line, rules, cal, today):
                if d.state != DeadlineState.overdue:
                    continue
                if d.rule == RuleCode.localization:
                    number = _overdue_localization(session, line, d, today)
                elif d.rule == RuleCode.repair:
                    number = _escalate(session, line, d, today)
                else:
                    number = None
                if number:
                    issued.append(number)
    return issued


def _maybe_overdue(rules: dict[str, Rule], today: dt.date) -> ColumnElement[bool]:
    """Lines that can be past a bench deadline and not yet reported: a cheap SQL filter, so a
    sweep at every desk does not load every open line. N working days after D is never before
    D + N calendar days, so the received date alone rules out the rest."""
    cond = []
    for code, clock_end, kind in (
        (RuleCode.localization, ReturnLine.localized_on, ReportKind.overdue_report),
        (RuleCode.repair, ReturnLine.repair_accepted_on, ReportKind.escalation),
    ):
        rule = rules.get(code)
        if rule is None or rule.unit not in ("working_days", "calendar_days"):
            continue
        reported = (
            select(ReportLine.id)
            .join(Report, Report.id == ReportLine.report_id)
            .where(ReportLine.line_id == ReturnLine.id, Report.kind == kind, Report.rule == code)
        )
        cond.append(
            and_(
                clock_end.is_(None),
                ReturnLine.received_on < today - dt.timedelta(days=rule.length),
                ~reported.exists(),
            )
        )
    return or_(*cond) if cond else ReturnLine.id.is_(None)


def _overdue_localization(
    session: Session, line: ReturnLine, d: Deadline, today: dt.date
) -> str | None:
    if _already_reported(session, line.id, ReportKind.overdue_report, RuleCode.localization):
        return None
    recipients = (
        units_of_kind(session, UnitKind.competent_dept)[:1]
        + units_of_kind(session, UnitKind.quality_dept)[:1]
    )
    if not recipients:
        return None
    maker = session.get(Unit, line.manufacturer_unit_id) if line.manufacturer_unit_id else None
    span = rule_span(session, RuleCode.localization)
    reason = f"应于 {d.due} 前完成故障定位（收到日期 {d.starts}，{span}），至今未定位"
    report = issue_report(
        session,
        MONITOR,
        prefix="CQ",
        year=today.year,
        kind=ReportKind.overdue_report,
        recipients=recipients,
        title=f"超期报告：{line_code(line)} 故障定位超期（{maker.name if maker else ''}）",
        body=reason,
        task_id=line.task_id,
        lines=[(line.id, reason)],
        rule=RuleCode.localization,
    )
    return report.number


def _escalate(session: Session, line: ReturnLine, d: Deadline, today: dt.date) -> str | None:
    if _already_reported(session, line.id, ReportKind.escalation, RuleCode.repair):
        return None
    prime = unit_of_kind(session, UnitKind.prime_unit)
    if prime is None:
        return None
    maker = session.get(Unit, line.manufacturer_unit_id) if line.manufacturer_unit_id else None
    span = rule_span(session, RuleCode.repair)
    reason = f"在修时间已超过 {span}（{d.starts} 收到，应于 {d.due} 前修复验收）"
    report = issue_report(
        session,
        MONITOR,
        prefix="SJ",
        year=today.year,
        kind=ReportKind.escalation,
        recipients=[prime],
        title=f"升级报告：{line_code(line)} 在修超期（{maker.name if maker else ''}）",
        body=reason,
        task_id=line.task_id,
        lines=[(line.id, reason)],
        rule=RuleCode.repair,
    )
    return report.number


# --- late steps -------------------------------------------------------------------------------

# The report a missed deadline calls for, by rule: the late step answers it.
REPORT_OF_RULE = {
    RuleCode.localization: ReportKind.overdue_report,
    RuleCode.repair: ReportKind.escalation,
}


@dataclass(frozen=True)
class Lateness:
    """A step taken after its deadline: by how much (in the rule's own unit) and which open
    overdue reports (CQ) or escalations (SJ) it answers."""

    rule: str
    due: dt.date
    late_by: int
    unit: str
    reports: tuple[str, ...]

    @property
    def text(self) -> str:
        """“故障定位应于 2026-11-20 前完成，已超期 3 个工作日”."""
        return (
            f"{rule_label(self.rule)}应于 {self.due.isoformat()} 前完成，"
            f"已超期 {span_text(self.late_by, self.unit)}"
        )


def step_lateness(
    db: Database, session: Session, line: ReturnLine, rule: str, today: dt.date
) -> Lateness | None:
    """How late a step that ends `rule`'s clock would be, taken today; None when on time."""
    cal, rules = calendar_and_rules(db, session)
    found = next((d for d in line_deadlines(line, rules, cal, today) if d.rule == rule), None)
    if found is None or found.due is None or found.state != DeadlineState.overdue:
        return None
    kind = REPORT_OF_RULE.get(RuleCode(rule))
    reports: tuple[str, ...] = ()
    if kind is not None:
        reports = tuple(
            session.scalars(
                select(Report.number)
                .join(ReportLine, ReportLine.report_id == Report.id)
                .where(
                    ReportLine.line_id == line.id,
                    Report.kind == kind,
                    Report.rule == rule,
                    Report.answered_on.is_(None),
                )
                .order_by(Report.id)
            )
        )
    late_by = -(found.left if found.left is not None else -(today - found.due).days)
    return Lateness(rule, found.due, late_by, found.unit, reports)


def answer_reports(
    session: Session, actor: Actor, lateness: Lateness, record_number: str, today: dt.date
) -> None:
    """The late step's record answers the overdue reports it was late for: they close."""
    for number in lateness.reports:
        report = session.scalar(select(Report).where(Report.number == number))
        if report is None or report.answered_on is not None:
            continue
        report.answered_by = record_number
        report.answered_on = today
        audit.record(session, actor, "report", report.id, "report_answered", "", record_number)
