"""Why a button is greyed out: the role may not take the step, or the task is closed to edits."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.services.kernel.context import PERMISSIONS, ROLE_LABELS, Actor, can

# What each step (app.services.kernel.context.PERMISSIONS) lets a person do, in their words.
STEP_LABELS = {
    "create_task": "新建任务和登记产品",
    "import_list": "导入交接清单",
    "check_documents": "核对文件",
    "decide_line": "标记接收或拒收",
    "confirm_handover": "确认交接",
    "dispatch": "分发产品",
    "print_labels": "打印产品标签",
    "receive_at_manufacturer": "签收交接记录",
    "unbox": "记录开箱检查",
    "investigate": "编写排查方案和定位故障",
    "repair": "制定维修方案和记录维修",
    "inspect_acceptance": "验收",
    "approve_scrap": "批准报废",
    "receive_back": "接收交回的修复产品",
    "kit": "确认齐套和上报齐套情况",
    "deliver": "交付用户和记录回访",
    "plan_delivery": "制定交付计划",
    "regroup_kit": "调整齐套和修改齐套时间节点",
    "acknowledge_escalation": "签收升级报告",
    "manage_users": "管理登录账号",
    "manage_master_data": "维护单位、型号和代码表",
    "manage_calendar": "维护工作日历",
}
READ_ONLY = "任务已确认交接，清点内容只读。"


def denial(actor: Actor, step: str) -> str:
    """ "" when `actor` may take `step`, else a sentence saying who may."""
    if can(actor, step):
        return ""
    who = "、".join(ROLE_LABELS[role] for role, steps in PERMISSIONS.items() if step in steps)
    role = ROLE_LABELS.get(actor.role, "当前角色") if actor.role else "当前登录"
    action = STEP_LABELS.get(step, "进行此操作")
    return f"{role}不能{action}：只有{who}可以操作。"


def gate(widget: QWidget, *reasons: str, tip: str = "") -> None:
    """Enable `widget` when no reason stands against it; otherwise its tooltip says the first."""
    blocking = next((reason for reason in reasons if reason), "")
    widget.setEnabled(not blocking)
    widget.setToolTip(blocking or tip)
