"""The admin's 登录账号 page, the login dialog's lock and wait, and 修改密码 in the status bar
(issue 8), driven as a person does: clicks, typed fields, the dialogs answered by a script."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.db import Database
from app.services.kernel import auth
from app.services.kernel.context import Actor
from app.services.kernel.terms import Role
from app.ui.admin.login_dialogs import ChangeLoginDialog, NewLoginDialog, ResetPasswordDialog
from app.ui.admin.logins_page import LoginsPage
from app.ui.kit.page import Desk
from app.ui.kit.runner import Runner
from app.ui.shell.login_dialog import ChangePasswordDialog, LoginDialog, PasswordButton
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, type_text

GOOD = "Huo-Jian-7Qz"


def _page(qtbot: Any, make_desk: Callable[..., Desk], actor: Actor) -> LoginsPage:
    page = LoginsPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    page.ensure_loaded()
    return page


def _row_of(page: LoginsPage, login: str) -> int:
    found = page.model.find(lambda r: r.login == login)
    assert found is not None, login
    return found


def _pick(qtbot: Any, page: LoginsPage, login: str) -> int:
    row = _row_of(page, login)
    click_row(qtbot, page.view, row)
    return row


def test_only_an_admin_sees_the_logins_page(org: Org, open_window: Callable[[Actor], Any]) -> None:
    admin = open_window(org.admin)
    assert admin.go("logins")
    assert isinstance(admin.pages.currentWidget(), LoginsPage)
    assert "clerk" in [r.login for r in admin.pages.currentWidget().model.rows()]
    clerk = open_window(org.clerk)
    assert clerk.nav_row("logins") == -1


def test_a_new_login_is_refused_a_weak_password_then_made(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    errors: list[str] = []

    def fill(dialog: NewLoginDialog, password: str) -> None:
        dialog.login.setText("zhouqi")
        type_text(qtbot, dialog.name, "周琦")
        dialog.unit.setCurrentText("质量部")
        dialog.role.setCurrentIndex(dialog.role.findText("质量检验员"))
        for field in (dialog.password, dialog.again):
            field.clear()
            qtbot.keyClicks(field, password)

    def weak_then_good(dialog: NewLoginDialog) -> bool:
        dialog.show()
        fill(dialog, "fanxiu123")
        click(qtbot, dialog.ok_button)
        errors.append(dialog.error_label.text())
        assert dialog.isVisible()  # refused: the admin corrects it in place
        fill(dialog, GOOD)
        with qtbot.waitSignal(dialog.accepted):
            click(qtbot, dialog.ok_button)
        return True

    prompts.then(weak_then_good)
    click(qtbot, page.new_button)
    assert "太常见" in errors[0]
    row = _row_of(page, "zhouqi")
    assert cell(page.view, row, "角色") == "质量检验员" and cell(page.view, row, "单位") == "质量部"
    assert cell(page.view, row, "最近登录") == "从未登录"
    assert "已新建登录 zhouqi" in page.feedback.text()
    assert auth.login(sqlite_db, "zhouqi", GOOD).role == Role.quality


def test_deactivation_refuses_the_open_window_at_its_next_action(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    open_window: Callable[[Actor], Any],
) -> None:
    clerk_window = open_window(org.clerk)  # 王敏 is at her desk
    page = _page(qtbot, make_desk, org.admin)
    _pick(qtbot, page, "clerk")
    assert page.active_button.text() == "停用"
    prompts.answers.append(True)  # 停用登录“clerk”？
    click(qtbot, page.active_button)
    row = _row_of(page, "clerk")
    assert cell(page.view, row, "状态") == "已停用"
    assert page.active_button.text() == "重新启用"

    # Her next action (here: changing her password) is refused, and says why.
    refused: list[str] = []

    def change(dialog: ChangePasswordDialog) -> bool:
        dialog.show()
        for field, text in ((dialog.old, "secret1"), (dialog.new, GOOD), (dialog.again, GOOD)):
            qtbot.keyClicks(field, text)
        click(qtbot, dialog.ok_button)
        refused.append(dialog.error_label.text())
        assert dialog.isVisible()
        dialog.reject()
        return False

    prompts.then(change)
    click(qtbot, clerk_window.findChild(PasswordButton))
    assert "已被系统管理员停用" in refused[0]


def test_a_locked_login_is_said_at_sign_in_and_an_admin_lifts_it(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    runner: Runner,
    sqlite_db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [dt.datetime.now(dt.UTC) - dt.timedelta(days=1)]
    monkeypatch.setattr(auth, "utcnow", lambda: now[0])
    dialog = LoginDialog(sqlite_db, runner, "clerk")
    qtbot.addWidget(dialog)
    dialog.show()
    for attempt in range(1, 11):
        qtbot.keyClicks(dialog.password, "not-her-password")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        said = dialog.error_label.text()
        if attempt == 5:
            assert "请在 1 分钟后再试" in said
            qtbot.keyClicks(dialog.password, "secret1")  # even the right one waits
            qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
            assert "后再试" in dialog.error_label.text() and dialog.actor is None
        now[0] += dt.timedelta(hours=1)
    assert "已被锁定" in said and "系统管理员" in said

    page = _page(qtbot, make_desk, org.admin)
    row = _pick(qtbot, page, "clerk")
    assert cell(page.view, row, "状态").startswith("已锁定")
    click(qtbot, page.unlock_button)
    assert cell(page.view, _row_of(page, "clerk"), "状态") == "在用"
    assert not page.unlock_button.isEnabled()
    qtbot.keyClicks(dialog.password, "secret1")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.name == "王敏"


def test_reset_and_change_of_role_through_their_forms(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    _pick(qtbot, page, "eng")

    def new_password(dialog: ResetPasswordDialog) -> None:
        qtbot.keyClicks(dialog.password, "Xin-Mima-42")
        qtbot.keyClicks(dialog.again, "Xin-Mima-42")

    prompts.expect(ResetPasswordDialog, new_password)
    click(qtbot, page.reset_button)
    assert "已重设 eng 的密码" in page.feedback.text()
    assert auth.login(sqlite_db, "eng", "Xin-Mima-42").name == "陈工"

    def to_manager(dialog: ChangeLoginDialog) -> None:
        dialog.role.setCurrentIndex(dialog.role.findText("总体/主管"))
        dialog.unit.setCurrentText("总体设计部")

    prompts.expect(ChangeLoginDialog, to_manager)
    click(qtbot, page.change_button)
    row = _row_of(page, "eng")
    assert (cell(page.view, row, "角色"), cell(page.view, row, "单位")) == (
        "总体/主管",
        "总体设计部",
    )
    # The admin's own login: no deactivation or reset here (another admin does that).
    _pick(qtbot, page, "admin")
    assert not page.active_button.isEnabled() and "自己" in page.active_button.toolTip()
    assert not page.reset_button.isEnabled()


def test_everyone_changes_their_own_password_from_the_status_bar(
    qtbot: Any,
    org: Org,
    prompts: ScriptedPrompts,
    open_window: Callable[[Actor], Any],
    sqlite_db: Database,
) -> None:
    window = open_window(org.engineer)
    button = window.findChild(PasswordButton)
    assert button is not None and button.isVisible()
    said: list[str] = []

    def wrong_then_right(dialog: ChangePasswordDialog) -> bool:
        dialog.show()
        for field, text in (
            (dialog.old, "secret1"),
            (dialog.new, "eng12345"),
            (dialog.again, "eng12345"),
        ):
            qtbot.keyClicks(field, text)
        click(qtbot, dialog.ok_button)
        said.append(dialog.error_label.text())  # contains the login name
        for field in (dialog.new, dialog.again):
            field.clear()
            qtbot.keyClicks(field, GOOD)
        with qtbot.waitSignal(dialog.accepted):
            click(qtbot, dialog.ok_button)
        return True

    prompts.then(wrong_then_right)
    click(qtbot, button)
    assert "登录名" in said[0]
    assert prompts.infos and "密码已修改" in prompts.infos[-1][1]
    assert auth.login(sqlite_db, "eng", GOOD).name == "陈工"
