"""返修产品: every returned item, newest first, read page by page, filtered by state."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.handover import returns
from app.services.kernel.terms import LINE_STATUS_LABELS
from app.services.kernel.views import LineRow
from app.ui.kit.columns import ALL_LINE_COLUMNS
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import PAGE_SIZE, PagedTableModel
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table


class ReturnedLinesPage(Page):
    """Double-clicking a line asks the window to open its task (`open_task`)."""

    # A line's state moves at every desk along its way.
    watches = Change.TASKS | Change.LINES | Change.DISPATCH | Change.BENCH | Change.WAY_BACK

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(desk, parent)
        self.status_box = QComboBox()
        self.status_box.addItem("全部状态", None)
        for status, label in LINE_STATUS_LABELS.items():
            self.status_box.addItem(label, str(status))
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
        self.layout_.addLayout(head)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.view, 1)
        self.status_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        # Double-click or Enter on a line opens its task.
        self.view.activated.connect(
            lambda index: self.open_task.emit(self.model.row(index.row()).task_id)
        )
        self._loaded = False

    def _fetch(self, last: LineRow | None, limit: int) -> Sequence[LineRow] | None:
        # A keyset page on an index: a few ms even at a million lines, read in place.
        rows: Sequence[LineRow] | None = self.runner.now(
            call(
                returns.page_lines,
                self.db,
                after=last.id if last is not None else None,
                limit=limit,
                status=self.status_box.currentData(),
            ),
            failed=self.show_failure,
        )
        return rows

    def show_failure(self, message: str) -> None:
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
