"""Chinese words for what the services hand out: states, kinds, dates and deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.services.handover.returns import STATUS_LABELS
from app.services.kernel.context import local_today, to_local
from app.services.kernel.terms import (
    Deadline,
    DeadlineState,
    Decision,
    LineStatus,
    ReportKind,
    TaskStatus,
)
from app.ui.kit.style import Tone

TASK_STATUS_LABELS = {
    TaskStatus.open: "清点中",
    TaskStatus.confirmed: "已交接",
    TaskStatus.closed: "已关闭",
}
TASK_STATUS_TONES = {
    TaskStatus.open: Tone.warn,
    TaskStatus.confirmed: Tone.ok,
    TaskStatus.closed: Tone.muted,
}
REPORT_KIND_LABELS = {
    ReportKind.rejection_notice: "拒收通知",
    ReportKind.overdue_report: "超期报告",
    ReportKind.localization_report: "故障定位情况报告",
    ReportKind.escalation: "升级报告",
    ReportKind.kitting_status_report: "齐套情况报告",
}
DECISION_LABELS = {Decision.accept: "接收", Decision.reject: "拒收"}
# Short names of the three documents, in DocumentKind order (the table is narrow).
DOCUMENT_SHORT = ("证明文件", "故障单", "装箱单")
NOT_SET = "未设置"
NONE = "—"


def line_status_label(status: str) -> str:
    try:
        return STATUS_LABELS[LineStatus(status)]
    except ValueError:
        return status


def task_status_label(status: str) -> str:
    try:
        return TASK_STATUS_LABELS[TaskStatus(status)]
    except ValueError:
        return status


def report_kind_label(kind: str) -> str:
    try:
        return REPORT_KIND_LABELS[ReportKind(kind)]
    except ValueError:
        return kind


def date_text(day: dt.date | None, empty: str = NONE) -> str:
    return day.isoformat() if day else empty


def local_time_text(ts: dt.datetime | None, empty: str = NONE) -> str:
    """A stored UTC timestamp as the factory's local time, to the minute."""
    if ts is None:
        return empty
    if ts.tzinfo is None:  # SQLite hands back naive values; they were stored as UTC
        ts = ts.replace(tzinfo=dt.UTC)
    return to_local(ts).strftime("%Y-%m-%d %H:%M")


def _short_date(day: dt.date | None) -> str:
    """This year's dates without the year (the table is narrow); others in full."""
    if day is None:
        return NONE
    return day.strftime("%m-%d") if day.year == local_today().year else day.isoformat()


def deadline_text(deadline: Deadline) -> tuple[str, Tone | None, str]:
    """The dispatch deadline as (cell text, tone, tooltip)."""
    mark = "*" if deadline.provisional else ""
    short = _short_date(deadline.due)
    note = "\n* 该年度节假日安排尚未公布，按周一至周五推算。" if deadline.provisional else ""
    due = date_text(deadline.due)
    state = deadline.state
    if state == DeadlineState.not_started:
        return NONE, None, "产品在交接确认时接收后开始计时。"
    if state == DeadlineState.met:
        return f"已按时分发{mark}", Tone.ok, f"应于 {due} 前分发，已按时分发。{note}"
    if state == DeadlineState.met_late:
        return f"逾期分发{mark}", Tone.warn, f"应于 {due} 前分发，分发时已超期。{note}"
    left = deadline.days_left if deadline.days_left is not None else 0
    if state == DeadlineState.overdue:
        return (
            f"{short}（超期 {-left} 天）{mark}",
            Tone.bad,
            f"应于 {due} 前分发，已超期 {-left} 天。{note}",
        )
    text = f"{short}（今天到期）" if left == 0 else f"{short}（剩 {left} 天）"
    tone = Tone.warn if state == DeadlineState.due_soon else None
    return f"{text}{mark}", tone, f"应于 {due} 前分发。{note}"


def documents_text(documents: Sequence[tuple[bool | None, bool | None]]) -> tuple[str, Tone]:
    """The three documents of a line in one cell: 齐全一致, 缺…, 不一致…, or 待核对 (k/3)."""
    names = DOCUMENT_SHORT
    missing = [names[i] for i, (present, _) in enumerate(documents) if present is False]
    if missing:
        return "缺" + "、".join(missing), Tone.bad
    wrong = [names[i] for i, (_, consistent) in enumerate(documents) if consistent is False]
    if wrong:
        return "不一致：" + "、".join(wrong), Tone.bad
    done = sum(1 for present, consistent in documents if present and consistent)
    if documents and done == len(documents):
        return "齐全一致", Tone.ok
    return f"待核对 {done}/{len(documents)}", Tone.muted


def conclusion_text(
    status: str, decision: str | None, reject_reason: str
) -> tuple[str, Tone | None]:
    """结论: the decision while counting, the state once the handover is confirmed."""
    if status == LineStatus.registered:
        if decision == Decision.accept:
            return "接收", Tone.ok
        if decision == Decision.reject:
            return "拒收", Tone.bad
        return "待定", Tone.muted
    if status == LineStatus.rejected:
        return line_status_label(status), Tone.bad
    return line_status_label(status), Tone.ok if status == LineStatus.accepted else None
