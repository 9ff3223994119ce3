"""Items in: what a scanned code means on a task, and registering an item as a line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import READ_ONLY, Database
from app.errors import Conflict, DomainError, NotFound
from app.models.base import utcnow
from app.models.org import Permission, Unit
from app.models.products import Item, ProductModel
from app.models.returns import DocumentCheck, DocumentVerdict, ReturnLine, ReturnTask
from app.models.states import FINISHED, LineStatus
from app.services.admin.masterdata import find_item, item_code
from app.services.handover.lines import (
    DOCUMENT_KINDS,
    HELD,
    ITEM_CODE_RE,
    MIN_SERIAL_LENGTH,
    SERIAL_RE,
    check_serial,
    line_view,
    lines_loaded,
    normalize_code,
    normalize_serial,
    open_return_of,
    open_task,
    task_view,
    touch,
)
from app.services.kernel import audit
from app.services.kernel.context import Actor, require
from app.services.kernel.numbering import parse_number
from app.services.kernel.terms import line_status_label
from app.services.kernel.views import LineView, ScanResult
from app.services.records.registry import find_record_in


def add_line_to(
    session: Session,
    actor: Actor,
    task: ReturnTask,
    item: Item,
    fault_description: str = "",
    remark: str = "",
    *,
    new_item: bool = False,
) -> ReturnLine:
    """Register `item` on `task`. `new_item`: this transaction made the item, so no return can
    hold it yet and none is looked for (the index below still guards it)."""
    code = item_code(item.model.code, item.serial_no)
    busy = None if new_item else open_return_of(session, item.id)
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
        # In the line's own list, so its view reads them without asking the store again.
        documents=[
            DocumentCheck(kind=kind, verdict=DocumentVerdict.unchecked, note="")
            for kind in DOCUMENT_KINDS
        ],
    )
    session.add(line)
    item_id = item.id  # the session cannot be read once the flush failed
    try:
        session.flush()
    except IntegrityError as exc:
        # The SELECT above cannot see a line another desk is registering at this moment; the
        # database's one-open-return index does (issue 9). The step is refused whole.
        if not _one_open_return_refused(exc):
            raise
        where = _open_return_elsewhere(session, item_id) or "另一返厂任务"
        raise Conflict(f"该产品刚刚被其他工位登记到 {where} 中，本任务没有登记：{code}。") from exc
    touch(task)  # the task's count changed: a desk that saw the old one confirms nothing unseen
    audit.record(session, actor, "return_line", line.id, "register", "", f"{task.number} {code}")
    return line


def _one_open_return_refused(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    # PostgreSQL names the index; SQLite names the column alone (the task/item pair names two).
    return "uq_return_line_open_item" in text or "failed: return_line.item_id" in text


def _open_return_elsewhere(session: Session, item_id: int) -> str | None:
    """The number of the return that just won the item, read outside this failed transaction."""
    engine = session.get_bind().engine
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        return conn.execute(
            select(ReturnTask.number)
            .join(ReturnLine, ReturnLine.task_id == ReturnTask.id)
            .where(ReturnLine.item_id == item_id, ReturnLine.status.not_in(sorted(FINISHED)))
        ).scalar()


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
    check_serial(serial_no)
    with db.transaction() as session:
        task = open_task(session, task_id)
        model = session.scalar(select(ProductModel).where(ProductModel.code == model_code))
        if model is None:
            raise NotFound(f"型号 {model_code} 不在产品型号主数据中，请先添加该型号。")
        item = find_item(session, model.id, serial_no)
        made = item is None
        if item is None:
            item, made = _new_item(session, actor, model, serial_no)
        line = add_line_to(session, actor, task, item, fault_description, new_item=made)
        return line_view(session, line, db)


def _new_item(
    session: Session, actor: Actor, model: ProductModel, serial: str
) -> tuple[Item, bool]:
    """The item, made now unless another desk made it at this moment (its transaction waited
    for by the database): then it is theirs, read back, and the scan goes on with it. Says
    whether this transaction made it."""
    values = {"model_id": model.id, "serial_no": serial, "created_at": utcnow()}
    keys = ["model_id", "serial_no"]
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(Item)
    else:  # SQLite: one writer at a time, the check above already saw any other desk's item
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(Item)
    # The row made comes back whole: nothing is read again.
    made = session.scalars(
        stmt.values(values).on_conflict_do_nothing(index_elements=keys).returning(Item)
    ).first()
    if made is not None:
        audit.record(session, actor, "item", made.id, "create", "", item_code(model.code, serial))
        return made, True
    theirs = session.scalars(
        select(Item).where(Item.model_id == model.id, Item.serial_no == serial)
    ).one()
    return theirs, False


def scan(db: Database, actor: Actor, task_id: int, raw: str) -> ScanResult:
    """What a scanned code means on this task: a record, a line already on it, a line just
    added, or a serial whose model the clerk must name (`needs_model`)."""
    require(actor, Permission.create_task)
    code = normalize_code(raw)
    if not code:
        raise DomainError("扫描内容为空。")
    with db.transaction() as session:
        if parse_number(code):
            if find_record_in(session, code) is None:
                raise NotFound(f"记录编号 {code} 不存在。")
            return ScanResult("record", code, f"记录 {code}", record_number=code)
        # Read first: a scan of a line already counted changes nothing and takes no lock (on
        # PostgreSQL a row lock is a write whose commit waits for the disk: issue 10).
        task = open_task(session, task_id, lock=False)
        m = ITEM_CODE_RE.match(code)
        if m:
            found = _item_by_code(session, db, task, code, m["model"], m["serial"])
        else:
            found = _item_by_serial(session, db, task, code)
        if isinstance(found, ScanResult):
            return found
        # A line to add: the task is locked for it and read again as it now stands; the item
        # is made (when new) only under the lock, as before.
        task = open_task(session, task_id)
        model, serial, item = found
        made = False
        if item is None:
            item, made = _new_item(session, actor, model, serial)
        return _register_scanned(session, db, actor, task, code, item, made)


Found = tuple[ProductModel, str, Item | None]  # the model, the serial, the item if known


def _item_by_code(
    session: Session, db: Database, task: ReturnTask, code: str, model_code: str, serial: str
) -> Found | ScanResult:
    """An item code (型号/编号): its line on this task, else its model and item (None: new)."""
    # The maker comes along; both are kept alive with the session, so the item's model and
    # the line's maker are found there, not read again.
    row = session.execute(
        select(ProductModel, Unit)
        .outerjoin(Unit, Unit.id == ProductModel.manufacturer_unit_id)
        .where(ProductModel.code == model_code)
    ).first()
    model = row[0] if row else None
    if row is not None:
        session.info.setdefault(HELD, []).extend(x for x in row if x is not None)
    if model is None:
        return ScanResult(
            "needs_model",
            code,
            f"型号 {model_code} 不在主数据中，请确认型号。",
            serial_no=serial,
            model_code=model_code,
        )
    item = find_item(session, model.id, serial)
    if item is None:
        check_serial(serial)
        return model, serial, None
    counted = lines_loaded(session, ReturnLine.task_id == task.id, ReturnLine.item_id == item.id)
    if counted:
        return _already(session, db, code, counted[0])
    return model, serial, item


def _item_by_serial(
    session: Session, db: Database, task: ReturnTask, code: str
) -> Found | ScanResult:
    """A bare serial: the line on this task, the one item known by it, or a question."""
    if "/" in code or not SERIAL_RE.match(code) or len(code) < MIN_SERIAL_LENGTH:
        raise DomainError(
            f"无法识别“{code}”：它既不是出厂编号、产品编码（型号/编号），也不是记录编号。"
        )
    check_serial(code)
    on_task = lines_loaded(session, ReturnLine.task_id == task.id, Item.serial_no == code)
    if len(on_task) == 1:
        return _already(session, db, code, on_task[0])
    candidates = list(session.scalars(select(Item).where(Item.serial_no == code)))
    if len(candidates) != 1:
        why = "对应多个型号" if candidates else "是新产品"
        return ScanResult(
            "needs_model", code, f"出厂编号 {code} {why}，请选择型号。", serial_no=code
        )
    return candidates[0].model, code, candidates[0]


def _already(session: Session, db: Database, code: str, line: ReturnLine) -> ScanResult:
    """A second scan of an item on this task: said as such, never as a fresh success."""
    full = item_code(line.item.model.code, line.item.serial_no)
    return ScanResult(
        "line",
        code,
        f"{full} 已在本任务第 {line.seq} 行，未重复登记。",
        line=line_view(session, line, db),
    )


def _register_scanned(
    session: Session,
    db: Database,
    actor: Actor,
    task: ReturnTask,
    code: str,
    item: Item,
    made: bool,
) -> ScanResult:
    """`made`: this scan made the item, so it is on no task yet. A known item is looked for
    on the task again under the task's lock: another desk may have just counted it."""
    if not made:
        existing = lines_loaded(
            session, ReturnLine.task_id == task.id, ReturnLine.item_id == item.id
        )
        if existing:
            return _already(session, db, code, existing[0])
    line = add_line_to(session, actor, task, item, new_item=made)
    full = item_code(item.model.code, item.serial_no)
    return ScanResult(
        "added",
        code,
        f"已登记第 {line.seq} 行：{full}",
        line=line_view(session, line, db),
        task=task_view(session, task),
    )
