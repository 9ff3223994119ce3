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
REJECT_REASON = "reject_reason"
DEFAULTS = {
    FAULT_MODE: ("功能失效", "性能超差", "间歇故障", "外观/结构损伤", "接口/连接故障", "软件故障"),
    CAUSE_CATEGORY: ("设计", "工艺", "元器件", "原材料", "使用维护", "运输贮存", "外协外购"),
    REJECT_REASON: (
        "产品证明文件缺失",
        "故障单缺失",
        "装箱清单缺失",
        "文物不一致（型号或出厂编号与文件不符）",
        "外观破损，与故障单描述不符",
    ),
}
# Retired checklist points wait past the numbered order (app/services/admin/checklists.py).
RETIRED_BASE = 100_000
# Each list's name in the window, in the order the admin's page shows them.
LIST_NAMES = {FAULT_MODE: "故障模式", CAUSE_CATEGORY: "原因类别", REJECT_REASON: "拒收原因"}


@dataclass(frozen=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True)
class CodeRow:
    """One entry as the admin's page shows it, retired ones included."""

    id: int
    list_name: str
    code: str
    label: str
    position: int
    active: bool


@dataclass(frozen=True)
class ChecklistPoint:
    id: int
    position: int
    text: str
    criterion: str = ""
    measured: bool = False


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


def _entry_row(e: CodeListEntry) -> CodeRow:
    return CodeRow(e.id, e.list_name, e.code, e.label, e.position, e.active)


def list_entries(db: Database, list_name: str) -> list[CodeRow]:
    """Every entry of a list in its order, retired ones too (they show greyed on the page)."""
    with db.reading() as session:
        return [
            _entry_row(e)
            for e in session.scalars(
                select(CodeListEntry)
                .where(CodeListEntry.list_name == list_name)
                .order_by(CodeListEntry.position, CodeListEntry.code)
            )
        ]


def _clean_label(session: Session, list_name: str, label: str, entry_id: int = 0) -> str:
    label = " ".join(label.split())
    if not label:
        raise DomainError("请填写名称。")
    if len(label) > 100:
        raise DomainError("名称太长（最多 100 个字）。")
    twin = session.scalar(
        select(CodeListEntry).where(
            CodeListEntry.list_name == list_name,
            CodeListEntry.label == label,
            CodeListEntry.id != entry_id,
        )
    )
    if twin is not None:
        state = "" if twin.active else "（已停用，可重新启用）"
        raise DomainError(f"{LIST_NAMES[list_name]}中已有“{label}”{state}。")
    return label


def add_code(db: Database, actor: Actor, list_name: str, label: str) -> CodeRow:
    require(actor, Permission.manage_master_data)
    if list_name not in DEFAULTS:
        raise DomainError("没有这个代码表。")
    with db.transaction() as session:
        label = _clean_label(session, list_name, label)
        n = (
            session.scalar(
                select(func.max(CodeListEntry.position)).where(CodeListEntry.list_name == list_name)
            )
            or 0
        )
        count = (
            session.scalar(
                select(func.count())
                .select_from(CodeListEntry)
                .where(CodeListEntry.list_name == list_name)
            )
            or 0
        )
        entry = CodeListEntry(
            list_name=list_name, code=f"{count + 1:02d}", label=label, position=n + 1
        )
        session.add(entry)
        session.flush()
        audit.record(session, actor, "code_list_entry", entry.id, "create", "", label)
        return _entry_row(entry)


def _entry(session: Session, entry_id: int) -> CodeListEntry:
    entry = session.get(CodeListEntry, entry_id)
    if entry is None:
        raise NotFound("该条目不存在（可能已被他人修改），请刷新。")
    return entry


def rename_code(db: Database, actor: Actor, entry_id: int, label: str) -> CodeRow:
    """A new wording; records already written keep the words they were written with."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        entry = _entry(session, entry_id)
        label = _clean_label(session, entry.list_name, label, entry.id)
        if label != entry.label:
            audit.record(session, actor, "code_list_entry", entry.id, "rename", entry.label, label)
            entry.label = label
        return _entry_row(entry)


def set_code_active(db: Database, actor: Actor, entry_id: int, active: bool) -> CodeRow:
    """Retire an entry (no longer offered, kept for the records that name it) or restore it."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        entry = _entry(session, entry_id)
        if entry.active != active:
            if not active:
                left = session.scalar(
                    select(func.count())
                    .select_from(CodeListEntry)
                    .where(CodeListEntry.list_name == entry.list_name, CodeListEntry.active)
                )
                if (left or 0) <= 1:
                    raise DomainError(f"{LIST_NAMES[entry.list_name]}至少要保留一项在用。")
            entry.active = active
            action = "restore" if active else "retire"
            audit.record(session, actor, "code_list_entry", entry.id, action, entry.label)
        return _entry_row(entry)


def move_code(db: Database, actor: Actor, entry_id: int, step: int) -> CodeRow:
    """Up (-1) or down (+1) one place in the order the lists offer."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        entry = _entry(session, entry_id)
        order = list(
            session.scalars(
                select(CodeListEntry)
                .where(CodeListEntry.list_name == entry.list_name)
                .order_by(CodeListEntry.position, CodeListEntry.code)
            )
        )
        at = order.index(entry)
        to = at + step
        if step and 0 <= to < len(order):
            order.insert(to, order.pop(at))
            for i, e in enumerate(order, start=1):
                e.position = i
            audit.record(session, actor, "code_list_entry", entry.id, "move", at + 1, to + 1)
        return _entry_row(entry)


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
        return [point(c) for c in checklist(session, model.id)]


def point(c: ChecklistItem) -> ChecklistPoint:
    return ChecklistPoint(c.id, c.position, c.text, c.criterion, c.measured)


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
            # Keep the points past inspections refer to, out of the numbered order (as the
            # checklist page retires them); the new ones are numbered from 1.
            for old_point in checklist(session, model.id):
                old_point.active = False
                old_point.position = RETIRED_BASE + old_point.id
            session.flush()
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
