"""维修工作台: the lines at my unit by nearest deadline, and one button for each line's next step.

An engineer sees the lines at their own manufacturer; a quality inspector and a manager see every
unit's. Each step opens its form (app/ui/step_dialogs.py), which calls the service itself; after it
the bench is read again and the line stays selected while it is still on the bench.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.admin import codelists
from app.services.handover import returns
from app.services.kernel.context import Actor
from app.services.kernel.terms import LineStatus, Role
from app.services.kernel.views import BenchLine
from app.services.repair import bench
from app.ui.kit.formats import NONE, line_status_label
from app.ui.kit.gates import denial, gate
from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import FOREGROUND, Tone, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.records.record_previews import Previewer
from app.ui.repair.step_dialogs import (
    AcceptanceDialog,
    LocalizeDialog,
    NoFaultDialog,
    PlanDialog,
    ReceiptDialog,
    RepairPlanDialog,
    RepairRecordDialog,
    ScrapDialog,
    StepDialog,
    UnboxingDialog,
)
from app.ui.repair.step_labels import (
    STEP_BUTTONS,
    deadline_cell,
    deadline_sentence,
    deadline_tone,
    deadlines_tooltip,
    record_title,
)

if TYPE_CHECKING:
    from app.db import Database

NO_LINE = "请先在上方表格中选择一件产品。"
# States from which a new version of the investigation plan may be written.
NEW_PLAN_STATES = (LineStatus.localizing, LineStatus.localized, LineStatus.in_repair)
SCRAP_STATES = (LineStatus.localized, LineStatus.in_repair)
Done = Callable[[BenchLine, Any], None]


def next_step_text(line: BenchLine) -> str:
    return STEP_BUTTONS.get(line.next_step, ("—", ""))[0]


def _status_tone(line: BenchLine) -> Tone | None:
    if line.status in (LineStatus.repaired, LineStatus.no_fault_found):
        return Tone.ok
    return None


def deadlines_html(line: BenchLine) -> str:
    """Each deadline of the line on its own line, red when overdue, amber when due soon."""
    if not line.deadlines:
        return escape(deadlines_tooltip(()))
    parts = []
    for d in line.deadlines:
        tone = deadline_tone(d)
        text = escape(deadline_sentence(d))
        if tone in (Tone.bad, Tone.warn):
            text = f"<span style='color:{FOREGROUND[tone]}'>{text}</span>"
        parts.append(text)
    return "<br>".join(parts)


def bench_columns(may_take: Callable[[BenchLine], bool]) -> tuple[Column, ...]:
    """The bench's columns; a next step the login may not take reads greyed out."""
    return (
        Column("任务编号", lambda b: b.task_number, width=140),
        Column("产品编码", lambda b: b.item_code, tooltip=lambda b: b.item_code, width=190),
        Column("产品名称", lambda b: b.model_name, tooltip=lambda b: b.model_name, width=110),
        Column("状态", lambda b: line_status_label(b.status), CENTER, tone=_status_tone, width=86),
        Column(
            "最近时限",
            lambda b: deadline_cell(b.nearest),
            tone=lambda b: deadline_tone(b.nearest),
            tooltip=lambda b: deadlines_tooltip(b.deadlines),
            width=230,
        ),
        Column(
            "下一步",
            next_step_text,
            CENTER,
            tone=lambda b: None if may_take(b) else Tone.muted,
            tooltip=lambda b: "" if may_take(b) else "下一步不由当前登录办理",
            width=100,
        ),
        Column(
            "故障现象",
            lambda b: b.fault_description,
            tooltip=lambda b: b.fault_description or "（未填写故障现象）",
            width=200,
        ),
    )


class BenchPage(QWidget):
    """`open_item` asks the window to show an item's history (产品履历)."""

    open_item = Signal(str)
    records_changed = Signal()  # a step issued a report (DW, CQ…) that may be in an inbox

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
        self.all_rows: list[BenchLine] = []
        self.records: list[str] = []  # printable records of the selected line, oldest first

        title = QLabel("维修工作台")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.scope = QLabel(self._scope_text())
        self.scope.setStyleSheet("color: palette(mid);")
        self.count_label = QLabel()
        self.mine_box = QCheckBox("只看我能办理的")
        self.mine_box.setToolTip("只列出下一步由当前登录办理的产品")
        self.mine_box.setChecked(actor.role == Role.quality)
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.scope)
        head.addStretch(1)
        head.addWidget(self.count_label)
        head.addSpacing(12)
        head.addWidget(self.mine_box)
        head.addWidget(self.refresh_button)
        self.feedback = FeedbackLine()
        self.feedback.show_idle("选择一件产品，点击下方按钮办理下一步。")

        columns = bench_columns(self._may_take)
        self.model = PagedTableModel(columns, list_fetcher([]), parent=self)
        self.view = make_table(self.model, stretch=len(columns) - 1)

        # --- the selected line ---
        self.detail = QFrame()
        self.detail.setFrameShape(QFrame.Shape.StyledPanel)
        self.line_title = QLabel(NO_LINE)
        self.line_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.line_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fault_label = QLabel()
        self.fault_label.setWordWrap(True)
        self.deadlines_label = QLabel()
        self.deadlines_label.setWordWrap(True)
        self.deadlines_label.setTextFormat(Qt.TextFormat.RichText)
        # Room for two deadlines (故障定位 and 在修时间) without the panel jumping.
        lines = self.fontMetrics().lineSpacing()
        self.deadlines_label.setMinimumHeight(2 * lines + 4)
        self.fault_label.setMinimumHeight(lines + 2)
        self.handover_label = QLabel()
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for row, (name, widget) in enumerate(
            (
                ("故障现象：", self.fault_label),
                ("时限：", self.deadlines_label),
                ("交接记录：", self.handover_label),
            )
        ):
            label = QLabel(name)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
        grid.setColumnStretch(1, 1)

        self.next_button = QPushButton("下一步")
        self.next_button.setMinimumHeight(38)
        self.next_button.setMinimumWidth(140)
        self.next_button.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.nff_button = QPushButton("复测无故障…")
        self.new_plan_button = QPushButton("新版排查方案…")
        self.scrap_button = QPushButton("报废…")
        self.print_button = QToolButton()
        self.print_button.setText("打印")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.print_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.print_menu = QMenu(self.print_button)
        self.print_button.setMenu(self.print_menu)
        self.history_button = QPushButton("历史")
        for button in (self.nff_button, self.new_plan_button, self.scrap_button):
            button.setMinimumHeight(32)
        self.print_button.setMinimumHeight(32)
        self.print_button.setMinimumWidth(72)
        self.history_button.setMinimumHeight(32)
        buttons = QHBoxLayout()
        buttons.addWidget(self.next_button)
        buttons.addSpacing(8)
        buttons.addWidget(self.nff_button)
        buttons.addWidget(self.new_plan_button)
        buttons.addWidget(self.scrap_button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.history_button)
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.addWidget(self.line_title)
        detail_layout.addLayout(grid)
        detail_layout.addStretch(1)
        detail_layout.addLayout(buttons)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 0)
        split.setChildrenCollapsible(False)
        split.setSizes([500, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.feedback)
        layout.addWidget(split, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.mine_box.toggled.connect(self._mine_toggled)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.view.doubleClicked.connect(self.take_next_step)
        self.next_button.clicked.connect(self.take_next_step)
        self.nff_button.clicked.connect(self.no_fault_found)
        self.new_plan_button.clicked.connect(self.new_plan)
        self.scrap_button.clicked.connect(self.scrap)
        self.print_button.clicked.connect(self.print_latest)
        self.history_button.clicked.connect(self._open_history)
        self.model.load_failed.connect(lambda m: self.feedback.show_result(Tone.bad, m))
        self.refresh()

    # --- reading ------------------------------------------------------------------------------

    def _scope_text(self) -> str:
        if self.actor.system or self.actor.role in (Role.manager, Role.quality):
            return "（全部承制单位的返修产品，按最近时限排序）"
        return f"（{self.actor.unit_name or '本单位'}的返修产品，按最近时限排序）"

    def refresh(self) -> None:
        """Read the bench again; the selected line stays selected while it is still here."""
        keep = self._selected_id()
        try:
            self.all_rows = bench.bench_lines(self.db, self.actor)
        except DomainError as exc:
            self.all_rows = []
            self.feedback.show_result(Tone.bad, str(exc))
        self._show_rows(keep)

    def _may_take(self, line: BenchLine) -> bool:
        step = STEP_BUTTONS.get(line.next_step)
        return step is not None and not denial(self.actor, step[1])

    def _show_rows(self, keep: int | None) -> None:
        rows = self.all_rows
        if self.mine_box.isChecked():
            rows = [r for r in rows if self._may_take(r)]
        self.model.set_fetcher(list_fetcher(rows))
        overdue = sum(1 for r in self.all_rows if deadline_tone(r.nearest) == Tone.bad)
        text = f"共 {len(self.all_rows)} 件"
        if len(rows) != len(self.all_rows):
            text += f"，列出 {len(rows)} 件"
        if overdue:
            text += f"，<span style='color:{FOREGROUND[Tone.bad]}'>超期 {overdue} 件</span>"
        self.count_label.setText(text)
        if keep is None or not self.select_line(keep):
            self._show_line(None)

    def rows(self) -> tuple[BenchLine, ...]:
        return self.model.rows()

    def selected(self) -> BenchLine | None:
        index = self.view.selectionModel().currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _selected_id(self) -> int | None:
        line = self.selected()
        return line.line_id if line else None

    def select_line(self, line_id: int) -> bool:
        row = self.model.find_or_fetch(lambda b: b.line_id == line_id)
        if row is None:
            return False
        select_row(self.view, row)
        self._show_line(self.model.row(row))
        return True

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_line(self.model.row(current.row()) if current.isValid() else None)

    # --- the selected line --------------------------------------------------------------------

    def _show_line(self, line: BenchLine | None) -> None:
        if line is None:
            self.line_title.setText(NO_LINE)
            self.fault_label.clear()
            self.deadlines_label.clear()
            self.handover_label.clear()
            self.records = []
        else:
            self.line_title.setText(
                f"{line.item_code}　{line.model_name}　·　任务 {line.task_number}"
                f"　·　{line_status_label(line.status)}"
            )
            self.fault_label.setText(line.fault_description or "（未填写）")
            self.deadlines_label.setText(deadlines_html(line))
            self.handover_label.setText(
                f"{line.handover_number}（待签收）" if line.handover_number else NONE
            )
            self.records = self._records_of(line)
        self._update_buttons(line)

    def _records_of(self, line: BenchLine) -> list[str]:
        """The records this line's way has issued so far (JJ, KX, PC, DW, WX, YS…), oldest first."""
        try:
            return bench.line_records(self.db, line.line_id)
        except DomainError:
            return [line.handover_number] if line.handover_number else []

    def _plans_of(self, line: BenchLine) -> list[tuple[str, str]]:
        """(document no, version) of this line's investigation plans, oldest first."""
        try:
            return [(doc, version) for doc, version, _n in bench.line_plans(self.db, line.line_id)]
        except DomainError:
            return []

    def _update_buttons(self, line: BenchLine | None) -> None:
        no_line = "" if line is not None else NO_LINE
        if line is None:
            self.next_button.setText("下一步")
            gate(self.next_button, no_line)
        else:
            label, permission = STEP_BUTTONS.get(line.next_step, ("下一步", ""))
            self.next_button.setText(label)
            gate(
                self.next_button,
                "" if permission else "这件产品在工作台上没有下一步。",
                denial(self.actor, permission) if permission else "",
                tip=f"{label}：{line.item_code}",
            )
        status = line.status if line is not None else ""
        gate(
            self.nff_button,
            no_line,
            "" if status == LineStatus.localizing else "只有“排查中”的产品可以判定复测无故障。",
            denial(self.actor, "investigate"),
            tip="复测未能复现故障：不经维修直接转验收",
        )
        gate(
            self.new_plan_button,
            no_line,
            ""
            if status in NEW_PLAN_STATES
            else "产品编写过排查方案（排查中、已定位或维修中）后才能登记新版本。",
            denial(self.actor, "investigate"),
            tip="登记排查方案的新版本，旧版本保留",
        )
        gate(
            self.scrap_button,
            no_line,
            "" if status in SCRAP_STATES else "只有“已定位”或“维修中”的产品可以报废。",
            denial(self.actor, "approve_scrap"),
            tip="总体/主管批准报废，须写明原因",
        )
        gate(self.history_button, no_line, tip="查看这件产品的全部履历")
        self.print_menu.clear()
        for number in reversed(self.records):
            action = self.print_menu.addAction(record_title(number))
            action.triggered.connect(lambda _checked=False, n=number: self.print_record(n))
        latest = self.records[-1] if self.records else ""
        gate(
            self.print_button,
            no_line,
            "" if latest or line is None else "这件产品在本次返修中还没有可打印的记录。",
            tip=f"打印{record_title(latest)}（点右侧箭头选择其他记录）" if latest else "",
        )

    # --- steps --------------------------------------------------------------------------------

    def _mine_toggled(self, _on: bool) -> None:
        self._show_rows(self._selected_id())

    def take_next_step(self, *_args: Any) -> None:
        line = self.selected()
        if line is None or not self.next_button.isEnabled():
            return
        if line.next_step == "receive_at_manufacturer":
            self.receive(line)
        elif line.next_step == "accept_repair":
            self.accept_repair(line)
        else:
            form = self._form_for(line)
            if form is not None:
                self._run_step(line, *form)

    def _form_for(self, line: BenchLine) -> tuple[StepDialog, Done] | None:
        """The form of a step taken with one dialog, and what to say once it is done."""
        db, actor, prompts, step = self.db, self.actor, self.prompts, line.next_step
        if step == "unbox":
            return UnboxingDialog(db, actor, line, prompts, self), self._unboxed
        if step == "write_plan":
            return PlanDialog(db, actor, line, prompts, None, self), self._planned
        if step == "localize":
            return LocalizeDialog(db, actor, line, self), self._localized
        if step == "start_repair":
            return RepairPlanDialog(db, actor, line, self), self._repair_planned
        if step == "finish_repair":
            return RepairRecordDialog(db, actor, line, self), self._repaired
        return None

    def _run_step(self, line: BenchLine, dialog: StepDialog, done: Done) -> None:
        accepted = self.prompts.run(dialog)
        result = dialog.result_value
        dialog.deleteLater()
        if not accepted:
            return
        self.refresh()
        self.select_line(line.line_id)
        done(line, result)

    def receive(self, line: BenchLine) -> None:
        number = line.handover_number
        if not number:
            self.feedback.show_result(Tone.bad, f"{line.item_code} 没有待签收的交接记录。")
            return
        lines = [
            r
            for r in self.all_rows
            if r.handover_number == number and r.status == LineStatus.dispatched
        ]
        dialog = ReceiptDialog(self.db, self.actor, number, lines or [line], self)
        self._run_step(line, dialog, self._received)

    def accept_repair(self, line: BenchLine) -> None:
        try:
            view = returns.get_line(self.db, line.line_id)
            points = codelists.get_checklist(self.db, view.model_code)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        dialog = AcceptanceDialog(self.db, self.actor, line, points, self)
        self._run_step(line, dialog, self._accepted)

    def no_fault_found(self) -> None:
        line = self.selected()
        if line is not None and self.nff_button.isEnabled():
            self._run_step(line, NoFaultDialog(self.db, self.actor, line, self), self._no_fault)

    def new_plan(self) -> None:
        line = self.selected()
        if line is None or not self.new_plan_button.isEnabled():
            return
        plans = self._plans_of(line)
        dialog = PlanDialog(
            self.db, self.actor, line, self.prompts, plans[-1] if plans else None, self
        )
        self._run_step(line, dialog, self._planned)

    def scrap(self) -> None:
        line = self.selected()
        if line is not None and self.scrap_button.isEnabled():
            self._run_step(line, ScrapDialog(self.db, self.actor, line, self), self._scrapped)

    # --- after a step -------------------------------------------------------------------------

    def _say(self, line: BenchLine, message: str, tone: Tone = Tone.ok) -> None:
        gone = self._selected_id() != line.line_id
        suffix = "（已离开工作台）" if gone else ""
        self.feedback.show_result(tone, message + suffix)

    def _received(self, line: BenchLine, result: Any) -> None:
        self._say(
            line,
            f"已签收交接记录单 {result.handover_number}：{result.received} 件到达本单位，"
            "故障定位和在修时间开始计时。",
        )

    def _unboxed(self, line: BenchLine, number: str) -> None:
        self._say(line, f"{line.item_code}：开箱检查记录 {number} 已保存。")

    def _planned(self, line: BenchLine, number: str) -> None:
        self._say(line, f"{line.item_code}：故障排查方案 {number} 已登记。")

    def _localized(self, line: BenchLine, number: str) -> None:
        self.records_changed.emit()
        self._say(
            line,
            f"{line.item_code}：故障已定位，故障定位情况报告 {number} 已报送主管部门和质量部门。",
        )

    def _no_fault(self, line: BenchLine, number: str) -> None:
        self.records_changed.emit()
        self._say(
            line,
            f"{line.item_code}：复测无故障，故障定位情况报告 {number} 已报送主管部门和质量部门，"
            "等待验收。",
        )

    def _repair_planned(self, line: BenchLine, _result: Any) -> None:
        self._say(line, f"{line.item_code}：维修方案已保存，产品转入维修中。")

    def _repaired(self, line: BenchLine, number: str) -> None:
        self._say(line, f"{line.item_code}：维修记录 {number} 已保存，等待质量检验员验收。")

    def _accepted(self, line: BenchLine, outcome: Any) -> None:
        if not outcome.passed:
            self._say(
                line,
                f"{line.item_code}：验收不合格（验收记录 {outcome.number}），已退回维修。",
                Tone.warn,
            )
            return
        page = outcome.repair_record_number
        self._say(
            line,
            f"{line.item_code}：验收合格（验收记录 {outcome.number}），"
            f"维修记录 {page} 已写入产品质量证明文件。",
        )
        text = (
            f"{line.item_code} 验收合格。\n\n验收记录：{outcome.number}\n"
            f"质量证明文件维修记录：{page}\n\n是否现在打印维修记录页，放入纸质质量证明文件？"
        )
        if page and self.prompts.ask(self, "验收合格", text, yes="打印维修记录", no="稍后打印"):
            self.print_record(page)

    def _scrapped(self, line: BenchLine, _result: Any) -> None:
        self._say(line, f"{line.item_code}：已批准报废，产品退出所在齐套。", Tone.warn)

    # --- printing and history -----------------------------------------------------------------

    def print_latest(self) -> None:
        if self.records:
            self.print_record(self.records[-1])

    def print_record(self, number: str) -> None:
        self.previewer.show_record(number, self)

    def _open_history(self) -> None:
        line = self.selected()
        if line is not None:
            self.open_item.emit(line.item_code)
