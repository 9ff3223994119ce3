"""收件箱: reports addressed to the login's unit (rejection notices, overdue reports, …)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.errors import DomainError
from app.services.kernel.context import Actor
from app.services.kernel.views import ReportView
from app.services.oversight import inbox
from app.ui.kit.columns import INBOX_COLUMNS
from app.ui.kit.paged_model import PagedTableModel
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table
from app.ui.records.record_printer import RecordPrinter

if TYPE_CHECKING:
    from app.db import Database


class InboxPage(QWidget):
    """`unread_changed` carries the number of reports not yet acknowledged."""

    unread_changed = Signal(int)

    def __init__(
        self, db: Database, actor: Actor, prompts: Prompts, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts
        self.printer = RecordPrinter(db, prompts)
        self.model = PagedTableModel(INBOX_COLUMNS, self._fetch, parent=self)
        self.view = make_table(self.model, stretch=2)
        title = QLabel("收件箱")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.scope = QLabel(self._scope_text())
        self.scope.setStyleSheet("color: palette(mid);")
        self.ack_button = QPushButton("签收")
        self.print_button = QPushButton("打印 / 预览")
        self.refresh_button = QPushButton("刷新")
        self.feedback = FeedbackLine()
        self.feedback.show_idle("选择一份报告后可签收或打印。")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.scope)
        head.addStretch(1)
        head.addWidget(self.ack_button)
        head.addWidget(self.print_button)
        head.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.feedback)
        layout.addWidget(self.view, 1)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.view.doubleClicked.connect(lambda _index: self.print_selected())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.model.load_failed.connect(lambda m: self.feedback.show_result(Tone.bad, m))
        self.refresh()

    def _scope_text(self) -> str:
        if self.actor.system or self.actor.role == "manager":
            return "（全部单位的报告）"
        return f"（发给{self.actor.unit_name or '本单位'}的报告）"

    def _fetch(self, last: object, limit: int) -> list[ReportView]:
        # The service reads the newest `limit` reports in one go; there is no second page.
        return [] if last is not None else inbox.inbox(self.db, self.actor, limit=limit)

    def refresh(self) -> None:
        self.model.reload()
        self._update_buttons()
        self.update_unread()

    def update_unread(self) -> int:
        try:
            count = inbox.unread_count(self.db, self.actor)
        except DomainError:
            return 0
        self.unread_changed.emit(count)
        return count

    def selected(self) -> ReportView | None:
        index = self.view.selectionModel().currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        report = self.selected()
        self.print_button.setEnabled(report is not None)
        if report is None:
            self.ack_button.setEnabled(False)
            self.ack_button.setToolTip("请先选择一份报告。")
        elif report.acknowledged_at is not None:
            self.ack_button.setEnabled(False)
            self.ack_button.setToolTip("这份报告已经签收。")
        else:
            self.ack_button.setEnabled(True)
            self.ack_button.setToolTip("确认本单位已收到并阅读这份报告")

    def acknowledge_selected(self) -> None:
        report = self.selected()
        if report is None:
            return
        try:
            done = inbox.acknowledge(self.db, self.actor, report.number)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        row = self.view.selectionModel().currentIndex().row()
        self.model.replace(row, done)
        self.feedback.show_result(Tone.ok, f"已签收 {done.number}：{done.title}")
        self._update_buttons()
        self.update_unread()

    def print_selected(self) -> None:
        report = self.selected()
        if report is not None:
            self.printer.show(report.number, self)

    def select_number(self, number: str) -> bool:
        row = self.model.find(lambda r: r.number == number)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True
