"""What the inbox and 超期与升级 share: a list of reports, newest first, read page by page,
filtered by kind and by unread, several selected and acknowledged in one action, any one printed.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.services.kernel.terms import Permission, ReportKind, Role, report_kind_label
from app.services.kernel.views import ReportView
from app.services.oversight import inbox
from app.ui.kit.gates import denial
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import PAGE_SIZE, Column, PagedTableModel
from app.ui.kit.runner import Call, Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table
from app.ui.records.record_printer import RecordPrinter

NOTHING_SELECTED = "请先选择报告（按住 Ctrl 或 Shift 可选多份，Ctrl+A 全选）。"


class ReportListPage(Page):
    """A page of reports; a subclass says which (`reading`) and adds what else it shows."""

    watches = Change.REPORTS

    def __init__(
        self,
        desk: Desk,
        parent: QWidget | None,
        *,
        title: str,
        columns: Sequence[Column],
        kinds: Sequence[ReportKind],
        idle: str,
        stretch: int = 2,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(desk, parent)
        self.printer = RecordPrinter(desk)
        self.idle = idle
        self._loaded = False
        self.title = QLabel(title)
        self.title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.scope = QLabel(self.scope_text())
        self.scope.setStyleSheet("color: palette(mid);")
        self.kind_box = QComboBox()
        self.kind_box.addItem("全部类别", None)
        for kind in kinds:
            self.kind_box.addItem(report_kind_label(kind), str(kind))
        self.kind_box.setToolTip("只看一类报告")
        self.unread_only = QCheckBox("只看未签收")
        self.ack_button = QPushButton("签收")
        self.print_button = QPushButton("打印 / 预览")
        self.refresh_button = QPushButton("刷新")
        self.feedback = FeedbackLine()
        self.feedback.show_idle(idle)
        # A keyset page of reports at a time, newest first, read as the table scrolls.
        self.model = PagedTableModel(columns, self._fetch, page_size, self)
        self.view = make_table(self.model, stretch=stretch)
        # Several reports are signed in one go: Ctrl/Shift-click, or Ctrl+A for all shown.
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._wire()

    def head(self) -> QHBoxLayout:
        """Title, scope, the filters and the buttons, in one row."""
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.scope)
        head.addStretch(1)
        head.addWidget(QLabel("类别："))
        head.addWidget(self.kind_box)
        head.addWidget(self.unread_only)
        head.addSpacing(8)
        head.addWidget(self.ack_button)
        head.addWidget(self.print_button)
        head.addWidget(self.refresh_button)
        return head

    def _wire(self) -> None:
        self.kind_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.unread_only.toggled.connect(lambda _on: self.refresh())
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.refresh_button.clicked.connect(self.refresh)
        # Double-click or Enter on a report opens its print preview.
        self.view.activated.connect(lambda _index: self.print_selected())
        selection = self.view.selectionModel()
        selection.selectionChanged.connect(lambda *_: self._update_buttons())
        selection.currentRowChanged.connect(self.current_changed)
        # Ctrl+Enter in the list signs the selected reports (Enter alone previews one).
        self.view.installEventFilter(self)
        self.ack_button.setToolTip(NOTHING_SELECTED)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.acknowledge_selected()
            return True
        return super().eventFilter(watched, event)

    # --- reading ------------------------------------------------------------------------------

    def scope_text(self) -> str:
        if self.actor.system or self.actor.role == Role.manager:
            return "（全部单位的报告）"
        return f"（发给{self.actor.unit_name or '本单位'}的报告）"

    def kinds(self) -> tuple[str, ...]:
        """The kinds the filter asks for; () for every kind the page shows."""
        kind = self.kind_box.currentData()
        return (kind,) if kind else ()

    def reading(self, after: int | None, limit: int) -> Call[list[ReportView]]:
        """The service call that reads a page of this list (a subclass says which)."""
        return call(
            inbox.inbox,
            self.db,
            self.actor,
            unread_only=self.unread_only.isChecked(),
            limit=limit,
            kinds=self.kinds(),
            after=after,
        )

    def _fetch(self, last: ReportView | None, limit: int) -> list[ReportView] | None:
        # A keyset page of reports on an index: read in place.
        found: list[ReportView] | None = self.runner.now(
            self.reading(last.id if last is not None else None, limit),
            failed=self.show_failure,
        )
        return found

    def refresh(self) -> None:
        """Read again, keeping the reports the person had selected selected."""
        self._loaded = True
        keep = {r.number for r in self.selected_reports()}
        current = self.current()
        self.model.reload()
        self._reselect(keep, current.number if current else "")
        if self.feedback.tone is None:  # not over the answer to what the person just did
            filtered = self.unread_only.isChecked() or self.kind_box.currentIndex() > 0
            empty = "没有符合筛选条件的报告。" if filtered else "目前没有报告。"
            self.feedback.show_idle(self.idle if self.model.rowCount() else empty)
        self._update_buttons()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def _reselect(self, numbers: set[str], current: str) -> None:
        chosen = QItemSelection()
        for i, report in enumerate(self.model.rows()):
            if report.number in numbers:
                chosen.select(self.model.index(i, 0), self.model.index(i, 0))
        flags = QItemSelectionModel.SelectionFlag
        selection = self.view.selectionModel()
        selection.select(chosen, flags.ClearAndSelect | flags.Rows)
        row = self.model.find(lambda r: r.number == current) if current else None
        if row is not None:
            selection.setCurrentIndex(self.model.index(row, 0), flags.NoUpdate)

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    # --- selecting ----------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.view.selectionModel().selectedRows())

    def selected_reports(self) -> list[ReportView]:
        return [self.model.row(row) for row in self.selected_rows()]

    def current(self) -> ReportView | None:
        """The report the cursor is on (the one 打印 previews)."""
        index = self.view.selectionModel().currentIndex()
        if index.isValid() and self.view.selectionModel().isRowSelected(index.row()):
            return self.model.row(index.row())  # type: ignore[no-any-return]
        rows = self.selected_rows()
        return self.model.row(rows[0]) if rows else None

    def select_number(self, number: str) -> bool:
        row = self.model.find(lambda r: r.number == number)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        """The cursor moved to another report (a subclass shows more of it)."""

    def why_not(self, report: ReportView) -> str:
        """Why this login cannot acknowledge this report; "" when it can."""
        if report.acknowledged_at is not None:
            return "这份报告已经签收。"
        if not report.mine:
            return f"这份报告发给{report.addressed_to}，由对方签收；这里可以查看和打印。"
        if report.kind == ReportKind.escalation:
            return denial(self.actor, Permission.acknowledge_escalation)
        return ""

    def _update_buttons(self) -> None:
        reports = self.selected_reports()
        signable = [r for r in reports if not self.why_not(r)]
        self.print_button.setEnabled(bool(reports))
        self.ack_button.setEnabled(bool(signable))
        self.ack_button.setText(f"签收（{len(signable)}）" if len(signable) > 1 else "签收")
        if not reports:
            tip = NOTHING_SELECTED
        elif not signable:
            tip = self.why_not(reports[0])
        elif len(signable) < len(reports):
            tip = (
                f"签收选中的 {len(signable)} 份报告（Ctrl+回车）；"
                f"另 {len(reports) - len(signable)} 份已签收或不能由本人签收"
            )
        else:
            tip = f"确认本单位已收到并阅读选中的 {len(signable)} 份报告（Ctrl+回车）"
        self.ack_button.setToolTip(tip)

    # --- acting -------------------------------------------------------------------------------

    def acknowledge_selected(self) -> None:
        numbers = [r.number for r in self.selected_reports() if not self.why_not(r)]
        if not numbers:
            return
        self.run(
            call(inbox.acknowledge_many, self.db, self.actor, numbers),
            done=self._acknowledged,
            changes=Change.REPORTS,
        )

    def _acknowledged(self, result: inbox.Acknowledged) -> None:
        rows = {r.number: i for i, r in enumerate(self.model.rows())}
        for report in result.done:
            if report.number in rows:
                self.model.replace(rows[report.number], report)
        if len(result.done) == 1:
            done = f"已签收 {result.done[0].number}：{result.done[0].title}"
        else:
            done = f"已签收 {len(result.done)} 份报告"
        if result.refused:
            why = "；".join(reason for _number, reason in result.refused)
            self.feedback.show_result(Tone.warn, f"{done}；{len(result.refused)} 份未能签收：{why}")
        else:
            self.feedback.show_result(Tone.ok, done + "。")
        self._update_buttons()
        self.acknowledged(result)

    def acknowledged(self, result: inbox.Acknowledged) -> None:
        """After reports were acknowledged here (a subclass updates what depends on it)."""

    def print_selected(self) -> None:
        report = self.current()
        if report is not None:
            self.printer.show(report.number, self)
