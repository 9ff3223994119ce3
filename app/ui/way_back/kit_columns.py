"""What the kitting page shows of a kit set and its items: the columns and the sentences."""

from __future__ import annotations

from app.services.kernel.terms import (
    DeadlineState,
    KitSetStatus,
    kit_set_status_label,
    line_status_label,
)
from app.services.kernel.views import KitItem, KitStatus
from app.services.way_back.kitting import KitRow
from app.ui.kit.formats import date_text
from app.ui.kit.paged_model import CENTER, Column
from app.ui.kit.style import Tone
from app.ui.oversight.reminders import days_text

KIT_STATUS_TONES: dict[str, Tone | None] = {
    KitSetStatus.open: None,
    KitSetStatus.kitted: Tone.ok,
    KitSetStatus.delivered: Tone.ok,
    KitSetStatus.closed: Tone.muted,
}
NO_KIT = "请先在上方选择一个齐套。"


def item_status_text(item: KitItem) -> str:
    return "已报废退出" if item.scrapped else line_status_label(item.status)


def missing_text(kit: KitStatus, limit: int = 5) -> str:
    """“还缺 2 件：A（维修中）、B（待分发）”, or "" when nothing is missing."""
    missing = kit.missing
    if not missing:
        return ""
    names = "、".join(f"{i.item_code}（{i.note}）" for i in missing[:limit])
    more = " 等" if len(missing) > limit else ""
    return f"还缺 {len(missing)} 件：{names}{more}"


# --- the kit sets: rows counted in SQL; a set's items are read when it is opened ----------


def report_state(kit: KitRow) -> tuple[str, Tone | None]:
    d = kit.report_deadline
    if d.state == DeadlineState.met:
        return f"已上报 {kit.report_number or ''}".strip(), Tone.ok
    if d.state == DeadlineState.met_late:
        return f"超期上报 {kit.report_number or ''}".strip(), Tone.warn
    if d.state == DeadlineState.overdue:
        return f"未上报，{days_text(d)}", Tone.bad
    if d.state == DeadlineState.due_soon:
        return f"待上报，{days_text(d)}", Tone.warn
    if d.state == DeadlineState.running:
        return f"待上报，{days_text(d)}", None
    if kit.report_number:
        return f"已上报 {kit.report_number}", Tone.ok
    return "—", None


def back_text(kit: KitRow) -> str:
    text = f"{kit.back}/{kit.n_active}"
    return text + (f"（报废 {kit.scrapped}）" if kit.scrapped else "")


def back_tip(kit: KitRow) -> str:
    if kit.complete:
        return "全部返回"
    return f"还缺 {kit.n_missing} 件：选中此齐套查看缺哪些、在哪里" if kit.n_missing else ""


def kit_state(kit: KitRow) -> tuple[str, Tone | None]:
    if kit.status == KitSetStatus.open and kit.complete:
        return "可确认齐套", Tone.ok
    if kit.status == KitSetStatus.delivered:
        return "已交付，待回访", Tone.warn
    return kit_set_status_label(kit.status), KIT_STATUS_TONES.get(kit.status)


KIT_COLUMNS = (
    Column("齐套编号", lambda k: k.number, width=130),
    Column("返厂任务", lambda k: k.task_number or "（调整后的齐套）", width=130),
    Column("用户单位", lambda k: k.user_unit or "—", width=110),
    Column("齐套时间节点", lambda k: date_text(k.deadline), CENTER, width=100),
    Column(
        "上报时限",
        lambda k: date_text(k.report_deadline.due),
        CENTER,
        tooltip=lambda k: "齐套时间节点前 3 天应上报齐套情况报告",
        width=96,
    ),
    Column(
        "上报情况",
        lambda k: report_state(k)[0],
        tone=lambda k: report_state(k)[1],
        width=180,
    ),
    Column(
        "已返回/共",
        back_text,
        CENTER,
        tone=lambda k: Tone.ok if k.complete else None,
        tooltip=back_tip,
        width=96,
    ),
    Column("状态", lambda k: kit_state(k)[0], CENTER, tone=lambda k: kit_state(k)[1], width=110),
)


def _item_tone(item: KitItem) -> Tone | None:
    if item.scrapped:
        return Tone.muted
    return None


def _late_tone(item: KitItem) -> Tone | None:
    if item.scrapped:
        return Tone.muted
    return Tone.bad if item.late_days else None


def _back_tone(item: KitItem) -> Tone | None:
    if item.scrapped:
        return Tone.muted
    return Tone.ok if item.back else Tone.warn


ITEM_COLUMNS = (
    Column(
        "产品编码", lambda i: i.item_code, tooltip=lambda i: i.item_code, tone=_item_tone, width=180
    ),
    Column("产品名称", lambda i: i.model_name, tone=_item_tone, width=110),
    Column("返厂任务", lambda i: i.task_number, tone=_item_tone, width=130),
    Column("状态", item_status_text, CENTER, tone=_back_tone, width=110),
    Column("所在单位", lambda i: i.where, tone=_item_tone, width=120),
    Column("责任单位", lambda i: i.responsible, tone=_item_tone, width=120),
    Column(
        "超期",
        lambda i: f"{i.late_days} 天" if i.late_days else "",
        CENTER,
        tone=_late_tone,
        tooltip=lambda i: "按该产品自己的时限（分发、在修）计算" if i.late_days else "",
        width=60,
    ),
    Column("情况", lambda i: i.note, tooltip=lambda i: i.note, tone=_item_tone, width=200),
)


def kit_summary(kit: KitStatus) -> tuple[str, Tone]:
    active = kit.active
    scrapped = [i.item_code for i in kit.items if i.scrapped]
    parts = [f"共 {len(active)} 件，已返回 {len(active) - len(kit.missing)} 件"]
    missing = missing_text(kit)
    if missing:
        parts.append(missing)
    if scrapped:
        parts.append(f"报废退出 {len(scrapped)} 件：{'、'.join(scrapped)}")
    tone = Tone.ok if kit.complete else Tone.warn
    if kit.report_deadline.state == DeadlineState.overdue:
        parts.append("齐套情况报告已超期未报")
        tone = Tone.bad
    return "；".join(parts) + "。", tone
