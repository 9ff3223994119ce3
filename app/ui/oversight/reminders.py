"""Reminders inside the window: every few minutes (and at start) the deadlines are swept and the
dashboard read again off the GUI thread; what newly became due soon or overdue, and reports that
newly arrived, are told in a notice the person can open or close. Never a modal box.

The first reading only sets the baseline: what is already late at start is on the dashboard,
the first screen, and is not announced again on every start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.kernel.context import local_today
from app.services.kernel.terms import Deadline, DeadlineState, rule_label, span_text
from app.services.kernel.views import Dashboard, DeadlineRow, ReportView
from app.services.oversight import dashboard, deadlines
from app.ui.kit.page import Desk
from app.ui.kit.runner import Change, call
from app.ui.kit.style import Tone, message_css

DEFAULT_INTERVAL_MS = 5 * 60_000
PROVISIONAL_TIP = "临时日历：该年度节假日安排尚未公布，按周一至周五推算，日期可能变化。"
PROVISIONAL_MARK = "△"
# How urgent each state is: a reminder goes out when a deadline moves up this scale.
URGENCY = {DeadlineState.running: 0, DeadlineState.due_soon: 1, DeadlineState.overdue: 2}

Clock = Callable[[], dt.date]
Key = tuple[int, str, str]


def days_text(deadline: Deadline) -> str:
    """超期 3 天 / 今天到期 / 剩 2 个工作日 / —: in the clock's own unit (a localization clock
    counts working days; saying 天 there misleads by a weekend)."""
    left = deadline.left if deadline.left is not None else deadline.days_left
    if left is None:
        return "—"
    if deadline.state == DeadlineState.overdue or left < 0:
        return f"超期 {span_text(-left, deadline.unit)}"
    return "今天到期" if left == 0 else f"剩 {span_text(left, deadline.unit)}"


def row_key(row: DeadlineRow) -> Key:
    """A deadline: its line (or kit set) and its rule."""
    return (row.line_id, row.line, str(row.deadline.rule))


def row_text(row: DeadlineRow) -> str:
    what = row.line if row.line_id == 0 else row.item
    return f"{what}（{rule_label(row.deadline.rule)}）"


@dataclass(frozen=True)
class Reminder:
    """What changed since the last reading."""

    today: dt.date
    overdue: tuple[DeadlineRow, ...]  # became overdue
    due_soon: tuple[DeadlineRow, ...]  # became due soon
    reports: tuple[ReportView, ...]  # arrived unread

    def __bool__(self) -> bool:
        return bool(self.overdue or self.due_soon or self.reports)

    @property
    def tone(self) -> Tone:
        return Tone.bad if self.overdue else Tone.warn

    @property
    def text(self) -> str:
        parts = []
        for rows, what in ((self.overdue, "已超期"), (self.due_soon, "即将到期")):
            if rows:
                names = "、".join(row_text(r) for r in rows[:3])
                more = " 等" if len(rows) > 3 else ""
                parts.append(f"{len(rows)} 项时限{what}：{names}{more}")
        if self.reports:
            numbers = "、".join(r.number for r in self.reports[:3])
            more = " 等" if len(self.reports) > 3 else ""
            parts.append(f"收到 {len(self.reports)} 份新报告：{numbers}{more}")
        return "；".join(parts) + "。"


class Tracker:
    """Compares each dashboard with the one before; the first only sets the baseline."""

    def __init__(self) -> None:
        self._states: dict[Key, int] | None = None
        self._reports: set[str] = set()

    def take(self, board: Dashboard) -> Reminder | None:
        states = {
            row_key(r): URGENCY[r.deadline.state]
            for r in (*board.overdue, *board.due_soon, *board.running)
            if r.deadline.state in URGENCY
        }
        reports = {r.number for r in board.unread}
        before, seen = self._states, self._reports
        self._states = states
        self._reports = seen | reports
        if before is None:
            return None
        overdue = tuple(r for r in board.overdue if before.get(row_key(r), -1) < 2)
        due_soon = tuple(r for r in board.due_soon if before.get(row_key(r), -1) < 1)
        arrived = tuple(r for r in board.unread if r.number not in seen)
        found = Reminder(board.today, overdue, due_soon, arrived)
        return found if found else None


class Reminders(QObject):
    """Sweeps and reads the dashboard every `interval_ms` (and at `start`), through the runner.

    The sweep is a write (it may issue overdue reports and escalations: Change.REPORTS and
    DEADLINES); the reading after it is a read, off the GUI thread when it lasts. `updated`
    carries each new Dashboard, `reminded` a Reminder when something became urgent, `failed`
    the reason a reading failed (the next one tries again; never a message box).
    """

    updated = Signal(object)
    reminded = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        desk: Desk,
        parent: QObject | None = None,
        *,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        clock: Clock | None = None,
        sweep: bool = True,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.clock: Clock = clock or local_today
        self.sweep = sweep
        self.tracker = Tracker()
        self.last: Dashboard | None = None
        self.last_reminder: Reminder | None = None
        # "" idle, "sweep" sweeping (a reading follows), "read" reading.
        self._stage = ""
        self._again_sweep = False
        self._again_read = False
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.check_now(background=True))

    @property
    def busy(self) -> bool:
        return bool(self._stage)

    def start(self, sweep_after_ms: int = 0) -> None:
        """Read now without sweeping (the window shows what is there at once) unless the
        dashboard, shown first, already read; then sweep and read again off the GUI thread
        (`sweep_after_ms` later: the window's first paint goes first), then every interval."""
        self._stopped = False
        if not self._stage and self.last is None:
            self.check_now(sweep=False)
        if sweep_after_ms:
            QTimer.singleShot(sweep_after_ms, self, lambda: self.check_now(background=True))
        else:
            self.check_now(background=True)  # served when the first reading ends
        self.timer.start()

    def stop(self) -> None:
        """No more sweeps or readings (the window closes); one under way ends unheeded."""
        self._stopped = True
        self._again_sweep = self._again_read = False
        self.timer.stop()

    def read_now(self, *, background: bool = False) -> None:
        """Read the dashboard again without sweeping (another page changed what it shows)."""
        self.check_now(sweep=False, background=background)

    def check_now(self, sweep: bool | None = None, *, background: bool = False) -> None:
        """Sweep and read; a request while one runs is served right after it. A `background`
        check (the program's own, on its timer or at start) is never waited for in place."""
        sweep = self.sweep if sweep is None else sweep and self.sweep
        if self._stopped:
            return
        if self._stage:
            if sweep:
                self._again_sweep = True
            elif self._stage == "read":
                self._again_read = True
            # While sweeping, the reading that follows the sweep serves a request to read.
            return
        today = self.clock()
        if not sweep:
            self._read(today, background)
            return
        self._stage = "sweep"
        self.desk.runner.run(
            None,
            call(deadlines.sweep, self.desk.db, today, wait=False),
            done=lambda _issued: self._read(today, background),
            failed=self._failed,
            changes=Change.REPORTS | Change.DEADLINES,
            origin=self,
            background=background,
        )

    def _read(self, today: dt.date, background: bool = False) -> None:
        if self._stopped:  # the window closed while the sweep ran
            self._stage = ""
            return
        self._stage = "read"
        self.desk.runner.run(
            None,
            call(dashboard.dashboard, self.desk.db, self.desk.actor, today),
            done=self._finished,
            failed=self._failed,
            origin=self,
            background=background,
        )

    def _finished(self, board: Dashboard) -> None:
        self.last = board
        reminder = self.tracker.take(board)
        self._ended()
        self.updated.emit(board)
        if reminder is not None:
            self.last_reminder = reminder
            self.reminded.emit(reminder)

    def _failed(self, message: str) -> None:
        self._ended()
        self.failed.emit(message)

    def _ended(self) -> None:
        self._stage = ""
        # Asked for while another ran: nobody waits for it in place.
        if self._again_sweep:
            self._again_sweep = self._again_read = False
            self.check_now(background=True)
        elif self._again_read:
            self._again_read = False
            self.check_now(sweep=False, background=True)


class ReminderBanner(QFrame):
    """The notice in the window: what became urgent, 查看 (open the dashboard) and 关闭."""

    view_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reminder: Reminder | None = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.view_button = QPushButton("查看")
        self.close_button = QPushButton("关闭")
        for button in (self.view_button, self.close_button):
            button.setFixedWidth(64)
        self.view_button.clicked.connect(self.view_requested)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.view_button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_reminder(self, reminder: Reminder) -> None:
        self.reminder = reminder
        self.label.setText(f"提醒（{reminder.today.isoformat()}）：{reminder.text}")
        self.label.setStyleSheet(message_css(reminder.tone))
        self.show()

    def dismiss(self) -> None:
        self.reminder = None
        self.hide()


class ReminderStatus(QLabel):
    """The same notice for the main window's status bar, with a 查看 link."""

    view_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reminder: Reminder | None = None
        self.setTextFormat(Qt.TextFormat.RichText)
        self.linkActivated.connect(self._link)
        self.hide()

    def show_reminder(self, reminder: Reminder) -> None:
        self.reminder = reminder
        color = "#c62828" if reminder.tone == Tone.bad else "#9a5b00"
        text = reminder.text.replace("&", "&amp;").replace("<", "&lt;")
        if len(text) > 60:
            text = text[:58] + "…"
        self.setText(
            f'<span style="color:{color}">提醒：{text}</span>　<a href="view">查看</a>'
            '　<a href="close">关闭</a>'
        )
        self.setToolTip(reminder.text)
        self.show()

    def _link(self, target: str) -> None:
        if target == "view":
            self.view_requested.emit()
        self.reminder = None
        self.hide()
