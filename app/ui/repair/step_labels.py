"""Words for the manufacturer's way: steps, deadlines, record kinds and history entries in Chinese.

The services name steps and actions in English code names (DOMAIN.md); the bench, the dispatch page
and the item history show them here, in one place.
"""

from __future__ import annotations

from app.services.handover.returns import DOCUMENT_LABELS
from app.services.kernel.terms import Deadline, DeadlineState, DocumentKind, LineStatus, RuleCode
from app.ui.kit.formats import NONE, date_text, line_status_label
from app.ui.kit.style import Tone

# The bench's next step (bench.NEXT_STEP) → the button's label and the permission it needs.
STEP_BUTTONS: dict[str, tuple[str, str]] = {
    "receive_at_manufacturer": ("签收", "receive_at_manufacturer"),
    "unbox": ("开箱检查", "unbox"),
    "write_plan": ("编写排查方案", "investigate"),
    "localize": ("故障定位", "investigate"),
    "start_repair": ("制定维修方案", "repair"),
    "finish_repair": ("记录维修", "repair"),
    "accept_repair": ("验收", "inspect_acceptance"),
}

# What a permission lets a person do, for the tooltip of a greyed-out button.
RULE_LABELS = {
    RuleCode.dispatch: "分发",
    RuleCode.localization: "故障定位",
    RuleCode.repair: "在修时间",
    RuleCode.kitting_report: "齐套情况报告",
}

RECORD_KINDS = {
    "FX": "返厂交接任务",
    "JJ": "交接记录单",
    "JS": "拒收通知",
    "KX": "开箱检查记录",
    "PC": "故障排查方案",
    "DW": "故障定位情况报告",
    "WX": "维修记录",
    "YS": "验收记录",
    "CQ": "超期报告",
    "SJ": "升级报告",
    "JF": "交付计划",
    "QT": "齐套",
    "QB": "齐套情况报告",
}

# Audit action names (the services' step and event names) → what happened, in the clerk's words.
ACTION_LABELS = {
    "register": "登记返厂",
    "create": "建立产品档案",
    "fault_description": "填写故障现象",
    f"document_{DocumentKind.certificate}": "核对产品证明文件",
    f"document_{DocumentKind.fault_report}": "核对故障单",
    f"document_{DocumentKind.packing_list}": "核对装箱清单",
    "decide": "标记接收/拒收",
    "accept": "交接接收",
    "reject": "交接拒收",
    "dispatch": "分发至承制单位",
    "receive_at_manufacturer": "承制单位签收",
    "unbox": "开箱检查",
    "unboxing_record": "开箱检查记录",
    "write_plan": "编写排查方案",
    "investigation_plan": "故障排查方案",
    "localize": "故障定位",
    "no_fault_found": "复测无故障",
    "start_repair": "开始维修",
    "repair_plan": "维修方案与计划",
    "finish_repair": "维修完成",
    "repair_record": "维修记录",
    "accept_repair": "验收合格",
    "fail_acceptance": "验收不合格",
    "certificate_entry": "写入质量证明文件",
    "delivery_plan": "列入交付计划",
    "return_to_materials": "交回物资部门",
    "refused_back": "交回时未接收",
    "regroup": "调整齐套",
    "kit": "齐套",
    "deliver": "交付用户",
    "close": "关闭",
    "scrap": "报废",
}


def record_kind(number: str) -> str:
    return RECORD_KINDS.get(number[:2].upper(), "记录")


def record_title(number: str) -> str:
    return f"{record_kind(number)} {number}"


def rule_label(rule: str) -> str:
    try:
        return RULE_LABELS.get(RuleCode(rule), rule)
    except ValueError:
        return rule


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _bool_word(text: str, yes: str, no: str) -> str:
    return {"True": yes, "False": no}.get(text, "未查")


def detail_text(action: str, detail: str) -> str:
    """An audit event's new value as a person reads it: a state in Chinese, a document check."""
    if not detail:
        return ""
    if action.startswith("document_"):
        present, _, consistent = detail.partition("/")
        if present == "False":
            return "缺失"
        return f"{_bool_word(present, '齐全', '缺失')}，{_bool_word(consistent, '文物一致', '文物不一致')}"
    if action == "decide":
        return {"accept": "接收", "reject": "拒收"}.get(detail, detail or "未定")
    try:
        return line_status_label(LineStatus(detail))
    except ValueError:
        return detail


def document_label(kind: DocumentKind) -> str:
    return DOCUMENT_LABELS[kind]


# --- deadlines --------------------------------------------------------------------------------


def _days_text(deadline: Deadline) -> str:
    left = deadline.days_left if deadline.days_left is not None else 0
    if deadline.state == DeadlineState.overdue:
        return f"超期 {-left} 天"
    return "今天到期" if left == 0 else f"剩 {left} 天"


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
        return f"{name}：应于 {due} 前完成，已逾期完成"
    return f"{name}：自 {start} 起，应于 {due} 前完成，{_days_text(deadline)}{note}"


def deadlines_tooltip(deadlines: tuple[Deadline, ...]) -> str:
    if not deadlines:
        return "承制单位签收后开始计时（故障定位 5 个工作日，在修时间 60 天）。"
    return "\n".join(deadline_sentence(d) for d in deadlines)
