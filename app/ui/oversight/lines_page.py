"""返修产品: every returned item, newest first, read page by page, filtered by state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.handover import returns
from app.services.kernel.views import LineRow
from app.ui.kit.columns import ALL_LINE_COLUMNS
from app.ui.kit.paged_model import PAGE_SIZE, PagedTableModel
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table

if TYPE_CHECKING:
    from app.db import Database


class ReturnedLinesPage(QWidget):
    """Double-clicking a line asks the window to open its task (`open_task`)."""

    open_task = Signal(int)

    def __init__(
        self, db: Database, parent: QWidget | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.status_box = QComboBox()
        self.status_box.addItem("全部状态", None)
        for status, label in returns.STATUS_LABELS.items():
            self.status_box.addItem(label, status.value)
        self.model = PagedTableModel(ALL_LINE_COLUMNS, self._fetch, page_size, self)
        self.view = make_table(self.model, stretch=6)
        self.refresh_button = QPushButton("刷新")
        self.feedback = FeedbackLine()
        self.feedback.hide()
        title = QLabel("返修产品")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("双击一行打开所在的返厂交接任务")
        hint.setStyleSheet("color: palette(mid);")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(hint)
        head.addStretch(1)
        head.addWidget(QLabel("状态："))
        head.addWidget(self.status_box)
        head.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.feedback)
        layout.addWidget(self.view, 1)
        self.status_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.view.doubleClicked.connect(
            lambda index: self.open_task.emit(self.model.row(index.row()).task_id)
        )
        self.model.load_failed.connect(self._load_failed)
        self._loaded = False

    def _fetch(self, last: LineRow | None, limit: int) -> list[LineRow]:
        return returns.page_lines(
            self.db,
            after=last.id if last is not None else None,
            limit=limit,
            status=self.status_box.currentData(),
        )

    def _load_failed(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
        self.feedback.show()

    def refresh(self) -> None:
        self.feedback.hide()
        self.model.reload()
        self._loaded = True

    def ensure_loaded(self) -> None:
        """Read the first page the first time the page is shown."""
        if not self._loaded:
            self.refresh()
