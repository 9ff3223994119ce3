"""分发: accepted lines waiting at the materials department, by the manufacturer they go to.

Left, the manufacturers (and the lines whose model has none yet); right, that group's lines with
their dispatch deadline. The clerk selects lines and presses 分发…: one handover record (JJ) goes
with them, and late lines need a reason each, collected into an overdue report (CQ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.dispatch import dispatching
from app.services.kernel.context import Actor
from app.services.kernel.views import DispatchGroup, DispatchLine, DispatchResult
from app.ui.kit.formats import date_text, deadline_text
from app.ui.kit.gates import denial, gate
from app.ui.kit.paged_model import CENTER, RIGHT, Column, PagedTableModel, list_fetcher
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, message_css, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.records.record_previews import LABEL_SIZES, Previewer
from app.ui.repair.step_dialogs import StepDialog, line_edit, plain, text_box

if TYPE_CHECKING:
    from app.db import Database

NO_MAKER = "型号未指定承制单位"
NO_MAKER_REASON = "这些产品的型号还没有指定承制单位，不能分发：请管理员先在型号主数据中指定。"
NO_SELECTION = "请先在表格中选择要分发的产品（按住 Ctrl 或 Shift 可多选，或点“全选”）。"
EMPTY = "没有等待分发的产品：确认交接时接收的产品会出现在这里。"


def group_name(group: DispatchGroup) -> str:
    return group.manufacturer or NO_MAKER


def overdue_count(group: DispatchGroup) -> int:
    return sum(1 for line in group.lines if line.overdue)


GROUP_COLUMNS = (
    Column(
        "承制单位",
        group_name,
        tone=lambda g: Tone.warn if g.manufacturer_id is None else None,
        tooltip=lambda g: NO_MAKER_REASON if g.manufacturer_id is None else g.manufacturer,
        width=150,
    ),
    Column("件数", lambda g: str(len(g.lines)), RIGHT, width=44),
    Column(
        "超期",
        lambda g: str(overdue_count(g)) if overdue_count(g) else "",
        CENTER,
        tone=lambda g: Tone.bad if overdue_count(g) else None,
        tooltip=lambda g: f"{overdue_count(g)} 件已超过分发时限" if overdue_count(g) else "",
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


@dataclass(frozen=True)
class DispatchValues:
    sender_name: str
    anomalies: str
    late_reasons: dict[int, str]


class DispatchDialog(StepDialog):
    """分发: the sender, what was unusual, and a reason for every line past its deadline."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        manufacturer: str,
        lines: Sequence[DispatchLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "分发",
            f"发往 {manufacturer}：共 {len(lines)} 件，生成一份交接记录单（JJ），由承制单位签收。",
            ok_text="分发",
            parent=parent,
        )
        self.db, self.actor = db, actor
        self.lines = list(lines)
        codes = [x.item_code for x in self.lines]
        shown = "\n".join(codes[:6]) + (f"\n… 等共 {len(codes)} 件" if len(codes) > 6 else "")
        products = QLabel(shown)
        products.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow("产品：", products)
        self.sender_name = line_edit("发出人姓名（必填）", actor.name)
        self.anomalies = text_box("分发时发现的异常情况（没有可不填）", 56)
        self.form.addRow("发出人：", self.sender_name)
        self.form.addRow("异常情况：", self.anomalies)
        self.reasons: dict[int, QLineEdit] = {}
        late = [x for x in self.lines if x.overdue]
        if late:
            warning = QLabel(
                f"以下 {len(late)} 件已超过分发时限（确认交接后 7 天），须逐件填写超期原因；"
                "原因汇总为超期报告（CQ）报总体单位。"
            )
            warning.setWordWrap(True)
            warning.setStyleSheet(message_css(Tone.bad))
            self.form.addRow(warning)
            rows = QWidget()
            grid = QGridLayout(rows)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setHorizontalSpacing(10)
            for i, x in enumerate(late):
                due = date_text(x.dispatch_deadline.due)
                name = QLabel(f"{x.item_code}（应于 {due} 前）")
                edit = line_edit("超期原因（必填）")
                edit.setObjectName(f"late_reason_{x.line_id}")
                self.reasons[x.line_id] = edit
                grid.addWidget(name, i, 0)
                grid.addWidget(edit, i, 1)
            grid.setColumnStretch(1, 1)
            if len(late) > 6:
                scroll = QScrollArea()
                scroll.setWidget(rows)
                scroll.setWidgetResizable(True)
                scroll.setFixedHeight(220)
                self.form.addRow("超期原因：", scroll)
            else:
                self.form.addRow("超期原因：", rows)
        self.setMinimumWidth(660)

    def values(self) -> DispatchValues:
        return DispatchValues(
            self.sender_name.text().strip(),
            plain(self.anomalies),
            {i: e.text().strip() for i, e in self.reasons.items()},
        )

    def problems(self) -> str:
        values = self.values()
        if not values.sender_name:
            return "请填写发出人姓名。"
        missing = [i for i, reason in values.late_reasons.items() if not reason]
        if missing:
            self.reasons[missing[0]].setFocus()
            codes = "、".join(x.item_code for x in self.lines if x.line_id in missing)
            return f"{codes} 已超过分发时限，请填写超期原因后再分发。"
        return ""

    def save(self) -> DispatchResult:
        values = self.values()
        return dispatching.dispatch(
            self.db,
            self.actor,
            [x.line_id for x in self.lines],
            late_reasons=values.late_reasons,
            sender_name=values.sender_name,
            anomalies=values.anomalies,
        )


class DispatchPage(QWidget):
    """`open_item` asks for an item's history; `records_changed` says a CQ may have been issued."""

    open_item = Signal(str)
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
        self.previewer = Previewer(db, self.prompts)
        self.groups: list[DispatchGroup] = []
        self.group: DispatchGroup | None = None

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
        self.feedback = FeedbackLine()
        self.feedback.show_idle("选择左侧的承制单位，再选择要分发的产品。")

        # --- left: the manufacturers ---
        self.groups_model = PagedTableModel(GROUP_COLUMNS, list_fetcher([]), parent=self)
        self.groups_view = make_table(self.groups_model, stretch=0)
        self.groups_view.setMinimumWidth(250)

        # --- right: the lines of one manufacturer ---
        self.group_title = QLabel()
        self.group_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.banner = QLabel(NO_MAKER_REASON)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(message_css(Tone.warn))
        self.banner.hide()
        self.lines_model = PagedTableModel(LINE_COLUMNS, list_fetcher([]), parent=self)
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

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.groups_view)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([270, 880])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.feedback)
        layout.addWidget(split, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.groups_view.selectionModel().currentRowChanged.connect(self._group_changed)
        self.lines_view.selectionModel().selectionChanged.connect(self._update)
        self.lines_view.selectionModel().currentRowChanged.connect(self._update)
        self.lines_view.doubleClicked.connect(self._line_double_clicked)
        self.select_all_button.clicked.connect(self.lines_view.selectAll)
        self.dispatch_button.clicked.connect(self.dispatch_selected)
        self.labels_button.clicked.connect(self.print_labels)
        # Read when first shown (MainWindow.show_page refreshes it): not while the window is
        # built, where dispatch_groups took 0.78 s of the GUI thread at 1M lines.

    # --- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the groups again; the same manufacturer stays selected while it has lines."""
        keep = self.group.manufacturer_id if self.group is not None else None
        had_group = self.group is not None
        try:
            self.groups = dispatching.dispatch_groups(self.db)
        except DomainError as exc:
            self.groups = []
            self.feedback.show_result(Tone.bad, str(exc))
        self.group = None
        self.groups_model.set_fetcher(list_fetcher(self.groups))
        row = self.groups_model.find(lambda g: g.manufacturer_id == keep) if had_group else None
        if row is None and self.groups:
            row = 0
        if row is not None:
            self.select_group_row(row)
        else:
            self._show_group(None)

    def select_group_row(self, row: int) -> None:
        select_row(self.groups_view, row)
        self._show_group(self.groups_model.row(row))

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

    def _show_group(self, group: DispatchGroup | None) -> None:
        self.group = group
        self.lines_model.set_fetcher(list_fetcher(list(group.lines) if group else []))
        if group is None:
            self.group_title.setText(EMPTY)
            self.banner.hide()
        else:
            late = overdue_count(group)
            extra = f"，其中 {late} 件已超过分发时限" if late else ""
            self.group_title.setText(f"{group_name(group)}：{len(group.lines)} 件待分发{extra}")
            self.banner.setVisible(group.manufacturer_id is None)
        self._update()

    def selected_lines(self) -> list[DispatchLine]:
        rows = sorted({i.row() for i in self.lines_view.selectionModel().selectedRows()})
        return [self.lines_model.row(r) for r in rows]

    def current_line(self) -> DispatchLine | None:
        index = self.lines_view.selectionModel().currentIndex()
        if index.isValid():
            return self.lines_model.row(index.row())
        selected = self.selected_lines()
        return selected[0] if selected else None

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
            denial(self.actor, "dispatch"),
            tip=f"把选中的 {len(selected)} 件发往 {group.manufacturer}" if group else "",
        )
        gate(self.select_all_button, "" if group and group.lines else EMPTY)
        line = self.current_line()
        gate(
            self.labels_button,
            "" if line else "请先在表格中选择一件产品：打印它所在任务的全部产品标签。",
            denial(self.actor, "print_labels"),
            tip=f"打印任务 {line.task_number} 中已接收产品的标签" if line else "",
        )

    # --- acting -------------------------------------------------------------------------------

    def dispatch_selected(self) -> None:
        group = self.group
        lines = self.selected_lines()
        if group is None or not lines or not self.dispatch_button.isEnabled():
            return
        dialog = DispatchDialog(self.db, self.actor, group.manufacturer, lines, self)
        accepted = self.prompts.run(dialog)
        result: DispatchResult | None = dialog.result_value
        dialog.deleteLater()
        if not accepted or result is None:
            return
        self.refresh()
        issued = [f"交接记录单 {result.handover_number}"]
        if result.overdue_report_number:
            issued.append(f"超期报告 {result.overdue_report_number}（已报总体单位）")
            self.records_changed.emit()
        summary = f"已分发 {result.dispatched} 件至 {group.manufacturer}。"
        self.feedback.show_result(Tone.ok, summary + "生成" + "、".join(issued) + "。")
        text = summary + "\n\n" + "\n".join(issued) + "\n\n是否现在打印交接记录单，随产品发出？"
        if self.prompts.ask(self, "分发完成", text, yes="打印交接单", no="稍后打印"):
            self.previewer.show_record(result.handover_number, self)

    def print_labels(self) -> None:
        line = self.current_line()
        if line is None or not self.labels_button.isEnabled():
            return
        self.previewer.show_labels(line.task_number, self.label_size_box.currentData(), self)

    def _line_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_item.emit(self.lines_model.row(index.row()).item_code)
