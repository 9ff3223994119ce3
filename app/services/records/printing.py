"""Printable records by number: the service fills the printing layer's documents from the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, object_session, selectinload

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.delivery import DeliveryPlan, KitSet
from app.models.org import Unit
from app.models.products import Item
from app.models.records import (
    HandoverKind,
    HandoverRecord,
    HandoverRecordLine,
    Report,
    ReportKind,
    ReportLine,
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
from app.models.states import Decision, TaskStatus
from app.printing.documents import (
    FormDocument,
    HandoverDocument,
    PrintLine,
    RecordMark,
    RejectionNoticeDocument,
)
from app.printing.on_demand import render_form, render_handover, render_rejection_notice
from app.services.admin.masterdata import item_code
from app.services.kernel.context import to_local
from app.services.kernel.numbering import parse_number
from app.services.kernel.terms import document_short_label, handover_kind_label, verdict_label
from app.services.records import repair_forms


def _documents_text(line: ReturnLine) -> str:
    """One line per document: its verdict and the clerk's note (issue 7, defect 3)."""
    parts = []
    for doc in line.documents:
        text = f"{document_short_label(doc.kind)}：{verdict_label(doc.verdict)}"
        parts.append(f"{text}（{doc.note.strip()}）" if doc.note.strip() else text)
    return "\n".join(parts)


def _result_text(line: ReturnLine, accepted: bool | None) -> str:
    if accepted is None:
        if line.decision == Decision.accept:
            return "拟接收"
        if line.decision == Decision.reject:
            return f"拟拒收：{line.reject_reason}"
        return "待核对"
    return "接收" if accepted else f"拒收：{line.reject_reason}"


def _print_line(line: ReturnLine, seq: int, accepted: bool | None) -> PrintLine:
    model = line.item.model
    return PrintLine(
        seq=seq,
        item_code=item_code(model.code, line.item.serial_no),
        model_code=model.code,
        model_name=model.name,
        drawing_no=model.drawing_no,
        serial_no=line.item.serial_no,
        quantity=1,
        fault_description=line.fault_description,
        documents=_documents_text(line),
        result=_result_text(line, accepted),
        accepted=accepted,
    )


def record_mark(row: Any) -> RecordMark:
    """What the print says of a row's voiding, of the record issued again in its place, and of
    the voided record it replaces (issue 9)."""
    voided_at = getattr(row, "voided_at", None)
    voided = bool(getattr(row, "voided", False))
    return RecordMark(
        voided=voided,
        void_reason=getattr(row, "void_reason", "") or "",
        voided_by=getattr(row, "voided_by", "") or "",
        voided_at=to_local(voided_at).strftime("%Y-%m-%d %H:%M") if voided_at else "",
        replaces=getattr(row, "replaces", "") or "",
        replaced_by=_reissue_of(row) if voided else "",
    )


def _reissue_of(row: Any) -> str:
    """The number issued again in place of a voided record, if it was (the paper in a voided
    record's folder must say where the valid one is)."""
    session = object_session(row)
    table = type(row)
    if session is None or not hasattr(table, "replaces"):
        return ""
    return session.scalar(select(table.number).where(table.replaces == row.number)) or ""


def _now_text() -> str:
    return to_local(dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M")


def _date_text(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


# A printed line reads its item, model and documents: load them with the lines, not one
# query each (3 lazy loads x 30 lines were a third of a record's time at 1M lines).
_PRINT_LINE_LOADS = (
    joinedload(ReturnLine.item).joinedload(Item.model),
    selectinload(ReturnLine.documents),
)


def handover_document(session: Session, record: HandoverRecord) -> HandoverDocument:
    task = session.get(ReturnTask, record.task_id) if record.task_id else None
    rows = session.execute(
        select(ReturnLine, HandoverRecordLine.accepted)
        .join(HandoverRecordLine, HandoverRecordLine.line_id == ReturnLine.id)
        .where(HandoverRecordLine.record_id == record.id)
        .order_by(ReturnLine.seq)
        .options(*_PRINT_LINE_LOADS)
    ).all()
    return HandoverDocument(
        number=record.number,
        title=handover_kind_label(record.kind),
        task_number=task.number if task else "",
        from_party=session.get_one(Unit, record.from_unit_id).name,
        to_party=session.get_one(Unit, record.to_unit_id).name,
        from_person=record.from_person,
        to_person=record.to_person,
        handover_date=_date_text(record.handover_date),
        node_date=_date_text(task.node_date) if task else "",
        lines=tuple(_print_line(line, line.seq, accepted) for line, accepted in rows),
        anomalies=record.anomalies,
        printed_at=_now_text(),
        confirmed=True,
        mark=record_mark(record),
    )


def task_list_document(session: Session, task: ReturnTask) -> HandoverDocument:
    """An unconfirmed task prints as the list the clerk counts against with the user."""
    return HandoverDocument(
        number=task.number,
        title="返厂交接清单（未确认）",
        task_number=task.number,
        from_party=session.get_one(Unit, task.user_unit_id).name,
        to_party="物资管理部门",
        from_person=task.user_rep_name,
        to_person=task.clerk_name,
        handover_date="",
        node_date=_date_text(task.node_date),
        lines=tuple(
            _print_line(line, line.seq, None)
            for line in session.scalars(
                select(ReturnLine)
                .where(ReturnLine.task_id == task.id)
                .order_by(ReturnLine.seq)
                .options(*_PRINT_LINE_LOADS)
            )
        ),
        anomalies="",
        printed_at=_now_text(),
        confirmed=False,
    )


def rejection_document(session: Session, report: Report) -> RejectionNoticeDocument:
    task = session.get_one(ReturnTask, report.task_id)
    record = session.get(HandoverRecord, report.handover_record_id)
    rows = session.execute(
        select(ReturnLine, ReportLine.reason)
        .join(ReportLine, ReportLine.line_id == ReturnLine.id)
        .where(ReportLine.report_id == report.id)
        .order_by(ReturnLine.seq)
        .options(*_PRINT_LINE_LOADS)
    ).all()
    return RejectionNoticeDocument(
        number=report.number,
        task_number=task.number,
        handover_number=record.number if record else "",
        addressed_to=session.get_one(Unit, report.addressed_unit_id).name,
        user_unit=session.get_one(Unit, task.user_unit_id).name,
        issued_by=task.clerk_name,
        issued_date=to_local(report.created_at).date().isoformat(),
        lines=tuple(
            replace(_print_line(line, line.seq, False), result=reason or line.reject_reason)
            for line, reason in rows
        ),
        printed_at=_now_text(),
        mark=record_mark(report),
    )


def render_record(db: Database, number: str) -> bytes:
    """The PDF of the record with this number; a task prints its handover record once confirmed."""
    number = number.strip().upper()
    parsed = parse_number(number)
    if parsed is None:
        raise DomainError(f"“{number}”不是记录编号。")
    prefix = parsed[0]
    with db.reading() as session:
        if prefix == "FX":
            task = session.scalar(select(ReturnTask).where(ReturnTask.number == number))
            if task is None:
                raise NotFound(f"找不到返厂交接任务 {number}。")
            if task.status == TaskStatus.open:
                return render_handover(task_list_document(session, task))
            record = session.scalar(
                select(HandoverRecord)
                .where(HandoverRecord.task_id == task.id, HandoverRecord.voided.is_(False))
                # The user's handover; a re-issued one comes after the task's later records.
                .order_by(HandoverRecord.kind != HandoverKind.user_to_materials, HandoverRecord.id)
            )
            assert record is not None
            return render_handover(handover_document(session, record))
        if prefix == "JJ":
            record = session.scalar(select(HandoverRecord).where(HandoverRecord.number == number))
            if record is None:
                raise NotFound(f"找不到交接记录 {number}。")
            return render_handover(handover_document(session, record))
        form = _bench_form(session, prefix, number)
        if form is not None:
            return render_form(form)
        report = session.scalar(select(Report).where(Report.number == number))
        if report is not None and report.kind == ReportKind.rejection_notice:
            return render_rejection_notice(rejection_document(session, report))
        if report is not None and report.kind == ReportKind.kitting_status_report:
            return _kitting_status_pdf(db, report)
        if report is not None and report.kind in (ReportKind.overdue_report, ReportKind.escalation):
            form = repair_forms.report_form(session, report)
            return render_form(replace(form, mark=record_mark(report)))
        if prefix == "QT":
            from app.services.way_back.kitting_report import kitting_report_pdf

            return kitting_report_pdf(db, number)
        if prefix in _BENCH or prefix in ("JS", "CQ", "SJ", "QB"):
            raise NotFound(f"找不到记录 {number}。")
    raise DomainError(f"{number} 这类记录的打印还未提供。")


_BENCH = {
    "KX": (UnboxingInspection, repair_forms.unboxing_form),
    "PC": (InvestigationPlan, repair_forms.plan_form),
    "DW": (FaultLocalization, repair_forms.localization_form),
    "WX": (RepairRecord, repair_forms.repair_form),
    "YS": (AcceptanceInspection, repair_forms.acceptance_form),
    "JF": (DeliveryPlan, repair_forms.delivery_plan_form),
    "BF": (ScrapRequest, repair_forms.scrap_form),
}


def _bench_form(session: Session, prefix: str, number: str) -> FormDocument | None:
    if prefix not in _BENCH:
        return None
    table, build = _BENCH[prefix]
    row = session.scalar(select(table).where(table.number == number))  # type: ignore[attr-defined,arg-type]
    if row is None:
        return None
    form: FormDocument = build(session, row)  # type: ignore[operator]
    return replace(form, mark=record_mark(row))


def _kitting_status_pdf(db: Database, report: Report) -> bytes:
    """A QB as issued; a voided one with its 作废 mark (the way-back module prints it as the
    kitting step issued it and knows nothing of voiding)."""
    from app.services.way_back import kitting_report
    from app.services.way_back.kitting import kit_status_in

    if not report.voided:
        return kitting_report.issued_report_pdf(db, report)
    with db.reading() as session:
        kit = session.scalar(select(KitSet).where(KitSet.status_report_id == report.id))
        if kit is None:
            kit = session.scalar(select(KitSet).where(KitSet.task_id == report.task_id))
        if kit is None:
            raise NotFound(f"找不到报告 {report.number} 对应的齐套。")
        issued = to_local(report.created_at).date()
        status = kit_status_in(db, session, kit, issued)
    form = kitting_report.status_form(status, report.number, issued)
    return render_form(replace(form, mark=record_mark(report)))
