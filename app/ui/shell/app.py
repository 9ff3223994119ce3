"""Start the window: paint the shell first, then open the data layer (FIELD_NOTES.md, "Start").

Nothing here imports the services at module level: `import sqlalchemy` alone costs ~350 ms, and
the person should see the window before that.
"""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from app.ui.kit.collector import GuiThreadCollector
from app.ui.kit.fonts import use_app_font
from app.ui.kit.prompts import Prompts
from app.ui.shell.frame import ShellWindow
from app.ui.shell.startup import Startup

# Measuring start-up from outside: "paint" prints "first-paint" at the shell's first paint and
# quits; "ready" prints "store-open" once the store is open and quits (tests/ui/test_startup.py).
PROBE_ENV = "FANXIU_STARTUP_PROBE"
log = logging.getLogger(__name__)


def _install_translations(app: QApplication) -> None:
    """Qt's own words (file dialogs, print dialog, context menus) in Chinese."""
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", path
    ):
        app.installTranslator(translator)


def _show_unexpected_errors(prompts: Prompts) -> None:
    """A bug in a slot must not pass unnoticed, nor end the program: log it and say so."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, error, trace))
        if isinstance(error, KeyboardInterrupt):
            QApplication.quit()
            return
        prompts.error(
            QApplication.activeWindow(),
            "程序内部错误",
            f"操作没有完成：{type(error).__name__}: {error}\n\n"
            "数据未被修改或已完整保存。请把这段信息告诉系统管理员。",
        )

    sys.excepthook = hook


def run_gui(database_url: str) -> int:
    """Run the program on the store at `database_url`; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("FanXiu")
    app.setOrganizationName("FanXiu")
    _install_translations(app)
    use_app_font(app)
    prompts = Prompts()
    _show_unexpected_errors(prompts)
    collector = GuiThreadCollector(app)
    shell = ShellWindow()
    probe = os.environ.get(PROBE_ENV, "")
    flow = Startup(database_url, shell, prompts, app.exit, stop_after_open=probe == "ready")
    if probe == "paint":
        shell.first_painted.connect(lambda: _probe_done(app, "first-paint"))
    else:
        shell.first_painted.connect(flow.begin, Qt.ConnectionType.QueuedConnection)
    shell.show()
    try:
        code = app.exec()
    finally:
        flow.dispose()  # lets a write still running finish, then closes the store
        collector.stop()
        sys.excepthook = sys.__excepthook__
    return flow.exit_code if flow.exit_code is not None else code


def _probe_done(app: QApplication, what: str) -> None:
    print(what, flush=True)
    app.exit(0)
