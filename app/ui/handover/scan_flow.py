"""Scans at the desk, one after another, never lost (issue 7, defect 2).

Every scan (typed into the scan field, or caught as a scanner burst while a question is open
or another field has the keyboard) is logged at once and queued; the queue is applied in order,
one scan at a time, and waits while a question is open. A serial whose model the program cannot
tell is set aside on the 待补登 list instead of stopping the burst with a question: the clerk
names its model when ready (F9).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.admin import masterdata
from app.services.handover import returns
from app.services.kernel.numbering import parse_number
from app.services.kernel.terms import Permission
from app.services.kernel.views import LineView, RecordRef, ScanResult
from app.services.records import registry
from app.ui.handover.model_pick_dialog import ModelPickDialog
from app.ui.handover.scan_log import Outcome, ScanEntry
from app.ui.kit.gates import denial
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import MAX_KEY_GAP_MS, BurstCatcher
from app.ui.kit.style import Tone, message_css

if TYPE_CHECKING:
    from app.ui.handover.desk import HandoverDesk

RETRY_MS = 250  # how often a queue held by someone else's dialog (a preview) looks again


@dataclass(frozen=True)
class Pending:
    """A scanned serial waiting for the clerk to name its model (待补登)."""

    entry: ScanEntry
    serial_no: str
    model_code: str
    why: str


class PendingBar(QWidget):
    """待补登 N 件：… [补登型号… (F9)] — shown only while something waits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet(message_css(Tone.warn))
        self.button = QPushButton("补登型号… (F9)")
        self.button.setToolTip("为扫描到的新编号选择产品型号并登记（F9）")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.show_pending([])

    def show_pending(self, pending: list[Pending]) -> None:
        if not pending:
            self.hide()
            return
        shown = "、".join(p.serial_no for p in pending[:6]) + (" 等" if len(pending) > 6 else "")
        self.label.setText(f"待补登 {len(pending)} 件（需选择型号后登记）：{shown}")
        self.show()


class ScanFlow(QObject):
    """The desk's scan queue, its 待补登 list and its scanner-burst catcher."""

    def __init__(
        self,
        desk: HandoverDesk,
        clock: Callable[[], float] = time.monotonic,
        max_gap_ms: int = MAX_KEY_GAP_MS,
    ) -> None:
        super().__init__(desk)
        self.desk = desk
        self.queue: deque[tuple[ScanEntry, str]] = deque()
        self.pending: list[Pending] = []
        self.busy = 0  # calls of the flow still running (a scan, a 补登)
        self.asking = 0  # questions the desk has open
        self._pumping = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self.pump)
        self.catcher = BurstCatcher(self._catching, self.take, clock, max_gap_ms, parent=self)
        # The catcher sees every event of the program (~5 µs each in Python): it listens only
        # while the desk is shown, the one place a burst can mean a scan (issue 10: 60 ms of
        # the main window's start went to it).
        desk.installEventFilter(self)
        if desk.isVisible():
            self._listen(True)

    def _listen(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None:
            return
        if on:
            app.installEventFilter(self.catcher)
        else:
            app.removeEventFilter(self.catcher)
            self.catcher.reset()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.desk and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._listen(event.type() == QEvent.Type.Show)
        return False

    # --- when scans wait ----------------------------------------------------------------------

    def blocked(self) -> bool:
        """A question is open: the desk's own, or any modal box (a print preview)."""
        return self.asking > 0 or QApplication.activeModalWidget() is not None

    def _catching(self) -> bool:
        """Whether a scanner burst now lands somewhere other than the scan field."""
        desk = self.desk
        if not desk.isVisible():
            return False
        if self.blocked():
            return True
        focus = QApplication.focusWidget()
        return focus is not None and focus is not desk.scan_field and desk.isAncestorOf(focus)

    def ask(self, dialog: QDialog) -> bool:
        """A question from the desk: scans meanwhile wait, and go on when it is answered."""
        self.asking += 1
        try:
            return self.desk.prompts.run(dialog)
        finally:
            self.asking -= 1
            self.pump()

    def ask_yes_no(self, title: str, text: str, yes: str, no: str) -> bool:
        self.asking += 1
        try:
            return self.desk.prompts.ask(self.desk, title, text, yes=yes, no=no)
        finally:
            self.asking -= 1
            self.pump()

    # --- taking and applying scans ------------------------------------------------------------

    def take(self, raw: str) -> None:
        """A scan, from the field or caught in a burst: logged now, applied in its turn."""
        text = raw.strip()
        if not text:
            return
        entry = self.desk.log.add(text)
        self.queue.append((entry, text))
        if self.busy or self.blocked():
            waiting = len(self.queue)
            self.desk.feedback.show_result(
                Tone.warn,
                f"已收到，排队中（{waiting} 次扫描待处理），回答完当前问题后依次登记。",
                text,
            )
        self.pump()

    def pump(self) -> None:
        if self._pumping:
            return  # a scan finished inside its own start: the loop below goes on
        self._pumping = True
        try:
            while self.queue and not self.busy and not self.blocked():
                entry, text = self.queue.popleft()
                self.busy += 1
                self._apply(entry, text)
        finally:
            self._pumping = False
        if self.queue and not self.busy and self.blocked():
            self._retry.start()

    def _finish(self) -> None:
        self.busy = max(0, self.busy - 1)
        self.pump()

    def _apply(self, entry: ScanEntry, text: str) -> None:
        desk = self.desk
        may_register = denial(desk.actor, Permission.create_task)
        if desk.task is None or not desk.task_is_open or may_register:
            try:
                self._look_up(entry, text, may_register)
            finally:
                self._finish()
            return
        desk.run(
            call(returns.scan, desk.db, desk.actor, desk.task.id, text),
            done=lambda result: self._scanned(entry, text, result),
            failed=lambda message: self._refused(entry, text, message),
            changes=Change.TASKS | Change.LINES,
        )

    def _settle(
        self, entry: ScanEntry, outcome: Outcome, matched: str, text: str, say: str
    ) -> None:
        self.desk.log.settle(entry, outcome, matched)
        self.desk.feedback.show_result(outcome.tone, say, text)
        self.desk.sounds.play(outcome)

    def _refused(self, entry: ScanEntry, text: str, message: str) -> None:
        try:
            self._settle(entry, Outcome.refused, message, text, message)
        finally:
            self._finish()

    def _scanned(self, entry: ScanEntry, text: str, result: ScanResult) -> None:
        try:
            self._show_scan(entry, text, result)
        finally:
            self._finish()

    def _show_scan(self, entry: ScanEntry, text: str, result: ScanResult) -> None:
        desk = self.desk
        line = result.line
        if result.kind == "added" and line is not None:
            self._settle(entry, Outcome.registered, _line_text(line), text, result.message)
            desk.line_added(line, result.task)
        elif result.kind == "line" and line is not None:
            # Defect 6: a second scan of a counted item is said as such, in the warning tone.
            self._settle(entry, Outcome.already, _line_text(line), text, result.message)
            desk.select_line(line)
        elif result.kind == "needs_model":
            self._set_aside(entry, text, result)
        elif result.kind == "record" and result.record_number:
            self._open_record(entry, result.record_number, text)

    def _set_aside(self, entry: ScanEntry, text: str, result: ScanResult) -> None:
        serial = result.serial_no or result.code
        if any(p.serial_no == serial for p in self.pending):
            say = f"{serial} 已在待补登列表中，按 F9 选择型号后登记。"
            self._settle(entry, Outcome.already, "待补登", text, say)
            return
        self.pending.append(Pending(entry, serial, result.model_code, result.message))
        self.desk.pending_bar.show_pending(self.pending)
        say = f"{result.message}已列入待补登，可继续扫描，稍后按 F9 补登。"
        self._settle(entry, Outcome.pending, "需选择型号（待补登）", text, say)

    # --- scans that change nothing ------------------------------------------------------------

    def _look_up(self, entry: ScanEntry, text: str, may_register: str) -> None:
        """A record number, or a line of a task that cannot take more (confirmed, or a role
        that may only look)."""
        desk = self.desk
        code = returns.normalize_code(text)
        if parse_number(code.upper()):
            self._open_record(entry, code.upper(), text)
            return
        row = desk.find_row(code) if desk.task is not None else None
        if row is not None:
            say = f"第 {row.seq} 行：{row.item_code}（{desk.why_read_only()}）"
            self._settle(entry, Outcome.found, f"第 {row.seq} 行 {row.item_code}", text, say)
            return
        if desk.task is None:
            message = "请先在左侧选择或新建一个返厂交接任务，再扫描产品。"
        elif may_register:
            message = f"本任务中没有 {code}。{may_register}"
        else:
            message = f"本任务中没有 {code}；任务已确认交接，不能再登记产品。"
        self._settle(entry, Outcome.refused, message, text, message)

    def _open_record(self, entry: ScanEntry, number: str, text: str) -> None:
        desk = self.desk
        failed: list[str] = []
        ref: RecordRef | None = desk.runner.now(
            call(registry.find_record, desk.db, number), failed=failed.append
        )
        if ref is None:
            message = failed[0] if failed else f"记录编号 {number} 不存在。"
            self._settle(entry, Outcome.refused, message, text, message)
        elif ref.kind == "return_task":
            self._settle(entry, Outcome.record, "返厂交接任务", text, f"打开返厂交接任务 {number}")
            desk.show_task_by_id(ref.id)
        else:
            self._settle(entry, Outcome.record, "打印预览", text, f"记录 {number}：打开打印预览")
            desk.print_record(number)

    # --- 待补登 --------------------------------------------------------------------------------

    def resolve_pending(self) -> None:
        """Name the model of the oldest serial set aside, and register it (F9)."""
        desk = self.desk
        if not self.pending:
            desk.feedback.show_result(Tone.muted, "没有待补登的编号。")
            return
        if desk.task is None or not desk.task_is_open:
            desk.feedback.show_result(Tone.bad, "请先打开一个正在清点的任务，再补登。")
            return
        first = self.pending[0]
        models = desk.now(call(masterdata.list_models, desk.db), default=[])
        dialog = ModelPickDialog(models, first.serial_no, first.why, first.model_code, desk)
        self.asking += 1
        try:
            accepted = desk.prompts.run(dialog)
            if dialog.dropped:
                self._drop(first)
            elif accepted:
                self._register(first, dialog, desk.task.id)
            else:
                left = len(self.pending)
                desk.feedback.show_result(Tone.warn, f"未登记，待补登仍有 {left} 件。")
        finally:
            self.asking -= 1
            self.pump()

    def _drop(self, pending: Pending) -> None:
        self.pending.remove(pending)
        self.desk.pending_bar.show_pending(self.pending)
        self.desk.log.settle(pending.entry, Outcome.refused, "已移出待补登，未登记")
        self.desk.feedback.show_result(Tone.warn, f"{pending.serial_no} 已移出待补登，未登记。")

    def _register(self, pending: Pending, dialog: ModelPickDialog, task_id: int) -> None:
        """Applied before the scans that queued behind the question (the runner keeps order)."""
        desk = self.desk
        picked = dialog.values()
        self.busy += 1

        def done(line: LineView) -> None:
            try:
                if pending in self.pending:
                    self.pending.remove(pending)
                desk.pending_bar.show_pending(self.pending)
                desk.log.settle(pending.entry, Outcome.registered, f"补登：{_line_text(line)}")
                desk.feedback.show_result(Tone.ok, f"已补登第 {line.seq} 行：{line.item_code}")
                desk.line_added(line)
            finally:
                self._finish()

        def failed(message: str) -> None:
            try:
                desk.feedback.show_result(Tone.bad, message, pending.serial_no)
                desk.sounds.play(Outcome.refused)
            finally:
                self._finish()

        desk.run(
            call(
                returns.add_line,
                desk.db,
                desk.actor,
                task_id,
                picked.model_code,
                picked.serial_no,
                picked.fault_description,
            ),
            done=done,
            failed=failed,
            changes=Change.TASKS | Change.LINES,
        )


def _line_text(line: LineView) -> str:
    """Short enough for the log's narrow column; the code is in the column beside it."""
    return f"第 {line.seq} 行 {line.model_name}"
