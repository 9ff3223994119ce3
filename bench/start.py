"""Child of bench.run: start the program (or a bare window) and report when it painted.

    python -m bench.start program|bare URL SPAWN_TIME

Prints one JSON line of wall-clock times (time.time()): "paint" (first paint of the window) and
"data" (the task list painted with rows). `program` starts the window as `fanxiu` does
(app.cli.main) with the login dialog answered by script; `bare` paints a QMainWindow with a
QTableView, then fills it with the first page of tasks read with sqlite3 or psycopg.
Nothing heavier than PySide6 is imported before the first paint in either.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

BENCH_PASSWORD = "bench123"  # bench.generate.PASSWORD (not imported: it would load SQLAlchemy)
BENCH_LOGIN = "wangmin"

marks: dict[str, float] = {}


def _done() -> None:

    if "data" in marks:
        return
    marks["data"] = time.time()
    marks.pop("queued", None)
    marks.pop("start_page", None)
    print(json.dumps(marks), flush=True)
    # Leave at once: quitting the loop while a worker of the window still runs aborts the
    # process ("QThread: Destroyed while thread is still running"), which is not what we time.
    os._exit(0)


def program(url: str) -> int:
    """The window as `fanxiu --db URL` starts it, with hooks that only take times."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    import app.ui.shell.app as ui_app
    import app.ui.shell.frame as shell
    import app.ui.shell.startup as startup
    from app.cli import main as fanxiu
    from app.ui.kit.prompts import Prompts

    painted = shell.ShellWindow.paintEvent

    def paint_event(self: Any, event: Any) -> None:
        painted(self, event)
        marks.setdefault("paint", time.time())

    shell.ShellWindow.paintEvent = paint_event  # type: ignore[method-assign]

    def stamp(name: str, method: Any) -> Any:
        def wrapped(self: Any, *args: Any) -> Any:
            marks.setdefault(f"{name}_start", time.time())
            result = method(self, *args)
            marks.setdefault(f"{name}_end", time.time())
            return result

        return wrapped

    # Phases: the store opened in the worker (begin → opened), sign-in and the main window built.
    flow = startup.Startup
    flow.begin = stamp("open_store", flow.begin)  # type: ignore[method-assign]
    flow._opened = stamp("opened", flow._opened)  # type: ignore[method-assign]
    flow._sign_in = stamp("sign_in", flow._sign_in)  # type: ignore[method-assign]
    opened_window = stamp("window", flow._open_window)

    def open_window(self: Any, *args: Any) -> Any:
        result = opened_window(self, *args)
        # Only now, when the start page can be painted: a filter on every event of the start
        # would take Python's lock from the worker opening the store, which the program
        # itself never does (it cost the measured start ~0.1 s).
        QApplication.instance().installEventFilter(watch)  # type: ignore[union-attr]
        return result

    flow._open_window = open_window  # type: ignore[method-assign]

    class AutoLogin(Prompts):
        """Answers the login dialog at once; any other dialog is refused."""

        def run(self, dialog: QDialog) -> bool:
            from app.ui.shell.login_dialog import LoginDialog

            if not isinstance(dialog, LoginDialog):
                print(f"unexpected dialog {type(dialog).__name__}", file=sys.stderr)
                return False
            t0 = time.perf_counter()
            dialog.login.setText(BENCH_LOGIN)
            dialog.password.setText(BENCH_PASSWORD)
            dialog.accept()
            # The password is checked in a worker thread: run the loop until it answered.
            while getattr(dialog, "_op", None) is not None:
                QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            marks["login"] = time.perf_counter() - t0
            marks["accepted"] = time.time()
            return dialog.result() == QDialog.DialogCode.Accepted

        def error(self, parent: Any, title: str, text: str) -> None:
            print(f"error dialog: {title}: {text}", file=sys.stderr)
            QApplication.exit(3)

    ui_app.Prompts = AutoLogin  # type: ignore[misc]

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget):
                window = obj.window()
                if hasattr(window, "pages") and _start_page_has_data(window):
                    QTimer.singleShot(0, _done)
            return False

    watch = Watch()
    return fanxiu(["--db", url])


def _start_page_has_data(window: Any) -> bool:
    """The main window's start page shows data: the dashboard (工作台) has its board, or
    (older windows, which start on the handover desk) the task list has rows."""
    pages = getattr(window, "pages", None)
    page = pages.currentWidget() if pages is not None else None
    if page is not None and hasattr(page, "board"):
        if page.board is not None:
            marks.setdefault("start_page", 1.0)
        return page.board is not None
    return bool(window.desk.tasks_model.rowCount() > 0)


def bare(url: str) -> int:
    """A bare QMainWindow + QTableView; after its first paint, the first page of tasks."""
    from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    class Rows(QAbstractTableModel):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[tuple[Any, ...]] = []

        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
            return len(self.rows)

        def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
            return 5

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.rows[index.row()][index.column()])
            return None

        def load(self, rows: list[tuple[Any, ...]]) -> None:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1280, 800)
    view = QTableView()
    model = Rows()
    view.setModel(model)
    window.setCentralWidget(view)

    def load() -> None:
        marks["paint"] = time.time()
        model.load(first_tasks(url))

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and obj is view.viewport():
                if "paint" not in marks and "queued" not in marks:
                    marks["queued"] = 1.0
                    QTimer.singleShot(0, load)
                elif model.rowCount() > 0:
                    QTimer.singleShot(0, _done)
            return False

    watch = Watch()
    app.installEventFilter(watch)
    window.show()
    return app.exec()


def first_tasks(url: str) -> list[tuple[Any, ...]]:
    """The newest 200 tasks with unit and line count, read with the bare driver."""
    sql = (
        "SELECT t.number, u.name, t.status, t.node_date,"
        " (SELECT count(*) FROM return_line l WHERE l.task_id = t.id)"
        " FROM return_task t JOIN unit u ON u.id = t.user_unit_id ORDER BY t.id DESC LIMIT 200"
    )
    if url.startswith("sqlite"):
        import sqlite3

        lite = sqlite3.connect(url.split(":///", 1)[1])
        rows = lite.execute(sql).fetchall()
        lite.close()
        return rows
    import psycopg

    dsn = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(dsn) as pg:
        return list(pg.execute(sql).fetchall())


def main() -> int:
    mode, url = sys.argv[1], sys.argv[2]
    return program(url) if mode == "program" else bare(url)


if __name__ == "__main__":
    sys.exit(main())
