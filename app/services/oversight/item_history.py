"""An item's whole history across all its returns: every event, task and repair record."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.misc import AuditEvent
from app.models.products import Item, ProductModel, QualityCertificate
from app.models.repair import (
    RepairRecord,
)
from app.models.returns import ReturnLine, ReturnTask
from app.services.admin.masterdata import item_code
from app.services.handover.returns import ITEM_CODE_RE, normalize_code
from app.services.kernel.numbering import parse_number
from app.services.kernel.views import HistoryEvent, ItemHistory

NUMBER_IN_TEXT = re.compile(r"[A-Z]{2}-\d{4}-\d{6}")


def named_record(task_number: str, *texts: str) -> str:
    """The record an event names: a record number in its text (the unboxing record, the repair
    record, the kit set it joined), else the return task it belongs to; "" when none."""
    for text in texts:
        for found in NUMBER_IN_TEXT.findall(text or ""):
            if parse_number(found):
                return found
    return task_number


def find_items(db: Database, code: str) -> list[int]:
    """Item ids an item code or a bare serial names."""
    code = normalize_code(code)
    with db.reading() as session:
        m = ITEM_CODE_RE.match(code)
        stmt = select(Item.id).join(ProductModel, ProductModel.id == Item.model_id)
        if m:
            stmt = stmt.where(ProductModel.code == m["model"], Item.serial_no == m["serial"])
        else:
            stmt = stmt.where(Item.serial_no == code)
        return list(session.scalars(stmt))


def item_history(db: Database, code: str) -> ItemHistory:
    """Everything that happened to one item, across all its returns (traceability)."""
    ids = find_items(db, code)
    if not ids:
        raise NotFound(f"找不到产品 {code}。")
    if len(ids) > 1:
        raise DomainError(f"出厂编号 {code} 对应多个型号，请扫描产品标签（型号/编号）。")
    with db.reading() as session:
        item = session.get_one(Item, ids[0])
        lines = session.scalars(
            select(ReturnLine).where(ReturnLine.item_id == item.id).order_by(ReturnLine.id)
        ).all()
        task_of = {line.id: line.task.number for line in lines}
        events = session.execute(
            select(AuditEvent)
            .where(
                ((AuditEvent.entity == "return_line") & AuditEvent.entity_id.in_(list(task_of)))
                | ((AuditEvent.entity == "item") & (AuditEvent.entity_id == item.id))
            )
            .order_by(AuditEvent.id)
        ).scalars()
        history = []
        for e in events:
            task = task_of.get(e.entity_id, "") if e.entity == "return_line" else ""
            history.append(
                HistoryEvent(
                    e.at,
                    task,
                    e.actor_name,
                    e.action,
                    e.new_value,
                    e.reason,
                    named_record(task, e.new_value, e.reason),
                )
            )
        pages = session.scalars(
            select(RepairRecord.number)
            .join(QualityCertificate, QualityCertificate.id == RepairRecord.certificate_id)
            # A voided page is not in the certificate; its re-issue is (issue 9).
            .where(QualityCertificate.item_id == item.id, RepairRecord.voided.is_(False))
            .order_by(RepairRecord.id)
        )
        tasks = session.scalars(
            select(ReturnTask.number)
            .join(ReturnLine, ReturnLine.task_id == ReturnTask.id)
            .where(ReturnLine.item_id == item.id)
            .order_by(ReturnTask.id)
        )
        return ItemHistory(
            item_code(item.model.code, item.serial_no),
            item.model.name,
            tuple(tasks),
            tuple(pages),
            tuple(history),
        )
