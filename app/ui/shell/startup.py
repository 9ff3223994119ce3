"""From the painted shell to the main window: open the store, first start, login.

The store (and with it SQLAlchemy, ~350 ms of imports) is opened in a worker thread after the
shell's first paint, so the window shows at once and stays responsive (FIELD_NOTES.md, "Start").
"""

from __future__ import annotations

import gc
import html
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Runner, call, call_later_imported
from app.ui.shell.frame import ShellWindow

if TYPE_CHECKING:
    from app.db import Database
    from app.services.kernel.context import Actor
    from app.ui.shell.main_window import MainWindow

WAIT_FOR_WRITES_MS = 50
DAILY_BACKUP_AFTER_MS = 3_000
WARM_AFTER_MS = 300  # the login dialog has been up this long: the person is typing  # 切换用户 polls the runner until the last write has ended


def demo_logins_html(logins: list[tuple[str, str, str, str]]) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in login) + "</tr>"
        for login in logins
    )
    return (
        "<p>演示数据已载入。可以用下列账号登录，体验不同角色：</p>"
        "<p>这些账号的密码只用于演示数据库；正式使用时新建的登录须设符合规则的密码。</p>"
        "<table cellspacing='0' cellpadding='6' border='1'>"
        "<tr><th>用户名</th><th>密码</th><th>角色</th><th>单位</th></tr>"
        f"{rows}</table>"
    )


class DemoLoginsDialog(FormDialog):
    """The demo's logins, shown once after the demo is loaded."""

    def __init__(
        self, logins: list[tuple[str, str, str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__("演示账号", ok_text="知道了", parent=parent)
        table = QLabel(demo_logins_html(logins))
        table.setTextFormat(Qt.TextFormat.RichText)
        table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow(table)
        self.cancel_button.hide()
        self.setMinimumWidth(560)


class Startup(QObject):
    """Runs the start-up steps; `exit(code)` ends the program when no window follows."""

    def __init__(
        self,
        url: str,
        shell: ShellWindow,
        prompts: Prompts,
        exit: Callable[[int], None],
        stop_after_open: bool = False,
    ) -> None:
        super().__init__()
        self.url = url
        self.shell = shell
        self.prompts = prompts
        self._exit = exit
        self.db: Database | None = None
        self.window: MainWindow | None = None
        # Windows signed out but not yet destroyed (deleteLater): held until Qt has destroyed
        # them, so the collector, which may run in a worker thread, never destroys one there.
        self._retired: dict[int, MainWindow] = {}
        self._frozen = False
        self.exit_code: int | None = None
        self._stop_after_open = stop_after_open
        self._warm: QTimer | None = None
        # The one runner of this program's window: the login and the main window use it too.
        self.runner = Runner(prompts, parent=self)

    def begin(self) -> None:
        self.shell.show_status("正在打开数据库…")
        # The data layer is imported in the worker, after the shell's first paint.
        job = call_later_imported("app.services.kernel.bootstrap:open_store", self.url)
        self.runner.run(self.shell, job, done=self._opened, failed=self._failed)

    def _failed(self, message: str) -> None:
        self.shell.show_status("无法打开数据库")
        self.prompts.error(
            self.shell,
            "无法打开数据库",
            f"{message}\n\n数据库地址：{self.url}\n请检查数据库设置或联系系统管理员。",
        )
        self._finish(1)

    def _opened(self, db: Database) -> None:
        self.db = db
        if self._stop_after_open:  # measuring start-up (app.PROBE_ENV)
            print("store-open", flush=True)
            self._finish(0)
            return
        # The window's modules pull in the services: imported off the GUI thread too.
        job = call(importlib.import_module, "app.ui.shell.main_window")
        self.runner.run(self.shell, job, done=lambda _module: self._imported(db))

    def _imported(self, db: Database) -> None:
        # The modules, the data layer and the store live as long as the program: kept out of
        # the collector, whose passes over them blocked the GUI thread for 159 ms at 1M lines,
        # 110 ms of the start even before the window showed (bench/RESULTS.md). Not collected
        # first: that pass is what it saves, and what it would free is a few import leftovers.
        gc.freeze()
        # While the person types the password, the dashboard is read once for nobody: the first
        # reading after sign-in then costs what later ones do. Not when the login is answered at
        # once: beside the window's own first reading it only slowed that down.
        self._warm = QTimer(self)
        self._warm.setSingleShot(True)
        self._warm.timeout.connect(lambda: self._warm_dashboard(db))
        self._warm.start(WARM_AFTER_MS)
        self._ask_first_start(db)

    def _warm_dashboard(self, db: Database) -> None:
        job = call_later_imported("app.services.oversight.dashboard:warm", db)
        self.runner.run(None, job, failed=lambda _message: None, background=True)

    def _ask_first_start(self, db: Database) -> None:
        from app.services.kernel import auth

        self.shell.show_status("请登录")
        self.runner.run(
            self.shell,
            call(auth.has_users, db),
            done=lambda has_users: self._sign_in(db, has_users),
            failed=self._failed,  # the store went away between the steps
        )

    def _sign_in(self, db: Database, has_users: bool) -> None:
        login = ""
        if not has_users:
            from app.ui.shell.first_start_dialog import FirstStartDialog  # and the demo's modules

            first = FirstStartDialog(db, self.runner, self.shell)
            if not self.prompts.run(first):
                self._finish(0)
                return
            login = first.login.text().strip()
            if first.demo is not None and first.demo.logins:
                self.prompts.run(DemoLoginsDialog(first.demo.logins, self.shell))
            elif first.admin is not None:
                from app.ui.shell.setup_wizard import run_setup_wizard

                self.shell.show_status("设置向导")
                run_setup_wizard(db, first.admin, self.runner, self.prompts, self.shell)
        self._ask_login(db, login)

    def _ask_login(self, db: Database, login: str = "") -> None:
        from app.ui.shell.login_dialog import LoginDialog

        self.shell.show_status("请登录")
        dialog = LoginDialog(db, self.runner, login, self.shell)
        if not self.prompts.run(dialog) or dialog.actor is None:
            self._finish(0)
            return
        self._open_window(db, dialog.actor)

    def _open_window(self, db: Database, actor: Actor) -> None:
        from app.ui.shell.main_window import MainWindow

        if self._warm is not None:
            self._warm.stop()

        window = MainWindow(db, actor, self.prompts, runner=self.runner)
        window.setGeometry(self.shell.geometry())
        # Queued: the login dialog opens after the button's click has been handled.
        window.switch_user.connect(self.switch_user, Qt.ConnectionType.QueuedConnection)
        window.show()
        self.window = window
        self.shell.close()
        if not self._frozen:
            self._frozen = True
            # The first window lives as long as the program: out of the collector's way too.
            gc.freeze()
            # Today's automatic backup of a SQLite store (issue 9), once the window is at work:
            # copying a store of a million lines takes 17 s of the disk and a core, which the
            # window's start and first data should not share (issue 10).
            QTimer.singleShot(DAILY_BACKUP_AFTER_MS, self, lambda: self._daily_backup(db))

    def _daily_backup(self, db: Database) -> None:
        job = call_later_imported("app.services.admin.backup:daily_backup", db)
        self.runner.run(None, job, background=True)

    def switch_user(self) -> None:
        """切换用户: the shell comes back, writes under way finish, then the login is asked."""
        window = self.window
        if window is None or self.db is None:
            return
        self.shell.setGeometry(window.geometry())
        self.shell.show()  # keeps the program alive while no main window is open
        self.shell.show_status("正在保存…")
        window.stop_timers()
        window.setEnabled(False)  # nothing new starts while the last writes end
        self._close_when_idle(window, self.db)

    def _close_when_idle(self, window: MainWindow, db: Database) -> None:
        if self.runner.pending:
            QTimer.singleShot(WAIT_FOR_WRITES_MS, lambda: self._close_when_idle(window, db))
            return
        key = id(window)
        self._retired[key] = window
        window.destroyed.connect(lambda _obj=None, key=key: self._retired.pop(key, None))
        window.sign_out()
        self.window = None
        self._ask_login(db)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        self.shell.close()
        self._exit(code)

    def dispose(self) -> None:
        self.runner.shutdown()
        if self.db is not None:
            self.db.dispose()
