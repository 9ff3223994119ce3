"""维修工作台: the lines at my unit by nearest deadline, and one button for each line's next step.

An engineer sees the lines at their own manufacturer; a quality inspector and a manager see every
unit's (a manager also the scrap requests waiting for a decision). Which step comes next, which
steps beside it a line allows and how late a step would be are the bench service's answers
(app/services/repair/bench.py); the page shows them. Each step opens its form, which saves through
the runner; then the bench is read again and the line stays selected while it is still here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

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

from app.services.admin import codelists
from app.services.kernel.terms import AWAITING_ACCEPTANCE, Role, line_status_label, step_label
from app.services.kernel.views import BenchLine
from app.services.repair import bench
from app.services.repair.bench import DECIDE_SCRAP, STEP_PERMISSIONS, LineDetail
from app.services.repair.scrapping import ScrapView
from app.ui.kit.formats import (
    NONE,
    deadline_cell,
    deadline_sentence,
    deadline_tone,
    deadlines_tooltip,
)
from app.ui.kit.gates import denial, gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import CENTER, PAGE_SIZE, Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import FOREGROUND, Tone, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.records.record_previews import Previewer
from app.ui.repair.plan_steps import LocalizeDialog, NoFaultDialog, PlanDialog
from app.ui.repair.receipt_steps import ReceiptDialog, UnboxingDialog
from app.ui.repair.repair_steps import AcceptanceDialog, RepairPlanDialog, RepairRecordDialog
from app.ui.repair.scrap_steps import ScrapDecisionDialog, ScrapRequestDialog
from app.ui.repair.step_form import StepDialog

NO_LINE = "请先在上方表格中选择一件产品。"
Done = Callable[[BenchLine, Any], None]
# The steps beside the next one: (step, button text, what it does).
SIDE_STEPS = (
    ("no_fault_found", "复测无故障…", "复测未能复现故障：不经维修直接转验收"),
    ("new_plan", "新版排查方案…", "登记排查方案的新版本，旧版本保留"),
    ("request_scrap", "申请报废…", "写明原因，提交总体/主管审批报废"),
)


def next_step_text(line: BenchLine) -> str:
    return step_label(line.next_step) if line.next_step else "—"


def _status_tone(line: BenchLine) -> Tone | None:
    if line.next_step == DECIDE_SCRAP:
        return Tone.warn
    if line.status in AWAITING_ACCEPTANCE:
        return Tone.ok
    return None


def status_text(line: BenchLine) -> str:
    text = line_status_label(line.status)
    return f"{text}（报废待批）" if line.next_step == DECIDE_SCRAP else text


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


def scrap_text(scrap: ScrapView | None) -> str:
    if scrap is None:
        return NONE
    asked = f"{scrap.requested_by} {scrap.requested_on.isoformat()} 申请：{scrap.reason}"
    if scrap.decision == "pending":
        return f"待总体/主管审批。{asked}"
    day = scrap.decided_on.isoformat() if scrap.decided_on else ""
    return f"已驳回（{scrap.decided_by} {day}）：{scrap.note}。{asked}"


def bench_columns(may_take: Callable[[BenchLine], bool]) -> tuple[Column, ...]:
    """The bench's columns; a next step the login may not take reads greyed out."""
    return (
        Column("任务编号", lambda b: b.task_number, width=140),
        Column("产品编码", lambda b: b.item_code, tooltip=lambda b: b.item_code, width=190),
        Column("产品名称", lambda b: b.model_name, tooltip=lambda b: b.model_name, width=110),
        Column("状态", status_text, CENTER, tone=_status_tone, width=150),
        Column(
            "最近时限",
            lambda b: deadline_cell(b.nearest),
            tone=lambda b: deadline_tone(b.nearest),
            tooltip=lambda b: deadlines_tooltip(b.deadlines),
            width=250,
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


class BenchPage(Page):
    """`open_item` asks the window to show an item's history (产品履历)."""

    watches = Change.BENCH | Change.LINES | Change.DISPATCH
    records_changed = Signal()  # a step issued a report (DW, CQ…) that may be in an inbox

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(desk, parent)
        self.previewer = Previewer(desk)
        self.counts = bench.BenchCounts(0, 0, 0, 0)
        self.detail: LineDetail | None = None
        self._build_head()
        columns = bench_columns(self._may_take)
        self.model = PagedTableModel(columns, list_fetcher([]), page_size, self)
        self.view = make_table(self.model, stretch=len(columns) - 1)
        self._build_detail()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 0)
        split.setChildrenCollapsible(False)
        split.setSizes([480, 240])
        self.layout_.addLayout(self.head)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(split, 1)
        self._connect()
        self.refresh()

    # --- building -----------------------------------------------------------------------------

    def _build_head(self) -> None:
        title = QLabel("维修工作台")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.scope = QLabel(self._scope_text())
        self.scope.setStyleSheet("color: palette(mid);")
        self.count_label = QLabel()
        self.mine_box = QCheckBox("只看我能办理的")
        self.mine_box.setToolTip("只列出下一步由当前登录办理的产品")
        self.mine_box.setChecked(self.actor.role in (Role.quality, Role.manager))
        self.refresh_button = QPushButton("刷新")
        self.head = QHBoxLayout()
        for widget in (title, self.scope):
            self.head.addWidget(widget)
        self.head.addStretch(1)
        self.head.addWidget(self.count_label)
        self.head.addSpacing(12)
        self.head.addWidget(self.mine_box)
        self.head.addWidget(self.refresh_button)
        self.feedback = FeedbackLine()
        self.feedback.show_idle("选择一件产品，点击下方按钮办理下一步。")

    def _build_detail(self) -> None:
        self.detail_box = QFrame()
        self.detail_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.line_title = QLabel(NO_LINE)
        self.line_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.line_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lines = self.fontMetrics().lineSpacing()
        self.fault_label = QLabel()
        self.deadlines_label = QLabel()
        self.deadlines_label.setTextFormat(Qt.TextFormat.RichText)
        # Room for two deadlines (故障定位 and 在修时间) without the panel jumping.
        self.deadlines_label.setMinimumHeight(2 * lines + 4)
        self.handover_label = QLabel()
        self.certificate_label = QLabel()
        self.scrap_label = QLabel()
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        rows = (
            ("故障现象：", self.fault_label),
            ("时限：", self.deadlines_label),
            ("交接记录：", self.handover_label),
            ("质量证明文件：", self.certificate_label),
            ("报废申请：", self.scrap_label),
        )
        for row, (name, widget) in enumerate(rows):
            label = QLabel(name)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            widget.setWordWrap(True)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
        grid.setColumnStretch(1, 1)
        detail_layout = QVBoxLayout(self.detail_box)
        detail_layout.addWidget(self.line_title)
        detail_layout.addLayout(grid)
        detail_layout.addStretch(1)
        detail_layout.addLayout(self._build_buttons())

    def _build_buttons(self) -> QHBoxLayout:
        self.next_button = QPushButton("下一步")
        self.next_button.setMinimumHeight(38)
        self.next_button.setMinimumWidth(140)
        self.next_button.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.side_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.addWidget(self.next_button)
        buttons.addSpacing(8)
        for step, text, _tip in SIDE_STEPS:
            button = QPushButton(text)
            button.setMinimumHeight(32)
            self.side_buttons[step] = button
            buttons.addWidget(button)
        self.nff_button = self.side_buttons["no_fault_found"]
        self.new_plan_button = self.side_buttons["new_plan"]
        self.scrap_button = self.side_buttons["request_scrap"]
        self.print_button = QToolButton()
        self.print_button.setText("打印")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.print_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.print_menu = QMenu(self.print_button)
        self.print_button.setMenu(self.print_menu)
        self.print_button.setMinimumSize(72, 32)
        self.history_button = QPushButton("历史")
        self.history_button.setMinimumHeight(32)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.history_button)
        return buttons

    def _connect(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.mine_box.toggled.connect(self._mine_toggled)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.view.doubleClicked.connect(self.take_next_step)
        self.next_button.clicked.connect(self.take_next_step)
        self.nff_button.clicked.connect(self.no_fault_found)
        self.new_plan_button.clicked.connect(self.new_plan)
        self.scrap_button.clicked.connect(self.request_scrap)
        self.print_button.clicked.connect(self.print_latest)
        self.history_button.clicked.connect(self._open_history)

    # --- reading ------------------------------------------------------------------------------

    def _scope_text(self) -> str:
        if self.actor.system or self.actor.role in (Role.manager, Role.quality):
            return "（全部承制单位的返修产品，按最近时限排序）"
        return f"（{self.actor.unit_name or '本单位'}的返修产品，按最近时限排序）"

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def refresh(self) -> None:
        self.reload()

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Read the bench's counts and its first page again; the selected line stays selected
        while it is still here. Further pages come as the table scrolls."""
        keep = self._selected_id()

        def loaded(counts: bench.BenchCounts) -> None:
            self.counts = counts
            self._show_rows(keep)
            if then is not None:
                then()

        self.run(call(bench.bench_counts, self.db, self.actor, steps=self._steps()), done=loaded)

    def _may_take(self, line: BenchLine) -> bool:
        permission = STEP_PERMISSIONS.get(line.next_step)
        return permission is not None and not denial(self.actor, permission)

    def _steps(self) -> frozenset[str] | None:
        """The steps the login may take, when only those lines are listed (只看我能办理的)."""
        if not self.mine_box.isChecked():
            return None
        return frozenset(
            step
            for step, permission in STEP_PERMISSIONS.items()
            if not denial(self.actor, permission)
        )

    def _fetch(self, last: BenchLine | None, limit: int) -> Sequence[BenchLine] | None:
        # A keyset page in the bench's order, each line's task, item, scrap request and
        # dispatch record in the same statements: a fixed number whatever the number of lines.
        rows: Sequence[BenchLine] | None = self.runner.now(
            call(
                bench.page_bench_lines,
                self.db,
                self.actor,
                after=last,
                limit=limit,
                steps=self._steps(),
            ),
            failed=self.show_failure,
        )
        return rows

    def _show_rows(self, keep: int | None) -> None:
        counts = self.counts
        self.model.set_fetcher(self._fetch)
        text = f"共 {counts.total} 件"
        if counts.listed != counts.total:
            text += f"，列出 {counts.listed} 件"
        if counts.overdue:
            text += f"，<span style='color:{FOREGROUND[Tone.bad]}'>超期 {counts.overdue} 件</span>"
        if counts.waiting:
            text += (
                f"，<span style='color:{FOREGROUND[Tone.warn]}'>报废待批 {counts.waiting} 件</span>"
            )
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
        # Read on for a line a step moved down the bench, but not through a whole factory's
        # bench on the GUI thread: five pages at most.
        row = self.model.find_or_fetch(lambda b: b.line_id == line_id, 5 * self.model.page_size)
        if row is None:
            return False
        select_row(self.view, row)
        self._show_line(self.model.row(row))
        return True

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_line(self.model.row(current.row()) if current.isValid() else None)

    # --- the selected line --------------------------------------------------------------------

    def _show_line(self, line: BenchLine | None) -> None:
        self.detail = None
        if line is None:
            self.line_title.setText(NO_LINE)
            for label in (
                self.fault_label,
                self.deadlines_label,
                self.handover_label,
                self.certificate_label,
                self.scrap_label,
            ):
                label.clear()
        else:
            self.detail = self.now(call(bench.line_detail, self.db, line.line_id))
            self.line_title.setText(
                f"{line.item_code}　{line.model_name}　·　任务 {line.task_number}"
                f"　·　{status_text(line)}"
            )
            self.fault_label.setText(line.fault_description or "（未填写）")
            self.deadlines_label.setText(deadlines_html(line))
            self.handover_label.setText(
                f"{line.handover_number}（待签收）" if line.handover_number else NONE
            )
            cert = self.detail.certificate_no if self.detail else ""
            self.certificate_label.setText(cert or "未登记（记录维修时填写证明文件编号）")
            self.scrap_label.setText(scrap_text(self.detail.scrap if self.detail else None))
        self._update_buttons(line)

    def _update_buttons(self, line: BenchLine | None) -> None:
        no_line = "" if line is not None else NO_LINE
        permission = STEP_PERMISSIONS.get(line.next_step) if line is not None else None
        label = next_step_text(line) if line is not None and line.next_step else "下一步"
        self.next_button.setText(label)
        gate(
            self.next_button,
            no_line,
            "" if permission else "这件产品在工作台上没有下一步。",
            denial(self.actor, permission) if permission else "",
            tip=f"{label}：{line.item_code}" if line is not None else "",
        )
        blocked = self.detail.blocked if self.detail else {}
        for step, _text, tip in SIDE_STEPS:
            gate(
                self.side_buttons[step],
                no_line,
                blocked.get(step, ""),
                denial(self.actor, STEP_PERMISSIONS[step]),
                tip=tip,
            )
        gate(self.history_button, no_line, tip="查看这件产品的全部履历")
        self.print_menu.clear()
        records = self.records_items()
        for item in reversed(records):
            action = self.print_menu.addAction(item.title)
            action.triggered.connect(lambda _c=False, n=item.number: self.print_record(n))
        gate(
            self.print_button,
            no_line,
            "" if records or line is None else "这件产品在本次返修中还没有可打印的记录。",
            tip=f"打印{records[-1].title}（点右侧箭头选择其他记录）" if records else "",
        )

    def records_items(self) -> tuple[bench.RecordItem, ...]:
        return self.detail.records if self.detail else ()

    @property
    def records(self) -> list[str]:
        """The numbers of the selected line's printable records, oldest first."""
        return [r.number for r in self.records_items()]

    # --- steps --------------------------------------------------------------------------------

    def _mine_toggled(self, _on: bool) -> None:
        self.reload()

    def take_next_step(self, *_args: Any) -> None:
        line = self.selected()
        if line is None or not self.next_button.isEnabled():
            return
        form = self._form_for(line)
        if form is not None:
            self._run_step(line, *form)

    def _form_for(self, line: BenchLine) -> tuple[StepDialog, Done] | None:
        """The form of the line's next step, and what to say once it is done."""
        desk, step = self.desk, line.next_step
        late = self.detail.lateness if self.detail else None
        cert = self.detail.certificate_no if self.detail else ""
        if step == "receive_at_manufacturer":
            same = self.now(
                call(bench.handover_lines, self.db, self.actor, line.handover_number), []
            )
            return ReceiptDialog(desk, line.handover_number, same or [line], self), self._received
        if step == "unbox":
            return UnboxingDialog(desk, line, self), self._unboxed
        if step == "write_plan":
            return PlanDialog(desk, line, None, self), self._planned
        if step == "localize":
            return LocalizeDialog(desk, line, self._codes(), late, self), self._localized
        if step == "start_repair":
            return RepairPlanDialog(desk, line, self), self._repair_planned
        if step == "finish_repair":
            return RepairRecordDialog(desk, line, cert, late, self), self._repaired
        if step == "accept_repair":
            points = self.now(call(bench.acceptance_points, self.db, line.line_id), [])
            return AcceptanceDialog(desk, line, points, cert, self), self._accepted
        if step == DECIDE_SCRAP and self.detail and self.detail.scrap:
            return ScrapDecisionDialog(desk, line, self.detail.scrap, self), self._decided
        return None

    def _codes(self) -> tuple[list[str], list[str]]:
        """The admin's fault modes and cause categories, for the localization form."""
        lists = []
        for name in (codelists.FAULT_MODE, codelists.CAUSE_CATEGORY):
            codes = self.now(call(codelists.list_codes, self.db, name), [])
            lists.append([c.label for c in codes])
        return lists[0], lists[1]

    def _run_step(self, line: BenchLine, dialog: StepDialog, done: Done) -> None:
        accepted = self.prompts.run(dialog)
        result = dialog.result_value
        dialog.deleteLater()
        if accepted:
            self.reload(then=lambda: done(line, result))

    def no_fault_found(self) -> None:
        line = self.selected()
        if line is not None and self.nff_button.isEnabled():
            late = self.detail.lateness if self.detail else None
            self._run_step(line, NoFaultDialog(self.desk, line, late, self), self._no_fault)

    def new_plan(self) -> None:
        line = self.selected()
        if line is None or not self.new_plan_button.isEnabled():
            return
        plans = self.detail.plans if self.detail else ()
        previous = (plans[-1].document_no, plans[-1].version) if plans else None
        self._run_step(line, PlanDialog(self.desk, line, previous, self), self._planned)

    def request_scrap(self) -> None:
        line = self.selected()
        if line is not None and self.scrap_button.isEnabled():
            dialog = ScrapRequestDialog(self.desk, line, self)
            self._run_step(line, dialog, self._scrap_requested)

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

    def _scrap_requested(self, line: BenchLine, _result: Any) -> None:
        self._say(line, f"{line.item_code}：报废申请已提交，等待总体/主管审批。", Tone.warn)

    def _decided(self, line: BenchLine, result: ScrapView) -> None:
        if not result.number:
            self._say(line, f"{line.item_code}：不同意报废，已退回工作台继续维修。", Tone.warn)
            return
        self.records_changed.emit()
        self._say(
            line,
            f"{line.item_code}：已批准报废（报废审批单 {result.number}），产品退出所在齐套。",
            Tone.warn,
        )
        text = f"{line.item_code} 已批准报废。\n\n是否现在打印报废审批单 {result.number}？"
        if self.prompts.ask(self, "已批准报废", text, yes="打印报废审批单", no="稍后打印"):
            self.print_record(result.number)

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
