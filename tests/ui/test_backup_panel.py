"""备份与恢复 on the settings page: the admin clicks 立即备份, picks a file, and the store is copied
off the GUI thread while the window stays usable; the automatic backups are listed with their
dates and sizes; 打开备份文件夹 hands the folder to the file manager."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl

from app.services.admin import backup
from app.services.handover import returns
from app.ui.admin.settings_page import SettingsPage
from app.ui.kit.page import Desk
from tests.ui.helpers import click


def _page(qtbot: Any, desk: Desk) -> SettingsPage:
    page = SettingsPage(desk)
    qtbot.addWidget(page)
    page.resize(1280, 900)
    page.show()
    page.ensure_loaded()
    return page


def _tasks(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return sorted(n for (n,) in conn.execute("SELECT number FROM return_task"))


def test_back_up_now_lists_and_opens_the_folder(  # type: ignore[no-untyped-def]
    qtbot, org, sqlite_db, prompts, live_runner
):
    returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    backup.daily_backup(sqlite_db.url, today=dt.date(2026, 6, 1))
    page = _page(qtbot, Desk(sqlite_db, org.admin, prompts, live_runner))
    panel = page.backup_panel
    assert "每天第一次启动返修通时" in panel.about.text()
    assert [(f.kind_label, f.name) for f in panel.files()] == [
        ("每日自动", "fanxiu-2026-06-01.daily.db")
    ]
    assert panel.table.model().index(0, 2).data().endswith("KB")

    assert panel.view is not None
    target = Path(panel.view.folder) / panel.view.suggested
    prompts.files.append(str(target))
    click(qtbot, panel.backup_button)
    qtbot.waitUntil(lambda: panel.feedback.text().startswith("已备份到"), timeout=20_000)
    assert panel.backup_button.isEnabled()
    assert str(target) in panel.feedback.text()
    assert _tasks(target) == _tasks(Path(sqlite_db.url.removeprefix("sqlite:///")))
    kinds = sorted(f.kind_label for f in panel.files())
    assert kinds == ["手动", "每日自动"]
    assert prompts.errors == []

    opened: list[QUrl] = []
    panel.open_url = opened.append
    click(qtbot, panel.folder_button)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert opened == [QUrl.fromLocalFile(panel.view.folder)]


def test_a_backup_that_cannot_be_written_says_so(qtbot, org, sqlite_db, prompts, make_desk):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk(org.admin))
    panel = page.backup_panel
    assert panel.files() == []
    prompts.files.append("/proc/no-such-place/fanxiu.db")
    click(qtbot, panel.backup_button)
    assert panel.feedback.text().startswith("备份没有完成")
    assert panel.backup_button.isEnabled()
    # Cancelled in the file dialog: nothing happens.
    click(qtbot, panel.backup_button)
    assert panel.feedback.text().startswith("备份没有完成")


def test_the_first_start_of_the_day_backs_the_store_up(qtbot, org, sqlite_db):  # type: ignore[no-untyped-def]
    from app.ui.shell.frame import ShellWindow
    from app.ui.shell.login_dialog import LoginDialog
    from app.ui.shell.startup import Startup
    from tests.ui.conftest import ScriptedPrompts

    folder = Path(sqlite_db.url.removeprefix("sqlite:///")).parent / "backups"
    today = folder / f"fanxiu-{dt.date.today().isoformat()}.daily.db"
    for start in range(2):
        prompts = ScriptedPrompts(qtbot)

        def sign_in(dialog: Any) -> None:
            dialog.login.setText("admin")
            dialog.password.setText("secret1")

        prompts.expect(LoginDialog, sign_in)
        shell = ShellWindow()
        qtbot.addWidget(shell)
        flow = Startup(sqlite_db.url, shell, prompts, lambda _code: None)
        shell.show()
        flow.begin()
        qtbot.waitUntil(lambda: flow.window is not None, timeout=30_000)  # noqa: B023
        qtbot.addWidget(flow.window)
        qtbot.waitUntil(lambda: today.exists(), timeout=30_000)  # noqa: B023
        flow.dispose()
        assert prompts.errors == []
        # Once a day: the second start leaves the one backup as it was.
        assert sorted(p.name for p in folder.iterdir()) == [today.name], start
    assert _tasks(today) == _tasks(Path(sqlite_db.url.removeprefix("sqlite:///")))


def test_render(qtbot, org, sqlite_db, prompts, make_desk):  # type: ignore[no-untyped-def]
    """FANXIU_SHOT=FILE.png saves the 备份与恢复 section (README)."""
    import os

    for day in (dt.date(2026, 11, 27), dt.date(2026, 11, 28), dt.date(2026, 11, 29)):
        made = backup.daily_backup(sqlite_db.url, today=day)
        assert made is not None
        taken = dt.datetime.combine(day, dt.time(8, 2)).timestamp()  # that morning's start
        os.utime(made, (taken, taken))
    page = _page(qtbot, make_desk(org.admin))
    panel = page.backup_panel
    assert [f.taken.date().day for f in panel.files()] == [29, 28, 27]  # newest first
    out = os.environ.get("FANXIU_SHOT")
    if out:
        page.resize(1280, 1400)
        qtbot.wait(50)
        panel.grab().save(out)
