"""Admin-editable code lists (fault modes, cause categories) and acceptance checklists per model."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Permission
from app.models.products import ChecklistItem, ProductModel
from app.models.repair import CodeListEntry
from app.services.kernel import audit
from app.services.kernel.context import Actor, require

FAULT_MODE = "fault_mode"
CAUSE_CATEGORY = "cause_category"
DEFAULTS = {
    FAULT_MODE: ("功能失效", "性能超差", "间歇故障", "外观/结构损伤", "接口/连接故障", "软件故障"),
    CAUSE_CATEGORY: ("设计", "工艺", "元器件", "原材料", "使用维护", "运输贮存", "外协外购"),
}


@dataclass(frozen=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True)
class ChecklistPoint:
    id: int
    position: int
    text: str


def seed_code_lists(session: Session) -> None:
    for list_name, labels in DEFAULTS.items():
        have = session.scalar(
            select(func.count())
            .select_from(CodeListEntry)
            .where(CodeListEntry.list_name == list_name)
        )
        if have:
            continue
        for i, label in enumerate(labels, start=1):
            session.add(
                CodeListEntry(list_name=list_name, code=f"{i:02d}", label=label, position=i)
            )


def list_codes(db: Database, list_name: str) -> list[Code]:
    with db.reading() as session:
        return [
            Code(e.code, e.label)
            for e in session.scalars(
                select(CodeListEntry)
                .where(CodeListEntry.list_name == list_name, CodeListEntry.active)
                .order_by(CodeListEntry.position, CodeListEntry.code)
            )
        ]


def check_code(session: Session, list_name: str, label: str, what: str) -> str:
    """The label, if it is an active entry of the list; a clear refusal otherwise."""
    label = label.strip()
    found = session.scalar(
        select(CodeListEntry).where(
            CodeListEntry.list_name == list_name,
            CodeListEntry.label == label,
            CodeListEntry.active,
        )
    )
    if found is None:
        raise DomainError(f"“{label}”不在{what}列表中，请从列表中选择（管理员可维护列表）。")
    return label


def add_code(db: Database, actor: Actor, list_name: str, label: str) -> Code:
    require(actor, Permission.manage_master_data)
    if list_name not in DEFAULTS or not label.strip():
        raise DomainError("代码表或名称无效。")
    with db.transaction() as session:
        n = (
            session.scalar(
                select(func.count())
                .select_from(CodeListEntry)
                .where(CodeListEntry.list_name == list_name)
            )
            or 0
        )
        entry = CodeListEntry(
            list_name=list_name, code=f"{n + 1:02d}", label=label.strip(), position=n + 1
        )
        session.add(entry)
        session.flush()
        audit.record(session, actor, "code_list_entry", entry.id, "create", "", label)
        return Code(entry.code, entry.label)


def checklist(session: Session, model_id: int) -> list[ChecklistItem]:
    return list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.model_id == model_id, ChecklistItem.active)
            .order_by(ChecklistItem.position)
        )
    )


def get_checklist(db: Database, model_code: str) -> list[ChecklistPoint]:
    with db.reading() as session:
        model = session.scalar(select(ProductModel).where(ProductModel.code == model_code))
        if model is None:
            raise NotFound(f"型号 {model_code} 不存在。")
        return [ChecklistPoint(c.id, c.position, c.text) for c in checklist(session, model.id)]


def set_checklist(db: Database, actor: Actor, model_code: str, points: list[str]) -> None:
    """Replace a model's acceptance checklist; past inspections keep the points they used."""
    require(actor, Permission.manage_master_data)
    points = [p.strip() for p in points if p.strip()]
    with db.transaction() as session:
        model = session.scalar(select(ProductModel).where(ProductModel.code == model_code))
        if model is None:
            raise NotFound(f"型号 {model_code} 不存在。")
        old = [c.text for c in checklist(session, model.id)]
        from app.models.repair import AcceptanceResult

        used = session.scalar(
            select(func.count())
            .select_from(AcceptanceResult)
            .join(ChecklistItem, ChecklistItem.id == AcceptanceResult.checklist_item_id)
            .where(ChecklistItem.model_id == model.id)
        )
        if used:
            # Keep the points past inspections refer to; the new ones follow them.
            base = (
                session.scalar(
                    select(func.max(ChecklistItem.position)).where(
                        ChecklistItem.model_id == model.id
                    )
                )
                or 0
            )
            for point in checklist(session, model.id):
                point.active = False
        else:
            session.execute(delete(ChecklistItem).where(ChecklistItem.model_id == model.id))
            base = 0
        for i, text in enumerate(points, start=base + 1):
            session.add(ChecklistItem(model_id=model.id, position=i, text=text))
        audit.record(
            session,
            actor,
            "product_model",
            model.id,
            "set_checklist",
            " | ".join(old),
            " | ".join(points),
        )
