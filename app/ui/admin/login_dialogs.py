"""The small forms of the logins page: a new login, its role and unit, a new password.

Each dialog runs its own service call when OK is pressed, so a refusal (a weak password, a login
name taken, the last admin) shows in the dialog itself and the person corrects it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QSizePolicy, QWidget

from app.services.admin import logins
from app.services.admin.logins import LoginRow
from app.services.kernel.terms import Role, role_label
from app.ui.kit.action_dialog import ActionDialog
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.page import Desk
from app.ui.kit.runner import Call, Change
from app.ui.kit.runner import call as service_call
from app.ui.shell.login_dialog import POLICY_HINT, password_field

ROLES = (Role.clerk, Role.engineer, Role.quality, Role.manager, Role.admin)


class LoginActionDialog(ActionDialog[LoginRow]):
    """A form whose OK runs one write; `row` is the login as the service returned it."""

    changes = Change.LOGINS

    @property
    def row(self) -> LoginRow | None:
        return self.result_


def role_box(current: Role | None = None) -> QComboBox:
    box = QComboBox()
    for role in ROLES:
        box.addItem(role_label(role), role)
    if current is not None:
        box.setCurrentIndex(ROLES.index(current))
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


def unit_box(units: Sequence[str], current: str = "") -> QComboBox:
    box = QComboBox()
    box.addItems(list(units))
    if current and current not in units:  # a retired unit still shows where the login is
        box.addItem(current)
    box.setCurrentIndex(box.findText(current) if current else -1)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


def _passwords_match(dialog: FormDialog, first: QLineEdit, again: QLineEdit) -> bool:
    if first.text() != again.text():
        dialog.show_error("两次输入的密码不一致。")
        return False
    return True


class NewLoginDialog(LoginActionDialog):
    """新建登录: login name, the person's name, unit, role and a first password."""

    def __init__(self, desk: Desk, units: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(
            desk,
            "新建登录",
            f"为一位同事新建登录。初始密码由您告诉本人，{POLICY_HINT}",
            "新建",
            parent,
        )
        self.login = QLineEdit()
        self.login.setPlaceholderText("如 wangmin，登录时输入")
        self.name = QLineEdit()
        self.name.setPlaceholderText("本人姓名，记录上显示")
        self.unit = unit_box(units)
        self.role = role_box()
        self.password = password_field("至少 8 位")
        self.again = password_field("再输入一次")
        self.form.addRow("登录名：", self.login)
        self.form.addRow("姓名：", self.name)
        self.form.addRow("单位：", self.unit)
        self.form.addRow("角色：", self.role)
        self.form.addRow("初始密码：", self.password)
        self.form.addRow("确认密码：", self.again)
        self.login.setFocus()

    def job(self) -> Call[LoginRow] | None:
        if not self.unit.currentText():
            self.show_error("请选择单位。")
            return None
        if not _passwords_match(self, self.password, self.again):
            return None
        d = self.desk
        return service_call(
            logins.create_login,
            d.db,
            d.actor,
            self.login.text(),
            self.name.text(),
            self.unit.currentText(),
            self.role.currentData(),
            self.password.text(),
        )


class ChangeLoginDialog(LoginActionDialog):
    """修改: the person's name, role and unit; a new role or unit applies at once."""

    def __init__(
        self, desk: Desk, row: LoginRow, units: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            desk,
            f"修改登录 {row.login}",
            "角色或单位改变后立即生效：该登录已打开的窗口在下一次操作时须重新登录。",
            "保存",
            parent,
        )
        self.target = row
        self.name = QLineEdit(row.name)
        self.unit = unit_box(units, row.unit)
        self.role = role_box(row.role)
        self.form.addRow("登录名：", _fixed(row.login))
        self.form.addRow("姓名：", self.name)
        self.form.addRow("单位：", self.unit)
        self.form.addRow("角色：", self.role)

    def job(self) -> Call[LoginRow] | None:
        d = self.desk
        return service_call(
            logins.change_login,
            d.db,
            d.actor,
            self.target.id,
            role=self.role.currentData(),
            unit=self.unit.currentText(),
            name=self.name.text(),
        )


class ResetPasswordDialog(LoginActionDialog):
    """重设密码: a new password the admin tells the person; it also lifts a lock."""

    def __init__(self, desk: Desk, row: LoginRow, parent: QWidget | None = None) -> None:
        super().__init__(
            desk,
            f"重设密码 — {row.login}",
            f"为“{row.name}”设一个新密码并告诉本人；同时解除锁定，该登录已打开的窗口须重新登录。"
            f"新密码{POLICY_HINT}",
            "重设",
            parent,
        )
        self.target = row
        self.password = password_field("至少 8 位")
        self.again = password_field("再输入一次")
        self.form.addRow("新密码：", self.password)
        self.form.addRow("确认密码：", self.again)
        self.password.setFocus()

    def job(self) -> Call[LoginRow] | None:
        if not _passwords_match(self, self.password, self.again):
            return None
        d = self.desk
        return service_call(
            logins.reset_password, d.db, d.actor, self.target.id, self.password.text()
        )


def _fixed(text: str) -> Any:
    field = QLineEdit(text)
    field.setReadOnly(True)
    field.setStyleSheet("QLineEdit { background: palette(window); }")
    return field
