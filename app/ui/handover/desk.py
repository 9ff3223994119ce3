"""返厂交接台: where a materials clerk receives a return from a user unit.

Left, the tasks and this session's scans; right, the open task: its heading, the scan field, the
lines, and the selected line's documents and decision. Every change goes through the window's
runner; a refusal is shown in the feedback line under the scan field (never in a modal box a
scanner's Enter would dismiss). Everything can be done from the keyboard (issue 7, defect 5):
F2 scan field, F3 the lines (Shift+↑↓ selects several), F6 三证一致, F7 接收, F8 拒收…,
F9 补登型号, Ctrl+N 新建任务, Ctrl+I 导入清单, Ctrl+Enter 确认交接, Ctrl+P 打印.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import codelists, masterdata
from app.services.handover import returns
from app.services.kernel.terms import Decision, LineStatus, Permission, TaskStatus, UnitKind
from app.services.kernel.views import ConfirmResult, ImportResult, LineRow, LineView, TaskView
from app.settings import Settings, UnknownSetting
from app.ui.handover.confirm_dialog import ConfirmHandoverDialog
from app.ui.handover.import_dialog import ImportDialog
from app.ui.handover.line_detail import LineDetailPanel
from app.ui.handover.new_task_dialog import NewTaskDialog
from app.ui.handover.reject_dialog import RejectDialog, suggested_reason
from app.ui.handover.scan_flow import PendingBar, ScanFlow
from app.ui.handover.scan_log import ScanLog, ScanSounds
from app.ui.handover.task_header import TaskHeader
from app.ui.handover.task_list import TaskListPanel
from app.ui.kit.columns import LINE_COLUMNS
from app.ui.kit.gates import READ_ONLY, denial, gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import PagedTableModel
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine, ScanField
from app.ui.kit.style import Tone
from app.ui.kit.tables import ContentsFit, make_table, select_row
from app.ui.records.record_printer import RecordPrinter

NO_TASK = "请先在左侧选择或新建任务，再扫描产品；扫描记录编号可直接打开该记录。"
LIST_FILTER = "Excel 表格 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)"
OPEN_TASKS_KEY = "desk_open_tasks"
REOPEN_AFTER_MS = 20


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
        version=view.version,
    )


def _settings() -> Settings | None:
    """The installation's settings file; a desk without one simply does not remember."""
    try:
        return Settings()
    except (OSError, ValueError, UnknownSetting):
        return None


class HandoverDesk(Page):
    """The desk for one login; `records_changed` tells the window a report may have been issued."""

    records_changed = Signal()
    watches = Change.TASKS | Change.LINES | Change.MASTER_DATA

    def __init__(
        self,
        desk: Desk,
        parent: QWidget | None = None,
        page_size: int = 200,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(desk, parent)
        self.settings = settings if settings is not None else _settings()
        self.printer = RecordPrinter(desk)
        self.task: TaskView | None = None
        self.sounds = ScanSounds()
        self._build(page_size)
        max_gap = self.settings.get("scan_max_key_gap_ms") if self.settings else None
        self.scans = ScanFlow(self, clock, int(max_gap or 80))
        self._wire()
        self._add_shortcuts()
        self.tasks_model.reload()
        self._apply_state()
        self.feedback.show_idle(NO_TASK)
        # A moment later: the desk shows at once with its task list, paints and takes keys, then
        # opens the task it had open (both in one go blocked the window 110 ms at 1M: issue 10).
        QTimer.singleShot(REOPEN_AFTER_MS, self, self._reopen_last_task)

    # --- building -----------------------------------------------------------------------------

    def _build(self, page_size: int) -> None:
        self.task_list = TaskListPanel(self, page_size)
        self.tasks_model = self.task_list.model
        self.tasks_view = self.task_list.view
        self.new_task_button = self.task_list.new_task_button
        self.import_button = self.task_list.import_button
        self.log = ScanLog()
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.task_list)
        left.addWidget(self.log)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setChildrenCollapsible(False)

        self.header = TaskHeader()
        self.scan_field = ScanField()
        self.feedback = FeedbackLine()
        self.pending_bar = PendingBar()
        self.lines_model = PagedTableModel(LINE_COLUMNS, self._fetch_lines, page_size, self)
        self.lines_model.clear()
        self.lines_view = self._lines_table()
        self.detail = LineDetailPanel(self)
        lines_split = QSplitter(Qt.Orientation.Vertical)
        lines_split.addWidget(self.lines_view)
        lines_split.addWidget(self.detail)
        lines_split.setStretchFactor(0, 3)
        lines_split.setStretchFactor(1, 0)
        lines_split.setChildrenCollapsible(False)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        for widget in (self.header, self.scan_field, self.feedback, self.pending_bar):
            right_layout.addWidget(widget)
        right_layout.addWidget(lines_split, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)  # a wider window gives the scan log some room too
        split.setStretchFactor(1, 3)
        split.setSizes([440, 840])  # the tasks' 用户单位 needs room
        split.setChildrenCollapsible(False)
        self.layout_.addWidget(split)

    def _lines_table(self) -> QTableView:
        view = make_table(self.lines_model, stretch=4)  # 故障现象 takes what is left
        # Several lines at once: Shift/Ctrl with the arrows or the mouse (defect 5).
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setTabKeyNavigation(False)  # Tab leaves the table for the line's documents
        # 产品名称 as wide as its longest name: never cut off (defect 14); each new line measured
        # alone, not the whole task again at every scan (issue 10). "不一致：证明文件" whole, too,
        # and 序号 past 9,999 (an imported list of 10,000).
        titles = [c.title for c in self.lines_model.columns]
        self.lines_fit = ContentsFit(view, [titles.index(t) for t in ("序号", "产品名称", "三证")])
        return view

    def _wire(self) -> None:
        self.new_task_button.clicked.connect(self.new_task)
        self.import_button.clicked.connect(self.import_list)
        self.task_list.filter_box.currentIndexChanged.connect(self._filter_changed)
        self.tasks_view.selectionModel().currentRowChanged.connect(self._task_row_changed)
        self.lines_view.selectionModel().currentRowChanged.connect(self._line_row_changed)
        self.scan_field.scanned.connect(self.handle_scan)
        self.detail.line_changed.connect(self._line_changed)
        self.detail.done.connect(lambda message: self.feedback.show_result(Tone.ok, message))
        # Clicked (or pressed with Space) in the panel: the next item is scanned next.
        self.detail.check_button.clicked.connect(lambda: self.check_selected())
        self.detail.accept_button.clicked.connect(lambda: self.accept_selected(refocus=True))
        self.detail.reject_button.clicked.connect(lambda: self.reject_selected(refocus=True))
        self.pending_bar.button.clicked.connect(self.scans.resolve_pending)
        self.header.confirm_button.clicked.connect(self.confirm)
        self.header.print_list_button.clicked.connect(lambda: self.print_record(self._number()))
        self.header.print_handover_button.clicked.connect(
            lambda: self.print_record(self.task.handover_number if self.task else None)
        )
        self.header.print_notice_button.clicked.connect(
            lambda: self.print_record(self.task.rejection_notice_number if self.task else None)
        )
        gate(
            self.new_task_button,
            denial(self.actor, Permission.create_task),
            tip="登记一批新交回的产品（Ctrl+N）",
        )
        gate(
            self.import_button,
            denial(self.actor, Permission.import_list),
            tip="从用户单位的 Excel 交接清单导入（Ctrl+I）",
        )

    def _add_shortcuts(self) -> None:
        """Keys that work anywhere on the desk; a greyed step says why in the feedback line."""
        keys: list[tuple[str, Callable[[], Any], QPushButton | None]] = [
            ("F2", self.focus_scan_field, None),
            ("F3", self.lines_view.setFocus, None),
            ("F6", self.check_selected, self.detail.check_button),
            ("F7", self.accept_selected, self.detail.accept_button),
            ("F8", self.reject_selected, self.detail.reject_button),
            ("F9", self.scans.resolve_pending, None),
            ("Ctrl+N", self.new_task, self.new_task_button),
            ("Ctrl+I", self.import_list, self.import_button),
            ("Ctrl+Return", self.confirm, self.header.confirm_button),
            ("Ctrl+Enter", self.confirm, self.header.confirm_button),
            ("Ctrl+P", self.print_current, None),
        ]
        self.shortcuts: dict[str, QShortcut] = {}
        for key, act, button in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda a=act, b=button: self._key(a, b))
            self.shortcuts[key] = shortcut

    def _key(self, act: Callable[[], Any], button: QPushButton | None) -> None:
        if button is not None and not button.isEnabled():
            self.feedback.show_result(Tone.bad, button.toolTip() or "此时不能这样操作。")
            return
        act()

    # --- reading ------------------------------------------------------------------------------

    def _fetch_lines(self, last: LineRow | None, limit: int) -> list[LineRow] | None:
        if self.task is None:
            return []
        after = last.seq if last is not None else None
        return self.now(  # type: ignore[no-any-return]
            call(returns.page_lines, self.db, task_id=self.task.id, after=after, limit=limit)
        )

    def _number(self) -> str | None:
        return self.task.number if self.task else None

    @property
    def task_is_open(self) -> bool:
        return self.task is not None and self.task.status == TaskStatus.open

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def refresh(self) -> None:
        """Another page or desk changed tasks or lines: read the list, the open task and the
        line shown again (after a refusal because another desk changed it, what holds now)."""
        self.tasks_model.reload()
        if self.task is not None:
            self.refresh_task()
            self.lines_model.reload()
            self._filter_changed(0)
        shown = self.detail.line
        if shown is not None:
            line = self.runner.now(
                call(returns.get_line, self.db, shown.id), failed=lambda _m: None
            )
            self.detail.show_line(line)
            if line is not None:
                index = self.lines_model.find(lambda r: r.id == line.id)
                if index is not None:
                    self._select(self.lines_view, index)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.scan_field.setFocus()  # a scanning station: the keyboard starts at the scan field

    # --- opening a task -----------------------------------------------------------------------

    def show_task_by_id(self, task_id: int) -> None:
        """Show the task with this id; its row in the list is selected when loaded."""
        task = self.now(call(returns.get_task, self.db, task_id))
        if task is None:
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
        self._remember(task)
        self.scan_field.setFocus()

    def _remember(self, task: TaskView) -> None:
        """The task this login has open, so the desk opens it again next time (defect 14)."""
        if self.settings is None:
            return
        store = hashlib.sha1(self.db.url.encode()).hexdigest()[:12]
        remembered = dict(self.settings.get(OPEN_TASKS_KEY) or {})
        key = f"{self.actor.user_id}@{store}"
        if remembered.get(key) == task.number:
            return
        remembered[key] = task.number
        # A read-only settings folder: the desk just does not remember.
        with contextlib.suppress(OSError):
            self.settings.set(OPEN_TASKS_KEY, remembered)

    def _reopen_last_task(self) -> None:
        if self.settings is None or self.task is not None:  # a task was opened meanwhile
            return
        store = hashlib.sha1(self.db.url.encode()).hexdigest()[:12]
        number = (self.settings.get(OPEN_TASKS_KEY) or {}).get(f"{self.actor.user_id}@{store}")
        if not number:
            return
        # Only a task still being counted: a confirmed one is done, an unknown one is gone.
        task = self.runner.now(
            call(returns.find_open_task, self.db, number), failed=lambda _m: None
        )
        if task is not None:
            self.show_task_by_id(task.id)
            self.feedback.show_idle(f"已打开上次的任务 {task.number}，等待扫描…")

    def _task_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row() if current.isValid() else -1
        if row < 0:
            return
        summary = self.tasks_model.row(row)
        if self.task is None or summary.id != self.task.id:
            task = self.now(call(returns.get_task, self.db, summary.id))
            if task is not None:
                self._show_task(task)

    def _line_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row() if current.isValid() else -1
        if row < 0:
            self.detail.show_line(None)
            return
        line_id = self.lines_model.row(row).id
        if self.detail.line is not None and self.detail.line.id == line_id:
            return
        line = self.now(call(returns.get_line, self.db, line_id))
        if line is not None:
            self.detail.show_line(line)

    def _apply_state(self) -> None:
        read_only = "" if self.task is None or self.task_is_open else READ_ONLY
        self.detail.set_read_only(read_only)
        gate(
            self.header.confirm_button,
            read_only,
            "" if self.task is not None else "请先打开一个任务。",
            denial(self.actor, Permission.confirm_handover),
            tip="与用户代表当面清点完毕后确认交接（Ctrl+Enter）",
        )

    def _filter_changed(self, _index: int) -> None:
        """The list was read again: keep the open task selected."""
        if self.task is not None:
            index = self.tasks_model.find(lambda t: t.id == self.task.id)  # type: ignore[union-attr]
            if index is not None:
                self._select(self.tasks_view, index)

    def refresh_task(self, own_change: int | None = None) -> None:
        """Re-read the open task after a change and update its row in the list. After this
        desk's own change (`own_change`: the task's version that change left), the version the
        clerk saw moves on only if no other desk changed the count meanwhile."""
        if self.task is None:
            return
        task = self.now(call(returns.get_task, self.db, self.task.id))
        if task is not None:
            self._task_changed(task, own_change)

    def _task_changed(self, task: TaskView, own_change: int | None = None) -> None:
        """The open task as it now stands: its heading, its gates and its row in the list."""
        if own_change is not None:
            task = dataclasses.replace(task, version=self._seen_version(own_change))
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
        if self._far(line):
            self.detail.show_line(line)  # what was scanned, at once; its row when read
            self._read_up_to(line)
            return
        index = self.lines_model.find_or_fetch(lambda r: r.id == line.id)
        if index is None:
            self.lines_model.fetch_tail()
            index = self.lines_model.find_or_fetch(lambda r: r.id == line.id)
        if index is None:
            return
        self.lines_model.replace(index, line_row(line))
        self.detail.show_line(line)
        self._select(self.lines_view, index)

    def _last_row(self) -> LineRow | None:
        model = self.lines_model
        return model.row(model.rowCount() - 1) if model.rowCount() else None  # type: ignore[no-any-return]

    def _far(self, line: LineView) -> bool:
        """The open task's line lies more than a page past the rows read, which come in seq
        order (a list of thousands, counted by scanning): reading up to it costs its rows,
        0.4 s for 10,000 on SQLite."""
        if self.task is None or line.task_id != self.task.id or self.lines_model.exhausted:
            return False
        last = self._last_row()
        return line.seq - (last.seq if last is not None else 0) > self.lines_model.page_size

    def _read_up_to(self, line: LineView) -> None:
        """The rows up to `line`, read off the GUI thread, then the line selected."""
        last = self._last_row()
        after = last.seq if last is not None else None
        want = line.seq - (after or 0)

        def read(page: list[LineRow]) -> None:
            if self.task is None or self.task.id != line.task_id:
                return  # another task is open by now
            if self._last_row() is last:  # nothing read or reset meanwhile: these come next
                self.lines_model.extend(page, exhausted=len(page) < want)
            self.select_line(line)

        # Not waited for in place (the runner's grace would hold the window the first 60 ms).
        self.run(
            call(returns.page_lines, self.db, task_id=line.task_id, after=after, limit=want),
            done=read,
            background=True,
        )

    def line_added(self, line: LineView, task: TaskView | None = None) -> None:
        """A line this desk just registered; `task`, the task as the change left it, when the
        service handed it back (a scan does), else it is read again."""
        model = self.lines_model
        last = self._last_row()
        if (
            model.exhausted
            and line.task_id == getattr(self.task, "id", None)
            and line.seq == (last.seq if last is not None else 0) + 1
        ):
            model.append(line_row(line))  # right after the last row shown: nothing to read
        else:
            model.fetch_tail()
        if task is not None and self.task is not None and task.id == self.task.id:
            self._task_changed(task, own_change=line.task_version)
        else:
            self.refresh_task(own_change=line.task_version)
        self.select_line(line)

    def find_row(self, code: str) -> LineRow | None:
        """The line of the open task a serial or item code names, selected."""
        wanted = code.casefold()
        index = self.lines_model.find_or_fetch(
            lambda r: wanted in (r.serial_no.casefold(), r.item_code.casefold())
        )
        if index is None:
            return None
        self._select(self.lines_view, index)
        return self.lines_model.row(index)  # type: ignore[no-any-return]

    def why_read_only(self) -> str:
        return "任务已确认交接，只读" if not self.task_is_open else "只读"

    # --- scanning -----------------------------------------------------------------------------

    def handle_scan(self, raw: str) -> None:
        self.scans.take(raw)

    def focus_scan_field(self) -> None:
        self.scan_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scan_field.selectAll()

    def show_record_number(self, number: str) -> None:
        """Open a task by its number, or preview any other record (another page asked)."""
        self.scans.take(number)

    def print_record(self, number: str | None) -> None:
        if number:
            self.printer.show(number, self)

    def print_current(self) -> None:
        """Ctrl+P: the list while counting, the handover record once confirmed."""
        if self.task is None:
            self.feedback.show_result(Tone.bad, "请先打开一个任务。")
        elif self.task_is_open:
            self.print_record(self.task.number)
        else:
            self.print_record(self.task.handover_number)

    # --- the selected lines -------------------------------------------------------------------

    def _line_changed(self, line: LineView) -> None:
        index = self.lines_model.find(lambda r: r.id == line.id)
        if index is not None:
            self.lines_model.replace(index, line_row(line))
        if self.task is not None and self.task.id == line.task_id:
            self.task = dataclasses.replace(
                self.task, version=self._seen_version(line.task_version)
            )

    def _seen_version(self, after_own_change: int) -> int:
        """The task's version as this clerk has seen it, after a change of their own left the
        task at `after_own_change`: one more than before, unless another desk changed the count
        meanwhile (then confirming is refused and the desk shows the count as it is)."""
        assert self.task is not None
        seen = self.task.version
        return after_own_change if after_own_change in (seen, seen + 1) else seen

    def selected_versions(self) -> dict[int, int]:
        """The version of each selected line as this desk shows it: the action carries them."""
        rows = sorted({i.row() for i in self.lines_view.selectionModel().selectedRows()})
        seen = {self.lines_model.row(r).id: self.lines_model.row(r).version for r in rows}
        if not seen and self.detail.line is not None:
            seen = {self.detail.line.id: self.detail.line.version}
        return seen

    def selected_ids(self) -> list[int]:
        """The lines selected in the table (in their order), else the one shown."""
        rows = sorted({i.row() for i in self.lines_view.selectionModel().selectedRows()})
        ids = [self.lines_model.row(r).id for r in rows]
        if not ids and self.detail.line is not None:
            ids = [self.detail.line.id]
        return ids

    def _lines_done(self, what: str, refocus: bool) -> Callable[[list[LineView]], None]:
        def done(lines: list[LineView]) -> None:
            for line in lines:
                self._line_changed(line)
                if self.detail.line is not None and self.detail.line.id == line.id:
                    self.detail.show_line(line)
            seqs = "、".join(str(line.seq) for line in lines[:12])
            more = " 等" if len(lines) > 12 else ""
            self.feedback.show_result(Tone.ok, f"第 {seqs}{more} 行：{what}")
            if refocus:
                self.scan_field.setFocus()  # the next item is scanned next

        return done

    def check_selected(self, refocus: bool = False) -> None:
        ids = self.selected_ids()
        if ids:
            self.run(
                call(returns.check_lines, self.db, self.actor, ids, self.selected_versions()),
                done=self._lines_done("三份文件齐全且与实物一致", refocus),
                changes=Change.LINES,
            )

    def accept_selected(self, refocus: bool = False) -> None:
        ids = self.selected_ids()
        if ids:
            self.run(
                call(
                    returns.decide_lines,
                    self.db,
                    self.actor,
                    ids,
                    Decision.accept,
                    expected_versions=self.selected_versions(),
                ),
                done=self._lines_done("标记为接收", refocus),
                changes=Change.LINES,
            )

    def reject_selected(self, refocus: bool = False) -> None:
        ids = self.selected_ids()
        seen = self.selected_versions()  # as shown when the clerk pressed 拒收
        line = self.detail.line
        if not ids or line is None:
            return
        several = len(ids) > 1
        label = f"所选 {len(ids)} 件产品" if several else line.item_code
        suggested = [] if several else [line.reject_reason, suggested_reason(line)]
        listed = self.now(call(codelists.list_codes, self.db, codelists.REJECT_REASON), [])
        dialog = RejectDialog(label, suggested, self, [c.label for c in listed])
        if not self.scans.ask(dialog):
            return
        reason = dialog.reason()
        self.run(
            call(
                returns.decide_lines,
                self.db,
                self.actor,
                ids,
                Decision.reject,
                reason,
                expected_versions=seen,
            ),
            done=self._lines_done(f"标记为拒收（{reason}）", refocus),
            changes=Change.LINES,
        )

    # --- tasks --------------------------------------------------------------------------------

    def new_task(self) -> None:
        units = self.now(call(masterdata.list_units, self.db, UnitKind.user_unit), default=[])
        dialog = NewTaskDialog([u.name for u in units], self)
        if not self.scans.ask(dialog):
            return
        values = dialog.values()
        self.run(
            call(
                returns.create_task,
                self.db,
                self.actor,
                values.user_unit,
                values.node_date,
                values.kitting_deadline,
            ),
            done=self._created,
            changes=Change.TASKS,
        )

    def _created(self, task: TaskView) -> None:
        self.tasks_model.reload()
        self.show_task_by_id(task.id)
        self.feedback.show_result(Tone.ok, f"已新建任务 {task.number}：请逐件扫描交回的产品。")

    def import_list(self) -> None:
        path = self.prompts.open_file(self, "选择交接清单", LIST_FILTER)
        if not path:
            return
        units = self.now(call(masterdata.list_units, self.db, UnitKind.user_unit), default=[])
        dialog = ImportDialog(self, path, [u.name for u in units], self)
        accepted = self.scans.ask(dialog)
        result = dialog.result_value
        dialog.deleteLater()
        if accepted and result is not None and result.task_number:
            self._imported(result)

    def _imported(self, result: ImportResult) -> None:
        assert result.task_number is not None
        self.tasks_model.reload()
        task = self.now(call(returns.get_task_by_number, self.db, result.task_number))
        if task is None:
            return
        self.show_task_by_id(task.id)
        message = f"已从清单导入 {result.imported} 件到任务 {result.task_number}。"
        if result.rejected:
            message += f"跳过 {len(result.rejected)} 行有问题的行。"
        if result.new_models:
            message += f"新型号 {'、'.join(result.new_models)} 已加入主数据，请管理员补充承制单位。"
        self.feedback.show_result(Tone.warn if result.new_models else Tone.ok, message)

    # --- confirming ---------------------------------------------------------------------------

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
        accepted = sum(1 for r in rows if r.decision == Decision.accept)
        dialog = ConfirmHandoverDialog(
            task.number, task.user_unit, accepted, len(rows) - accepted, self.actor.name, self
        )
        if not self.scans.ask(dialog):
            return
        values = dialog.values()
        self.run(
            call(
                returns.confirm_handover,
                self.db,
                self.actor,
                task.id,
                values.user_rep_name,
                values.clerk_name,
                values.anomalies,
                expected_version=task.version,
            ),
            done=self._confirmed,
            changes=Change.TASKS
            | Change.LINES
            | Change.REPORTS
            | Change.DISPATCH
            | Change.WAY_BACK,
            label="正在确认交接…",
        )

    def _confirmed(self, result: ConfirmResult) -> None:
        self.refresh_task()
        self.detail.show_line(None)
        self.lines_model.reload()
        self.records_changed.emit()
        issued = [f"交接记录单 {result.handover_number}"]
        if result.rejection_notice_number:
            issued.append(f"拒收通知 {result.rejection_notice_number}（已发给总体单位）")
        summary = f"已确认交接：接收 {result.accepted} 件，拒收 {result.rejected} 件。"
        self.feedback.show_result(Tone.ok, summary + "生成" + "、".join(issued) + "。")
        text = summary + "\n\n" + "\n".join(issued) + "\n\n是否现在打印交接记录单？"
        if self.scans.ask_yes_no("交接已确认", text, yes="打印交接单", no="稍后打印"):
            self.print_record(result.handover_number)
