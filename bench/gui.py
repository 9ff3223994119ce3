"""Child of bench.run: drive the real main window offscreen and time what a clerk sees.

    python -m bench.gui window|session URL PAYLOAD_JSON

`window`: scan → line selected in the handover desk, and a page of lines fetched into the
返修产品 table, each beside a bare PySide6 widget doing the same with sqlite3/psycopg.
`session`: a scripted session (open tasks, scroll the task list, 100 scans, 50 pages of lines)
under a 10 ms QTimer heartbeat; the longest gap between beats is the longest the GUI thread was
blocked. Prints one JSON line; times in seconds.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (  # noqa: E402
    QAbstractTableModel,
    QEventLoop,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractItemView,
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bench import bare  # noqa: E402
from bench.generate import CLERK_LOGIN, PASSWORD  # noqa: E402


class Rows(QAbstractTableModel):
    """The bare model: tuples, DisplayRole only."""

    def __init__(self, columns: int) -> None:
        super().__init__()
        self.rows: list[tuple[Any, ...]] = []
        self.columns = columns

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return len(self.rows)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802, B008
        return self.columns

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self.rows[index.row()][index.column()])
        return None

    def append(self, rows: list[tuple[Any, ...]]) -> None:
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()


def _table(model: Rows) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    return view


class BareDesk(QWidget):
    """A scan field over a table of one task's lines: Enter looks the serial up with bare SQL."""

    def __init__(self, db: bare.BareDB, task_id: int) -> None:
        super().__init__()
        self.db = db
        self.task_id = task_id
        self.field = QLineEdit()
        self.feedback = QLabel("等待扫描…")
        self.model = Rows(12)
        self.model.append([r[:12] for r in bare.task_lines(db, task_id)])
        self.position = {r[0]: i for i, r in enumerate(self.model.rows)}
        self.view = _table(self.model)
        layout = QVBoxLayout(self)
        for widget in (self.field, self.feedback, self.view):
            layout.addWidget(widget)
        self.field.returnPressed.connect(self.scanned)
        self.resize(1280, 800)

    def scanned(self) -> None:
        serial = self.field.text().strip()
        self.field.clear()
        line, _docs = bare.scan_line(self.db, self.task_id, serial)
        index = self.model.index(self.position[line[0]], 0)
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)
        self.feedback.setText(f"第 {line[3]} 行：{line[4]} {line[7]}")

    def selected_id(self) -> int:
        return int(self.model.rows[self.view.currentIndex().row()][0])


class Scripted:
    """Prompts for the window: no dialog is expected; any that comes is counted and refused."""

    def __init__(self) -> None:
        from app.ui.kit.prompts import Prompts

        outer = self

        class _Prompts(Prompts):
            def run(self, dialog: QDialog) -> bool:
                outer.dialogs.append(type(dialog).__name__)
                return False

            def error(self, parent: Any, title: str, text: str) -> None:
                outer.dialogs.append(f"error: {title}: {text}")

            def info(self, parent: Any, title: str, text: str) -> None:
                outer.dialogs.append(f"info: {title}")

            def ask(self, parent: Any, title: str, text: str, yes: str = "", no: str = "") -> bool:
                outer.dialogs.append(f"ask: {title}")
                return False

        self.dialogs: list[str] = []
        self.prompts = _Prompts()


def open_window(url: str) -> tuple[QApplication, Any, Any, Scripted]:
    from app.services.kernel import auth
    from app.services.kernel.bootstrap import open_store
    from app.ui.kit.collector import GuiThreadCollector
    from app.ui.kit.fonts import use_app_font
    from app.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    use_app_font(app)
    # Garbage collected as the program does (ui/shell/app.py, and bench/pages.py likewise):
    # without it this window ran Python's automatic collection, which the program turns off,
    # and the session's longest block was a full pass the program never makes while in use.
    STARTUP_OBJECTS.append(GuiThreadCollector(app))
    db = open_store(url)
    actor = auth.login(db, CLERK_LOGIN, PASSWORD)
    scripted = Scripted()
    window = MainWindow(db, actor, scripted.prompts)
    window.show()
    QTest.qWaitForWindowExposed(window)
    settle(app)
    STARTUP["jobs_s"] = wait_for_jobs(app, window)
    # As the program's start does once the main window is shown (ui/shell/startup.py): what
    # start-up made is kept out of the collector's passes.
    gc.collect()
    gc.freeze()
    return app, db, window, scripted


STARTUP: dict[str, float] = {}
STARTUP_OBJECTS: list[Any] = []  # kept for the child's life


def wait_for_jobs(app: QApplication, window: Any, limit_s: float = 300.0) -> float:
    """Let the window's start-up work in worker threads (工作台, reminders) finish first, so the
    timings do not share the CPU with it; returns how long that took."""
    runner = getattr(window, "runner", None)
    t0 = time.perf_counter()
    # The window begins its own checks (the sweep, the audit check, the pages' imports) a
    # moment after its first data is shown: wait for them to begin, then to end.
    while not getattr(window, "checks_begun", True) and time.perf_counter() - t0 < limit_s:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    while runner is not None and runner.pending and time.perf_counter() - t0 < limit_s:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    return time.perf_counter() - t0


def go(window: Any, key: str) -> None:
    """Show a page of the main window by key (工作台 "dashboard", "desk", "lines", …)."""
    if hasattr(window, "go"):
        assert window.go(key), f"this login does not see page {key}"
        return
    from app.ui.shell import main_window

    window.nav.setCurrentRow(getattr(main_window, key.upper()))


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def paired(
    fn: Callable[[int], object], raw: Callable[[int], object], reps: int, warm: int = 10
) -> tuple[list[float], list[float]]:
    """Seconds per call of fn(i) and raw(i), called in turn so both see the same load."""
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(warm + reps):
        for f, out in ((fn, ours), (raw, theirs)):
            t0 = time.perf_counter()
            f(i)
            if i >= warm:
                out.append(time.perf_counter() - t0)
    return ours, theirs


# --- window: scan and page ---------------------------------------------------------------------


def window_timings(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    s = payload["samples"]
    reps = int(payload["reps"])
    app, db, window, scripted = open_window(url)
    desk = window.desk
    go(window, "desk")
    desk.show_task_by_id(s["open_task_id"])
    settle(app)
    lines: list[tuple[int, str]] = [tuple(x) for x in s["open_lines"]]  # type: ignore[misc]
    field = desk.scan_field
    raw = bare.BareDB(url)
    plain = BareDesk(raw, s["open_task_id"])
    plain.show()
    QTest.qWaitForWindowExposed(plain)
    settle(app)

    def scan(i: int, repaint: bool) -> None:
        line_id, serial = lines[i % len(lines)]
        QTest.keyClicks(field, serial)
        QTest.keyClick(field, Qt.Key.Key_Return)
        if repaint:
            window.repaint()
        else:
            app.processEvents()
        shown = desk.lines_model.row(desk.lines_view.currentIndex().row())
        assert shown.id == line_id, (shown, line_id, desk.feedback.text())

    def bare_scan(i: int, repaint: bool) -> None:
        line_id, serial = lines[i % len(lines)]
        QTest.keyClicks(plain.field, serial)
        QTest.keyClick(plain.field, Qt.Key.Key_Return)
        if repaint:
            plain.repaint()
        else:
            app.processEvents()
        assert plain.selected_id() == line_id

    out: dict[str, Any] = {}
    out["scan"], out["scan_bare"] = paired(
        lambda i: scan(i, False), lambda i: bare_scan(i, False), reps
    )
    out["scan_repaint"], out["scan_repaint_bare"] = paired(
        lambda i: scan(i, True), lambda i: bare_scan(i, True), reps
    )
    plain.hide()

    # 返修产品: each repetition scrolls to the bottom, which fetches the next page.
    go(window, "lines")
    settle(app)
    page = window.lines_page
    pages_fetched: list[int] = []

    def next_page(_i: int) -> None:
        before = page.model.rowCount()
        page.view.scrollToBottom()
        app.processEvents()
        if page.model.rowCount() == before:  # the view did not ask: ask as it would
            page.model.fetchMore()
            page.view.scrollToBottom()
            app.processEvents()
        pages_fetched.append((page.model.rowCount() - before) // page.model.page_size)

    bare_model = Rows(12)
    bare_view = _table(bare_model)
    bare_view.resize(1280, 800)
    bare_view.show()
    QTest.qWaitForWindowExposed(bare_view)
    last = [s["max_line_id"] + 1]

    def bare_page(_i: int) -> None:
        rows = bare.page_lines(raw, last[0], 200)
        last[0] = rows[-1][0]
        bare_model.append([r[:12] for r in rows])
        bare_view.scrollToBottom()
        app.processEvents()

    out["page"], out["page_bare"] = paired(next_page, bare_page, int(payload["page_reps"]), 3)
    out["pages_per_scroll"] = sorted(set(pages_fetched))
    out["dialogs"] = scripted.dialogs
    out["startup_jobs_s"] = STARTUP.get("jobs_s", 0.0)
    go(window, "desk")
    raw.close()
    window.close()
    db.dispose()
    return out


# --- session under a heartbeat -----------------------------------------------------------------


def session(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    s = payload["samples"]
    app, db, window, scripted = open_window(url)
    desk = window.desk
    go(window, "desk")
    settle(app)
    page = window.lines_page
    lines: list[tuple[int, str]] = [tuple(x) for x in s["open_lines"]]  # type: ignore[misc]
    models: list[str] = s["model_codes"]
    steps: list[tuple[str, Callable[[], None]]] = []

    def click_task(row: int) -> Callable[[], None]:
        def go() -> None:
            view = desk.tasks_view
            index = view.model().index(row, 0)
            view.scrollTo(index)
            QTest.mouseClick(
                view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
            )

        return go

    def scroll(view: QTableView) -> Callable[[], None]:
        return view.scrollToBottom

    def type_code(code: str) -> Callable[[], None]:
        def go() -> None:
            QTest.keyClicks(desk.scan_field, code)
            QTest.keyClick(desk.scan_field, Qt.Key.Key_Return)

        return go

    for row in range(20):
        steps.append((f"open task row {row}", click_task(row)))
    for n in range(5):
        steps.append((f"scroll task list {n}", scroll(desk.tasks_view)))
    steps.append(("open counting task", lambda: desk.show_task_by_id(s["open_task_id"])))
    for n in range(int(payload["scans"])):
        if n % 2:
            code = f"{models[n % len(models)]}/BENCH{n:05d}"
            steps.append((f"scan new {code}", type_code(code)))
        else:
            steps.append((f"scan line {n}", type_code(lines[n % len(lines)][1])))
    steps.append(("show 返修产品", lambda: go(window, "lines")))
    for n in range(50):
        steps.append((f"scroll lines {n}", scroll(page.view)))
    steps.append(("back to desk", lambda: go(window, "desk")))

    beats, ran, gc_pauses = heartbeat_with_gc(app, steps)
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    during = [name for name, t0, _t1 in ran if beats[worst] <= t0 < beats[worst + 1]]
    idle_beats, _ = run_with_heartbeat(app, [("idle", lambda: None)] * 100)
    idle_gaps = [b - a for a, b in zip(idle_beats, idle_beats[1:], strict=False)]
    slowest = sorted(((name, (t1 - t0) * 1000) for name, t0, t1 in ran), key=lambda x: -x[1])
    by_kind: dict[str, list[float]] = {}
    for name, t0, t1 in ran:
        kind = " ".join(w for w in name.split() if not any(c.isdigit() for c in w))
        by_kind.setdefault(kind, []).append((t1 - t0) * 1000)
    in_gap = [p for p in gc_pauses if beats[worst] <= p[1] < beats[worst + 1]]
    out = {
        "gc_in_max_gap_ms": [round(p[2] * 1000, 1) for p in in_gap],
        "gc_gen2_ms_max": round(max((p[2] for p in gc_pauses if p[0] == 2), default=0) * 1000, 1),
        "gc_gen2_count": sum(1 for p in gc_pauses if p[0] == 2),
        "gaps": gaps,
        "idle_gaps": idle_gaps,
        "steps": len(ran),
        "max_gap_step": ", ".join(during) or "(between steps)",
        "slowest_steps": slowest[:10],
        "step_ms_by_kind": {
            k: {"n": len(v), "median": sorted(v)[len(v) // 2], "max": max(v)}
            for k, v in by_kind.items()
        },
        "lines_loaded": page.model.rowCount(),
        "startup_jobs_s": STARTUP.get("jobs_s", 0.0),
        "dialogs": scripted.dialogs,
        "feedback": desk.feedback.text(),
    }
    window.close()
    db.dispose()
    return out


GcPause = tuple[int, float, float]  # generation, start, seconds


def heartbeat_with_gc(
    app: QApplication, steps: list[tuple[str, Callable[[], None]]]
) -> tuple[list[float], list[tuple[str, float, float]], list[GcPause]]:
    """`run_with_heartbeat`, with every garbage collection that ran meanwhile."""
    pauses: list[GcPause] = []
    started: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started["t"] = time.perf_counter()
        elif "t" in started:
            t0 = started.pop("t")
            pauses.append((info["generation"], t0, time.perf_counter() - t0))

    gc.callbacks.append(on_gc)
    try:
        beats, ran = run_with_heartbeat(app, steps)
    finally:
        gc.callbacks.remove(on_gc)
    return beats, ran, pauses


def run_with_heartbeat(
    app: QApplication, steps: list[tuple[str, Callable[[], None]]], pause_ms: int = 30
) -> tuple[list[float], list[tuple[str, float, float]]]:
    """Run the steps one per `pause_ms` from the event loop while a 10 ms timer beats."""
    beats: list[float] = []
    ran: list[tuple[str, float, float]] = []
    heart = QTimer()
    heart.setTimerType(Qt.TimerType.PreciseTimer)
    heart.setInterval(10)
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    loop = QEventLoop()
    position = [0]

    def next_step() -> None:
        if position[0] >= len(steps):
            QTimer.singleShot(50, loop.quit)
            return
        name, fn = steps[position[0]]
        position[0] += 1
        t0 = time.perf_counter()
        try:
            fn()
        except Exception:
            # A step that fails ends the session with its traceback; it never leaves the
            # loop waiting for a step that will not come.
            loop.exit(1)
            raise
        ran.append((name, t0, time.perf_counter()))
        QTimer.singleShot(pause_ms, next_step)

    heart.start()
    QTimer.singleShot(50, next_step)
    code = loop.exec()
    heart.stop()
    if code:
        raise RuntimeError(f"the scripted session stopped at step {position[0]}")
    return beats, ran


def main() -> int:
    mode, url, payload = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    out = window_timings(url, payload) if mode == "window" else session(url, payload)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    os._exit(0)  # a worker thread of the window may still be reading: do not wait for it


if __name__ == "__main__":
    sys.exit(main())
