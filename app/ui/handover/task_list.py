"""The desk's left side: the return tasks, newest first, with 新建任务 and 导入清单…."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.handover import returns
from app.services.kernel.terms import TaskStatus, task_status_label
from app.services.kernel.views import TaskSummary
from app.ui.kit.columns import TASK_COLUMNS
from app.ui.kit.page import Page
from app.ui.kit.paged_model import PAGE_SIZE, PagedTableModel
from app.ui.kit.runner import call
from app.ui.kit.style import scaled_font
from app.ui.kit.tables import make_table


class TaskListPanel(QWidget):
    """The tasks as a paged table, filtered by state; the desk wires the buttons. Pages are
    read through `page.now` (a keyset page on an index: a few ms)."""

    def __init__(
        self, page: Page, page_size: int = PAGE_SIZE, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.page = page
        self.model = PagedTableModel(TASK_COLUMNS, self._fetch, page_size, self)
        self.view = make_table(self.model, stretch=1)
        self.new_task_button = QPushButton("新建任务 (Ctrl+N)")
        self.import_button = QPushButton("导入清单… (Ctrl+I)")
        self.filter_box = QComboBox()
        self.filter_box.addItem("全部任务", None)
        for status in TaskStatus:
            self.filter_box.addItem(task_status_label(status), status.value)
        title = QLabel("返厂交接任务")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.filter_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_task_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addLayout(head)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        self.filter_box.currentIndexChanged.connect(lambda _i: self.model.reload())

    def _fetch(self, last: TaskSummary | None, limit: int) -> list[TaskSummary] | None:
        page = self.page
        return page.now(  # type: ignore[no-any-return]
            call(
                returns.list_tasks,
                page.db,
                before_id=last.id if last is not None else None,
                limit=limit,
                status=self.filter_box.currentData(),
            )
        )
