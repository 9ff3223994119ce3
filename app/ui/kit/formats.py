"""How the window writes what the services hand out: dates, deadlines, documents, tones.

The words for code names (states, kinds, rules) come from app.services.kernel.terms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.services.kernel.context import local_today, to_local
from app.services.kernel.terms import (
    DOCUMENT_SHORT_LABELS,
    Deadline,
    DeadlineState,
    Decision,
    DocumentKind,
    LineStatus,
    TaskStatus,
    decision_label,
    line_status_label,
    rule_label,
    span_text,
    verdict_label,
)
from app.ui.kit.style import Tone

TASK_STATUS_TONES = {
    TaskStatus.open: Tone.warn,
    TaskStatus.confirmed: Tone.ok,
    TaskStatus.closed: Tone.muted,
}
# Short names of the three documents, in DocumentKind order (the table is narrow).
DOCUMENT_SHORT = tuple(DOCUMENT_SHORT_LABELS[kind] for kind in DocumentKind)
NOT_SET = "未设置"
NONE = "—"


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
    left = _left(deadline)
    unit = deadline.unit
    if state == DeadlineState.overdue:
        return (
            f"{short}（超期 {span_text(-left, unit)}）{mark}",
            Tone.bad,
            f"应于 {due} 前分发，已超期 {span_text(-left, unit)}。{note}",
        )
    text = f"{short}（今天到期）" if left == 0 else f"{short}（剩 {span_text(left, unit)}）"
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
            return decision_label(decision), Tone.ok
        if decision == Decision.reject:
            return decision_label(decision), Tone.bad
        return "待定", Tone.muted
    if status == LineStatus.rejected:
        return line_status_label(status), Tone.bad
    return line_status_label(status), Tone.ok if status == LineStatus.accepted else None


def audit_detail_text(action: str, detail: str) -> str:
    """An audit event's new value as a person reads it: a state in Chinese, a document check."""
    if not detail:
        return ""
    if action.startswith("document_"):
        if "/" not in detail:  # a verdict (migration 0007); older events read present/consistent
            return verdict_label(detail)
        present, _, consistent = detail.partition("/")
        if present == "False":
            return "缺失"
        return f"{_bool_word(present, '齐全', '缺失')}，{_bool_word(consistent, '文物一致', '文物不一致')}"
    if action == "decide":
        return decision_label(detail)
    return line_status_label(detail)


def _bool_word(text: str, yes: str, no: str) -> str:
    return {"True": yes, "False": no}.get(text, "未查")


# --- the bench's deadlines (localization, time in repair) --------------------------------------


def _left(deadline: Deadline) -> int:
    """What is left in the clock's own unit (working days on a working-day clock)."""
    if deadline.left is not None:
        return deadline.left
    return deadline.days_left if deadline.days_left is not None else 0


def _days_text(deadline: Deadline) -> str:
    """剩 3 个工作日 / 剩 12 天 / 超期 2 个工作日 / 今天到期: in the clock's own unit."""
    left = _left(deadline)
    if deadline.state == DeadlineState.overdue:
        return f"超期 {span_text(-left, deadline.unit)}"
    if left == 0:
        return "今天到期"
    return f"剩 {span_text(left, deadline.unit)}"


def deadline_tone(deadline: Deadline | None) -> Tone | None:
    if deadline is None:
        return None
    if deadline.state == DeadlineState.overdue:
        return Tone.bad
    if deadline.state == DeadlineState.due_soon:
        return Tone.warn
    if deadline.state == DeadlineState.met_late:
        return Tone.warn
    if deadline.state == DeadlineState.met:
        return Tone.ok
    return None


def deadline_cell(deadline: Deadline | None) -> str:
    """One deadline in a table cell: 故障定位 10-09（剩 3 天）."""
    if deadline is None or deadline.due is None:
        return NONE
    mark = "*" if deadline.provisional else ""
    return f"{rule_label(deadline.rule)} {date_text(deadline.due)}（{_days_text(deadline)}）{mark}"


def deadline_sentence(deadline: Deadline) -> str:
    """One deadline in full, for a tooltip or the detail panel."""
    name = rule_label(deadline.rule)
    due = date_text(deadline.due)
    start = date_text(deadline.starts)
    note = "（该年度节假日安排尚未公布，按周一至周五推算）" if deadline.provisional else ""
    state = deadline.state
    if state == DeadlineState.not_started:
        return f"{name}：尚未开始计时"
    if state == DeadlineState.met:
        return f"{name}：应于 {due} 前完成，已按时完成"
    if state == DeadlineState.met_late:
        late = f" {span_text(-deadline.left, deadline.unit)}" if deadline.left else ""
        return f"{name}：应于 {due} 前完成，已逾期{late}完成"
    return f"{name}：自 {start} 起，应于 {due} 前完成，{_days_text(deadline)}{note}"


def deadlines_tooltip(deadlines: tuple[Deadline, ...]) -> str:
    if not deadlines:
        # No numbers here: the rules are the admin's to set (时限规则), the clocks say them.
        return "承制单位签收后开始计时：故障定位时限和在修时间。"
    return "\n".join(deadline_sentence(d) for d in deadlines)
