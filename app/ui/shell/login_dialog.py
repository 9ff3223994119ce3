"""登录: a login name and password checked by the auth service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QWidget

from app.services.kernel import auth
from app.services.kernel.context import Actor
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.worker import Progress, ServiceOp

if TYPE_CHECKING:
    from app.db import Database


class LoginDialog(FormDialog):
    """Accepted only with a correct password; `actor` is then the logged-in person.

    The password check (argon2, ~0.3 s here) runs off the GUI thread.
    """

    def __init__(self, db: Database, login: str = "", parent: QWidget | None = None) -> None:
        super().__init__("登录 — 返修通 FanXiu", "请输入用户名和密码。", "登录", "退出", parent)
        self.db = db
        self.actor: Actor | None = None
        self._op: ServiceOp | None = None
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
        db, login, password = self.db, self.login.text(), self.password.text()

        def check(_progress: Progress) -> Actor:
            return auth.login(db, login, password)

        self.show_error("")
        self._busy(True)
        op = ServiceOp(check)
        self._op = op
        op.finished.connect(self._logged_in)
        op.failed.connect(self._refused)
        op.start()

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
