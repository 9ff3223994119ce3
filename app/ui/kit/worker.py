"""Run one service call off the GUI thread, with progress, cancel and the error shown.

Like Anki's CollectionOp: the call gets a `progress(done, total) -> bool` callback (False asks it
to stop), its result comes back on the GUI thread through `finished`, a DomainError's message
through `failed`. The window never waits on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.errors import DomainError
from app.ui.kit.prompts import Prompts

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool]
Job = Callable[[Progress], Any]

# Ops still running: Python must keep them (and their QThread) alive until they end.
_running: set[ServiceOp] = set()


class _Thread(QThread):
    def __init__(self, op: ServiceOp) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        self._op._run()


class ServiceOp(QObject):
    """One call of `job(progress)` in its own thread; signals arrive on the GUI thread."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    ended = Signal()  # after finished or failed

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self._cancel = threading.Event()
        self._thread: _Thread | None = None
        self._outcome: tuple[bool, Any] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._thread.isFinished()

    def start(self) -> ServiceOp:
        thread = _Thread(self)
        self._thread = thread
        # The outcome is delivered from the thread's finished signal, on the GUI thread.
        thread.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        _running.add(self)
        thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, msecs: int = 30_000) -> bool:
        return self._thread.wait(msecs) if self._thread is not None else True

    def _report(self, done: int, total: int) -> bool:
        if not self._cancel.is_set():
            self.progress.emit(done, total)
        return not self._cancel.is_set()

    def _run(self) -> None:  # in the worker thread
        try:
            self._outcome = (True, self._job(self._report))
        except DomainError as exc:
            self._outcome = (False, str(exc))
        except Exception as exc:  # a bug: keep the program alive and say what happened
            log.exception("service call failed")
            self._outcome = (False, f"程序内部错误（{type(exc).__name__}）：{exc}")

    def _deliver(self) -> None:
        _running.discard(self)
        outcome = self._outcome or (False, "操作没有完成。")
        if self._thread is not None:
            self._thread.wait()
            self._thread.deleteLater()
            self._thread = None
        if outcome[0]:
            self.finished.emit(outcome[1])
        else:
            self.failed.emit(outcome[1])
        self.ended.emit()


def wait_for_all(msecs: int = 30_000) -> None:
    """Block until every running op's thread has ended (at exit and in tests)."""
    for op in list(_running):
        op.cancel()
        op.wait(msecs)


def running_ops() -> int:
    return len(_running)


def run_with_progress(
    parent: QWidget,
    prompts: Prompts,
    label: str,
    job: Job,
    on_done: Callable[[Any], None],
    *,
    failure_title: str = "操作未完成",
    on_failed: Callable[[str], None] | None = None,
    show_after_ms: int = 400,
) -> ServiceOp:
    """Start `job`; a progress dialog with 取消 appears if it takes longer than `show_after_ms`."""
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    # Shown only for long work (Qt's own timer): a quick call never flashes a dialog.
    dialog.setMinimumDuration(show_after_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    op = ServiceOp(job)  # no Qt parent: it must outlive a window closed while it runs

    def progressed(done: int, total: int) -> None:
        if total > 0:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))

    def finished(result: Any) -> None:
        on_done(result)

    def failed(message: str) -> None:
        if on_failed is not None:
            on_failed(message)
        else:
            prompts.error(parent, failure_title, message)

    def ended() -> None:
        dialog.reset()
        dialog.hide()
        dialog.deleteLater()
        op.deleteLater()

    dialog.canceled.connect(op.cancel)
    op.progress.connect(progressed)
    op.finished.connect(finished)
    op.failed.connect(failed)
    op.ended.connect(ended)
    return op.start()
