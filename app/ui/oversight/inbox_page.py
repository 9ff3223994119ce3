"""收件箱: reports addressed to the login's unit (rejection notices, overdue reports, …); several
are acknowledged at once, filtered by kind and by unread."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app.services.kernel.terms import ReportKind
from app.services.oversight import inbox
from app.ui.kit.columns import INBOX_COLUMNS
from app.ui.kit.page import Desk
from app.ui.kit.paged_model import PAGE_SIZE
from app.ui.kit.runner import call
from app.ui.oversight.report_list import ReportListPage


class InboxPage(ReportListPage):
    """`unread_changed` carries the number of reports not yet acknowledged."""

    unread_changed = Signal(int)

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(
            desk,
            parent,
            page_size=page_size,
            title="收件箱",
            columns=INBOX_COLUMNS,
            kinds=tuple(ReportKind),
            idle="选择报告后可签收或打印；按住 Ctrl 或 Shift 可一次选多份签收。",
        )
        self.layout_.addLayout(self.head())
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.view, 1)
        self.refresh()

    def refresh(self) -> None:
        super().refresh()
        self.update_unread()

    def update_unread(self) -> None:
        """Count the unread reports again; `unread_changed` carries the number."""
        self.run(
            call(inbox.unread_count, self.db, self.actor),
            done=self.unread_changed.emit,
            failed=self.show_failure,
        )

    def acknowledged(self, result: inbox.Acknowledged) -> None:
        self.update_unread()
