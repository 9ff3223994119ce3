"""This session's scans, as the clerk sees them on the desk, and the sounds that go with them.

Every scan gets a row the moment it is read (排队中 while it waits behind a question or the scan
before it), and the row says what it matched and how it ended: nothing a scanner typed is lost
without a trace (issue 7, defect 2).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import deque
from dataclasses import dataclass, replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table


class Outcome(enum.Enum):
    """How a scan ended, in the clerk's words, with its tone."""

    queued = ("排队中", Tone.muted)
    registered = ("已登记", Tone.ok)
    already = ("已在本任务", Tone.warn)
    pending = ("待选型号", Tone.warn)
    found = ("已找到", Tone.ok)
    record = ("打开记录", Tone.ok)
    refused = ("拒绝", Tone.bad)

    @property
    def text(self) -> str:
        return self.value[0]

    @property
    def tone(self) -> Tone:
        return self.value[1]


@dataclass(frozen=True)
class ScanEntry:
    number: int  # the n-th scan of this session
    at: dt.datetime
    code: str
    outcome: Outcome = Outcome.queued
    matched: str = ""  # what the code was found to be, or why it was refused


LOG_COLUMNS = (
    Column("时间", lambda e: e.at.strftime("%H:%M:%S"), CENTER, width=60),
    Column("扫描内容", lambda e: e.code, tooltip=lambda e: e.code, width=116),
    Column(
        "结果",
        lambda e: e.outcome.text,
        CENTER,
        tone=lambda e: e.outcome.tone,
        width=68,
    ),
    Column("对应", lambda e: e.matched, tooltip=lambda e: e.matched, width=200),
)


class ScanLog(QWidget):
    """The scans of this session, newest first."""

    KEEP = 500  # a day's scans at a busy desk; older ones leave the list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: deque[ScanEntry] = deque(maxlen=self.KEEP)
        self._count = 0
        self.title = QLabel("本次扫描记录")
        self.title.setFont(scaled_font(self.font(), 1.05, bold=True))
        # The rows are the entries, newest first, changed one row at a time: a scan inserts its
        # row and its outcome changes that row; the log is never read again whole (issue 10:
        # two resets per scan, each measuring every row for the fitted columns, were most of a
        # scan's time in the window once the log held a few hundred scans).
        self.model = PagedTableModel(LOG_COLUMNS, list_fetcher([]), parent=self)
        self.model.clear()
        self.view: QTableView = make_table(self.model, stretch=3)
        header = self.view.horizontalHeader()
        for column in (0, 1, 2):  # time, code and result whole; what it matched takes the rest
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Fitted to the rows in sight (the newest, at the top), not to the first 1,000 (Qt's
        # default): every scan measures ~10 rows, not all of the day's 500.
        header.setResizeContentsPrecision(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 6, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)

    def add(self, code: str, at: dt.datetime | None = None) -> ScanEntry:
        self._count += 1
        entry = ScanEntry(self._count, at or dt.datetime.now(), code)
        self.entries.append(entry)
        self.model.prepend(entry)
        self.model.drop_after(self.KEEP)
        self._show()
        return entry

    def settle(self, entry: ScanEntry, outcome: Outcome, matched: str) -> ScanEntry:
        """The scan `entry` ended so; its row says it."""
        done = replace(entry, outcome=outcome, matched=matched)
        # Entries are numbered one after another, the newest last: the position is known.
        back = self._count - entry.number
        if back < len(self.entries) and self.entries[-1 - back].number == entry.number:
            self.entries[-1 - back] = done
            if back < self.model.rowCount() and self.model.row(back).number == entry.number:
                self.model.replace(back, done)
        self._show()
        return done

    def latest(self) -> list[ScanEntry]:
        return list(reversed(self.entries))

    def _show(self) -> None:
        queued = sum(1 for e in self.entries if e.outcome == Outcome.queued)
        self.title.setText(
            f"本次扫描记录（{self._count} 次，{queued} 次排队中）"
            if queued
            else f"本次扫描记录（{self._count} 次）"
        )


class ScanSounds:
    """A distinct sound for a refusal, a duplicate and a serial waiting for its model.

    Patterns of the system bell (no audio device needed, none assumed); `played` keeps what
    sounded, so a test can hear it without speakers.
    """

    PATTERNS = {
        Outcome.refused: (0, 160, 320),  # three short beeps: look at the screen
        Outcome.already: (0, 220),  # two: this one was counted already
        Outcome.pending: (0,),  # one: set aside, answer it when ready
    }

    def __init__(self) -> None:
        self.played: list[Outcome] = []

    def play(self, outcome: Outcome) -> None:
        pattern = self.PATTERNS.get(outcome)
        if pattern is None:
            return
        self.played.append(outcome)
        for delay in pattern:
            QTimer.singleShot(delay, QApplication.beep)
