"""Why a button is greyed out: the role may not take the step, or the task is closed to edits."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.services.kernel.context import PERMISSIONS, Actor, can
from app.services.kernel.terms import Permission, permission_label, role_label

READ_ONLY = "任务已确认交接，清点内容只读。"


def denial(actor: Actor, permission: Permission) -> str:
    """ "" when `actor` has `permission`, else a sentence saying who has."""
    if can(actor, permission):
        return ""
    who = "、".join(role_label(role) for role, held in PERMISSIONS.items() if permission in held)
    role = role_label(actor.role) if actor.role else "当前登录"
    return f"{role}不能{permission_label(permission)}：只有{who}可以操作。"


def gate(widget: QWidget, *reasons: str, tip: str = "") -> None:
    """Enable `widget` when no reason stands against it; otherwise its tooltip says the first."""
    blocking = next((reason for reason in reasons if reason), "")
    widget.setEnabled(not blocking)
    widget.setToolTip(blocking or tip)
