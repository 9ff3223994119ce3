"""Item labels (产品标签): the item code travels with the part as a barcode.

The window prints the labels of the items a clerk selected (`render_line_labels`, by line id, from
any tasks); the command line prints a whole task's (`render_task_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Unit
from app.models.products import Item
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import LABELLED
from app.printing.documents import ItemLabel
from app.printing.on_demand import render_labels
from app.services.admin.masterdata import item_code
from app.services.kernel.terms import line_status_label

SIZES = ("60x40", "a4")
# A clerk selects a screenful, not a store: one print job stays a sensible size.
MAX_LABELS = 500


def _label(session: Session, line: ReturnLine, makers: dict[int, str]) -> ItemLabel:
    model = line.item.model
    maker_id = line.manufacturer_unit_id or model.manufacturer_unit_id
    if maker_id and maker_id not in makers:
        unit = session.get(Unit, maker_id)
        makers[maker_id] = unit.name if unit else ""
    return ItemLabel(
        item_code=item_code(model.code, line.item.serial_no),
        model_code=model.code,
        model_name=model.name,
        serial_no=line.item.serial_no,
        task_number=line.task.number,
        fault_short=line.fault_description,
        manufacturer=makers.get(maker_id, "") if maker_id else "",
    )


def task_labels(db: Database, task_number: str) -> list[ItemLabel]:
    """The labels of a task's received items, in the order they were registered."""
    with db.reading() as session:
        task = session.scalar(
            select(ReturnTask).where(ReturnTask.number == task_number.strip().upper())
        )
        if task is None:
            raise NotFound(f"找不到返厂交接任务 {task_number}。")
        lines = session.scalars(
            select(ReturnLine)
            .where(ReturnLine.task_id == task.id, ReturnLine.status.in_(sorted(LABELLED)))
            .order_by(ReturnLine.seq)
            .options(
                joinedload(ReturnLine.task),
                joinedload(ReturnLine.item).joinedload(Item.model),
            )
        ).all()
        makers: dict[int, str] = {}
        return [_label(session, line, makers) for line in lines]


def line_labels(db: Database, line_ids: Sequence[int]) -> list[ItemLabel]:
    """The labels of exactly these lines, in the order given (the order of the clerk's list).

    A line not received at a handover (registered, rejected) has no label: refused by name."""
    ids = list(dict.fromkeys(line_ids))
    if not ids:
        raise DomainError("请先选择要打印标签的产品。")
    if len(ids) > MAX_LABELS:
        raise DomainError(f"一次最多打印 {MAX_LABELS} 张标签，请分批选择。")
    with db.reading() as session:
        found = {
            line.id: line
            for line in session.scalars(
                select(ReturnLine)
                .where(ReturnLine.id.in_(ids))
                .options(
                    joinedload(ReturnLine.task),
                    joinedload(ReturnLine.item).joinedload(Item.model),
                )
            )
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound("找不到选中的产品，可能已被删除：请刷新后重新选择。")
        unlabelled = [found[i] for i in ids if found[i].status not in LABELLED]
        if unlabelled:
            line = unlabelled[0]
            raise DomainError(
                f"{item_code(line.item.model.code, line.item.serial_no)} "
                f"当前状态为“{line_status_label(line.status)}”，未接收的产品没有标签。"
            )
        makers: dict[int, str] = {}
        return [_label(session, found[i], makers) for i in ids]


def _check_size(size: str) -> None:
    if size not in SIZES:
        raise DomainError(f"标签尺寸应为 {' 或 '.join(SIZES)}。")


def render_task_labels(db: Database, task_number: str, size: str = "60x40") -> bytes:
    _check_size(size)
    labels = task_labels(db, task_number)
    if not labels:
        raise DomainError(f"任务 {task_number} 还没有已接收的产品，没有可打印的标签。")
    return render_labels(labels, size)


def render_line_labels(db: Database, line_ids: Sequence[int], size: str = "60x40") -> bytes:
    """The PDF of the labels of the selected items (one or several, from any tasks)."""
    _check_size(size)
    return render_labels(line_labels(db, line_ids), size)
