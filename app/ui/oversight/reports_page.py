"""超期与升级: every overdue report (CQ) and escalation (SJ) the login may read, in one list, with
its reasons; 签收 and 打印 / 预览."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.kernel.context import Actor
from app.services.kernel.terms import ReportKind, Role
from app.services.kernel.views import ReportView
from app.services.oversight import inbox
from app.ui.kit.formats import local_time_text, report_kind_label
from app.ui.kit.gates import denial
from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table
from app.ui.records.record_printer import RecordPrinter

if TYPE_CHECKING:
    from app.db import Database

KINDS = (ReportKind.overdue_report, ReportKind.escalation)
LIMIT = 500


def _ack_text(report: ReportView) -> str:
    if report.acknowledged_at is None:
        return "未签收"
    return f"{report.acknowledged_by or '—'} {local_time_text(report.acknowledged_at)}"


def _reason(report: ReportView) -> str:
    return " ".join(report.body.split())


REPORT_COLUMNS = (
    Column("编号", lambda r: r.number, width=130),
    Column(
        "类别",
        lambda r: report_kind_label(r.kind),
        CENTER,
        tone=lambda r: Tone.bad if r.kind == ReportKind.escalation else Tone.warn,
        width=76,
    ),
    Column("标题", lambda r: r.title, tooltip=lambda r: r.title, width=290),
    Column("原因", _reason, tooltip=lambda r: r.body, width=300),
    Column("日期", lambda r: local_time_text(r.created_at), CENTER, width=124),
    Column("收件单位", lambda r: r.addressed_to, tooltip=lambda r: r.addressed_to, width=130),
    Column(
        "签收",
        _ack_text,
        tone=lambda r: Tone.warn if r.acknowledged_at is None else Tone.ok,
        width=150,
    ),
)
FILTERS = (
    ("全部", None),
    ("超期报告", ReportKind.overdue_report),
    ("升级报告", ReportKind.escalation),
)


class ReportsPage(QWidget):
    """`records_changed` after a report is acknowledged (the inbox count changes)."""

    records_changed = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        prompts: Prompts | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts or Prompts()
        self.printer = RecordPrinter(db, self.prompts)
        self._loaded = False

        title = QLabel("超期与升级")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.scope = QLabel(self._scope_text())
        self.scope.setStyleSheet("color: palette(mid);")
        self.kind_box = QComboBox()
        for label, kind in FILTERS:
            self.kind_box.addItem(label, kind)
        self.unread_only = QComboBox()
        self.unread_only.addItem("全部", False)
        self.unread_only.addItem("未签收", True)
        self.ack_button = QPushButton("签收")
        self.print_button = QPushButton("打印 / 预览")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.scope)
        head.addStretch(1)
        head.addWidget(QLabel("类别："))
        head.addWidget(self.kind_box)
        head.addWidget(QLabel("签收："))
        head.addWidget(self.unread_only)
        head.addSpacing(8)
        head.addWidget(self.ack_button)
        head.addWidget(self.print_button)
        head.addWidget(self.refresh_button)
        self.feedback = FeedbackLine()
        self.feedback.show_idle(
            "超期报告（CQ）和升级报告（SJ）由时限监控自动生成；选择一份查看原因、签收或打印。"
        )
        self.model = PagedTableModel(REPORT_COLUMNS, list_fetcher(()), parent=self)
        self.view = make_table(self.model, stretch=3)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选择一份报告，这里显示它的标题和原因。")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 140])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.feedback)
        layout.addWidget(split, 1)

        self.kind_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.unread_only.currentIndexChanged.connect(lambda _i: self.refresh())
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.view.doubleClicked.connect(lambda _index: self.print_selected())
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self._update_buttons()

    def _scope_text(self) -> str:
        if self.actor.system or self.actor.role == Role.manager:
            return "（全部单位）"
        return f"（发给{self.actor.unit_name or '本单位'}的）"

    def refresh(self) -> None:
        self._loaded = True
        kind = self.kind_box.currentData()
        unread = bool(self.unread_only.currentData())
        try:
            found = [
                report
                for k in ([kind] if kind else KINDS)
                for report in inbox.inbox(
                    self.db, self.actor, unread_only=unread, limit=LIMIT, kind=k
                )
            ]
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        self.model.set_fetcher(list_fetcher(found))
        self.model.fetch_all()
        self.detail.clear()
        self._update_buttons()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def selected(self) -> ReportView | None:
        index = self.view.selectionModel().currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def select_number(self, number: str) -> bool:
        row = self.model.find(lambda r: r.number == number)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        report = self.model.row(current.row()) if current.isValid() else None
        if report is None:
            self.detail.clear()
        else:
            task = f"（返厂任务 {report.task_number}）" if report.task_number else ""
            self.detail.setPlainText(
                f"{report.number}　{report.title}{task}\n"
                f"收件单位：{report.addressed_to}　日期：{local_time_text(report.created_at)}\n"
                f"原因：{report.body}"
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        report = self.selected()
        self.print_button.setEnabled(report is not None)
        reason = ""
        if report is None:
            reason = "请先选择一份报告。"
        elif report.acknowledged_at is not None:
            reason = "这份报告已经签收。"
        elif report.kind == ReportKind.escalation:
            reason = denial(self.actor, "acknowledge_escalation")
        self.ack_button.setEnabled(not reason)
        self.ack_button.setToolTip(reason or "确认本单位已收到并阅读这份报告")

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
        self.records_changed.emit()

    def print_selected(self) -> None:
        report = self.selected()
        if report is not None:
            self.printer.show(report.number, self)
