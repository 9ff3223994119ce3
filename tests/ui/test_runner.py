"""The one operation runner: answers in place when quick, frees the window when a call waits,
shows refusals in one place, removes its progress box before a result, tells pages what changed."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

from app.db import BUSY, Database
from app.errors import DomainError
from app.services.admin import masterdata
from app.services.kernel.context import command_line_actor
from app.services.kernel.terms import UnitKind
from app.ui.kit.collector import GuiThreadCollector
from app.ui.kit.page import Desk, Page
from app.ui.kit.prompts import Prompts, remember_directory
from app.ui.kit.runner import BUSY_TEXT, INTERNAL, Change, ProgressBox, Runner, call
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts


def add(a: int, b: int) -> int:
    return a + b


def refuse(message: str) -> None:
    raise DomainError(message)


def crash() -> None:
    raise ZeroDivisionError("division by zero")


def wait_for(event: threading.Event, value: str) -> str:
    assert event.wait(30)
    return value


def visible_progress_boxes() -> list[ProgressBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ProgressBox) and w.isVisible()
    ]


def test_a_quick_call_answers_in_place(live_runner: Runner) -> None:
    got: list[int] = []
    op = live_runner.run(None, call(add, 2, 3), done=got.append)
    # Delivered before run() returned: the page goes on as if it had called the service itself.
    assert got == [5] and op.done and live_runner.pending == 0


def test_a_background_check_is_never_waited_for(qtbot: Any, runner: Runner) -> None:
    """The start's audit check must not hold up the window's first data (issue 10): even with
    a long grace the GUI thread goes on at once, and no 请稍候 is said for a read."""
    release = threading.Event()
    busy: list[str] = []
    got: list[str] = []
    runner.busy.connect(busy.append)
    op = runner.run(None, call(wait_for, release, "checked"), done=got.append, background=True)
    assert not op.done and got == [] and busy == []
    release.set()
    qtbot.waitUntil(lambda: got == ["checked"])
    assert busy == [] and runner.pending == 0


def test_a_call_that_waits_frees_the_window(qtbot: Any, live_runner: Runner) -> None:
    release = threading.Event()
    busy: list[str] = []
    got: list[str] = []
    live_runner.busy.connect(busy.append)
    started = time.monotonic()
    op = live_runner.run(
        None, call(wait_for, release, "saved"), done=got.append, changes=Change.TASKS
    )
    held = time.monotonic() - started
    # The GUI thread got back control after the grace period, with the call still running.
    assert not op.done and got == [] and held < 5
    assert busy == [BUSY_TEXT]
    release.set()
    qtbot.waitUntil(lambda: got == ["saved"])
    assert busy == [BUSY_TEXT, ""] and live_runner.pending == 0


def test_writes_are_applied_in_the_order_they_were_started(qtbot: Any, live_runner: Runner) -> None:
    release = threading.Event()
    order: list[str] = []
    live_runner.run(None, call(wait_for, release, "first"), done=order.append, changes=Change.LINES)
    live_runner.run(
        None, call(wait_for, release, "second"), done=order.append, changes=Change.LINES
    )
    release.set()
    qtbot.waitUntil(lambda: len(order) == 2)
    assert order == ["first", "second"]


def test_the_progress_box_is_gone_before_the_result(qtbot: Any, prompts: ScriptedPrompts) -> None:
    runner = Runner(prompts, grace_ms=10)
    release = threading.Event()
    seen_at_result: list[list[ProgressBox]] = []
    runner.run(
        None,
        call(wait_for, release, "pdf"),
        done=lambda _pdf: seen_at_result.append(visible_progress_boxes()),
        label="正在生成…",
        show_progress_after_ms=50,
    )
    # The work lasts: the box with 取消 appears while it runs ...
    qtbot.waitUntil(lambda: bool(visible_progress_boxes()))
    release.set()
    qtbot.waitUntil(lambda: bool(seen_at_result))
    # ... and is hidden before the result is handed on (a preview opened there is not covered).
    assert seen_at_result == [[]]
    runner.shutdown()


def test_a_refusal_is_shown_in_one_place(prompts: ScriptedPrompts, live_runner: Runner) -> None:
    live_runner.run(None, call(refuse, "该产品已经分发。"), title="无法分发")
    assert prompts.errors == [("无法分发", "该产品已经分发。")]
    mine: list[str] = []
    live_runner.run(None, call(refuse, "第二次"), failed=mine.append)
    assert mine == ["第二次"] and len(prompts.errors) == 1


def test_a_bug_is_said_in_words_and_the_program_goes_on(
    prompts: ScriptedPrompts, live_runner: Runner
) -> None:
    live_runner.run(None, call(crash))
    ((title, text),) = prompts.errors
    assert text == INTERNAL.format(kind="ZeroDivisionError", text="division by zero")
    assert live_runner.run(None, call(add, 1, 1)).outcome is not None


def _hold_write_lock(path: str) -> sqlite3.Connection:
    """Another desk in the middle of a save: it holds SQLite's write lock."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_another_desks_lock_does_not_freeze_the_window(
    qtbot: Any, sqlite_db: Database, org: Org, live_runner: Runner
) -> None:
    other = _hold_write_lock(sqlite_db.engine.url.database or "")
    busy: list[str] = []
    got: list[Any] = []
    live_runner.busy.connect(busy.append)
    started = time.monotonic()
    op = live_runner.run(
        None,
        call(
            masterdata.add_unit,
            sqlite_db,
            command_line_actor(),
            "某部队修理所99",
            UnitKind.user_unit,
        ),
        done=got.append,
        changes=Change.MASTER_DATA,
    )
    assert time.monotonic() - started < 2 and not op.done
    assert busy == [BUSY_TEXT]  # "另一工位正在保存，请稍候…", and the window goes on
    other.rollback()
    other.close()
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert busy[-1] == ""


@pytest.mark.slow
def test_a_lock_held_too_long_is_said_in_words(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, live_runner: Runner
) -> None:
    other = _hold_write_lock(sqlite_db.engine.url.database or "")
    failed: list[str] = []
    try:
        live_runner.run(
            None,
            call(
                masterdata.add_unit,
                sqlite_db,
                command_line_actor(),
                "某部队修理所98",
                UnitKind.user_unit,
            ),
            failed=failed.append,
            changes=Change.MASTER_DATA,
        )
        qtbot.waitUntil(lambda: bool(failed), timeout=20_000)
    finally:
        other.rollback()
        other.close()
    assert failed == [BUSY] and "locked" not in failed[0]


class CountingPage(Page):
    watches = Change.TASKS

    def __init__(self, desk: Desk) -> None:
        super().__init__(desk)
        self.refreshed = 0

    def refresh(self) -> None:
        self.refreshed += 1


def test_pages_refresh_what_an_action_changed(
    qtbot: Any, make_desk: Any, org: Org, runner: Runner
) -> None:
    shown = CountingPage(make_desk(org.clerk))
    hidden = CountingPage(make_desk(org.clerk))
    qtbot.addWidget(shown)
    qtbot.addWidget(hidden)
    shown.show()
    runner.run(None, call(add, 1, 2), changes=Change.DISPATCH)
    assert (shown.refreshed, hidden.refreshed) == (0, 0)  # not what they show
    runner.run(None, call(add, 1, 2), changes=Change.TASKS | Change.LINES)
    assert (shown.refreshed, hidden.refreshed) == (1, 0)  # the hidden one when next shown
    hidden.show()
    assert hidden.refreshed == 1


def test_file_dialogs_speak_chinese_and_open_where_the_person_last_saved(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANXIU_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "交接单"
    folder.mkdir()
    remember_directory(folder)
    dialog = Prompts().file_dialog(
        None, "保存交接记录单", "PDF 文件 (*.pdf)", save=True, suggested="JJ-2026-000001.pdf"
    )
    qtbot.addWidget(dialog)
    assert Path(dialog.directory().absolutePath()) == folder
    labels = {
        QFileDialog.DialogLabel.LookIn: "查找范围：",
        QFileDialog.DialogLabel.FileName: "文件名：",
        QFileDialog.DialogLabel.FileType: "文件类型：",
        QFileDialog.DialogLabel.Accept: "保存",
        QFileDialog.DialogLabel.Reject: "取消",
    }
    for label, text in labels.items():
        assert dialog.labelText(label) == text
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)


def make_cycles(n: int) -> int:
    for _ in range(n):
        a: list[Any] = []
        a.append(a)
    return n


def test_garbage_is_collected_on_the_gui_thread_only(qtbot: Any, live_runner: Runner) -> None:
    """A widget in a cycle must never be destroyed by a collection a worker thread started."""
    threads: list[str] = []

    def seen(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    collector = GuiThreadCollector(interval_ms=50)
    gc.callbacks.append(seen)
    try:
        live_runner.run(None, call(make_cycles, 200_000))  # far past the young threshold
        qtbot.waitUntil(lambda: bool(threads), timeout=5_000)
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
    assert set(threads) == {threading.main_thread().name}
