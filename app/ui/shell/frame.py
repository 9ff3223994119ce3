"""The first thing painted: the window's frame with “正在打开数据库…”, before the data layer loads."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QVBoxLayout, QWidget

from app.ui.kit.style import scaled_font

WINDOW_TITLE = "返修通 FanXiu"
DEFAULT_SIZE = (1280, 800)
BUSY_AFTER_MS = 1_000


class ShellWindow(QMainWindow):
    """Shown at once; `first_painted` fires after its first paint, then the store is opened."""

    first_painted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addStretch(2)
        title = QLabel("返修通")
        title.setFont(scaled_font(self.font(), 2.6, bold=True))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = QLabel("故障产品返厂维修管理")
        subtitle.setFont(scaled_font(self.font(), 1.3))
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel("正在打开数据库…")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(320)
        # Shown only when the wait lasts: while it moves, every frame takes Python's lock from
        # the worker opening the store, and the usual start (0.4 s) took 0.15 s longer for it.
        self.busy.setVisible(False)
        QTimer.singleShot(BUSY_AFTER_MS, self, self._still_busy)
        for widget in (title, subtitle, self.status):
            layout.addWidget(widget)
        layout.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.setCentralWidget(body)
        self._painted = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def _still_busy(self) -> None:
        if self.isVisible():
            self.busy.setVisible(True)

    def show_status(self, text: str) -> None:
        self.status.setText(text)
