"""登录: a login name and password checked by the auth service; 修改密码 for the signed-in person.

A refused sign-in says why in the person's words (wrong password, a wait after repeated wrong
ones, a lock only an admin lifts, a deactivated login): the service words it (issue 8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from app.services.kernel import auth
from app.services.kernel.context import Actor
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.page import Desk
from app.ui.kit.runner import Change, Operation, Runner, call

if TYPE_CHECKING:
    from app.db import Database


class LoginDialog(FormDialog):
    """Accepted only with a correct password; `actor` is then the logged-in person.

    The password check (argon2, ~60 ms here) runs off the GUI thread.
    """

    def __init__(
        self, db: Database, runner: Runner, login: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__("登录 — 返修通 FanXiu", "请输入用户名和密码。", "登录", "退出", parent)
        self.db = db
        self.runner = runner
        self.actor: Actor | None = None
        self._op: Operation | None = None
        self.login = QLineEdit(login)
        self.login.setPlaceholderText("用户名")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.form.addRow("用户名：", self.login)
        self.form.addRow("密码：", self.password)
        (self.password if login else self.login).setFocus()
        self.setMinimumWidth(400)

    def accept(self) -> None:
        if self._op is not None:
            return
        self.show_error("")
        self._busy(True)
        job = call(auth.login, self.db, self.login.text(), self.password.text())
        op = self.runner.run(self, job, done=self._logged_in, failed=self._refused)
        self._op = None if op.done else op

    def _busy(self, busy: bool) -> None:
        self.ok_button.setText("正在登录…" if busy else "登录")
        self.set_ok_enabled(not busy)

    def _logged_in(self, actor: Actor) -> None:
        self._op = None
        self.actor = actor
        super().accept()

    def _refused(self, message: str) -> None:
        self._op = None
        self._busy(False)
        self.password.clear()
        self.password.setFocus()
        self.show_error(message)

    def reject(self) -> None:
        if self._op is None:
            super().reject()


POLICY_HINT = "至少 8 位；不能是或包含登录名；不能是 123456、password 这类常见密码。"


def password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


class ChangePasswordDialog(FormDialog):
    """修改密码: the signed-in person changes their own password; the old one is asked again
    (a desk left signed in must not let a passer-by take the login over)."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(
            "修改密码",
            f"修改登录“{desk.actor.name}”的密码。新密码{POLICY_HINT}",
            "修改",
            "取消",
            parent,
        )
        self.desk = desk
        self._op: Operation | None = None
        self.old = password_field("当前使用的密码")
        self.new = password_field("至少 8 位")
        self.again = password_field("再输入一次新密码")
        self.form.addRow("原密码：", self.old)
        self.form.addRow("新密码：", self.new)
        self.form.addRow("确认新密码：", self.again)
        self.old.setFocus()

    def accept(self) -> None:
        if self._op is not None:
            return
        if self.new.text() != self.again.text():
            self.show_error("两次输入的新密码不一致。")
            return
        self.show_error("")
        self.set_ok_enabled(False)
        d = self.desk
        job = call(auth.change_own_password, d.db, d.actor, self.old.text(), self.new.text())
        op = d.runner.run(
            self, job, done=self._changed, failed=self._refused, changes=Change.LOGINS
        )
        self._op = None if op.done else op

    def _changed(self, _none: None) -> None:
        self._op = None
        super().accept()

    def _refused(self, message: str) -> None:
        self._op = None
        self.set_ok_enabled(True)
        self.show_error(message)

    def reject(self) -> None:
        if self._op is None:
            super().reject()


class PasswordButton(QPushButton):
    """修改密码 in the main window's status bar, for whoever is signed in."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__("修改密码", parent)
        self.desk = desk
        self.setFlat(True)
        # Read as a link in the status bar: found without crowding the bar with a frame.
        self.setStyleSheet(
            "QPushButton { color: palette(link); border: none; padding: 0 10px; }"
            "QPushButton:hover { text-decoration: underline; }"
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("修改当前登录的密码")
        self.setEnabled(desk.actor.user_id is not None)
        self.clicked.connect(self.change)

    def change(self) -> None:
        if self.desk.prompts.run(ChangePasswordDialog(self.desk, self.window())):
            self.desk.prompts.info(self.window(), "修改密码", "密码已修改。下次登录请使用新密码。")
