"""What the handover's modules share: a line and a task as plain values, codes, and the guards.

`returns` (tasks, confirming), `scanning` (items in) and `checks` (documents and decisions) build
on this module; none of them imports another, so any of them can be imported first.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence

from sqlalchemy import ColumnElement, func, inspect, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from app.db import Database
from app.errors import Conflict, DomainError, NotFound, WrongState
from app.models.org import Unit
from app.models.products import Item, ProductModel
from app.models.records import HandoverKind, HandoverRecord, Report, ReportKind
from app.models.returns import DocumentCheck, DocumentKind, DocumentVerdict, ReturnLine, ReturnTask
from app.models.states import FINISHED, Decision, LineStatus, TaskStatus
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar, evaluate
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import local_today
from app.services.kernel.terms import (
    decision_label,
    document_label,
    line_status_label,
    task_status_label,
    verdict_label,
)
from app.services.kernel.views import DocumentView, LineView, TaskView

DOCUMENT_KINDS = (DocumentKind.certificate, DocumentKind.fault_report, DocumentKind.packing_list)

# What a serial or model code may contain: a scanner types ASCII; anything else is not a code.
CODE_PART = r"[0-9A-Za-z][0-9A-Za-z\-_.#+()]*"
SERIAL_RE = re.compile(rf"^{CODE_PART}$")
ITEM_CODE_RE = re.compile(rf"^(?P<model>{CODE_PART})/(?P<serial>{CODE_PART})$")
MIN_SERIAL_LENGTH = 3
HELD = "fanxiu_held_rows"  # rows a session keeps alive for the reads after (session.info)
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
        task_version=line.task.version,
    )


def lines_loaded(session: Session, *where: ColumnElement[bool]) -> list[ReturnLine]:
    """The lines matching `where` with their item, model, maker, task and document checks, in
    one statement: `line_view` of any of them sends nothing more (issue 10: six statements a
    scan on PostgreSQL, one for each part read on first touch)."""
    rows = (
        session.execute(
            select(ReturnLine, Unit)
            .join(ReturnLine.item)
            .join(Item.model)
            .join(ReturnLine.task)
            .outerjoin(Unit, Unit.id == ProductModel.manufacturer_unit_id)
            .options(
                contains_eager(ReturnLine.item).contains_eager(Item.model),
                contains_eager(ReturnLine.task),
                joinedload(ReturnLine.documents),
            )
            .where(*where)
            .order_by(ReturnLine.id)
        )
        .unique()
        .all()
    )
    # The session's identity map holds rows weakly: the makers are kept for the session's
    # life, so `line_view` finds each one there instead of reading it again.
    session.info.setdefault(HELD, []).extend(maker for _line, maker in rows if maker)
    return [line for line, _maker in rows]


def task_view(session: Session, task: ReturnTask) -> TaskView:
    # Its unit, its records and its count in one statement: each is a round trip on
    # PostgreSQL, and a task is read at every scan that adds a line (issue 10).
    handover = (
        select(HandoverRecord.number)
        .where(
            HandoverRecord.task_id == task.id,
            HandoverRecord.kind == HandoverKind.user_to_materials,
            HandoverRecord.voided.is_(False),
        )
        .order_by(HandoverRecord.id)
        .limit(1)
        .scalar_subquery()
    )
    notice = (
        select(Report.number)
        .where(Report.task_id == task.id, Report.kind == ReportKind.rejection_notice)
        .order_by(Report.id)
        .limit(1)
        .scalar_subquery()
    )
    count = (
        select(func.count())
        .select_from(ReturnLine)
        .where(ReturnLine.task_id == task.id)
        .scalar_subquery()
    )
    unit_name, handover_number, notice_number, line_count = session.execute(
        select(Unit.name, handover, notice, count).where(Unit.id == task.user_unit_id)
    ).one()
    return TaskView(
        id=task.id,
        number=task.number,
        user_unit=unit_name,
        user_unit_id=task.user_unit_id,
        status=task.status,
        node_date=task.node_date,
        kitting_deadline=task.kitting_deadline,
        source=task.source,
        user_rep_name=task.user_rep_name,
        clerk_name=task.clerk_name,
        confirmed_at=task.confirmed_at,
        line_count=line_count or 0,
        handover_number=handover_number,
        rejection_notice_number=notice_number,
        version=task.version,
    )


def open_task(
    session: Session, task_id: int, expected_version: int | None = None, *, lock: bool = True
) -> ReturnTask:
    """The task, locked for the change, while it is still being counted; `expected_version`
    is the version the person saw (a count changed meanwhile by another desk is refused).
    `lock=False`: only read (a scan looks before it knows it will change anything); locked
    later, the task is read again as it then stands."""
    if lock:
        task = session.get(ReturnTask, task_id, with_for_update=True, populate_existing=True)
    else:
        task = session.get(ReturnTask, task_id)
    if task is None:
        raise NotFound("找不到这个返厂交接任务。")
    if expected_version is not None and task.version != expected_version:
        raise Conflict(task_changed(session, task))
    if task.status != TaskStatus.open:
        raise WrongState(f"任务 {task.number} 已确认交接，不能再修改清点内容。")
    return task


def touch(row: ReturnTask | ReturnLine) -> None:
    """A new version for a row whose content changed without a column of its own changing (a
    line's document check, a task's lines): a person who saw the old one is refused."""
    row.version = row.version + 1


def lines_for_change(
    session: Session, line_ids: Sequence[int], expected: Mapping[int, int] | None = None
) -> list[ReturnLine]:
    """Lines whose count may still change (task open, line only registered), locked and each
    given a new version, as their tasks are. `expected` maps a line to the version the person
    saw: a line another desk changed since is refused with what it is now (issue 9)."""
    ids = list(dict.fromkeys(line_ids))
    task_ids = sorted(
        set(session.scalars(select(ReturnLine.task_id).where(ReturnLine.id.in_(ids))))
    )
    # The tasks are locked first, in one order, so two desks on one task wait for each other
    # and then read what the first one wrote (PostgreSQL READ COMMITTED; SQLite writes one at a
    # time anyway); the lines are read after the lock, fresh.
    tasks = session.scalars(
        select(ReturnTask)
        .where(ReturnTask.id.in_(task_ids))
        .order_by(ReturnTask.id)
        .with_for_update()
    ).all()
    # Read after the lock, whole, in one statement: every statement is a round trip while the
    # tasks stay locked (issue 10: 三证一致 sent 148 statements for 10 lines).
    loaded = {line.id: line for line in lines_loaded(session, ReturnLine.id.in_(ids))}
    lines = []
    for line_id in ids:
        line = loaded.get(line_id)
        if line is None:
            raise NotFound("找不到这条返修产品记录。")
        if expected is not None and line_id in expected and expected[line_id] != line.version:
            raise Conflict(line_changed(line))
        if line.task.status != TaskStatus.open:
            raise WrongState(f"任务 {line.task.number} 已确认交接，不能再修改。")
        if line.status != LineStatus.registered:
            raise WrongState(
                f"{item_code(line.item.model.code, line.item.serial_no)} 当前状态为"
                f"“{line_status_label(line.status)}”，不能再修改清点内容。"
            )
        lines.append(line)
    for line in lines:
        touch(line)
    for task in tasks:
        touch(task)
    return lines


def line_for_change(
    session: Session, line_id: int, expected_version: int | None = None
) -> ReturnLine:
    """One line whose count may still change; see `lines_for_change`."""
    expected = None if expected_version is None else {line_id: expected_version}
    return lines_for_change(session, [line_id], expected)[0]


CHANGED = "已被其他工位修改"


def line_now(line: ReturnLine) -> str:
    """What a line is now, in the clerk's words: state, mark, documents."""
    text = line_status_label(line.status)
    if line.status == LineStatus.registered:
        if line.decision == Decision.reject:
            text += f"，标记为拒收（{line.reject_reason}）"
        elif line.decision:
            text += f"，标记为{decision_label(line.decision)}"
        else:
            text += "，未标记接收或拒收"
        docs = {d.kind: d.verdict for d in line.documents}
        text += "；" + "、".join(
            f"{document_label(k)}{verdict_label(docs.get(k, DocumentVerdict.unchecked))}"
            for k in DOCUMENT_KINDS
        )
    return text


def line_changed(line: ReturnLine) -> str:
    code = item_code(line.item.model.code, line.item.serial_no)
    return (
        f"{code}（第 {line.seq} 行）{CHANGED}，现在为：{line_now(line)}。"
        "本次操作没有保存，已显示最新内容，请核对后再操作。"
    )


def task_changed(session: Session, task: ReturnTask) -> str:
    decisions = list(
        session.scalars(select(ReturnLine.decision).where(ReturnLine.task_id == task.id))
    )
    accepted = sum(1 for d in decisions if d == Decision.accept)
    rejected = sum(1 for d in decisions if d == Decision.reject)
    return (
        f"任务 {task.number} {CHANGED}，现在为：{task_status_label(task.status)}，"
        f"共 {len(decisions)} 件（接收 {accepted} 件，拒收 {rejected} 件，"
        f"未标记 {len(decisions) - accepted - rejected} 件）。"
        "本次操作没有执行，已显示最新内容，请核对后再操作。"
    )


def document_of(session: Session, line: ReturnLine, kind: DocumentKind) -> DocumentCheck:
    if "documents" in inspect(line).unloaded:
        doc = session.scalar(
            select(DocumentCheck).where(
                DocumentCheck.line_id == line.id, DocumentCheck.kind == kind
            )
        )
    else:  # read with the line (`lines_loaded`): no statement
        doc = next((d for d in line.documents if d.kind == kind), None)
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
