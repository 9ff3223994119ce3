"""Start-up: the first-start dialog, the login, a store that cannot be opened, time to paint."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt

from app.db import Database
from app.services.admin import backup
from app.services.kernel import auth
from app.ui.kit.runner import Runner
from app.ui.shell.first_start_dialog import FirstStartDialog
from app.ui.shell.frame import ShellWindow
from app.ui.shell.login_dialog import LoginDialog
from app.ui.shell.main_window import MainWindow
from app.ui.shell.setup_wizard import LoginsStep, ModelsStep, UnitsStep
from app.ui.shell.startup import Startup
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import click

ROOT = Path(__file__).resolve().parents[2]


def fill_admin(dialog: FirstStartDialog, password: str, again: str) -> None:
    dialog.login.setText("chief")
    dialog.name.setText("张主任")
    dialog.password.setText(password)
    dialog.password_again.setText(again)


def test_first_start_creates_the_admin(
    qtbot: Any, sqlite_db: Database, live_runner: Runner
) -> None:
    assert not auth.has_users(sqlite_db)
    dialog = FirstStartDialog(sqlite_db, live_runner)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_admin(dialog, "Guan-Li-2026", "Guan-Li-2027")
    click(qtbot, dialog.ok_button)
    assert "不一致" in dialog.error_label.text() and not auth.has_users(sqlite_db)

    fill_admin(dialog, "123", "123")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: "至少 8 位" in dialog.error_label.text())
    assert not auth.has_users(sqlite_db) and dialog.ok_button.isEnabled()

    fill_admin(dialog, "Guan-Li-2026", "Guan-Li-2026")
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        click(qtbot, dialog.ok_button)
    assert dialog.admin is not None and dialog.admin.role == "admin"
    assert auth.login(sqlite_db, "chief", "Guan-Li-2026").name == "张主任"


def test_first_start_with_the_demo(qtbot: Any, sqlite_db: Database, live_runner: Runner) -> None:
    dialog = FirstStartDialog(sqlite_db, live_runner)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_admin(dialog, "Guan-Li-2026", "Guan-Li-2026")
    click(qtbot, dialog.load_demo)
    click(qtbot, dialog.ok_button)
    assert not dialog.ok_button.isEnabled()  # while the demo is written
    qtbot.waitUntil(lambda: bool(dialog.result() or dialog.error_label.text()), timeout=60_000)
    assert dialog.error_label.text() == ""
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.demo is not None and dialog.demo.logins
    login, password, _role, _unit = dialog.demo.logins[0]
    assert auth.login(sqlite_db, login, password).name


class SlowHasher(PasswordHasher):
    """Verifies as slowly as argon2 at production cost on a slow desk computer."""

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        time.sleep(0.2)
        return super().verify(hash, password)


def test_login_dialog(
    qtbot: Any, sqlite_db: Database, live_runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.create_first_admin(sqlite_db, "chief", "张主任", "Guan-Li-2026")
    monkeypatch.setattr(auth, "_hasher", SlowHasher(time_cost=1, memory_cost=1024, parallelism=1))
    dialog = LoginDialog(sqlite_db, live_runner, "chief")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "wrong-one")
    click(qtbot, dialog.ok_button)
    assert dialog.ok_button.text() == "正在登录…"  # checked off the GUI thread
    qtbot.waitUntil(lambda: "用户名或密码不正确" in dialog.error_label.text())
    assert dialog.actor is None and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, "Guan-Li-2026")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.name == "张主任"


def test_startup_flow_to_the_main_window(qtbot: Any, sqlite_url: str) -> None:
    """First start on an empty store: admin dialog, then login, then the window replaces the shell."""
    prompts = ScriptedPrompts(qtbot)
    prompts.expect(FirstStartDialog, lambda d: fill_admin(d, "Guan-Li-2026", "Guan-Li-2026"))
    for step in (UnitsStep, ModelsStep, LoginsStep):  # every step left for later
        prompts.expect(step, accept=False)
    prompts.expect(LoginDialog, lambda d: d.password.setText("Guan-Li-2026"))
    codes: list[int] = []
    shell = ShellWindow()
    qtbot.addWidget(shell)
    flow = Startup(sqlite_url, shell, prompts, codes.append)
    shell.show()
    flow.begin()
    qtbot.waitUntil(lambda: flow.window is not None, timeout=30_000)
    window = flow.window
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    assert window.windowTitle() == "返修通 FanXiu" and window.isVisible()
    assert "张主任" in window.user_label.text() and "系统管理员" in window.user_label.text()
    assert not shell.isVisible() and codes == []
    assert prompts.infos[-1][0] == "设置完成"
    # Today's automatic backup is taken once the window is at work, not while it starts.
    store = backup.sqlite_file(sqlite_url)
    assert store is not None
    folder = backup.backups_folder(sqlite_url)
    assert backup.daily_backups(folder, store.stem) == {}
    qtbot.waitUntil(lambda: bool(backup.daily_backups(folder, store.stem)), timeout=30_000)
    flow.dispose()


def test_a_store_that_cannot_be_opened_says_so_and_exits_1(qtbot: Any) -> None:
    prompts = ScriptedPrompts(qtbot)
    codes: list[int] = []
    shell = ShellWindow()
    qtbot.addWidget(shell)
    flow = Startup("sqlite:////proc/fanxiu-cannot-be-here/fanxiu.db", shell, prompts, codes.append)
    flow.begin()
    qtbot.waitUntil(lambda: codes == [1], timeout=30_000)
    title, text = prompts.errors[0]
    assert title == "无法打开数据库" and "无法创建数据目录" in text
    assert flow.exit_code == 1


def run_probe(probe: str, url: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FANXIU_STARTUP_PROBE=probe)
    code = (
        "import sys; from app.ui.shell.app import run_gui; rc = run_gui(sys.argv[1]); "
        "print('sqlalchemy-loaded' if 'sqlalchemy' in sys.modules else 'sqlalchemy-not-loaded'); "
        "raise SystemExit(rc)"
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return time.perf_counter() - started, proc


@pytest.mark.slow
def test_the_window_paints_before_the_data_layer_loads(sqlite_url: str) -> None:
    """The real program: the shell is painted first, with SQLAlchemy not yet imported."""
    run_probe("paint", sqlite_url)  # warm the disk cache
    elapsed, proc = run_probe("paint", sqlite_url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["first-paint", "sqlalchemy-not-loaded"]
    # FIELD_NOTES measured ~0.26 s for a window with a table here; leave room for a busy CI box.
    assert elapsed < 3.0, f"first paint took {elapsed:.2f} s"


@pytest.mark.slow
def test_the_real_program_opens_the_store(sqlite_url: str) -> None:
    elapsed, proc = run_probe("ready", sqlite_url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["store-open", "sqlalchemy-loaded"]
    assert elapsed < 30


def test_enter_accepts_a_form_once_it_is_complete(qtbot: Any) -> None:
    """OK starts disabled until the form is filled; Enter must still press it afterwards."""
    from app.ui.handover.reject_dialog import RejectDialog
    from tests.ui.helpers import type_text

    dialog = RejectDialog("DY-3/DY3-2026009")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok_button.isEnabled()
    edit = dialog.reason_box.lineEdit()
    type_text(qtbot, edit, "外壳裂纹")  # no common reason starts so: no completer popup
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert dialog.reason() == "外壳裂纹"


def test_the_shell_shows_its_busy_bar_only_when_the_wait_lasts(qtbot: Any) -> None:
    """A moving bar takes Python's lock at every frame from the worker opening the store: the
    usual start (under half a second) shows the words alone, a longer wait the bar too."""
    shell = ShellWindow()
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitExposed(shell)
    assert shell.busy.isHidden() and shell.status.text() == "正在打开数据库…"
    qtbot.waitUntil(shell.busy.isVisible, timeout=3_000)
