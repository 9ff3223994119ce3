"""返厂交接台: where a materials clerk receives a return from a user unit.

Left, the tasks; right, the open task: its heading, the scan field, the lines, and the selected
line's documents and decision. Every change is a service call; a refusal is shown in the feedback
line under the scan field (never in a modal box a scanner's Enter would dismiss).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.admin import masterdata
from app.services.handover import returns
from app.services.kernel.context import Actor
from app.services.kernel.numbering import parse_number
from app.services.kernel.terms import LineStatus, Permission, TaskStatus, UnitKind
from app.services.kernel.views import (
    ConfirmResult,
    ImportResult,
    LineRow,
    LineView,
    TaskView,
)
from app.services.records import registry
from app.ui.handover.confirm_dialog import ConfirmHandoverDialog
from app.ui.handover.import_dialog import ImportDialog
from app.ui.handover.line_detail import LineDetailPanel
from app.ui.handover.model_pick_dialog import ModelPickDialog
from app.ui.handover.new_task_dialog import NewTaskDialog
from app.ui.handover.task_header import TaskHeader
from app.ui.handover.task_list import TaskListPanel
from app.ui.kit.columns import LINE_COLUMNS
from app.ui.kit.gates import READ_ONLY, denial, gate
from app.ui.kit.paged_model import PagedTableModel
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine, ScanField
from app.ui.kit.style import Tone
from app.ui.kit.tables import make_table, select_row
from app.ui.records.record_printer import RecordPrinter

if TYPE_CHECKING:
    from app.db import Database

NO_TASK = "请先在左侧选择或新建任务，再扫描产品；扫描记录编号可直接打开该记录。"
LIST_FILTER = "Excel 表格 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)"


def line_row(view: LineView) -> LineRow:
    """The table row of a line the services just handed back whole."""
    return LineRow(
        id=view.id,
        task_id=view.task_id,
        task_number=view.task_number,
        seq=view.seq,
        item_code=view.item_code,
        model_code=view.model_code,
        model_name=view.model_name,
        serial_no=view.serial_no,
        fault_description=view.fault_description,
        status=view.status,
        decision=view.decision,
        reject_reason=view.reject_reason,
        documents=tuple((d.present, d.consistent) for d in view.documents),
        dispatch_deadline=view.dispatch_deadline,
    )


class HandoverDesk(QWidget):
    """The desk for one login; `records_changed` tells the window a report may have been issued."""

    records_changed = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
        page_size: int = 200,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts or Prompts()
        self.printer = RecordPrinter(db, self.prompts)
        self.task: TaskView | None = None

        # --- left: the tasks ---
        self.task_list = TaskListPanel(db, page_size)
        self.tasks_model = self.task_list.model
        self.tasks_view = self.task_list.view
        self.new_task_button = self.task_list.new_task_button
        self.import_button = self.task_list.import_button

        # --- right: the open task ---
        self.header = TaskHeader()
        self.scan_field = ScanField()
        self.feedback = FeedbackLine()
        self.lines_model = PagedTableModel(LINE_COLUMNS, self._fetch_lines, page_size, self)
        self.lines_model.clear()
        self.lines_view = make_table(self.lines_model, stretch=4)
        self.detail = LineDetailPanel(db, actor, self.prompts)
        lines_split = QSplitter(Qt.Orientation.Vertical)
        lines_split.addWidget(self.lines_view)
        lines_split.addWidget(self.detail)
        lines_split.setStretchFactor(0, 3)
        lines_split.setStretchFactor(1, 0)
        lines_split.setChildrenCollapsible(False)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.scan_field)
        right_layout.addWidget(self.feedback)
        right_layout.addWidget(lines_split, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.task_list)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([390, 890])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(split)

        # --- wiring ---
        self.new_task_button.clicked.connect(self.new_task)
        self.import_button.clicked.connect(self.import_list)
        self.task_list.filter_box.currentIndexChanged.connect(self._filter_changed)
        self.tasks_view.selectionModel().currentRowChanged.connect(self._task_row_changed)
        self.lines_view.selectionModel().currentRowChanged.connect(self._line_row_changed)
        self.scan_field.scanned.connect(self.handle_scan)
        self.detail.line_changed.connect(self._line_changed)
        self.detail.failed.connect(lambda message: self.feedback.show_result(Tone.bad, message))
        self.detail.done.connect(self._detail_done)
        self.header.confirm_button.clicked.connect(self.confirm)
        self.header.print_list_button.clicked.connect(lambda: self._print(self._task_number()))
        self.header.print_handover_button.clicked.connect(
            lambda: self._print(self.task.handover_number if self.task else None)
        )
        self.header.print_notice_button.clicked.connect(
            lambda: self._print(self.task.rejection_notice_number if self.task else None)
        )
        self.tasks_model.load_failed.connect(lambda m: self.feedback.show_result(Tone.bad, m))
        self.lines_model.load_failed.connect(lambda m: self.feedback.show_result(Tone.bad, m))

        gate(
            self.new_task_button, denial(actor, Permission.create_task), tip="登记一批新交回的产品"
        )
        gate(
            self.import_button,
            denial(actor, Permission.import_list),
            tip="从用户单位的 Excel 交接清单导入",
        )
        self.tasks_model.reload()
        self._apply_state()
        self.feedback.show_idle(NO_TASK)

    # --- reading ------------------------------------------------------------------------------

    def _fetch_lines(self, last: LineRow | None, limit: int) -> list[LineRow]:
        if self.task is None:
            return []
        after = last.seq if last is not None else None
        return returns.page_lines(self.db, task_id=self.task.id, after=after, limit=limit)

    def _task_number(self) -> str | None:
        return self.task.number if self.task else None

    @property
    def task_is_open(self) -> bool:
        return self.task is not None and self.task.status == TaskStatus.open

    # --- opening a task -----------------------------------------------------------------------

    def open_task(self, task_id: int) -> None:
        """Show the task with this id; its row in the list is selected when loaded."""
        try:
            task = returns.get_task(self.db, task_id)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        self._show_task(task)
        index = self.tasks_model.find_or_fetch(lambda t: t.id == task_id, max_rows=2000)
        if index is not None:
            self._select(self.tasks_view, index)

    def _show_task(self, task: TaskView) -> None:
        self.task = task
        self.header.show_task(task)
        self.detail.show_line(None)
        self.lines_model.reload()
        self._apply_state()
        self.feedback.show_idle(
            "等待扫描…" if self.task_is_open else "任务已确认交接：扫描出厂编号可定位产品。"
        )
        self.scan_field.setFocus()

    def _task_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row() if current.isValid() else -1
        if row < 0:
            return
        summary = self.tasks_model.row(row)
        if self.task is None or summary.id != self.task.id:
            try:
                self._show_task(returns.get_task(self.db, summary.id))
            except DomainError as exc:
                self.feedback.show_result(Tone.bad, str(exc))

    def _line_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row() if current.isValid() else -1
        if row < 0:
            self.detail.show_line(None)
            return
        line_id = self.lines_model.row(row).id
        if self.detail.line is not None and self.detail.line.id == line_id:
            return
        try:
            self.detail.show_line(returns.get_line(self.db, line_id))
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))

    def _apply_state(self) -> None:
        read_only = "" if self.task is None or self.task_is_open else READ_ONLY
        self.detail.set_read_only(read_only)
        gate(
            self.header.confirm_button,
            read_only,
            denial(self.actor, Permission.confirm_handover),
            tip="与用户代表当面清点完毕后确认交接",
        )

    def _filter_changed(self, _index: int) -> None:
        """The list was read again with its new filter: keep the open task selected."""
        if self.task is not None:
            index = self.tasks_model.find(lambda t: t.id == self.task.id)  # type: ignore[union-attr]
            if index is not None:
                self._select(self.tasks_view, index)

    def refresh_task(self) -> None:
        """Re-read the open task after a change and update its row in the list."""
        if self.task is None:
            return
        task = returns.get_task(self.db, self.task.id)
        self.task = task
        self.header.show_task(task)
        self._apply_state()
        index = self.tasks_model.find(lambda t: t.id == task.id)
        if index is not None:
            old = self.tasks_model.row(index)
            self.tasks_model.replace(
                index,
                dataclasses.replace(
                    old,
                    status=task.status,
                    line_count=task.line_count,
                    node_date=task.node_date,
                    kitting_deadline=task.kitting_deadline,
                ),
            )

    @staticmethod
    def _select(view: QTableView, row: int) -> None:
        select_row(view, row, QAbstractItemView.ScrollHint.PositionAtCenter)

    def select_line(self, line: LineView) -> None:
        """Select (reading further pages if needed) and scroll to this line; refresh its row."""
        index = self.lines_model.find_or_fetch(lambda r: r.id == line.id)
        if index is None:
            self.lines_model.fetch_tail()
            index = self.lines_model.find_or_fetch(lambda r: r.id == line.id)
        if index is None:
            return
        self.lines_model.replace(index, line_row(line))
        self.detail.show_line(line)
        self._select(self.lines_view, index)

    # --- scanning -----------------------------------------------------------------------------

    def handle_scan(self, raw: str) -> None:
        text = raw.strip()
        if not text:
            return
        may_register = denial(self.actor, Permission.create_task)
        if self.task is None or not self.task_is_open or may_register:
            self._look_up(text, may_register)
        else:
            self._scan_into_task(text)
        self.scan_field.setFocus()

    def _scan_into_task(self, text: str) -> None:
        assert self.task is not None
        try:
            result = returns.scan(self.db, self.actor, self.task.id, text)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc), text)
            return
        if result.kind in ("line", "added") and result.line is not None:
            self.feedback.show_result(Tone.ok, result.message, text)
            if result.kind == "added":
                self.lines_model.fetch_tail()
                self.refresh_task()
            self.select_line(result.line)
        elif result.kind == "needs_model":
            self.feedback.show_result(Tone.warn, result.message, text)
            self._register_with_model(text, result.serial_no, result.model_code, result.message)
        elif result.kind == "record" and result.record_number:
            self._open_record(result.record_number, text)

    def _register_with_model(self, scanned: str, serial: str, model_code: str, why: str) -> None:
        assert self.task is not None
        try:
            models = masterdata.list_models(self.db)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc), scanned)
            return
        dialog = ModelPickDialog(models, serial, why, model_code, self)
        if not self.prompts.run(dialog):
            self.feedback.show_result(Tone.warn, f"{why}（已取消，未登记）", scanned)
            return
        picked = dialog.values()
        try:
            line = returns.add_line(
                self.db,
                self.actor,
                self.task.id,
                picked.model_code,
                picked.serial_no,
                picked.fault_description,
            )
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc), scanned)
            return
        self.feedback.show_result(Tone.ok, f"已登记第 {line.seq} 行：{line.item_code}", scanned)
        self.lines_model.fetch_tail()
        self.refresh_task()
        self.select_line(line)

    def _look_up(self, text: str, may_register: str) -> None:
        """A scan that changes nothing: a record number, or a line of a read-only task."""
        code = returns.normalize_code(text)
        if parse_number(code.upper()):
            self._open_record(code.upper(), text)
            return
        if self.task is not None:
            wanted = code.casefold()
            index = self.lines_model.find_or_fetch(
                lambda r: wanted in (r.serial_no.casefold(), r.item_code.casefold())
            )
            if index is not None:
                row = self.lines_model.row(index)
                self._select(self.lines_view, index)
                self.feedback.show_result(
                    Tone.ok, f"第 {row.seq} 行：{row.item_code}（{self._why_read_only()}）", text
                )
                return
        if self.task is None:
            message = "请先在左侧选择或新建一个返厂交接任务，再扫描产品。"
        elif may_register:
            message = f"本任务中没有 {code}。{may_register}"
        else:
            message = f"本任务中没有 {code}；任务已确认交接，不能再登记产品。"
        self.feedback.show_result(Tone.bad, message, text)

    def _why_read_only(self) -> str:
        if not self.task_is_open:
            return "任务已确认交接，只读"
        return "只读"

    def open_record(self, number: str) -> None:
        """Open a task by its number, or preview any other record (another page asked)."""
        self._open_record(number, number)

    def _open_record(self, number: str, scanned: str) -> None:
        try:
            ref = registry.find_record(self.db, number)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc), scanned)
            return
        if ref.kind == "return_task":
            self.feedback.show_result(Tone.ok, f"打开返厂交接任务 {number}", scanned)
            self.open_task(ref.id)
        else:
            self.feedback.show_result(Tone.ok, f"记录 {number}：打开打印预览", scanned)
            self._print(number)

    # --- the selected line --------------------------------------------------------------------

    def _line_changed(self, line: LineView) -> None:
        index = self.lines_model.find(lambda r: r.id == line.id)
        if index is not None:
            self.lines_model.replace(index, line_row(line))

    def _detail_done(self, message: str) -> None:
        self.feedback.show_result(Tone.ok, message)
        self.scan_field.setFocus()  # the next scan must land in the scan field

    # --- tasks --------------------------------------------------------------------------------

    def new_task(self) -> None:
        try:
            units = [u.name for u in masterdata.list_units(self.db, UnitKind.user_unit)]
        except DomainError as exc:
            self.prompts.error(self, "无法新建任务", str(exc))
            return
        dialog = NewTaskDialog(units, self)
        if not self.prompts.run(dialog):
            return
        values = dialog.values()
        try:
            task = returns.create_task(
                self.db, self.actor, values.user_unit, values.node_date, values.kitting_deadline
            )
        except DomainError as exc:
            self.prompts.error(self, "无法新建任务", str(exc))
            return
        self.tasks_model.reload()
        self.open_task(task.id)
        self.feedback.show_result(Tone.ok, f"已新建任务 {task.number}：请逐件扫描交回的产品。")

    def import_list(self) -> None:
        path = self.prompts.open_file(self, "选择交接清单", LIST_FILTER)
        if not path:
            return
        try:
            units = [u.name for u in masterdata.list_units(self.db, UnitKind.user_unit)]
        except DomainError as exc:
            self.prompts.error(self, "无法导入", str(exc))
            return
        dialog = ImportDialog(self.db, self.actor, path, units, self.prompts, self)
        accepted = self.prompts.run(dialog)
        result = dialog.result_value
        dialog.deleteLater()
        if accepted and result is not None and result.task_number:
            self._imported(result)

    def _imported(self, result: ImportResult) -> None:
        assert result.task_number is not None
        self.tasks_model.reload()
        try:
            task = returns.get_task_by_number(self.db, result.task_number)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        self.open_task(task.id)
        message = f"已从清单导入 {result.imported} 件到任务 {result.task_number}。"
        if result.rejected:
            message += f"跳过 {len(result.rejected)} 行有问题的行。"
        if result.new_models:
            message += f"新型号 {'、'.join(result.new_models)} 已加入主数据，请管理员补充承制单位。"
        self.feedback.show_result(Tone.warn if result.new_models else Tone.ok, message)

    # --- confirming and printing --------------------------------------------------------------

    def confirm(self) -> None:
        if self.task is None or not self.task_is_open:
            return
        task = self.task
        self.lines_model.fetch_all()
        rows = self.lines_model.rows()
        undecided = [r.seq for r in rows if r.status == LineStatus.registered and not r.decision]
        if not rows:
            self.feedback.show_result(Tone.bad, f"任务 {task.number} 还没有登记任何产品。")
            return
        if undecided:
            shown = "、".join(str(s) for s in undecided[:10])
            more = " 等" if len(undecided) > 10 else ""
            self.feedback.show_result(
                Tone.bad, f"第 {shown}{more} 行还没有标记接收或拒收，请逐件核对后再确认交接。"
            )
            return
        accepted = sum(1 for r in rows if r.decision == "accept")
        dialog = ConfirmHandoverDialog(
            task.number, task.user_unit, accepted, len(rows) - accepted, self.actor.name, self
        )
        if not self.prompts.run(dialog):
            return
        values = dialog.values()
        try:
            result = returns.confirm_handover(
                self.db,
                self.actor,
                task.id,
                values.user_rep_name,
                values.clerk_name,
                values.anomalies,
            )
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        self.refresh_task()
        self.detail.show_line(None)
        self.lines_model.reload()
        self.records_changed.emit()
        self._confirmed(result)

    def _confirmed(self, result: ConfirmResult) -> None:
        issued = [f"交接记录单 {result.handover_number}"]
        if result.rejection_notice_number:
            issued.append(f"拒收通知 {result.rejection_notice_number}（已发给总体单位）")
        summary = f"已确认交接：接收 {result.accepted} 件，拒收 {result.rejected} 件。"
        self.feedback.show_result(Tone.ok, summary + "生成" + "、".join(issued) + "。")
        text = summary + "\n\n" + "\n".join(issued) + "\n\n是否现在打印交接记录单？"
        if self.prompts.ask(self, "交接已确认", text, yes="打印交接单", no="稍后打印"):
            self._print(result.handover_number)

    def _print(self, number: str | None) -> None:
        if number:
            self.printer.show(number, self)
