"""首次启动: create the administrator's login, and optionally load the demo data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QProgressBar, QWidget

from app.services.admin.first_start import FirstStart, first_start
from app.services.kernel.context import Actor
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.runner import Operation, Runner, call

if TYPE_CHECKING:
    from app.db import Database


class FirstStartDialog(FormDialog):
    """Accepted once the admin exists (and the demo, when asked for, is loaded)."""

    def __init__(self, db: Database, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(
            "首次启动 — 返修通 FanXiu",
            "数据库中还没有任何账号。请先创建系统管理员账号；"
            "接着设置向导会带您填写本厂的单位、产品型号和各岗位的登录。"
            "只想先看看程序，可勾选“加载演示数据”。",
            "创建账号",
            "退出",
            parent,
        )
        self.db = db
        self.runner = runner
        self.admin: Actor | None = None
        self.demo: Any = None  # app.services.admin.demo.DemoResult when the demo was loaded
        self._op: Operation | None = None
        self.login = QLineEdit("admin")
        self.name = QLineEdit("系统管理员")
        self.password = QLineEdit()
        self.password_again = QLineEdit()
        for field in (self.password, self.password_again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText("至少 8 位，不能包含登录名，不能是常见密码")
        self.load_demo = QCheckBox("加载演示数据")
        self.load_demo.setToolTip(
            "载入演示用的单位、产品型号、各角色的账号和几个返厂任务，便于熟悉程序。"
        )
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.form.addRow("登录名：", self.login)
        self.form.addRow("姓名：", self.name)
        self.form.addRow("密码：", self.password)
        self.form.addRow("再次输入密码：", self.password_again)
        self.form.addRow("", self.load_demo)
        self.form.addRow("", self.busy)
        self.password.setFocus()

    def accept(self) -> None:
        if self._op is not None:
            return
        if self.admin is None and self.password.text() != self.password_again.text():
            self.show_error("两次输入的密码不一致。")
            return
        with_demo = self.load_demo.isChecked() and self.demo is None
        # Hashing the password (argon2) and writing the demo take a while: off the GUI thread.
        job = call(
            first_start,
            self.db,
            self.login.text(),
            self.name.text(),
            self.password.text(),
            make_admin=self.admin is None,
            with_demo=with_demo,
        )
        self.show_error("")
        self._set_busy(True, "正在载入演示数据…" if with_demo else "正在创建账号…")
        op = self.runner.run(self, job, done=self._done, failed=self._failed)
        self._op = None if op.done else op

    def _set_busy(self, busy: bool, text: str = "创建账号") -> None:
        self.busy.setVisible(busy)
        for widget in (self.login, self.name, self.password, self.password_again):
            widget.setEnabled(not busy and self.admin is None)
        self.load_demo.setEnabled(not busy)
        self.ok_button.setText(text)
        self.set_ok_enabled(not busy)

    def _done(self, result: FirstStart) -> None:
        self._op = None
        if result.admin is not None:
            self.admin = result.admin
        if result.demo_refused:
            # The admin exists already; the person can go on without the demo.
            self.load_demo.setChecked(False)
            self._set_busy(False, "继续（不载入演示数据）")
            self.show_error(f"管理员账号已创建，但演示数据未能载入：{result.demo_refused}")
            return
        self.demo = result.demo
        super().accept()

    def _failed(self, message: str) -> None:
        self._op = None
        self._set_busy(False, "创建账号" if self.admin is None else "继续")
        self.show_error(message)

    def reject(self) -> None:
        if self._op is not None:
            return  # the demo is being written; let it finish
        super().reject()
