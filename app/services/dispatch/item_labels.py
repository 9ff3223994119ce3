"""Item labels for a task's accepted items: the item code travels with the part as a barcode."""

from __future__ import annotations

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Unit
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import LineStatus
from app.printing.documents import ItemLabel
from app.printing.labels import render_labels
from app.services.admin.masterdata import item_code

SIZES = ("60x40", "a4")
# Items that have been received and are still somewhere on their way.
LABELLED = [s.value for s in LineStatus if s not in (LineStatus.registered, LineStatus.rejected)]


def task_labels(db: Database, task_number: str) -> list[ItemLabel]:
    with db.reading() as session:
        task = session.scalar(
            select(ReturnTask).where(ReturnTask.number == task_number.strip().upper())
        )
        if task is None:
            raise NotFound(f"找不到返厂交接任务 {task_number}。")
        lines = session.scalars(
            select(ReturnLine)
            .where(ReturnLine.task_id == task.id, ReturnLine.status.in_(LABELLED))
            .order_by(ReturnLine.seq)
        ).all()
        labels = []
        for line in lines:
            model = line.item.model
            maker_id = line.manufacturer_unit_id or model.manufacturer_unit_id
            maker = session.get(Unit, maker_id) if maker_id else None
            labels.append(
                ItemLabel(
                    item_code=item_code(model.code, line.item.serial_no),
                    model_code=model.code,
                    model_name=model.name,
                    serial_no=line.item.serial_no,
                    task_number=task.number,
                    fault_short=line.fault_description,
                    manufacturer=maker.name if maker else "",
                )
            )
        return labels


def render_task_labels(db: Database, task_number: str, size: str = "60x40") -> bytes:
    if size not in SIZES:
        raise DomainError(f"标签尺寸应为 {' 或 '.join(SIZES)}。")
    labels = task_labels(db, task_number)
    if not labels:
        raise DomainError(f"任务 {task_number} 还没有已接收的产品，没有可打印的标签。")
    return render_labels(labels, size)
