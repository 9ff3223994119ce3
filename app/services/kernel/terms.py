"""Every word shown to people for a code name: states, steps, roles, rules, record kinds (issue 7).

The services and the window both read their words here, so one state is called one thing
everywhere; the wording follows DOMAIN.md. It depends on app.models alone, and re-exports the
code names the window needs (app/ui may not import app.models). Each `…_label` function takes the
code name (the enum or its string value) and hands an unknown value back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.models.calendar import DayKind
from app.models.delivery import KIT_HANDED_OVER, KIT_LIVE, KIT_STEPS, KitSetStatus
from app.models.org import Permission, Role, UnitKind
from app.models.records import HandoverKind, ReportKind
from app.models.returns import DocumentKind, DocumentVerdict
from app.models.states import (
    AT_MANUFACTURER,
    AWAITING_ACCEPTANCE,
    FINISHED,
    KIT_FIXED,
    PLAN_EDITABLE,
    SCRAPPABLE,
    TRANSITIONS,
    Decision,
    LineStatus,
    TaskStatus,
)
from app.models.workdays import Deadline, DeadlineState, RuleCode

__all__ = [
    "AT_MANUFACTURER",
    "AWAITING_ACCEPTANCE",
    "FINISHED",
    "KIT_FIXED",
    "KIT_HANDED_OVER",
    "KIT_LIVE",
    "KIT_STEPS",
    "PLAN_EDITABLE",
    "SCRAPPABLE",
    "TRANSITIONS",
    "DayKind",
    "Deadline",
    "DeadlineState",
    "Decision",
    "DocumentKind",
    "DocumentVerdict",
    "HandoverKind",
    "KitSetStatus",
    "LineStatus",
    "Permission",
    "ReportKind",
    "Role",
    "RuleCode",
    "TaskStatus",
    "UnitKind",
]

# --- states -----------------------------------------------------------------------------------

LINE_STATUS_LABELS: Mapping[str, str] = {
    LineStatus.registered: "已登记",
    LineStatus.rejected: "已拒收",
    LineStatus.accepted: "已接收",
    LineStatus.dispatched: "已分发",
    LineStatus.at_manufacturer: "在承制单位",
    LineStatus.unboxed: "已开箱",
    LineStatus.localizing: "排查中",
    LineStatus.localized: "已定位",
    LineStatus.no_fault_found: "复测无故障",
    LineStatus.in_repair: "维修中",
    LineStatus.repaired: "已修复",
    LineStatus.accepted_after_repair: "验收合格",
    LineStatus.back_at_materials: "已返回物资部门",
    LineStatus.kitted: "已齐套",
    LineStatus.delivered: "已交付用户",
    LineStatus.closed: "已关闭",
    LineStatus.scrapped: "已报废",
}
TASK_STATUS_LABELS: Mapping[str, str] = {
    TaskStatus.open: "清点中",
    TaskStatus.confirmed: "已交接",
    TaskStatus.closed: "已关闭",
}
DECISION_LABELS: Mapping[str, str] = {Decision.accept: "接收", Decision.reject: "拒收"}
KIT_SET_STATUS_LABELS: Mapping[str, str] = {
    KitSetStatus.open: "齐套中",
    KitSetStatus.kitted: "已齐套",
    KitSetStatus.delivered: "已交付",
    KitSetStatus.closed: "已关闭",
}
DEADLINE_STATE_LABELS: Mapping[str, str] = {
    DeadlineState.not_started: "未开始",
    DeadlineState.running: "进行中",
    DeadlineState.due_soon: "即将到期",
    DeadlineState.overdue: "已超期",
    DeadlineState.met: "按期完成",
    DeadlineState.met_late: "超期完成",
}

# --- who --------------------------------------------------------------------------------------

ROLE_LABELS: Mapping[str, str] = {
    Role.clerk: "物资交接员",
    Role.engineer: "维修/设计工程师",
    Role.quality: "质量检验员",
    Role.manager: "总体/主管",
    Role.admin: "系统管理员",
}
UNIT_KIND_LABELS: Mapping[str, str] = {
    UnitKind.user_unit: "用户单位",
    UnitKind.prime_unit: "总体单位",
    UnitKind.materials_dept: "物资管理部门",
    UnitKind.manufacturer: "承制单位",
    UnitKind.design_dept: "设计部门",
    UnitKind.quality_dept: "质量部门",
    UnitKind.competent_dept: "主管部门",
}
# A product model's place in the kit tree.
MODEL_LEVEL_LABELS: Mapping[str, str] = {
    "system": "总体",
    "subsystem": "分系统",
    "unit": "单机",
}
# What each permission lets a person do, for the sentence that says why a button is grey.
PERMISSION_LABELS: Mapping[str, str] = {
    Permission.create_task: "新建任务和登记产品",
    Permission.import_list: "导入交接清单",
    Permission.check_documents: "核对文件",
    Permission.decide_line: "标记接收或拒收",
    Permission.confirm_handover: "确认交接",
    Permission.dispatch: "分发产品",
    Permission.print_labels: "打印产品标签",
    Permission.receive_at_manufacturer: "签收交接记录",
    Permission.unbox: "记录开箱检查",
    Permission.investigate: "编写排查方案和定位故障",
    Permission.repair: "制定维修方案和记录维修",
    Permission.inspect_acceptance: "验收",
    Permission.approve_scrap: "批准报废",
    Permission.receive_back: "接收交回的修复产品",
    Permission.kit: "确认齐套和上报齐套情况",
    Permission.deliver: "交付用户和记录回访",
    Permission.plan_delivery: "制定交付计划",
    Permission.regroup_kit: "调整齐套和修改齐套时间节点",
    Permission.acknowledge_escalation: "签收升级报告",
    Permission.manage_users: "管理登录账号",
    Permission.manage_master_data: "维护单位、型号和代码表",
    Permission.manage_calendar: "维护工作日历",
}

# --- steps and what happened ------------------------------------------------------------------

# The steps of the state machine (TRANSITIONS), as the verb of "不能…" when a step does not fit.
STEP_LABELS: Mapping[str, str] = {
    "accept": "接收",
    "reject": "拒收",
    "dispatch": "分发",
    "receive_at_manufacturer": "签收",
    "unbox": "开箱检查",
    "write_plan": "编写排查方案",
    "localize": "故障定位",
    "no_fault_found": "复测无故障",
    "start_repair": "制定维修方案",
    "finish_repair": "记录维修",
    "accept_repair": "验收",
    "fail_acceptance": "验收",
    "return_to_materials": "交回物资部门",
    "kit": "齐套",
    "deliver": "交付用户",
    "close": "关闭",
    "scrap": "报废",
    # The bench's steps around scrapping (no state of their own until the approval).
    "request_scrap": "申请报废",
    "decide_scrap": "审批报废",
}
# Audit actions (the services' step and event names): the entries of an item's history.
ACTION_LABELS: Mapping[str, str] = {
    "register": "登记返厂",
    "create": "建立产品档案",
    "fault_description": "填写故障现象",
    "remark": "填写备注",
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
    "scrap_request": "申请报废",
    "scrap_approve": "批准报废",
    "scrap_refuse": "驳回报废申请",
    "report_answered": "超期报告已答复",
    "certificate_no": "登记质量证明文件编号",
}
RULE_LABELS: Mapping[str, str] = {
    RuleCode.dispatch: "分发",
    RuleCode.localization: "故障定位",
    RuleCode.repair: "在修时间",
    RuleCode.kitting_report: "齐套情况报告",
    RuleCode.reply_after_measure: "措施确定后答复",
    RuleCode.adhoc_reply: "临时需求答复",
    RuleCode.retention: "记录保存期限",
}

# --- documents and records --------------------------------------------------------------------

DOCUMENT_LABELS: Mapping[str, str] = {
    DocumentKind.certificate: "产品证明文件",
    DocumentKind.fault_report: "故障单",
    DocumentKind.packing_list: "装箱清单",
}
# The same in a narrow table cell or a printed column.
DOCUMENT_SHORT_LABELS: Mapping[str, str] = {
    DocumentKind.certificate: "证明文件",
    DocumentKind.fault_report: "故障单",
    DocumentKind.packing_list: "装箱清单",
}
# What the clerk found on checking a document against the item (文物一致), in their words.
DOCUMENT_VERDICT_LABELS: Mapping[str, str] = {
    DocumentVerdict.unchecked: "未核",
    DocumentVerdict.consistent: "一致",
    DocumentVerdict.inconsistent: "不一致",
    DocumentVerdict.missing: "缺失",
}
REPORT_KIND_LABELS: Mapping[str, str] = {
    ReportKind.rejection_notice: "拒收通知",
    ReportKind.overdue_report: "超期报告",
    ReportKind.localization_report: "故障定位情况报告",
    ReportKind.escalation: "升级报告",
    ReportKind.kitting_status_report: "齐套情况报告",
}
# The title each handover record prints under.
HANDOVER_KIND_LABELS: Mapping[str, str] = {
    HandoverKind.user_to_materials: "返厂产品交接记录单",
    HandoverKind.materials_to_manufacturer: "返修产品分发交接记录单",
    HandoverKind.manufacturer_to_materials: "修复产品交回交接记录单",
    HandoverKind.materials_to_user: "修复产品交付用户交接记录单",
}
# A record's kind by the prefix of its number (DOMAIN.md, Record numbers).
RECORD_KIND_LABELS: Mapping[str, str] = {
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
    "BF": "报废审批单",
}
RECORD = "记录"


def _label(table: Mapping[str, str], value: str) -> str:
    return table.get(value, value)


def line_status_label(status: str) -> str:
    return _label(LINE_STATUS_LABELS, status)


def task_status_label(status: str) -> str:
    return _label(TASK_STATUS_LABELS, status)


def decision_label(decision: str) -> str:
    return _label(DECISION_LABELS, decision)


def kit_set_status_label(status: str) -> str:
    return _label(KIT_SET_STATUS_LABELS, status)


# Why a kit set's step does not fit the set's state: (before the step may, after it has passed).
KIT_STEP_REFUSALS: Mapping[str, tuple[str, str]] = {
    "report": ("", "已交付的齐套不再上报齐套情况。"),
    "complete": ("", "这个齐套已经确认齐套。"),
    "deliver": ("确认齐套后才能交付用户。", "这个齐套已经交付用户。"),
    "followup": ("交付用户后才能回访。", "已回访，流程已关闭。"),
    "regroup": ("", "已齐套或已交付的齐套不能调整。"),
    "set_deadline": ("", "已交付的齐套不能修改时间节点。"),
}


def kit_step_refusal(step: str, status: str) -> str:
    """Why `step` does not fit a kit set in `status` ("" when it does), by KIT_STEPS."""
    allowed = KIT_STEPS[step]
    if status in allowed:
        return ""
    order = list(KitSetStatus)
    first = min(order.index(s) for s in allowed)
    before, after = KIT_STEP_REFUSALS[step]
    early = status in order and order.index(KitSetStatus(status)) < first
    return (before if early else after) or before or after


def deadline_state_label(state: str) -> str:
    return _label(DEADLINE_STATE_LABELS, state)


def role_label(role: str) -> str:
    return _label(ROLE_LABELS, role)


def unit_kind_label(kind: str) -> str:
    return _label(UNIT_KIND_LABELS, kind)


def model_level_label(level: str) -> str:
    return _label(MODEL_LEVEL_LABELS, level)


def permission_label(permission: str) -> str:
    return _label(PERMISSION_LABELS, permission)


def step_label(step: str) -> str:
    return _label(STEP_LABELS, step)


def action_label(action: str) -> str:
    return _label(ACTION_LABELS, action)


def rule_label(rule: str) -> str:
    return _label(RULE_LABELS, rule)


def document_label(kind: str) -> str:
    return _label(DOCUMENT_LABELS, kind)


def document_short_label(kind: str) -> str:
    return _label(DOCUMENT_SHORT_LABELS, kind)


def verdict_label(verdict: str) -> str:
    return _label(DOCUMENT_VERDICT_LABELS, verdict)


def report_kind_label(kind: str) -> str:
    return _label(REPORT_KIND_LABELS, kind)


def handover_kind_label(kind: str) -> str:
    return _label(HANDOVER_KIND_LABELS, kind)


def record_kind_label(prefix: str) -> str:
    return _label(RECORD_KIND_LABELS, prefix.upper())


def record_title(number: str) -> str:
    """记录 kind and number, e.g. “维修记录 WX-2026-000001”; an unknown prefix reads 记录."""
    return f"{RECORD_KIND_LABELS.get(number[:2].upper(), RECORD)} {number}"


def span_text(count: int, unit: str) -> str:
    """A length of time in a clock's own unit: “3 个工作日” on a working-day clock, “3 天” on a
    calendar-day one (issue 7: 剩 N 天 on a working-day clock said the wrong thing)."""
    if unit == "working_days":
        return f"{count} 个工作日"
    if unit == "hours":
        return f"{count} 小时"
    if unit == "years":
        return f"{count} 年"
    return f"{count} 天"


def plan_version_label(version: str) -> str:
    """An investigation plan's version as people name it: “A 版” (issue 7, defect 14)."""
    return f"{version} 版" if version else ""


# --- the working calendar (issue 8) -----------------------------------------------------------

DAY_KIND_LABELS: Mapping[str, str] = {
    DayKind.workday: "工作日",
    DayKind.weekend: "周末",
    DayKind.holiday: "节假日",
    DayKind.makeup_workday: "调休上班",
}
CALENDAR_SOURCE_LABELS: Mapping[str, str] = {
    "chinese-calendar": "法定节假日数据",
    "state_council_notice": "国务院通知",
    "factory": "管理员标记",
    "statutory": "法定安排",
}


def day_kind_label(kind: str) -> str:
    return _label(DAY_KIND_LABELS, kind)


def calendar_source_label(source: str) -> str:
    return _label(CALENDAR_SOURCE_LABELS, source)


# --- the audit log (审计日志, issue 9) ------------------------------------------------------------

# What each kind of row an event is about is called (audit_event.entity).
AUDIT_ENTITY_LABELS: Mapping[str, str] = {
    "return_task": "返厂任务",
    "return_line": "返修产品",
    "item": "产品",
    "handover_record": "交接记录单",
    "report": "报告",
    "kit_set": "齐套",
    "delivery_plan": "交付计划",
    "product_model": "型号",
    "unit": "单位",
    "user": "登录账号",
    "checklist_item": "检查项目",
    "code_list_entry": "代码表",
    "deadline_rule": "时限规则",
    "calendar_day": "工作日历",
    "calendar_year": "工作日历",
    "setting": "设置",
    "store": "数据库",
}
# Actions the audit log shows that the item history does not (ACTION_LABELS first).
AUDIT_ACTION_LABELS: Mapping[str, str] = {
    "create": "新建",  # of anything but an item (an item's is 建立产品档案)
    "state": "状态变更",
    "confirm": "确认交接",
    "import": "导入清单",
    "issue": "出具报告",
    "acknowledge": "签收报告",
    "countersign": "会签",
    "edit": "修改",
    "move": "调整顺序",
    "replace": "替换",
    "rename": "改名",
    "retire": "停用",
    "change": "修改账号",
    "create_from_list": "由清单建立型号",
    "set_checklist": "设置检查项目",
    "set_manufacturer": "设置承制单位",
    "set_rule": "修改时限规则",
    "set_workday": "修改工作日",
    "apply_notice": "录入放假通知",
    "mark_official": "确认正式日历",
    "set_deadline": "设置齐套期限",
    "followup": "齐套跟进",
    "status_report": "齐套情况报告",
    "kitted": "齐套完成",
    "delivered": "已交付",
    "backup": "备份",
    "password_changed": "修改密码",
    "password_reset": "重置密码",
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "unlock": "解锁",
    "reactivate": "重新启用",
    "void": "作废",
    "reissue": "重新出具",
}


def audit_action_label(action: str, entity: str = "item") -> str:
    """The audit log's word for an action on `entity` (a unit's "create" is 新建, not 建立产品档案)."""
    if action.startswith("set ") and action not in ACTION_LABELS:
        return "修改设置"
    if action == "create" and entity != "item":
        return AUDIT_ACTION_LABELS[action]
    return ACTION_LABELS.get(action) or _label(AUDIT_ACTION_LABELS, action)


def audit_entity_label(entity: str) -> str:
    return _label(AUDIT_ENTITY_LABELS, entity)


# Voiding (issue 9): a voided record is listed and printed with these words.
VOIDED = "已作废"
VOID_AND_REISSUE = "作废并重开"


# The codes an audit event stores as its old or new value, by what the event is about: the
# first table that knows the code gives its word (a task's "open" is 清点中, a kit's is not).
_AUDIT_VALUE_TABLES: Mapping[str, tuple[Mapping[str, str], ...]] = {
    "return_task": (TASK_STATUS_LABELS,),
    "kit_set": (KIT_SET_STATUS_LABELS,),
    "return_line": (LINE_STATUS_LABELS, DOCUMENT_VERDICT_LABELS, DECISION_LABELS),
    "document_check": (DOCUMENT_VERDICT_LABELS,),
}
_YES_NO = {"True": "是", "False": "否"}


def audit_value_label(entity: str, value: str) -> str:
    """An audit event's old or new value in words where it is a code (a state, a verdict)."""
    for table in _AUDIT_VALUE_TABLES.get(entity, (LINE_STATUS_LABELS,)):
        if value in table:
            return table[value]
    return _YES_NO.get(value, value)
