"""修复产品交回: repaired items accepted at their manufacturers come back to the materials
department, checked one by one against their documents (文物一致); and the prime unit's delivery
plan (交付计划, JF) that says which items should come back by when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.services.kernel.context import local_today
from app.services.kernel.terms import Permission
from app.services.kernel.views import DispatchLine
from app.services.way_back import delivery
from app.services.way_back.delivery import AwaitingGroup, BackResult, PlanLine
from app.ui.kit.formats import date_text
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
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.way_back.check_table import CheckColumn, PagedCheckModel, check_table
from app.ui.way_back.delivery_dialogs import BackValues, DeliveryPlanDialog, ReceiveBackDialog
from app.ui.way_back.previews import print_record


def _planned(group: AwaitingGroup) -> str:
    return date_text(group.earliest_plan) if group.earliest_plan else "—"


def _plan_tone(line: DispatchLine, today: dt.date) -> Tone | None:
    due = line.dispatch_deadline.due
    if due is None:
        return None
    return Tone.bad if due < today else (Tone.warn if due <= today + dt.timedelta(days=2) else None)


GROUP_COLUMNS = (
    Column("承制单位", lambda g: g.manufacturer or "（未定承制单位）", width=150),
    Column("待交回", lambda g: f"{g.count} 件", RIGHT, width=64),
    Column(
        "最早计划",
        _planned,
        CENTER,
        tooltip=lambda g: "交付计划中最早的交回日期",
        width=96,
    ),
)


def line_columns(today: Callable[[], dt.date]) -> tuple[CheckColumn | Column, ...]:
    """The lines' columns; `today` is asked at each paint (the window stays open overnight)."""
    return (
        CheckColumn("选", 0, "本批交回", width=36),
        Column("返厂任务", lambda r: r.item.task_number, width=130),
        Column(
            "产品编码",
            lambda r: r.item.item_code,
            tooltip=lambda r: "双击查看产品履历",
            width=180,
        ),
        Column("产品名称", lambda r: r.item.model_name, width=110),
        Column(
            "交付计划",
            lambda r: date_text(r.item.dispatch_deadline.due, "未列入"),
            CENTER,
            tone=lambda r: _plan_tone(r.item, today()),
            tooltip=lambda r: "交付计划要求的交回日期",
            width=90,
        ),
        Column(
            "故障现象",
            lambda r: r.item.fault_description,
            tooltip=lambda r: r.item.fault_description,
            width=220,
        ),
    )


class ReceiveBackPage(Page):
    """`open_item(code)` on a line's double-click; `records_changed` after a JJ or JF is issued."""

    records_changed = Signal()
    watches = Change.WAY_BACK | Change.LINES

    def __init__(
        self,
        desk: Desk,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(desk, parent)
        self.today = today
        self.page_size = page_size
        self.group: AwaitingGroup | None = None
        self._loaded = False
        self._reads = 0  # the latest read wins when an earlier one answers late
        self.layout_.addLayout(self._build_head())
        self.feedback = FeedbackLine()
        self.feedback.show_idle("在左侧选择承制单位，勾选交回的产品，再点“接收交回…”。")
        self.layout_.addWidget(self.feedback)
        self.groups_model = PagedTableModel(GROUP_COLUMNS, list_fetcher(()), parent=self)
        self.groups_view = make_table(self.groups_model, stretch=0)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.groups_view)
        split.addWidget(self._build_lines())
        split.setChildrenCollapsible(False)
        split.setStretchFactor(1, 1)
        split.setSizes([320, 860])
        self.layout_.addWidget(split, 1)
        self._connect()
        gate(
            self.plan_button,
            denial(self.actor, Permission.plan_delivery),
            tip="总体单位安排哪些修复产品在何时交回",
        )
        self._apply_gates()

    def _build_head(self) -> QHBoxLayout:
        title = QLabel("修复产品交回")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("验收合格、仍在承制单位的产品，按承制单位分组；可分批交回")
        hint.setStyleSheet("color: palette(mid);")
        self.plan_button = QPushButton("制定交付计划…")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(hint)
        head.addStretch(1)
        head.addWidget(self.plan_button)
        head.addWidget(self.refresh_button)
        return head

    def _build_lines(self) -> QWidget:
        self.lines_model = PagedCheckModel(
            line_columns(self._today), list_fetcher(()), self.page_size, self
        )
        self.lines_view = check_table(self.lines_model, stretch=5)
        self.lines_view.setEditTriggers(self.lines_view.EditTrigger.NoEditTriggers)
        self.lines_title = QLabel("请选择承制单位")
        self.lines_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.all_button = QPushButton("全选")
        self.none_button = QPushButton("全不选")
        self.receive_button = QPushButton("接收交回…")
        self.receive_button.setMinimumHeight(32)
        self.receive_button.setFont(scaled_font(self.font(), 1.0, bold=True))
        bar = QHBoxLayout()
        bar.addWidget(self.lines_title)
        bar.addStretch(1)
        bar.addWidget(self.all_button)
        bar.addWidget(self.none_button)
        bar.addWidget(self.receive_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.lines_view, 1)
        return right

    def _connect(self) -> None:
        self.groups_view.selectionModel().currentRowChanged.connect(self._group_changed)
        self.lines_view.doubleClicked.connect(self._open_line)
        self.lines_model.edited.connect(self._apply_gates)
        self.all_button.clicked.connect(self.check_all)
        self.none_button.clicked.connect(lambda: self.lines_model.set_all(False))
        self.receive_button.clicked.connect(self.receive)
        self.plan_button.clicked.connect(self.plan_delivery)
        self.refresh_button.clicked.connect(self.refresh)

    # --- reading ------------------------------------------------------------------------------

    def _today(self) -> dt.date:
        return self.today or local_today()

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def refresh(self) -> None:
        """Read the manufacturers with lines awaiting return again (counted in SQL), keeping
        the selected one; its lines are read page by page as the table scrolls."""
        self._loaded = True
        self._reads += 1
        ticket = self._reads
        keep = self.group.manufacturer_id if self.group else None

        def read(groups: list[AwaitingGroup]) -> None:
            if ticket == self._reads:
                self._show_groups(groups, keep)

        self.run(call(delivery.awaiting_groups, self.db), done=read)

    def _show_groups(self, groups: list[AwaitingGroup], keep: int | None) -> None:
        self.group = None  # read its lines again: some came back, or were planned
        self.groups_model.set_fetcher(list_fetcher(groups))
        self.groups_model.fetch_all()
        index = self.groups_model.find(lambda g: g.manufacturer_id == keep)
        if index is None and groups:
            index = 0
        if index is None:
            self._show_group(None)
        else:
            self.select_group(index)

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def select_group(self, row: int) -> None:
        group = self.groups_model.row(row)
        select_row(self.groups_view, row)  # a new current row shows its lines (_group_changed)
        if self.group is not group:
            self._show_group(group)

    def select_manufacturer(self, name: str) -> bool:
        index = self.groups_model.find(lambda g: g.manufacturer == name)
        if index is None:
            return False
        self.select_group(index)
        return True

    def _group_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            group = self.groups_model.row(current.row())
            if self.group is None or group.manufacturer_id != self.group.manufacturer_id:
                self._show_group(group)

    def _show_group(self, group: AwaitingGroup | None) -> None:
        self.group = group
        if group is None:
            self.lines_title.setText("目前没有待交回的修复产品")
            self.lines_model.set_fetcher(list_fetcher(()))
        else:
            self.lines_title.setText(f"{group.manufacturer}：{group.count} 件待交回")
            self.lines_model.set_fetcher(self._lines_of(group))
        self._apply_gates()

    def _lines_of(self, group: AwaitingGroup) -> PageFetcher:
        def fetch(last: DispatchLine | None, limit: int) -> Sequence[DispatchLine] | None:
            # A keyset page of this manufacturer's lines: a few ms whatever their number.
            rows: Sequence[DispatchLine] | None = self.runner.now(
                call(
                    delivery.page_awaiting,
                    self.db,
                    group.manufacturer_id,
                    last.line_id if last is not None else None,
                    limit,
                ),
                failed=self.show_failure,
            )
            return rows

        return fetch

    def check_all(self) -> None:
        """Tick every line of the manufacturer (reading the pages not yet shown)."""
        self.lines_model.fetch_all()
        self.lines_model.set_all(True)

    def checked_lines(self) -> list[DispatchLine]:
        return [r.item for r in self.lines_model.checked_rows()]

    def check_line(self, item_code: str, on: bool = True) -> None:
        for i, row in enumerate(self.lines_model.rows()):
            if row.item.item_code == item_code:
                self.lines_model.set_checked(i, 0, on)

    def _apply_gates(self) -> None:
        n = len(self.checked_lines())
        self.receive_button.setText(f"接收交回（{n} 件）…" if n else "接收交回…")
        has_lines = bool(self.lines_model.rowCount())
        gate(self.all_button, "" if has_lines else "没有待交回的产品。")
        gate(self.none_button, "" if has_lines else "没有待交回的产品。")
        gate(
            self.receive_button,
            denial(self.actor, Permission.receive_back),
            "" if n else "请先勾选本批交回的产品。",
            tip="逐件核对证明文件、装箱清单和文物一致，生成交接记录单",
        )

    def _open_line(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() > 0:
            self.open_item.emit(self.lines_model.row(index.row()).item.item_code)

    # --- the steps ----------------------------------------------------------------------------

    def receive(self) -> None:
        group, lines = self.group, self.checked_lines()
        if group is None or not lines:
            return
        dialog = ReceiveBackDialog(group.manufacturer, lines, self.actor.name, self)
        accepted = self.prompts.run(dialog)
        values: BackValues = dialog.values()
        dialog.deleteLater()
        if not accepted:
            return
        self.run(
            call(
                delivery.receive_back,
                self.db,
                self.actor,
                values.checks,
                values.deliverer_name,
                values.receiver_name,
                self._today(),
            ),
            done=lambda result: self._received(group.manufacturer, result),
            changes=Change.WAY_BACK | Change.LINES | Change.DEADLINES,
        )

    def _received(self, manufacturer: str, result: BackResult) -> None:
        self.refresh()
        self.records_changed.emit()
        summary = f"已接收 {manufacturer} 交回的 {result.received} 件，交接记录单 {result.handover_number}。"
        refused = ""
        if result.refused:
            refused = f"退回承制单位 {len(result.refused)} 件：" + "；".join(
                f"{code}（{why}）" for code, why in result.refused
            )
        self.feedback.show_result(Tone.warn if result.refused else Tone.ok, summary + refused)
        text = summary + (f"\n\n{refused}" if refused else "") + "\n\n是否现在打印交接记录单？"
        if self.prompts.ask(self, "修复产品已交回", text, yes="打印交接单", no="稍后打印"):
            print_record(self, result.handover_number)

    def plan_delivery(self) -> None:
        self.run(call(delivery.plannable_lines, self.db), done=self._plan)

    def _plan(self, lines: list[PlanLine]) -> None:
        chosen = [line.line_id for line in self.checked_lines()]
        dialog = DeliveryPlanDialog(lines, self._today(), chosen, self)
        accepted = self.prompts.run(dialog)
        values = dialog.values()
        dialog.deleteLater()
        if not accepted:
            return

        def planned(number: str) -> None:
            self.refresh()
            self.records_changed.emit()
            self.feedback.show_result(
                Tone.ok,
                f"已生成交付计划 {number}：{len(values.line_ids)} 件，"
                f"应于 {values.due_date.isoformat()} 前交回物资管理部门。",
            )

        self.run(
            call(
                delivery.create_delivery_plan,
                self.db,
                self.actor,
                values.line_ids,
                values.due_date,
                values.note,
                self._today(),
            ),
            done=planned,
            changes=Change.WAY_BACK,
        )
