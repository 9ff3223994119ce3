"""The one way the window acts: every service call a person starts goes through the `Runner`.

In the manner of Anki's `CollectionOp` (qt/aqt/operations): the call runs off the GUI thread; a
refusal (a `DomainError`) comes back as a message in the clerk's words and is shown in one place
(the page's `failed` handler, else a message box); a progress dialog appears only for work that
lasts, and is gone before the result is handed on; and the call says what it changed, so the
pages that show that refresh it and nothing else.

The GUI thread waits a short grace period for the answer (most calls take a few milliseconds, and
then the page goes on exactly as if the call had been made in place). A call still running after
that (another desk holds the SQLite write lock, a long import) is handed over: the window says
"另一工位正在保存，请稍候" and stays usable; the result arrives later through the event loop.

Writes run one at a time in the order they were started (a burst of scans is applied in order);
reads run beside them, so a page can still be looked at while a write waits.

A write refused because another desk changed the thing meanwhile (a `Conflict`: the version the
person saw no longer holds) is shown like any refusal, and then every page showing what the
call would have changed refreshes, the acting page too: the person sees what holds now (issue 9).
"""

from __future__ import annotations

import enum
import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.errors import Conflict, DomainError
from app.ui.kit.collector import note_activity
from app.ui.kit.prompts import Prompts

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Progress = Callable[[int, int], bool]

BUSY_TEXT = "另一工位正在保存，请稍候…"
INTERNAL = "程序内部错误（{kind}）：{text}。操作没有保存，请重试；如再次出现请联系管理员。"
GRACE_MS = 60  # the GUI thread waits this long for an answer; the target is ≤ 100 ms blocked
# Work with a progress box (a label) is work that may last: rendering a report, confirming a
# handover with its record. Waiting the grace for it first, then handling its answer, blocked
# the window 100-180 ms (issue 10); its answer comes through the event loop instead.
LABEL_GRACE_MS = 0
SHOW_PROGRESS_AFTER_MS = 400


class Change(enum.Flag):
    """What a call changed; pages that show it refresh (Anki's OpChanges)."""

    NONE = 0
    TASKS = enum.auto()  # return tasks and their lines at the handover desk
    LINES = enum.auto()  # a line's state or fields anywhere along its way
    DISPATCH = enum.auto()
    BENCH = enum.auto()
    WAY_BACK = enum.auto()  # delivery plans, items back, kit sets, deliveries
    REPORTS = enum.auto()  # reports issued or acknowledged (inbox, overdue, escalations)
    DEADLINES = enum.auto()
    MASTER_DATA = enum.auto()
    CALENDAR = enum.auto()
    LOGINS = enum.auto()
    ALL = (
        TASKS
        | LINES
        | DISPATCH
        | BENCH
        | WAY_BACK
        | REPORTS
        | DEADLINES
        | MASTER_DATA
        | CALENDAR
        | LOGINS
    )


@dataclass(frozen=True)
class Call(Generic[T]):
    """A service function and its arguments, not yet called: the runner calls it."""

    fn: Callable[..., T]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    with_progress: bool = False

    def __call__(self, progress: Progress | None = None) -> T:
        if self.with_progress:
            return self.fn(*self.args, progress=progress or _no_progress, **self.kwargs)
        return self.fn(*self.args, **self.kwargs)

    @property
    def name(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))


def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Call[T]:
    """`call(returns.scan, db, actor, task_id, code)`: typed like the function itself."""
    return Call(fn, args, dict(kwargs))


def call_with_progress(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Call[T]:
    """A call whose function takes `progress=` (done, total) -> keep going."""
    return Call(fn, args, dict(kwargs), with_progress=True)


def call_later_imported(target: str, *args: Any, **kwargs: Any) -> Call[Any]:
    """`call_later_imported("app.services.kernel.bootstrap:open_store", url)`: the module is
    imported in the worker thread, so the data layer's imports (~0.5 s) never hold up a paint."""
    return Call(_imported_then_called, (target, *args), dict(kwargs))


def _imported_then_called(target: str, *args: Any, **kwargs: Any) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def _no_progress(_done: int, _total: int) -> bool:
    return True


@dataclass
class Outcome:
    ok: bool
    value: Any = None
    message: str = ""
    # Refused because another desk changed the thing since it was read: what is shown is stale.
    stale: bool = False


def outcome_of(job: Call[Any], progress: Progress | None = None) -> Outcome:
    """Run `job` and turn whatever it raises into words; a bug is logged, never raised."""
    try:
        return Outcome(True, job(progress))
    except DomainError as exc:
        return Outcome(False, message=str(exc), stale=isinstance(exc, Conflict))
    except Exception as exc:  # a bug: keep the program alive and say what happened
        log.exception("service call %s failed", job.name)
        return Outcome(False, message=INTERNAL.format(kind=type(exc).__name__, text=exc))


class Operation(QObject):
    """One call started through the runner; `ended` fires after its result was handed on."""

    progressed = Signal(int, int)
    ended = Signal()

    def __init__(self, job: Call[Any], label: str) -> None:
        super().__init__()
        self.job = job
        self.label = label
        self.outcome: Outcome | None = None
        self._cancel = threading.Event()
        self._future: Future[Outcome] | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, done: int, total: int) -> bool:  # in the worker thread
        if not self._cancel.is_set():
            self.progressed.emit(done, total)
        return not self._cancel.is_set()

    def wait(self, seconds: float = 30.0) -> bool:
        """Block until the call itself has returned (tests and shutdown only)."""
        if self._future is None:
            return True
        try:
            self._future.result(timeout=seconds)
        except FutureTimeout:
            return False
        return True


@dataclass
class _Handlers:
    done: Callable[[Any], None] | None
    failed: Callable[[str], None] | None
    changes: Change
    origin: object
    parent: QWidget | None
    title: str
    dialog: ProgressBox | None = None
    timer: QTimer | None = None
    handed_over: bool = False
    # Never said to be waiting on another desk: the program's own background write (the
    # deadline sweep), and work with a progress box of its own.
    quiet: bool = False

    @property
    def waiting_write(self) -> bool:
        return self.changes != Change.NONE and not self.quiet


class Runner(QObject):
    """Runs service calls for one window. `changed` tells every page what an action changed."""

    changed = Signal(object, object)  # Change, the page that acted (or None)
    busy = Signal(str)  # BUSY_TEXT while a write waits past the grace period; "" when idle
    failed = Signal(str)  # every refusal, after it was shown (for the status bar and tests)
    _ready = Signal(object, object)  # Operation, Outcome: from a worker thread to the GUI

    def __init__(
        self,
        prompts: Prompts | None = None,
        *,
        grace_ms: int = GRACE_MS,
        label_grace_ms: int = LABEL_GRACE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.prompts = prompts or Prompts()
        self.grace_ms = grace_ms
        self.label_grace_ms = label_grace_ms
        self._writes = ThreadPoolExecutor(1, thread_name_prefix="fanxiu-write")
        self._reads = ThreadPoolExecutor(2, thread_name_prefix="fanxiu-read")
        self._pending: dict[Operation, _Handlers] = {}
        self._waiting_writes = 0
        self._closed = False
        self._ready.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # --- starting calls -----------------------------------------------------------------------

    def run(
        self,
        parent: QWidget | None,
        job: Call[T],
        *,
        done: Callable[[T], None] | None = None,
        failed: Callable[[str], None] | None = None,
        changes: Change = Change.NONE,
        label: str = "",
        title: str = "操作未完成",
        origin: object = None,
        show_progress_after_ms: int = SHOW_PROGRESS_AFTER_MS,
        background: bool = False,
    ) -> Operation:
        """Start `job`; `done(result)` or `failed(message)` follows on the GUI thread.

        A call with `changes` is a write (one at a time, in order); a call with a `label` shows
        a progress dialog with 取消 when it lasts longer than `show_progress_after_ms` and is
        not waited for in place (`label_grace_ms`). A `background` call (a check the program
        starts on its own, a long read the page shows when it comes) is never waited for.
        """
        if not background:
            note_activity()
        op = Operation(job, label)
        if self._closed:  # the window is closing: a late answer's follow-up is not started
            return op
        quiet = background or bool(label)
        handlers = _Handlers(done, failed, changes, origin, parent, title, quiet=quiet)
        self._pending[op] = handlers
        pool = self._writes if changes != Change.NONE else self._reads
        future = pool.submit(outcome_of, job, op.report)
        op._future = future
        try:
            grace = 0 if background else self.label_grace_ms if label else self.grace_ms
            outcome = future.result(timeout=grace / 1000)
        except FutureTimeout:
            self._hand_over(op, handlers, future, show_progress_after_ms)
            return op
        self._deliver(op, outcome)
        return op

    def now(self, job: Call[T], *, failed: Callable[[str], None] | None = None) -> T | None:
        """Call a quick read in place (a keyset page, one row by key: a few ms on an index).

        Reads never wait on another desk's lock (SQLite WAL, PostgreSQL MVCC). A refusal goes
        to `failed` (else the runner's one error display) and None is returned.
        """
        note_activity()
        outcome = outcome_of(job)
        if outcome.ok:
            return outcome.value  # type: ignore[no-any-return]
        self._show_failure(None, outcome.message, failed, "无法读取")
        return None

    # --- waiting and delivering ---------------------------------------------------------------

    def _hand_over(
        self, op: Operation, handlers: _Handlers, future: Future[Outcome], show_after: int
    ) -> None:
        """The call lasts: free the GUI thread, say so, and deliver through the event loop."""
        handlers.handed_over = True
        if handlers.waiting_write:
            self._waiting_writes += 1
            if self._waiting_writes == 1:
                self.busy.emit(BUSY_TEXT)
        if op.label:
            dialog = ProgressBox(op.label, handlers.parent)
            dialog.canceled.connect(op.cancel)
            # A bound slot of a GUI-thread object: Qt queues the worker's reports to it.
            op.progressed.connect(dialog.show_progress)
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(dialog.show)
            timer.start(max(0, show_after - self.grace_ms))
            handlers.dialog, handlers.timer = dialog, timer
        future.add_done_callback(lambda f: self._ready.emit(op, f.result()))

    def _deliver(self, op: Operation, outcome: Outcome) -> None:
        handlers = self._pending.pop(op, None)
        if handlers is None:
            return
        # The progress dialog goes first: a result that opens a modal dialog (a print preview)
        # must never find a "请稍候" box sitting on top of it (FIELD_NOTES.md, run_with_progress).
        if handlers.timer is not None:
            handlers.timer.stop()
            handlers.timer.deleteLater()
        if handlers.dialog is not None:
            handlers.dialog.canceled.disconnect()
            handlers.dialog.hide()
            handlers.dialog.deleteLater()
        if handlers.handed_over and handlers.waiting_write:
            self._waiting_writes -= 1
            if self._waiting_writes == 0:
                self.busy.emit("")
        op.outcome = outcome
        try:
            if outcome.ok:
                if handlers.changes != Change.NONE:
                    self.changed.emit(handlers.changes, handlers.origin)
                if handlers.done is not None:
                    handlers.done(outcome.value)
            elif not op.cancelled:
                self._show_failure(
                    handlers.parent, outcome.message, handlers.failed, handlers.title
                )
                if outcome.stale and handlers.changes != Change.NONE:
                    # No origin: the page that acted shows what holds now as well.
                    self.changed.emit(handlers.changes, None)
        finally:
            op.ended.emit()
            op.deleteLater()

    def _show_failure(
        self,
        parent: QWidget | None,
        message: str,
        failed: Callable[[str], None] | None,
        title: str,
    ) -> None:
        if failed is not None:
            failed(message)
        else:
            self.prompts.error(parent, title, message)
        self.failed.emit(message)

    # --- the end of the window ----------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._pending)

    def cancel_all(self) -> None:
        for op in list(self._pending):
            op.cancel()

    def shutdown(self, seconds: float = 10.0) -> None:
        """Stop what can stop, let writes finish (a write is never cut in half), then close."""
        self._closed = True
        self.cancel_all()
        for op in list(self._pending):
            op.wait(seconds)
        self._writes.shutdown(wait=True)
        self._reads.shutdown(wait=True)


class ProgressBox(QProgressDialog):
    """ "请稍候" with 取消, shown only for work that lasts."""

    def __init__(self, label: str, parent: QWidget | None) -> None:
        super().__init__(label, "取消", 0, 0, parent)
        self.setWindowTitle("请稍候")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        # Shown by the runner's own timer, never by Qt's (which would also pop it up from
        # setValue): the runner must be sure it is gone before a result is handed on.
        self.setMinimumDuration(2_000_000_000)
        # Qt's constructor already started its own show-timer (4 s, left running by
        # setMinimumDuration while no value is set): stopped here, or a box hidden by the
        # runner pops up over the preview a person is still looking at (issue 7, defect 1).
        self.reset()
        self.hide()

    @Slot(int, int)
    def show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.setRange(0, total)
            self.setValue(min(done, total))
