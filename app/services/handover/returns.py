"""The handover desk: return tasks, scanning items in, document checks, confirming the handover."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, WrongState
from app.models.org import Permission, Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.records import (
    HandoverKind,
    HandoverRecord,
    Report,
    ReportKind,
)
from app.models.returns import DocumentCheck, DocumentKind, ReturnLine, ReturnTask
from app.models.states import FINISHED, Decision, LineStatus, TaskStatus, next_status
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar, evaluate
from app.services.admin.masterdata import ensure_unit, find_item, item_code
from app.services.kernel import audit
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import unit_of_kind
from app.services.kernel.numbering import issue_number, parse_number
from app.services.kernel.terms import document_label, line_status_label
from app.services.kernel.views import (
    ConfirmResult,
    DocumentView,
    LineRow,
    LineView,
    ScanResult,
    TaskSummary,
    TaskView,
)
from app.services.records.registry import find_record_in, issue_report, new_handover
from app.services.way_back.kitting import new_kit_set

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


# --- reading -------------------------------------------------------------------------------


def _dispatch_deadline(
    line: ReturnLine, cal: WorkCalendar, rules: dict[str, Rule], today: dt.date
) -> Deadline:
    rule = rules.get(RuleCode.dispatch)
    if rule is None:
        return Deadline(RuleCode.dispatch, None, None, DeadlineState.not_started, None, False)
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
            DocumentView(k, docs[k].present, docs[k].consistent, docs[k].note)
            if k in docs
            else DocumentView(k, None, None, "")
            for k in DOCUMENT_KINDS
        ),
        dispatch_deadline=_dispatch_deadline(line, cal, rules, today or local_today()),
        manufacturer=maker.name if maker else "",
        version=line.version,
    )


def get_line(db: Database, line_id: int) -> LineView:
    with db.reading() as session:
        line = session.get(ReturnLine, line_id)
        if line is None:
            raise NotFound("找不到这条返修产品记录。")
        return line_view(session, line, db)


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
        rows = session.execute(stmt).all()
        docs: dict[int, dict[str, tuple[bool | None, bool | None]]] = {}
        if rows:
            for line_id, kind, present, consistent in session.execute(
                select(
                    DocumentCheck.line_id,
                    DocumentCheck.kind,
                    DocumentCheck.present,
                    DocumentCheck.consistent,
                ).where(DocumentCheck.line_id.in_([r[0] for r in rows]))
            ):
                docs.setdefault(line_id, {})[kind] = (present, consistent)
        result = []
        for r in rows:
            if dispatch is None:
                deadline = Deadline(
                    RuleCode.dispatch, None, None, DeadlineState.not_started, None, False
                )
            else:
                deadline = evaluate(dispatch, r.accepted_on, r.dispatched_on, today, cal)
            line_docs = docs.get(r.id, {})
            result.append(
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
                    documents=tuple(line_docs.get(k, (None, None)) for k in DOCUMENT_KINDS),
                    dispatch_deadline=deadline,
                )
            )
        return result


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


# --- changing -------------------------------------------------------------------------------


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


def _open_task(session: Session, task_id: int) -> ReturnTask:
    task = session.get(ReturnTask, task_id, with_for_update=True)
    if task is None:
        raise NotFound("找不到这个返厂交接任务。")
    if task.status != TaskStatus.open:
        raise WrongState(f"任务 {task.number} 已确认交接，不能再修改清点内容。")
    return task


def _line_for_change(session: Session, line_id: int) -> ReturnLine:
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


def open_return_of(session: Session, item_id: int) -> ReturnLine | None:
    """The line of an unfinished return this item is on, if any."""
    return session.scalar(
        select(ReturnLine).where(
            ReturnLine.item_id == item_id, ReturnLine.status.not_in(sorted(FINISHED))
        )
    )


def add_line_to(
    session: Session,
    actor: Actor,
    task: ReturnTask,
    item: Item,
    fault_description: str = "",
    remark: str = "",
) -> ReturnLine:
    code = item_code(item.model.code, item.serial_no)
    busy = open_return_of(session, item.id)
    if busy is not None:
        if busy.task_id == task.id:
            raise DomainError(f"{code} 已在本任务第 {busy.seq} 行，同一产品不能登记两次。")
        raise DomainError(
            f"{code} 已在返厂任务 {busy.task.number} 中"
            f"（{line_status_label(busy.status)}），不能重复登记。"
        )
    seq = (
        session.scalar(select(func.max(ReturnLine.seq)).where(ReturnLine.task_id == task.id)) or 0
    ) + 1
    line = ReturnLine(
        task=task,
        item=item,
        seq=seq,
        fault_description=fault_description.strip(),
        remark=remark.strip(),
        status=LineStatus.registered,
    )
    session.add(line)
    session.flush()
    for kind in DOCUMENT_KINDS:
        session.add(DocumentCheck(line_id=line.id, kind=kind))
    audit.record(session, actor, "return_line", line.id, "register", "", f"{task.number} {code}")
    return line


def add_line(
    db: Database,
    actor: Actor,
    task_id: int,
    model_code: str,
    serial_no: str,
    fault_description: str = "",
) -> LineView:
    """Register an item on a task; an item not seen before is created under its model."""
    require(actor, Permission.create_task)
    serial_no = normalize_serial(serial_no)
    model_code = normalize_code(model_code)
    _check_serial(serial_no)
    with db.transaction() as session:
        task = _open_task(session, task_id)
        model = session.scalar(select(ProductModel).where(ProductModel.code == model_code))
        if model is None:
            raise NotFound(f"型号 {model_code} 不在产品型号主数据中，请先添加该型号。")
        item = find_item(session, model.id, serial_no)
        if item is None:
            item = Item(model_id=model.id, serial_no=serial_no)
            session.add(item)
            session.flush()
            audit.record(
                session, actor, "item", item.id, "create", "", item_code(model.code, serial_no)
            )
        line = add_line_to(session, actor, task, item, fault_description)
        return line_view(session, line, db)


def _check_serial(serial: str) -> None:
    if (
        len(serial) < MIN_SERIAL_LENGTH
        or len(serial) > MAX_CODE_LENGTH
        or not SERIAL_RE.match(serial)
    ):
        raise DomainError(
            f"“{serial}”不是有效的出厂编号（应为 {MIN_SERIAL_LENGTH}–{MAX_CODE_LENGTH} 位字母、数字或 - _ . #）。"
        )


def scan(db: Database, actor: Actor, task_id: int, raw: str) -> ScanResult:
    """What a scanned code means on this task: select its line, add it, or ask for the model."""
    require(actor, Permission.create_task)
    code = normalize_code(raw)
    if not code:
        raise DomainError("扫描内容为空。")
    with db.transaction() as session:
        if parse_number(code):
            ref = find_record_in(session, code)
            if ref is None:
                raise NotFound(f"记录编号 {code} 不存在。")
            return ScanResult("record", code, f"记录 {code}", record_number=code)
        task = _open_task(session, task_id)
        m = ITEM_CODE_RE.match(code)
        if m:
            model = session.scalar(select(ProductModel).where(ProductModel.code == m["model"]))
            serial = m["serial"]
            if model is None:
                return ScanResult(
                    "needs_model",
                    code,
                    f"型号 {m['model']} 不在主数据中，请确认型号。",
                    serial_no=serial,
                    model_code=m["model"],
                )
            item = find_item(session, model.id, serial)
            candidates = [item] if item else []
            if not candidates:
                _check_serial(serial)
                item = Item(model_id=model.id, serial_no=serial)
                session.add(item)
                session.flush()
                audit.record(session, actor, "item", item.id, "create", "", code)
                candidates = [item]
        else:
            if "/" in code or not SERIAL_RE.match(code) or len(code) < MIN_SERIAL_LENGTH:
                raise DomainError(
                    f"无法识别“{code}”：它既不是出厂编号、产品编码（型号/编号），也不是记录编号。"
                )
            _check_serial(code)
            serial = code
            on_task = session.scalars(
                select(ReturnLine)
                .join(Item, Item.id == ReturnLine.item_id)
                .where(ReturnLine.task_id == task.id, Item.serial_no == serial)
            ).all()
            if len(on_task) == 1:
                line = on_task[0]
                return ScanResult(
                    "line",
                    code,
                    f"第 {line.seq} 行：{line.item.model.code} {serial}",
                    line=line_view(session, line, db),
                )
            candidates = list(session.scalars(select(Item).where(Item.serial_no == serial)))
            if len(candidates) != 1:
                why = "对应多个型号" if candidates else "是新产品"
                return ScanResult(
                    "needs_model", code, f"出厂编号 {serial} {why}，请选择型号。", serial_no=serial
                )
        item = candidates[0]
        existing = session.scalar(
            select(ReturnLine).where(ReturnLine.task_id == task.id, ReturnLine.item_id == item.id)
        )
        full = item_code(item.model.code, item.serial_no)
        if existing is not None:
            return ScanResult(
                "line", code, f"第 {existing.seq} 行：{full}", line=line_view(session, existing, db)
            )
        line = add_line_to(session, actor, task, item)
        return ScanResult(
            "added", code, f"已登记第 {line.seq} 行：{full}", line=line_view(session, line, db)
        )


def set_document(
    db: Database,
    actor: Actor,
    line_id: int,
    kind: DocumentKind,
    present: bool | None,
    consistent: bool | None,
    note: str | None = None,
) -> LineView:
    require(actor, Permission.check_documents)
    if present is False and consistent:
        raise DomainError(f"{document_label(kind)}缺失时不能判定为文物一致。")
    with db.transaction() as session:
        line = _line_for_change(session, line_id)
        doc = session.scalar(
            select(DocumentCheck).where(
                DocumentCheck.line_id == line.id, DocumentCheck.kind == kind
            )
        )
        assert doc is not None
        old = f"{doc.present}/{doc.consistent}"
        doc.present, doc.consistent = present, consistent
        if note is not None:
            doc.note = note
        # A decision to accept no longer holds once a document is found wanting.
        if line.decision == Decision.accept and not (present and consistent):
            line.decision = None
        audit.record(
            session,
            actor,
            "return_line",
            line.id,
            f"document_{kind}",
            old,
            f"{present}/{consistent}",
            note or "",
        )
        session.flush()
        return line_view(session, line, db)


def set_fault_description(db: Database, actor: Actor, line_id: int, text: str) -> LineView:
    require(actor, Permission.check_documents)
    with db.transaction() as session:
        line = _line_for_change(session, line_id)
        old = line.fault_description
        line.fault_description = text.strip()
        audit.record(
            session, actor, "return_line", line.id, "fault_description", old, line.fault_description
        )
        session.flush()
        return line_view(session, line, db)


def decide_line(
    db: Database, actor: Actor, line_id: int, decision: Decision | None, reason: str = ""
) -> LineView:
    """Mark a counted line to accept (documents complete) or to reject (with a reason)."""
    require(actor, Permission.decide_line)
    reason = reason.strip()
    with db.transaction() as session:
        line = _line_for_change(session, line_id)
        code = item_code(line.item.model.code, line.item.serial_no)
        if decision == Decision.accept:
            missing = [
                document_label(d.kind) for d in line.documents if not (d.present and d.consistent)
            ]
            if missing:
                raise DomainError(
                    f"{code} 的{'、'.join(missing)}未核对为齐全且文物一致，不能接收；"
                    "文件缺失或文物不一致的产品应拒收。"
                )
        if decision == Decision.reject and not reason:
            raise DomainError("拒收必须填写原因。")
        old = f"{line.decision or ''} {line.reject_reason}".strip()
        line.decision = decision
        line.reject_reason = reason if decision == Decision.reject else ""
        audit.record(
            session,
            actor,
            "return_line",
            line.id,
            "decide",
            old,
            decision or "",
            line.reject_reason,
        )
        session.flush()
        return line_view(session, line, db)


def confirm_handover(
    db: Database,
    actor: Actor,
    task_id: int,
    user_rep_name: str,
    clerk_name: str,
    anomalies: str = "",
    today: dt.date | None = None,
) -> ConfirmResult:
    """The handover with the user: accepted lines start their dispatch clock, rejections are reported."""
    require(actor, Permission.confirm_handover)
    user_rep_name, clerk_name = user_rep_name.strip(), clerk_name.strip()
    if not user_rep_name or not clerk_name:
        raise DomainError("确认交接需要填写用户代表和物资交接员的姓名。")
    today = today or local_today()
    with db.transaction() as session:
        task = _open_task(session, task_id)
        lines = list(task.lines)
        if not lines:
            raise DomainError(f"任务 {task.number} 还没有登记任何产品。")
        undecided = [line.seq for line in lines if line.decision is None]
        if undecided:
            shown = "、".join(str(s) for s in undecided[:10])
            more = " 等" if len(undecided) > 10 else ""
            raise DomainError(f"第 {shown}{more} 行还没有标记接收或拒收，请逐件核对后再确认交接。")
        materials = unit_of_kind(session, UnitKind.materials_dept, actor.unit_id)
        if materials is None:
            raise DomainError("尚未设置物资管理部门单位。")
        rejected = [line for line in lines if line.decision == Decision.reject]
        prime = unit_of_kind(session, UnitKind.prime_unit, actor.unit_id)
        if rejected and prime is None:
            raise DomainError("有拒收产品，但尚未设置总体单位，无法发出拒收通知。")
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
        for line in lines:
            step = "accept" if line.decision == Decision.accept else "reject"
            target = next_status(step, line.status)
            assert target is not None  # _line_for_change kept every line registered
            old = line.status
            line.status = target
            if target == LineStatus.accepted:
                line.accepted_on = today
            audit.record(
                session, actor, "return_line", line.id, step, old, target, line.reject_reason
            )
        notice_number = None
        if rejected:
            assert prime is not None
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
            notice_number = notice.number
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
