"""分发: accepted lines waiting at the materials department, by the manufacturer they go to.

Left, the manufacturers (and the lines whose model has none yet), counted in SQL; right, that
group's lines with their dispatch deadline, the longest waiting first, read a page at a time as
the table scrolls (全选 reads the rest first). The clerk selects lines and presses 分发…: one
handover record (JJ) goes with them, and late lines need a reason each, collected into an overdue
report (CQ). 打印标签 prints the labels of exactly the selected items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import rules
from app.services.dispatch import dispatching, item_labels
from app.services.dispatch.dispatching import WaitingGroup
from app.services.kernel.terms import Permission, RuleCode
from app.services.kernel.views import DispatchLine, DispatchResult
from app.settings import setting_or_default
from app.ui.dispatch.dispatch_dialog import DispatchDialog, DispatchValues
from app.ui.kit.formats import deadline_text
from app.ui.kit.gates import denial, gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import (
    CENTER,
    PAGE_SIZE,
    RIGHT,
    Column,
    PagedTableModel,
    PageFetcher,
    list_fetcher,
)
from app.ui.kit.runner import Change, Operation, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, message_css, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.way_back.previews import print_record, show_pdf

__all__ = ["DispatchDialog", "DispatchPage"]

NO_MAKER = "型号未指定承制单位"
NO_MAKER_REASON = "这些产品的型号还没有指定承制单位，不能分发：请管理员先在型号主数据中指定。"
NO_SELECTION = "请先在表格中选择要分发的产品（按住 Ctrl 或 Shift 可多选，或点“全选”）。"
NO_LABEL_SELECTION = "请先在表格中选择要打印标签的产品（按住 Ctrl 或 Shift 可多选）。"
EMPTY = "没有等待分发的产品：确认交接时接收的产品会出现在这里。"
LABEL_SIZES = (("60×40 热敏标签", "60x40"), ("A4 标签页", "a4"))
# A dispatch sends lines on, issues a JJ (and a CQ for late ones) and meets their deadlines.
DISPATCH_CHANGES = Change.DISPATCH | Change.LINES | Change.REPORTS | Change.DEADLINES


def group_name(group: WaitingGroup) -> str:
    return group.manufacturer or NO_MAKER


GROUP_COLUMNS = (
    Column(
        "承制单位",
        group_name,
        tone=lambda g: Tone.warn if g.manufacturer_id is None else None,
        tooltip=lambda g: NO_MAKER_REASON if g.manufacturer_id is None else g.manufacturer,
        width=150,
    ),
    Column("件数", lambda g: str(g.count), RIGHT, width=44),
    Column(
        "超期",
        lambda g: str(g.overdue) if g.overdue else "",
        CENTER,
        tone=lambda g: Tone.bad if g.overdue else None,
        tooltip=lambda g: f"{g.overdue} 件已超过分发时限" if g.overdue else "",
        width=44,
    ),
)

LINE_COLUMNS = (
    Column("任务编号", lambda x: x.task_number, width=140),
    Column("产品编码", lambda x: x.item_code, tooltip=lambda x: x.item_code, width=190),
    Column("产品名称", lambda x: x.model_name, tooltip=lambda x: x.model_name, width=110),
    Column(
        "齐套路线",
        lambda x: x.route,
        tooltip=lambda x: f"齐套路线（产品树自上而下）：{x.route}",
        width=150,
    ),
    Column(
        "分发时限",
        lambda x: deadline_text(x.dispatch_deadline)[0],
        tone=lambda x: deadline_text(x.dispatch_deadline)[1],
        tooltip=lambda x: deadline_text(x.dispatch_deadline)[2],
        width=140,
    ),
    Column(
        "故障现象",
        lambda x: x.fault_description,
        tooltip=lambda x: x.fault_description or "（未填写故障现象）",
        width=200,
    ),
)


class DispatchPage(Page):
    """`open_item` asks for an item's history; `records_changed` says a CQ may have been issued."""

    records_changed = Signal()
    # A confirmed handover at the desk makes new lines to dispatch; a bench or another desk
    # moves them on.
    watches = Change.DISPATCH | Change.LINES | Change.TASKS

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, *, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(desk, parent)
        self.page_size = page_size
        self.groups: list[WaitingGroup] = []
        self.group: WaitingGroup | None = None
        self._reads = 0  # the latest read wins when an earlier one answers late
        self.layout_.addLayout(self._build_head())
        self.feedback = FeedbackLine()
        self.feedback.show_idle("选择左侧的承制单位，再选择要分发的产品。")
        self.layout_.addWidget(self.feedback)
        self.groups_model = PagedTableModel(GROUP_COLUMNS, list_fetcher([]), parent=self)
        self.groups_view = make_table(self.groups_model, stretch=0)
        self.groups_view.setMinimumWidth(250)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.groups_view)
        split.addWidget(self._build_lines())
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([270, 880])
        split.setChildrenCollapsible(False)
        self.layout_.addWidget(split, 1)
        self._connect()
        # Read when first shown (MainWindow.show_page refreshes it): not while the window is
        # built, where dispatch_groups took 0.78 s of the GUI thread at 1M lines.

    def _build_head(self) -> QHBoxLayout:
        title = QLabel("分发")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("已接收的产品按承制单位分组；选择产品后分发，每次生成一份交接记录单。")
        hint.setStyleSheet("color: palette(mid);")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(hint)
        head.addStretch(1)
        head.addWidget(self.refresh_button)
        return head

    def _build_lines(self) -> QWidget:
        self.group_title = QLabel()
        self.group_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.banner = QLabel(NO_MAKER_REASON)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(message_css(Tone.warn))
        self.banner.hide()
        self.lines_model = PagedTableModel(LINE_COLUMNS, list_fetcher([]), self.page_size, self)
        self.lines_view = make_table(self.lines_model, stretch=len(LINE_COLUMNS) - 1)
        self.lines_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.selection_label = QLabel()
        self.select_all_button = QPushButton("全选")
        self.dispatch_button = QPushButton("分发…")
        self.dispatch_button.setMinimumHeight(36)
        self.dispatch_button.setMinimumWidth(110)
        self.dispatch_button.setFont(scaled_font(self.font(), 1.05, bold=True))
        self.label_size_box = QComboBox()
        for text, code in LABEL_SIZES:
            self.label_size_box.addItem(text, code)
        # The label stock this site keeps (the admin's settings page: 标签尺寸).
        size_at = self.label_size_box.findData(setting_or_default("label_size"))
        self.label_size_box.setCurrentIndex(max(size_at, 0))
        self.labels_button = QPushButton("打印标签")
        buttons = QHBoxLayout()
        buttons.addWidget(self.select_all_button)
        buttons.addWidget(self.selection_label)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("标签："))
        buttons.addWidget(self.label_size_box)
        buttons.addWidget(self.labels_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.dispatch_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.group_title)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.lines_view, 1)
        right_layout.addLayout(buttons)
        return right

    def _connect(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.groups_view.selectionModel().currentRowChanged.connect(self._group_changed)
        self.lines_view.selectionModel().selectionChanged.connect(self._update)
        self.lines_view.selectionModel().currentRowChanged.connect(self._update)
        self.lines_view.doubleClicked.connect(self._line_double_clicked)
        self.select_all_button.clicked.connect(self.select_all)
        self.dispatch_button.clicked.connect(self.dispatch_selected)
        self.labels_button.clicked.connect(self.print_labels)

    # --- reading ------------------------------------------------------------------------------

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def refresh(self) -> None:
        """Read the groups again (counted in SQL); the same manufacturer stays selected while it
        has lines, its lines read again a page at a time as the table scrolls."""
        self._reads += 1
        ticket = self._reads
        keep = self.group.manufacturer_id if self.group is not None else None
        had_group = self.group is not None

        def read(groups: list[WaitingGroup]) -> None:
            if ticket == self._reads:
                self._show_groups(groups, keep, had_group)

        self.run(call(dispatching.waiting_groups, self.db), done=read)

    def _show_groups(self, groups: list[WaitingGroup], keep: int | None, had_group: bool) -> None:
        self.groups = groups
        self.group = None
        self.groups_model.set_fetcher(list_fetcher(self.groups))
        self.groups_model.fetch_all()  # one per manufacturer: a few dozen at most
        row = self.groups_model.find(lambda g: g.manufacturer_id == keep) if had_group else None
        if row is None and self.groups:
            row = 0
        if row is not None:
            self.select_group_row(row)
        else:
            self._show_group(None)

    def select_group_row(self, row: int) -> None:
        group = self.groups_model.row(row)
        select_row(self.groups_view, row)  # a new current row shows its lines (_group_changed)
        if self.group is not group:
            self._show_group(group)

    def select_manufacturer(self, name: str) -> bool:
        """Show the group going to `name` ("" for the lines without a manufacturer)."""
        row = self.groups_model.find(lambda g: g.manufacturer == name)
        if row is None:
            return False
        self.select_group_row(row)
        return True

    def _group_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            group = self.groups_model.row(current.row())
            if group is not self.group:
                self._show_group(group)

    def _show_group(self, group: WaitingGroup | None) -> None:
        self.group = group
        if group is None:
            self.lines_model.clear()
            self.group_title.setText(EMPTY)
            self.banner.hide()
        else:
            self.lines_model.set_fetcher(self._lines_of(group))
            extra = f"，其中 {group.overdue} 件已超过分发时限" if group.overdue else ""
            self.group_title.setText(f"{group_name(group)}：{group.count} 件待分发{extra}")
            self.banner.setVisible(group.manufacturer_id is None)
        self._update()

    def _lines_of(self, group: WaitingGroup) -> PageFetcher:
        def fetch(last: DispatchLine | None, limit: int) -> Sequence[DispatchLine] | None:
            # A keyset page of the group's lines, the longest waiting first: a few ms whatever
            # their number.
            after = None
            if last is not None:  # (acceptance day, line): where the next page starts
                after = (last.dispatch_deadline.starts or dt.date.min, last.line_id)
            rows: Sequence[DispatchLine] | None = self.runner.now(
                call(dispatching.page_waiting, self.db, group.manufacturer_id, after, limit),
                failed=self.show_failure,
            )
            return rows

        return fetch

    def select_all(self) -> None:
        """Select every line of the group (reading the pages not yet shown first)."""
        self.lines_model.fetch_all()
        self.lines_view.selectAll()

    def selected_lines(self) -> list[DispatchLine]:
        rows = sorted({i.row() for i in self.lines_view.selectionModel().selectedRows()})
        return [self.lines_model.row(r) for r in rows]

    def _update(self, *_args: object) -> None:
        selected = self.selected_lines()
        group = self.group
        late = sum(1 for x in selected if x.overdue)
        if selected:
            text = f"已选 {len(selected)} 件" + (f"（{late} 件超期）" if late else "")
        else:
            text = ""
        self.selection_label.setText(text)
        gate(
            self.dispatch_button,
            EMPTY if group is None else "",
            NO_MAKER_REASON if group is not None and group.manufacturer_id is None else "",
            "" if selected else NO_SELECTION,
            denial(self.actor, Permission.dispatch),
            tip=f"把选中的 {len(selected)} 件发往 {group.manufacturer}" if group else "",
        )
        gate(self.select_all_button, "" if group and group.count else EMPTY)
        gate(
            self.labels_button,
            "" if selected else NO_LABEL_SELECTION,
            denial(self.actor, Permission.print_labels),
            tip=f"打印选中的 {len(selected)} 件产品的标签",
        )

    # --- acting -------------------------------------------------------------------------------

    def dispatch_selected(self) -> None:
        group = self.group
        lines = self.selected_lines()
        if group is None or not lines or not self.dispatch_button.isEnabled():
            return
        spans = self.now(call(rules.rule_spans, self.db), default={})
        limit = spans.get(RuleCode.dispatch, "")
        dialog = DispatchDialog(group.manufacturer, lines, self.actor.name, self, limit)
        dialog.submitted.connect(lambda values: self._send(dialog, values))
        accepted = self.prompts.run(dialog)
        result = dialog.result_value
        # No cycle (dialog → slot → dialog) left for a collector in another thread to find.
        dialog.submitted.disconnect()
        dialog.deleteLater()
        if accepted and result is not None:
            self._dispatched(group.manufacturer, result)

    def _send(self, dialog: DispatchDialog, values: DispatchValues) -> None:
        """The dialog's values go to the service; its answer goes back to the open dialog."""
        self.run(
            call(
                dispatching.dispatch,
                self.db,
                self.actor,
                [x.line_id for x in dialog.lines],
                late_reasons=values.late_reasons,
                expected_versions={x.line_id: x.version for x in dialog.lines},
                sender_name=values.sender_name,
                anomalies=values.anomalies,
            ),
            done=dialog.finish,
            failed=dialog.refuse,
            changes=DISPATCH_CHANGES,
        )

    def _dispatched(self, manufacturer: str, result: DispatchResult) -> None:
        self.refresh()
        issued = [f"交接记录单 {result.handover_number}"]
        if result.overdue_report_number:
            issued.append(f"超期报告 {result.overdue_report_number}（已报总体单位）")
            self.records_changed.emit()
        summary = f"已分发 {result.dispatched} 件至 {manufacturer}。"
        self.feedback.show_result(Tone.ok, summary + "生成" + "、".join(issued) + "。")
        text = summary + "\n\n" + "\n".join(issued) + "\n\n是否现在打印交接记录单，随产品发出？"
        if self.prompts.ask(self, "分发完成", text, yes="打印交接单", no="稍后打印"):
            print_record(self, result.handover_number)

    def print_labels(self) -> Operation | None:
        """The labels of exactly the selected items (they may be of several tasks)."""
        lines = self.selected_lines()
        if not lines or not self.labels_button.isEnabled():
            return None
        size = str(self.label_size_box.currentData())
        size_text = self.label_size_box.currentText()
        tasks = sorted({x.task_number for x in lines})
        of = tasks[0] if len(tasks) == 1 else f"{len(tasks)} 个任务"
        title = f"产品标签 {len(lines)} 件（{of}，{size_text}）"
        stem = f"标签-{tasks[0] if len(tasks) == 1 else '选中'}-{len(lines)}件-{size}"
        return self.run(
            call(item_labels.render_line_labels, self.db, [x.line_id for x in lines], size),
            done=lambda pdf: show_pdf(self, pdf, title, stem),
            label=f"正在生成 {len(lines)} 件产品的标签…",
            title="无法打印",
        )

    def _line_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_item.emit(self.lines_model.row(index.row()).item_code)
