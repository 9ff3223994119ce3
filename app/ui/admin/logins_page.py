"""登录账号 (admin): every login with its role, unit and state; new, change, reset, unlock,
deactivate and reactivate, each a small form or a question, each a service call with audit."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.admin import logins
from app.services.admin.logins import LoginRow
from app.services.kernel.context import to_local
from app.services.kernel.terms import role_label
from app.ui.admin.login_dialogs import (
    ChangeLoginDialog,
    LoginActionDialog,
    NewLoginDialog,
    ResetPasswordDialog,
)
from app.ui.kit.gates import gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table, select_row

IDLE = "选择一个登录后可修改、重设密码、解除锁定或停用。停用和角色、单位的修改立即生效。"
PICK = "请先在列表中选择一个登录。"


def state_text(row: LoginRow) -> str:
    if not row.active:
        return "已停用"
    if row.locked:
        return f"已锁定（连续 {row.failed_sign_ins} 次密码错误）"
    if row.wait_left:
        minutes = max(1, round(row.wait_left.total_seconds() / 60))
        return f"须等待约 {minutes} 分钟（连续 {row.failed_sign_ins} 次密码错误）"
    if row.failed_sign_ins:
        return f"在用（连续 {row.failed_sign_ins} 次密码错误）"
    return "在用"


def state_tone(row: LoginRow) -> Tone | None:
    if not row.active:
        return Tone.muted
    if row.locked:
        return Tone.bad
    return Tone.warn if row.failed_sign_ins else None


def last_sign_in(row: LoginRow) -> str:
    if row.last_sign_in_at is None:
        return "从未登录"
    return to_local(row.last_sign_in_at).strftime("%Y-%m-%d %H:%M")


COLUMNS = (
    Column("登录名", lambda r: r.login, width=130),
    Column("姓名", lambda r: r.name, width=110),
    Column("角色", lambda r: role_label(r.role), width=130),
    Column("单位", lambda r: r.unit, width=170),
    Column("状态", state_text, tone=state_tone, width=260),
    Column("最近登录", last_sign_in),
)


class LoginsPage(Page):
    """The admin's list of logins and what can be done to one."""

    watches = Change.LOGINS

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        title = QLabel("登录账号")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.new_button = QPushButton("新建登录…")
        self.change_button = QPushButton("修改角色/单位…")
        self.reset_button = QPushButton("重设密码…")
        self.unlock_button = QPushButton("解除锁定")
        self.active_button = QPushButton("停用")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        for button in (
            self.new_button,
            self.change_button,
            self.reset_button,
            self.unlock_button,
            self.active_button,
            self.refresh_button,
        ):
            head.addWidget(button)
        self.feedback = FeedbackLine()
        self.feedback.show_idle(IDLE)
        self.model = PagedTableModel(COLUMNS, list_fetcher(()), parent=self)
        self.view = make_table(self.model)
        self.layout_.addLayout(head)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.view, 1)
        self.new_button.clicked.connect(self.new_login)
        self.change_button.clicked.connect(self.change_selected)
        self.reset_button.clicked.connect(self.reset_selected)
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.active_button.clicked.connect(self.toggle_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.view.activated.connect(lambda _index: self.change_selected())
        self._loaded = False
        self._update_buttons()

    def ensure_loaded(self) -> None:
        """The first read happens when the page is first shown (only admins ever see it)."""
        if not self._loaded:
            self.refresh()

    # --- reading ------------------------------------------------------------------------------

    def refresh(self, keep: int | None = None) -> None:
        """Read the logins again, keeping the selected one (or `keep`) selected."""
        self._loaded = True
        current = self.selected()
        keep = keep if keep is not None else (current.id if current else None)
        rows = self.now(call(logins.list_logins, self.db, self.actor), default=[])
        self.model.set_fetcher(list_fetcher(rows))
        found = self.model.find(lambda r: r.id == keep) if keep is not None else None
        if found is not None:
            select_row(self.view, found)
        self._update_buttons()

    def selected(self) -> LoginRow | None:
        index = self.view.selectionModel().currentIndex() if self.view.selectionModel() else None
        if index is None or not index.isValid() or index.row() >= self.model.rowCount():
            return None
        row: LoginRow = self.model.row(index.row())
        return row

    def _update_buttons(self) -> None:
        row = self.selected()
        none = PICK if row is None else ""
        is_self = row is not None and row.id == self.actor.user_id
        mine = "这是您自己的登录：请由另一位系统管理员操作；您的密码在状态栏“修改密码”中修改。"
        gate(self.change_button, none, tip="修改姓名、角色或单位")
        gate(self.reset_button, none, mine if is_self else "", tip="设一个新密码并解除锁定")
        stuck = row is not None and (row.locked or row.failed_sign_ins > 0)
        gate(
            self.unlock_button,
            none,
            "" if stuck else "该登录没有被锁定，也没有密码错误的记录。",
            tip="清除密码错误次数，解除锁定或等待",
        )
        active = row is None or row.active
        self.active_button.setText("停用" if active else "重新启用")
        gate(
            self.active_button,
            none,
            mine if is_self else "",
            tip="停用后立即生效；记录上的姓名保留" if active else "恢复该登录",
        )

    # --- acting -------------------------------------------------------------------------------

    def _units(self) -> list[str]:
        units: list[str] = self.now(call(logins.login_units, self.db, self.actor), default=[])
        return units

    def _form(self, dialog: LoginActionDialog, said: str) -> None:
        if self.prompts.run(dialog) and dialog.row is not None:
            self.refresh(keep=dialog.row.id)
            self.feedback.show_result(Tone.ok, said.format(login=dialog.row.login))

    def new_login(self) -> None:
        self._form(NewLoginDialog(self.desk, self._units(), self), "已新建登录 {login}。")

    def change_selected(self) -> None:
        row = self.selected()
        if row is not None:
            dialog = ChangeLoginDialog(self.desk, row, self._units(), self)
            self._form(dialog, "已修改登录 {login}。")

    def reset_selected(self) -> None:
        row = self.selected()
        if row is not None and self.reset_button.isEnabled():
            dialog = ResetPasswordDialog(self.desk, row, self)
            self._form(dialog, "已重设 {login} 的密码，请把新密码告诉本人。")

    def unlock_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.run(
                call(logins.unlock, self.db, self.actor, row.id),
                done=lambda r: self._done(r, f"已解除 {r.login} 的锁定，可以重新登录。"),
                changes=Change.LOGINS,
            )

    def toggle_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.active and not self.prompts.ask(
            self,
            "停用登录",
            f"停用登录“{row.login}”（{row.name}）？\n\n立即生效：该登录已打开的窗口在下一次操作时"
            "即被拒绝，也不能再登录。记录上的姓名保留，以后可以重新启用。",
            "停用",
            "取消",
        ):
            return
        said = "已停用 {login}。" if row.active else "已重新启用 {login}，本人可以登录。"
        self.run(
            call(logins.set_active, self.db, self.actor, row.id, not row.active),
            done=lambda r: self._done(r, said.format(login=r.login)),
            changes=Change.LOGINS,
        )

    def _done(self, row: LoginRow, said: str) -> None:
        self.refresh(keep=row.id)
        self.feedback.show_result(Tone.ok, said)

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
