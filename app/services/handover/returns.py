"""The handover desk: return tasks, reading their lines, and confirming the handover.

Items in (`scanning`) and the count of each line (`checks`) live beside this module; their
functions are re-exported here, so `returns.scan`, `returns.set_verdict`, … read as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Permission, Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.records import HandoverKind, HandoverRecord, ReportKind
from app.models.returns import DocumentCheck, ReturnLine, ReturnTask
from app.models.states import Decision, LineStatus, TaskStatus, next_status
from app.models.workdays import RuleCode, evaluate
from app.services.admin.masterdata import ensure_unit, item_code
from app.services.handover.checks import (
    check_lines,
    decide_line,
    decide_lines,
    set_document,
    set_fault_description,
    set_remark,
    set_verdict,
    verdict_of,
    why_not_accepted,
)
from app.services.handover.lines import (
    CODE_PART,
    DOCUMENT_KINDS,
    ITEM_CODE_RE,
    MAX_CODE_LENGTH,
    MIN_SERIAL_LENGTH,
    SERIAL_RE,
    document_pair,
    line_view,
    lines_loaded,
    no_deadline,
    normalize_code,
    normalize_serial,
    open_return_of,
    open_task,
    task_view,
)
from app.services.handover.scanning import add_line, add_line_to, scan
from app.services.kernel import audit
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import unit_of_kind
from app.services.kernel.numbering import issue_number
from app.services.kernel.views import (
    ConfirmResult,
    LineRow,
    LineView,
    TaskSummary,
    TaskView,
)
from app.services.records.registry import issue_report, new_handover
from app.services.way_back.kitting import new_kit_set

__all__ = [
    "CODE_PART",
    "DOCUMENT_KINDS",
    "ITEM_CODE_RE",
    "MAX_CODE_LENGTH",
    "MIN_SERIAL_LENGTH",
    "SERIAL_RE",
    "TaskView",
    "add_line",
    "add_line_to",
    "check_lines",
    "confirm_handover",
    "create_task",
    "decide_line",
    "decide_lines",
    "get_line",
    "get_task",
    "get_task_by_number",
    "line_history",
    "line_view",
    "list_tasks",
    "new_task",
    "normalize_code",
    "normalize_serial",
    "open_return_of",
    "page_lines",
    "scan",
    "set_document",
    "set_fault_description",
    "set_remark",
    "set_verdict",
    "task_lines",
    "task_view",
    "verdict_of",
    "why_not_accepted",
]


# --- reading -------------------------------------------------------------------------------


def get_line(db: Database, line_id: int) -> LineView:
    with db.reading() as session:
        found = lines_loaded(session, ReturnLine.id == line_id)
        if not found:
            raise NotFound("找不到这条返修产品记录。")
        return line_view(session, found[0], db)


def get_task(db: Database, task_id: int) -> TaskView:
    with db.reading() as session:
        task = session.get(ReturnTask, task_id)
        if task is None:
            raise NotFound("找不到这个返厂交接任务。")
        return task_view(session, task)


def get_task_by_number(db: Database, number: str) -> TaskView:
    with db.reading() as session:
        task = session.scalar(select(ReturnTask).where(ReturnTask.number == number))
        if task is None:
            raise NotFound(f"找不到返厂交接任务 {number}。")
        return task_view(session, task)


def find_open_task(db: Database, number: str) -> TaskView | None:
    """The task with this number while it is still being counted; None when closed or gone
    (the desk reopens the task it had open, and only such a one)."""
    with db.reading() as session:
        task = session.scalar(select(ReturnTask).where(ReturnTask.number == number))
        if task is None or task.status != TaskStatus.open:
            return None
        return task_view(session, task)


def task_lines(db: Database, task_id: int, today: dt.date | None = None) -> list[LineView]:
    """Every line of a task with all its details (for printing and small tasks)."""
    with db.reading() as session:
        lines = session.scalars(
            select(ReturnLine).where(ReturnLine.task_id == task_id).order_by(ReturnLine.seq)
        ).all()
        return [line_view(session, line, db, today) for line in lines]


def list_tasks(
    db: Database, before_id: int | None = None, limit: int = 200, status: str | None = None
) -> list[TaskSummary]:
    """Newest first, one keyset page at a time."""
    with db.reading() as session:
        # Counted per task of the page through uq_return_line_task_id_seq: a GROUP BY over
        # every line took 110-130 ms per page at 1M lines (bench/RESULTS.md).
        count = (
            select(func.count())
            .where(ReturnLine.task_id == ReturnTask.id)
            .correlate(ReturnTask)
            .scalar_subquery()
        )
        stmt = (
            select(ReturnTask, Unit.name, count)
            .join(Unit, Unit.id == ReturnTask.user_unit_id)
            .order_by(ReturnTask.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            stmt = stmt.where(ReturnTask.id < before_id)
        if status:
            stmt = stmt.where(ReturnTask.status == status)
        return [
            TaskSummary(
                t.id, t.number, unit, t.status, t.node_date, t.kitting_deadline, n, t.created_at
            )
            for t, unit, n in session.execute(stmt)
        ]


def _lines_query(
    task_id: int | None, after: int | None, limit: int, status: str | None
) -> Select[*tuple[Any, ...]]:
    stmt = (
        select(
            ReturnLine.id,
            ReturnLine.task_id,
            ReturnTask.number,
            ReturnLine.seq,
            ProductModel.code,
            ProductModel.name,
            Item.serial_no,
            ReturnLine.fault_description,
            ReturnLine.status,
            ReturnLine.decision,
            ReturnLine.reject_reason,
            ReturnLine.accepted_on,
            ReturnLine.dispatched_on,
            ReturnLine.version,
        )
        .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
        .join(Item, Item.id == ReturnLine.item_id)
        .join(ProductModel, ProductModel.id == Item.model_id)
        .limit(limit)
    )
    if task_id is not None:
        stmt = stmt.where(ReturnLine.task_id == task_id).order_by(ReturnLine.seq)
        if after is not None:
            stmt = stmt.where(ReturnLine.seq > after)
    else:
        stmt = stmt.order_by(ReturnLine.id.desc())
        if after is not None:
            stmt = stmt.where(ReturnLine.id < after)
    if status:
        stmt = stmt.where(ReturnLine.status == status)
    return stmt


def _documents_of(
    session: Session, line_ids: list[int]
) -> dict[int, dict[str, tuple[bool | None, bool | None]]]:
    docs: dict[int, dict[str, tuple[bool | None, bool | None]]] = {}
    if line_ids:
        for line_id, kind, verdict in session.execute(
            select(DocumentCheck.line_id, DocumentCheck.kind, DocumentCheck.verdict).where(
                DocumentCheck.line_id.in_(line_ids)
            )
        ):
            docs.setdefault(line_id, {})[kind] = document_pair(verdict)
    return docs


def page_lines(
    db: Database,
    *,
    task_id: int | None = None,
    after: int | None = None,
    limit: int = 200,
    status: str | None = None,
    today: dt.date | None = None,
) -> list[LineRow]:
    """A page of lines: of one task by sequence, or of all tasks newest first, keyset-paged."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        dispatch = rules.get(RuleCode.dispatch)
        rows = session.execute(_lines_query(task_id, after, limit, status)).all()
        docs = _documents_of(session, [r.id for r in rows])
        return [
            LineRow(
                id=r.id,
                task_id=r.task_id,
                task_number=r.number,
                seq=r.seq,
                item_code=item_code(r.code, r.serial_no),
                model_code=r.code,
                model_name=r.name,
                serial_no=r.serial_no,
                fault_description=r.fault_description,
                status=r.status,
                decision=r.decision,
                reject_reason=r.reject_reason,
                documents=tuple(docs.get(r.id, {}).get(k, (None, None)) for k in DOCUMENT_KINDS),
                dispatch_deadline=no_deadline()
                if dispatch is None
                else evaluate(dispatch, r.accepted_on, r.dispatched_on, today, cal),
                version=r.version,
            )
            for r in rows
        ]


def line_history(db: Database, line_id: int) -> list[tuple[dt.datetime, str, str, str, str, str]]:
    """The audit events of one line, oldest first: (at, who, action, old, new, reason)."""
    from app.models.misc import AuditEvent

    with db.reading() as session:
        rows = session.execute(
            select(
                AuditEvent.at,
                AuditEvent.actor_name,
                AuditEvent.action,
                AuditEvent.old_value,
                AuditEvent.new_value,
                AuditEvent.reason,
            )
            .where(AuditEvent.entity == "return_line", AuditEvent.entity_id == line_id)
            .order_by(AuditEvent.id)
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


# --- tasks ---------------------------------------------------------------------------------


def create_task(
    db: Database,
    actor: Actor,
    user_unit: str,
    node_date: dt.date | None = None,
    kitting_deadline: dt.date | None = None,
    source: str = "",
    today: dt.date | None = None,
) -> TaskView:
    require(actor, Permission.create_task)
    if not user_unit.strip():
        raise DomainError("请填写交回产品的用户单位。")
    if node_date and kitting_deadline and kitting_deadline < node_date:
        raise DomainError("齐套时间节点不能早于任务节点日期。")
    with db.transaction() as session:
        task = new_task(session, actor, user_unit, node_date, kitting_deadline, source, today)
        return task_view(session, task)


def new_task(
    session: Session,
    actor: Actor,
    user_unit: str,
    node_date: dt.date | None,
    kitting_deadline: dt.date | None,
    source: str,
    today: dt.date | None = None,
) -> ReturnTask:
    unit = ensure_unit(session, actor, user_unit, UnitKind.user_unit)
    if unit.kind != UnitKind.user_unit:
        raise DomainError(f"“{unit.name}”不是用户单位。")
    year = (today or local_today()).year
    task = ReturnTask(
        number=issue_number(session, "FX", year),
        user_unit_id=unit.id,
        node_date=node_date,
        kitting_deadline=kitting_deadline,
        status=TaskStatus.open,
        source=source,
        created_by_id=actor.user_id,
    )
    session.add(task)
    session.flush()
    audit.record(session, actor, "return_task", task.id, "create", "", task.number, source)
    return task


# --- confirming the handover ---------------------------------------------------------------


def _lines_to_confirm(session: Session, actor: Actor, task: ReturnTask) -> list[ReturnLine]:
    """Every line decided, and the units the records go to set up: else a refusal."""
    lines = list(task.lines)
    if not lines:
        raise DomainError(f"任务 {task.number} 还没有登记任何产品。")
    undecided = [line.seq for line in lines if line.decision is None]
    if undecided:
        shown = "、".join(str(s) for s in undecided[:10])
        more = " 等" if len(undecided) > 10 else ""
        raise DomainError(f"第 {shown}{more} 行还没有标记接收或拒收，请逐件核对后再确认交接。")
    return lines


def _move_lines(session: Session, actor: Actor, lines: list[ReturnLine], today: dt.date) -> None:
    """Accepted lines start their dispatch clock; rejected ones are finished here."""
    for line in lines:
        step = "accept" if line.decision == Decision.accept else "reject"
        target = next_status(step, line.status)
        assert target is not None  # line_for_change kept every line registered
        old = line.status
        line.status = target
        if target == LineStatus.accepted:
            line.accepted_on = today
        audit.record(session, actor, "return_line", line.id, step, old, target, line.reject_reason)


def _notify_rejections(
    session: Session,
    actor: Actor,
    task: ReturnTask,
    rejected: list[ReturnLine],
    record: HandoverRecord,
    prime: Unit,
    today: dt.date,
) -> str:
    notice = issue_report(
        session,
        actor,
        prefix="JS",
        year=today.year,
        kind=ReportKind.rejection_notice,
        recipients=[prime],
        task_id=task.id,
        handover_record_id=record.id,
        title=f"拒收通知：{task.number} 中 {len(rejected)} 件产品被拒收",
        body="\n".join(
            f"{item_code(line.item.model.code, line.item.serial_no)}：{line.reject_reason}"
            for line in rejected
        ),
        lines=[(line.id, line.reject_reason) for line in rejected],
    )
    return notice.number


def confirm_handover(
    db: Database,
    actor: Actor,
    task_id: int,
    user_rep_name: str,
    clerk_name: str,
    anomalies: str = "",
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> ConfirmResult:
    """The handover with the user: accepted lines start their dispatch clock, rejections are
    reported to the prime unit (JS), and the handover record (JJ) is issued.

    `expected_version` is the task's version the clerk saw (the window always passes it): a
    count another desk changed since (a line added, a mark or a document changed) is refused
    with what it is now (`Conflict`), never confirmed unseen (issue 9)."""
    require(actor, Permission.confirm_handover)
    user_rep_name, clerk_name = user_rep_name.strip(), clerk_name.strip()
    if not user_rep_name or not clerk_name:
        raise DomainError("确认交接需要填写用户代表和物资交接员的姓名。")
    today = today or local_today()
    with db.transaction() as session:
        task = open_task(session, task_id, expected_version)
        lines = _lines_to_confirm(session, actor, task)
        materials = unit_of_kind(session, UnitKind.materials_dept, actor.unit_id)
        if materials is None:
            raise DomainError("尚未设置物资管理部门单位。")
        rejected = [line for line in lines if line.decision == Decision.reject]
        prime = unit_of_kind(session, UnitKind.prime_unit, actor.unit_id)
        if rejected and prime is None:
            raise DomainError("有拒收产品，但尚未设置总体单位，无法发出拒收通知。")
        # The lines move before the numbers are taken: a number's series waits for this commit.
        _move_lines(session, actor, lines, today)
        record = new_handover(
            session,
            actor,
            HandoverKind.user_to_materials,
            sender=session.get_one(Unit, task.user_unit_id),
            receiver=materials,
            sender_person=user_rep_name,
            receiver_person=clerk_name,
            today=today,
            lines=[(line, line.decision == Decision.accept, line.reject_reason) for line in lines],
            anomalies=anomalies,
        )
        notice_number = None
        if rejected:
            assert prime is not None
            notice_number = _notify_rejections(session, actor, task, rejected, record, prime, today)
        accepted = [line for line in lines if line.decision == Decision.accept]
        if accepted:
            # By default the lines of one task go back to the user together.
            new_kit_set(session, actor, task, accepted, task.kitting_deadline, today)
        old_status = task.status
        task.status = TaskStatus.closed if len(rejected) == len(lines) else TaskStatus.confirmed
        task.user_rep_name, task.clerk_name = user_rep_name, clerk_name
        task.confirmed_at = dt.datetime.now(dt.UTC)
        audit.record(
            session,
            actor,
            "return_task",
            task.id,
            "confirm",
            old_status,
            task.status,
            record.number,
        )
        return ConfirmResult(
            task.number, record.number, notice_number, len(lines) - len(rejected), len(rejected)
        )
