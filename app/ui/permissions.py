"""Why a button is greyed out: the role may not take the step, or the task is closed to edits."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.services.context import PERMISSIONS, ROLE_LABELS, Actor, can

STEP_LABELS = {
    "create_task": "新建任务和登记产品",
    "import_list": "导入交接清单",
    "check_documents": "核对文件",
    "decide_line": "标记接收或拒收",
    "confirm_handover": "确认交接",
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
