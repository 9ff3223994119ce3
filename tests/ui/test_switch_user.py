"""切换用户: sign out and sign in as someone else without restarting the program."""

from __future__ import annotations

import time
from typing import Any

from shiboken6 import Shiboken

from app.db import Database
from app.ui.kit.runner import Change, call
from app.ui.shell.frame import ShellWindow
from app.ui.shell.login_dialog import LoginDialog
from app.ui.shell.main_window import MainWindow
from app.ui.shell.startup import Startup
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import click


def sign_in_as(login: str) -> Any:
    def fill(dialog: LoginDialog) -> None:
        dialog.login.setText(login)
        dialog.password.setText("secret1")

    return fill


def test_a_clerk_hands_the_desk_to_a_manager_then_the_program_ends(
    qtbot: Any, sqlite_db: Database
) -> None:
    Org(sqlite_db)
    prompts = ScriptedPrompts(qtbot)
    prompts.expect(LoginDialog, sign_in_as("clerk"))
    codes: list[int] = []
    shell = ShellWindow()
    qtbot.addWidget(shell)
    flow = Startup(sqlite_db.url, shell, prompts, codes.append)
    shell.show()
    flow.begin()
    qtbot.waitUntil(lambda: flow.window is not None, timeout=30_000)
    clerk_window = flow.window
    assert isinstance(clerk_window, MainWindow)
    assert "王敏" in clerk_window.user_label.text() and "calendar" not in clerk_window.keys

    # A write of the clerk's is still under way when the manager asks for the desk.
    written: list[str] = []

    def slow_write() -> None:
        time.sleep(0.4)
        written.append("done")

    flow.runner.run(clerk_window, call(slow_write), changes=Change.TASKS)
    assert flow.runner.pending >= 1  # (the dashboard may still be reading too)

    def manager_signs_in(dialog: LoginDialog) -> bool:
        assert written == ["done"], "the login was asked before the clerk's write ended"
        assert not clerk_window.isVisible() and shell.isVisible()
        assert not clerk_window._poll.isActive() and not clerk_window.reminders.timer.isActive()
        prompts.expect(LoginDialog, sign_in_as("boss"))
        return bool(prompts.handlers.pop(0)(dialog))

    prompts.then(manager_signs_in)
    click(qtbot, clerk_window.switch_button)
    qtbot.waitUntil(lambda: flow.window not in (None, clerk_window), timeout=30_000)
    manager_window = flow.window
    assert isinstance(manager_window, MainWindow) and manager_window.isVisible()
    assert "赵总" in manager_window.user_label.text()
    assert "calendar" in manager_window.keys and "logins" not in manager_window.keys
    assert not shell.isVisible() and codes == []

    # The next person changes their mind at the login: the program ends cleanly.
    prompts.expect(LoginDialog, accept=False)
    click(qtbot, manager_window.switch_button)
    qtbot.waitUntil(lambda: codes == [0], timeout=30_000)
    assert flow.exit_code == 0 and flow.window is None
    # Signed out: hidden, or already destroyed by Qt (deleteLater) while the test waited.
    assert not (Shiboken.isValid(manager_window) and manager_window.isVisible())
    assert not shell.isVisible()
    flow.dispose()
