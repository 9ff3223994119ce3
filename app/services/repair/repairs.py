"""The manufacturer's bench: receipt, unboxing, investigation plan, localization, repair,
acceptance, scrapping, and the repair written into the item's quality certificate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied, WrongState
from app.models.org import Permission, UnitKind, User
from app.models.products import QualityCertificate
from app.models.records import HandoverKind, HandoverRecord, HandoverRecordLine, ReportKind
from app.models.repair import (
    AcceptanceInspection,
    AcceptanceResult,
    FaultLocalization,
    InvestigationPlan,
    RepairPlan,
    RepairRecord,
    ReplacedPart,
    UnboxingInspection,
    UnboxingPhoto,
)
from app.models.returns import ReturnLine
from app.models.states import PLAN_EDITABLE, LineStatus
from app.models.workdays import RuleCode
from app.services.admin.codelists import CAUSE_CATEGORY, FAULT_MODE, check_code, checklist
from app.services.kernel import attachments, audit
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import (
    advance,
    check_own_unit,
    check_step,
    line_code,
    load_line,
    units_of_kind,
)
from app.services.kernel.numbering import issue_number
from app.services.kernel.terms import plan_version_label, span_text
from app.services.oversight.deadlines import Lateness, answer_reports, step_lateness
from app.services.records.registry import issue_report


@dataclass(frozen=True)
class Unboxing:
    packaging_ok: bool
    seals_ok: bool
    appearance_ok: bool
    accessories_ok: bool
    documents_consistent: bool
    user_rep_name: str
    notes: str = ""


@dataclass(frozen=True)
class Part:
    part_no: str
    part_name: str = ""
    removed_serial: str = ""
    fitted_serial: str = ""


@dataclass(frozen=True)
class ReceiptResult:
    handover_number: str
    received: int


def _bench_line(session: Session, actor: Actor, line_id: int, permission: Permission) -> ReturnLine:
    require(actor, permission)
    line = load_line(session, line_id)
    check_own_unit(session, actor, line)
    return line


def receive(
    db: Database,
    actor: Actor,
    handover_number: str,
    receiver_name: str,
    anomalies: dict[int, str] | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> ReceiptResult:
    """Countersign a dispatch handover at the manufacturer: its lines arrive, the clocks start."""
    require(actor, Permission.receive_at_manufacturer)
    today = today or local_today()
    if not receiver_name.strip():
        raise DomainError("签收需要填写接收人姓名。")
    anomalies = {k: v.strip() for k, v in (anomalies or {}).items() if v.strip()}
    with db.transaction() as session:
        record = session.scalar(
            select(HandoverRecord).where(HandoverRecord.number == handover_number.strip().upper())
        )
        if record is None or record.kind != HandoverKind.materials_to_manufacturer:
            raise NotFound(f"{handover_number} 不是发往承制单位的交接记录。")
        if not actor.system and record.to_unit_id != actor.unit_id:
            raise PermissionDenied(f"交接记录 {record.number} 不是发给本单位的。")
        if record.countersigned_at is not None:
            raise WrongState(f"交接记录 {record.number} 已经签收过了。")
        if record.voided:  # issue 9: its re-issue is the one to sign
            again = session.scalar(
                select(HandoverRecord.number).where(HandoverRecord.replaces == record.number)
            )
            raise WrongState(f"交接记录 {record.number} 已作废，请签收重新出具的 {again}。")
        entries = session.scalars(
            select(HandoverRecordLine).where(HandoverRecordLine.record_id == record.id)
        ).all()
        # The record's lines in one statement, and one flush for all of them below: read one by
        # one, each read flushed the line before it and its clocks (47 statements for 10 lines).
        ids = [e.line_id for e in entries]
        held = {x.id: x for x in session.scalars(select(ReturnLine).where(ReturnLine.id.in_(ids)))}
        for entry in entries:
            line = held.get(entry.line_id) or load_line(session, entry.line_id)
            advance(session, actor, line, "receive_at_manufacturer", anomalies.get(line.id, ""))
            line.received_on = today
            entry.anomaly = anomalies.get(line.id, "")
        record.countersigned_at = dt.datetime.now(dt.UTC)
        record.countersigned_by_id = actor.user_id
        record.to_person = receiver_name.strip()
        notes = [note.strip()] if note.strip() else []
        notes += [f"{line_code(load_line(session, i))}：{a}" for i, a in anomalies.items()]
        if notes:
            record.anomalies = "\n".join(filter(None, [record.anomalies, *notes]))
        audit.record(session, actor, "handover_record", record.id, "countersign", "", receiver_name)
        return ReceiptResult(record.number, len(entries))


def record_unboxing(
    db: Database,
    actor: Actor,
    line_id: int,
    unboxing: Unboxing,
    photos: list[tuple[str, bytes]] | None = None,
    today: dt.date | None = None,
) -> str:
    """The unboxing inspection with the user representative (开箱检查记录, KX)."""
    today = today or local_today()
    if not unboxing.user_rep_name.strip():
        raise DomainError("开箱检查须有用户代表在场，请填写用户代表姓名。")
    with db.transaction() as session:
        line = _bench_line(session, actor, line_id, Permission.unbox)
        advance(session, actor, line, "unbox")
        record = UnboxingInspection(
            number=issue_number(session, "KX", today.year),
            line_id=line.id,
            packaging_ok=unboxing.packaging_ok,
            seals_ok=unboxing.seals_ok,
            appearance_ok=unboxing.appearance_ok,
            accessories_ok=unboxing.accessories_ok,
            documents_consistent=unboxing.documents_consistent,
            notes=unboxing.notes.strip(),
            user_rep_name=unboxing.user_rep_name.strip(),
            inspected_on=today,
            created_by_id=actor.user_id,
        )
        session.add(record)
        session.flush()
        for name, data in photos or []:
            stored = attachments.store(session, name, data)
            session.add(UnboxingPhoto(inspection_id=record.id, attachment_id=stored.id))
        audit.record(session, actor, "return_line", line.id, "unboxing_record", "", record.number)
        return record.number


def write_investigation_plan(
    db: Database,
    actor: Actor,
    line_id: int,
    document_no: str,
    version: str,
    author: str,
    title: str = "",
    attachment: tuple[str, bytes] | None = None,
    today: dt.date | None = None,
) -> str:
    """A fault investigation plan (故障排查方案, PC); a new version keeps the old ones."""
    today = today or local_today()
    document_no, version, author = document_no.strip(), version.strip(), author.strip()
    if not document_no or not version or not author:
        raise DomainError("排查方案需要文件编号、版本和编写人。")
    with db.transaction() as session:
        line = _bench_line(session, actor, line_id, Permission.investigate)
        existing = session.scalars(
            select(InvestigationPlan).where(InvestigationPlan.line_id == line.id)
        ).all()
        if any(p.document_no == document_no and p.version == version for p in existing):
            raise DomainError(f"排查方案 {document_no} 版本 {version} 已存在，请使用新的版本号。")
        if line.status == LineStatus.unboxed:
            advance(session, actor, line, "write_plan")
        elif not existing or line.status not in PLAN_EDITABLE:
            check_step(line, "write_plan")
        stored = attachments.store(session, *attachment) if attachment else None
        plan = InvestigationPlan(
            number=issue_number(session, "PC", today.year),
            line_id=line.id,
            document_no=document_no,
            version=version,
            title=title.strip(),
            author=author,
            attachment_id=stored.id if stored else None,
            created_by_id=actor.user_id,
        )
        session.add(plan)
        session.flush()
        audit.record(
            session,
            actor,
            "return_line",
            line.id,
            "investigation_plan",
            "",
            f"{plan.number}（{document_no}，{plan_version_label(version)}）",
        )
        return plan.number


def _report_localization(
    session: Session, actor: Actor, line: ReturnLine, loc: FaultLocalization
) -> None:
    recipients = (
        units_of_kind(session, UnitKind.competent_dept)[:1]
        + units_of_kind(session, UnitKind.quality_dept)[:1]
    )
    if not recipients:
        raise DomainError("尚未设置主管部门和质量部门，无法报送故障定位情况。")
    what = "复测无故障" if loc.no_fault_found else f"{loc.fault_mode}（{loc.cause_category}）"
    body = loc.conclusion
    if loc.late_days:
        body += (
            f"\n超期 {span_text(loc.late_days, 'working_days')}完成定位，原因：{loc.late_reason}"
        )
    issue_report(
        session,
        actor,
        number=loc.number,
        kind=ReportKind.localization_report,
        recipients=recipients,
        title=f"故障定位情况报告：{line_code(line)} {what}",
        body=body,
        task_id=line.task_id,
        lines=[(line.id, what)],
    )


def localize(
    db: Database,
    actor: Actor,
    line_id: int,
    *,
    fault_mode: str,
    cause_category: str,
    faulty_part: str,
    conclusion: str,
    late_reason: str = "",
    today: dt.date | None = None,
) -> str:
    """A confirmed fault: the localization report (DW) goes to the competent and quality depts.

    Past the 5-working-day deadline the reason is required; the DW says how late, and closes
    the overdue report (CQ) the deadline sweep issued."""
    today = today or local_today()
    if not conclusion.strip() or not faulty_part.strip():
        raise DomainError("故障定位需要填写定位结论和故障部位。")
    with db.transaction() as session:
        line = _bench_line(session, actor, line_id, Permission.investigate)
        check_step(line, "localize")  # the state first: a late step still may not skip one
        mode = check_code(session, FAULT_MODE, fault_mode, "故障模式")
        cause = check_code(session, CAUSE_CATEGORY, cause_category, "原因类别")
        return _localized(
            session,
            actor,
            line,
            "localize",
            today,
            _late(db, session, line, RuleCode.localization, late_reason, today),
            conclusion=conclusion.strip(),
            fault_mode=mode,
            cause_category=cause,
            faulty_part=faulty_part.strip(),
        )


def _late(
    db: Database, session: Session, line: ReturnLine, rule: str, reason: str, today: dt.date
) -> tuple[Lateness, str] | None:
    """A step past its deadline must say why (issue 7, defect 8); None when it is on time."""
    lateness = step_lateness(db, session, line, rule, today)
    if lateness is None:
        return None
    if not reason.strip():
        raise DomainError(f"{lateness.text}。请填写超期原因。")
    return lateness, reason.strip()


def _localized(
    session: Session,
    actor: Actor,
    line: ReturnLine,
    step: str,
    today: dt.date,
    late: tuple[Lateness, str] | None,
    **found: str,
) -> str:
    """Either end of localization: the line moves on, the DW is written and reported; a late
    one answers the overdue report."""
    advance(session, actor, line, step)
    line.localized_on = today
    loc = FaultLocalization(
        number=issue_number(session, "DW", today.year),
        line_id=line.id,
        no_fault_found=step == "no_fault_found",
        localized_on=today,
        created_by_id=actor.user_id,
        late_days=late[0].late_by if late else 0,
        late_reason=late[1] if late else "",
        **found,
    )
    session.add(loc)
    session.flush()
    _report_localization(session, actor, line, loc)
    if late:
        answer_reports(session, actor, late[0], loc.number, today)
    return loc.number


def no_fault_found(
    db: Database,
    actor: Actor,
    line_id: int,
    conclusion: str,
    today: dt.date | None = None,
    late_reason: str = "",
) -> str:
    """Retest finds no fault (复测无故障): repair is skipped, acceptance is not."""
    today = today or local_today()
    if not conclusion.strip():
        raise DomainError("请写明复测情况和结论。")
    with db.transaction() as session:
        line = _bench_line(session, actor, line_id, Permission.investigate)
        check_step(line, "no_fault_found")
        late = _late(db, session, line, RuleCode.localization, late_reason, today)
        return _localized(
            session, actor, line, "no_fault_found", today, late, conclusion=conclusion.strip()
        )


def plan_repair(
    db: Database,
    actor: Actor,
    line_id: int,
    measures: str,
    planned_completion: dt.date,
    document_no: str = "",
    version: str = "",
    today: dt.date | None = None,
) -> None:
    """The repair plan (维修方案与计划); the first one starts the repair."""
    today = today or local_today()
    if not measures.strip():
        raise DomainError("请填写维修措施。")
    if planned_completion < today:
        raise DomainError("计划完成日期不能早于今天。")
    with db.transaction() as session:
        line = _bench_line(session, actor, line_id, Permission.repair)
        if line.status != LineStatus.in_repair:
            advance(session, actor, line, "start_repair")
        session.add(
            RepairPlan(
                line_id=line.id,
                document_no=document_no.strip(),
                version=version.strip(),
                measures=measures.strip(),
                planned_completion=planned_completion,
                created_by_id=actor.user_id,
            )
        )
        audit.record(
            session,
            actor,
            "return_line",
            line.id,
            "repair_plan",
            "",
            f"{planned_completion} {measures.strip()[:60]}",
        )


def record_repair(
    db: Database,
    actor: Actor,
    line_id: int,
    work_done: str,
    repaired_by: str,
    tests: str = "",
    parts: list[Part] | None = None,
    today: dt.date | None = None,
    *,
    certificate_no: str = "",
    late_reason: str = "",
) -> str:
    """The repair done (维修记录, WX): work, parts with their numbers, tests, who, when, and
    the quality certificate it goes into (its number confirmed or entered here). Past the time
    in repair the reason is required; the WX answers the escalation (SJ)."""
    today = today or local_today()
    if not work_done.strip() or not repaired_by.strip():
        raise DomainError("维修记录需要填写维修内容和维修人。")
    for part in parts or []:
        if not part.part_no.strip():
            raise DomainError("更换的零件需要填写零件号。")
    with db.transaction() as session:
        line = _bench_line(session, actor, line_id, Permission.repair)
        if not session.scalar(
            select(func.count()).select_from(RepairPlan).where(RepairPlan.line_id == line.id)
        ):
            raise WrongState(f"{line_code(line)} 还没有维修方案，请先制定维修方案和计划。")
        check_step(line, "finish_repair")
        late = _late(db, session, line, RuleCode.repair, late_reason, today)
        _certificate(session, actor, line, certificate_no)
        advance(session, actor, line, "finish_repair")
        record = RepairRecord(
            number=issue_number(session, "WX", today.year),
            line_id=line.id,
            outcome="repaired",
            work_done=work_done.strip(),
            tests=tests.strip(),
            repaired_by=repaired_by.strip(),
            repaired_on=today,
            created_by_id=actor.user_id,
            late_days=late[0].late_by if late else 0,
            late_reason=late[1] if late else "",
        )
        session.add(record)
        session.flush()
        if late:
            answer_reports(session, actor, late[0], record.number, today)
        for part in parts or []:
            session.add(
                ReplacedPart(
                    repair_record_id=record.id,
                    part_name=part.part_name.strip(),
                    part_no=part.part_no.strip(),
                    removed_serial=part.removed_serial.strip(),
                    fitted_serial=part.fitted_serial.strip(),
                )
            )
        audit.record(session, actor, "return_line", line.id, "repair_record", "", record.number)
        return record.number


@dataclass(frozen=True)
class AcceptanceOutcome:
    number: str
    passed: bool
    repair_record_number: str | None  # the certificate page, when passed


def inspect_acceptance(
    db: Database,
    actor: Actor,
    line_id: int,
    results: dict[int, tuple[bool, str]],
    findings: str = "",
    inspector: str = "",
    passed: bool | None = None,
    today: dt.date | None = None,
    certificate_no: str = "",
) -> AcceptanceOutcome:
    """Acceptance against the model's checklist (验收, YS); a pass writes the certificate page."""
    require(actor, Permission.inspect_acceptance)
    today = today or local_today()
    with db.transaction() as session:
        line = load_line(session, line_id)
        check_step(line, "accept_repair")
        points = checklist(session, line.item.model_id)
        if points:
            missing = [p.text for p in points if p.id not in results]
            if missing:
                raise DomainError("验收项目未全部填写：" + "、".join(missing))
            verdict = all(results[p.id][0] for p in points)
            if passed is not None and passed != verdict:
                raise DomainError("验收结论与各项目结果不一致。")
        elif passed is None:
            raise DomainError("该型号没有验收细则，请直接给出验收结论。")
        else:
            verdict = passed
        if not verdict and not findings.strip():
            raise DomainError("验收不合格时必须写明问题。")
        inspection = AcceptanceInspection(
            number=issue_number(session, "YS", today.year),
            line_id=line.id,
            passed=verdict,
            findings=findings.strip(),
            inspector=inspector.strip() or actor.name,
            inspected_on=today,
            created_by_id=actor.user_id,
        )
        session.add(inspection)
        session.flush()
        for p in points:
            ok, note = results[p.id]
            session.add(
                AcceptanceResult(
                    inspection_id=inspection.id, checklist_item_id=p.id, passed=ok, note=note
                )
            )
        page = None
        if verdict:
            was_nff = line.status == LineStatus.no_fault_found
            advance(session, actor, line, "accept_repair", inspection.number)
            line.repair_accepted_on = today
            cert = _certificate(session, actor, line, certificate_no)
            page = _write_certificate(session, actor, line, cert, was_nff, today)
        else:
            advance(session, actor, line, "fail_acceptance", findings.strip())
        return AcceptanceOutcome(inspection.number, verdict, page)


def _certificate(
    session: Session, actor: Actor, line: ReturnLine, number: str
) -> QualityCertificate:
    """The item's quality certificate (产品质量证明文件), made on first use; `number` confirms
    the one on file or, where none is on file yet, identifies it (issue 7, defect 11)."""
    number = number.strip()
    cert = session.scalar(
        select(QualityCertificate).where(QualityCertificate.item_id == line.item_id)
    )
    if cert is None:
        cert = QualityCertificate(item_id=line.item_id, certificate_no="")
        session.add(cert)
        session.flush()
    if number and cert.certificate_no and number != cert.certificate_no:
        raise DomainError(
            f"{line_code(line)} 的产品质量证明文件编号为 {cert.certificate_no}，"
            f"与填写的 {number} 不一致，请核对证明文件。"
        )
    if number and not cert.certificate_no:
        cert.certificate_no = number
        audit.record(session, actor, "item", line.item_id, "certificate_no", "", number)
    return cert


def certificate_number(db: Database, line_id: int) -> str:
    """The number of the item's quality certificate on file ("" when not yet identified)."""
    with db.reading() as session:
        line = load_line(session, line_id)
        return (
            session.scalar(
                select(QualityCertificate.certificate_no).where(
                    QualityCertificate.item_id == line.item_id
                )
            )
            or ""
        )


def _write_certificate(
    session: Session,
    actor: Actor,
    line: ReturnLine,
    cert: QualityCertificate,
    no_fault: bool,
    today: dt.date,
) -> str:
    """Append this return's repair to the item's quality certificate; the page is its WX record."""
    if no_fault:
        loc = session.scalar(
            select(FaultLocalization)
            .where(FaultLocalization.line_id == line.id)
            .order_by(FaultLocalization.id.desc())
        )
        record = RepairRecord(
            number=issue_number(session, "WX", today.year),
            line_id=line.id,
            outcome="no_fault_found",
            work_done="复测无故障：" + (loc.conclusion if loc else ""),
            repaired_by=_retested_by(session, loc) or actor.name,
            repaired_on=loc.localized_on if loc else today,
            created_by_id=actor.user_id,
        )
        session.add(record)
        session.flush()
    else:
        latest = session.scalars(
            select(RepairRecord)
            .where(RepairRecord.line_id == line.id)
            .order_by(RepairRecord.id.desc())
        ).first()
        assert latest is not None  # finish_repair always wrote one
        record = latest
    record.certificate_id = cert.id
    audit.record(session, actor, "item", line.item_id, "certificate_entry", "", record.number)
    return record.number


def _retested_by(session: Session, loc: FaultLocalization | None) -> str:
    """Who retested a no-fault-found item: the engineer who wrote its localization."""
    if loc is None or loc.created_by_id is None:
        return ""
    user = session.get(User, loc.created_by_id)
    return user.display_name if user else ""


def scrap(
    db: Database, actor: Actor, line_id: int, reason: str, today: dt.date | None = None
) -> str:
    """A manager scraps at once (the demo, the command line): request and approval in one, with
    the same 报废审批单 (BF) and audit trail; returns the BF number. The window goes through
    `scrapping.request_scrap` and `scrapping.decide_scrap`."""
    from app.services.repair import scrapping  # it builds on this module

    return scrapping.scrap(db, actor, line_id, reason, today).number
