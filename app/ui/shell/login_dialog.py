"""登录: a login name and password checked by the auth service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QWidget

from app.services.kernel import auth
from app.services.kernel.context import Actor
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.runner import Operation, Runner, call

if TYPE_CHECKING:
    from app.db import Database


class LoginDialog(FormDialog):
    """Accepted only with a correct password; `actor` is then the logged-in person.

    The password check (argon2, ~0.3 s here) runs off the GUI thread.
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
