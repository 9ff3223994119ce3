"""What the handover's modules share: a line and a task as plain values, codes, and the guards.

`returns` (tasks, confirming), `scanning` (items in) and `checks` (documents and decisions) build
on this module; none of them imports another, so any of them can be imported first.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, WrongState
from app.models.org import Unit
from app.models.records import HandoverKind, HandoverRecord, Report, ReportKind
from app.models.returns import DocumentCheck, DocumentKind, DocumentVerdict, ReturnLine, ReturnTask
from app.models.states import FINISHED, LineStatus, TaskStatus
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar, evaluate
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import local_today
from app.services.kernel.terms import line_status_label
from app.services.kernel.views import DocumentView, LineView, TaskView

DOCUMENT_KINDS = (DocumentKind.certificate, DocumentKind.fault_report, DocumentKind.packing_list)

# What a serial or model code may contain: a scanner types ASCII; anything else is not a code.
CODE_PART = r"[0-9A-Za-z][0-9A-Za-z\-_.#+()]*"
SERIAL_RE = re.compile(rf"^{CODE_PART}$")
ITEM_CODE_RE = re.compile(rf"^(?P<model>{CODE_PART})/(?P<serial>{CODE_PART})$")
MIN_SERIAL_LENGTH = 3
MAX_CODE_LENGTH = 64


def normalize_code(text: str) -> str:
    """Full-width to half-width, spaces out: what a scanner behind an input method may type."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def normalize_serial(text: str) -> str:
    return normalize_code(text)


def document_pair(verdict: str) -> tuple[bool | None, bool | None]:
    """A verdict as (present, consistent), the shape a table row carries (missing: both False)."""
    view = DocumentView("", verdict, "")
    return view.present, view.consistent


def no_deadline() -> Deadline:
    return Deadline(RuleCode.dispatch, None, None, DeadlineState.not_started, None, False)


def dispatch_deadline(
    line: ReturnLine, cal: WorkCalendar, rules: dict[str, Rule], today: dt.date
) -> Deadline:
    rule = rules.get(RuleCode.dispatch)
    if rule is None:
        return no_deadline()
    return evaluate(rule, line.accepted_on, line.dispatched_on, today, cal)


def line_view(
    session: Session, line: ReturnLine, db: Database, today: dt.date | None = None
) -> LineView:
    cal, rules = calendar_and_rules(db, session)
    model = line.item.model
    maker = session.get(Unit, model.manufacturer_unit_id) if model.manufacturer_unit_id else None
    docs = {d.kind: d for d in line.documents}
    return LineView(
        id=line.id,
        task_id=line.task_id,
        task_number=line.task.number,
        seq=line.seq,
        item_id=line.item_id,
        item_code=item_code(model.code, line.item.serial_no),
        model_code=model.code,
        model_name=model.name,
        drawing_no=model.drawing_no,
        serial_no=line.item.serial_no,
        fault_description=line.fault_description,
        remark=line.remark,
        status=line.status,
        decision=line.decision,
        reject_reason=line.reject_reason,
        documents=tuple(
            DocumentView(k, docs[k].verdict, docs[k].note)
            if k in docs
            else DocumentView(k, DocumentVerdict.unchecked, "")
            for k in DOCUMENT_KINDS
        ),
        dispatch_deadline=dispatch_deadline(line, cal, rules, today or local_today()),
        manufacturer=maker.name if maker else "",
        version=line.version,
    )


def task_view(session: Session, task: ReturnTask) -> TaskView:
    unit = session.get_one(Unit, task.user_unit_id)
    handover = session.scalar(
        select(HandoverRecord.number).where(
            HandoverRecord.task_id == task.id,
            HandoverRecord.kind == HandoverKind.user_to_materials,
            HandoverRecord.voided.is_(False),
        )
    )
    notice = session.scalar(
        select(Report.number).where(
            Report.task_id == task.id, Report.kind == ReportKind.rejection_notice
        )
    )
    count = session.scalar(
        select(func.count()).select_from(ReturnLine).where(ReturnLine.task_id == task.id)
    )
    return TaskView(
        id=task.id,
        number=task.number,
        user_unit=unit.name,
        user_unit_id=unit.id,
        status=task.status,
        node_date=task.node_date,
        kitting_deadline=task.kitting_deadline,
        source=task.source,
        user_rep_name=task.user_rep_name,
        clerk_name=task.clerk_name,
        confirmed_at=task.confirmed_at,
        line_count=count or 0,
        handover_number=handover,
        rejection_notice_number=notice,
    )


def open_task(session: Session, task_id: int) -> ReturnTask:
    """The task, locked for the change, while it is still being counted."""
    task = session.get(ReturnTask, task_id, with_for_update=True)
    if task is None:
        raise NotFound("找不到这个返厂交接任务。")
    if task.status != TaskStatus.open:
        raise WrongState(f"任务 {task.number} 已确认交接，不能再修改清点内容。")
    return task


def line_for_change(session: Session, line_id: int) -> ReturnLine:
    """A line whose count may still change: its task open, the line only registered."""
    line = session.get(ReturnLine, line_id)
    if line is None:
        raise NotFound("找不到这条返修产品记录。")
    if line.task.status != TaskStatus.open:
        raise WrongState(f"任务 {line.task.number} 已确认交接，不能再修改。")
    if line.status != LineStatus.registered:
        raise WrongState(
            f"{item_code(line.item.model.code, line.item.serial_no)} 当前状态为"
            f"“{line_status_label(line.status)}”，不能再修改清点内容。"
        )
    return line


def document_of(session: Session, line: ReturnLine, kind: DocumentKind) -> DocumentCheck:
    doc = session.scalar(
        select(DocumentCheck).where(DocumentCheck.line_id == line.id, DocumentCheck.kind == kind)
    )
    if doc is None:  # every line is registered with its three checks; an old store may lack one
        doc = DocumentCheck(line_id=line.id, kind=kind, verdict=DocumentVerdict.unchecked)
        session.add(doc)
        line.documents.append(doc)
    return doc


def open_return_of(session: Session, item_id: int) -> ReturnLine | None:
    """The line of an unfinished return this item is on, if any."""
    return session.scalar(
        select(ReturnLine).where(
            ReturnLine.item_id == item_id, ReturnLine.status.not_in(sorted(FINISHED))
        )
    )


def check_serial(serial: str) -> None:
    if (
        len(serial) < MIN_SERIAL_LENGTH
        or len(serial) > MAX_CODE_LENGTH
        or not SERIAL_RE.match(serial)
    ):
        raise DomainError(
            f"“{serial}”不是有效的出厂编号（应为 {MIN_SERIAL_LENGTH}–{MAX_CODE_LENGTH} "
            "位字母、数字或 - _ . #）。"
        )
