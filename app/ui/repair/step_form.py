"""The frame of every bench step's form: required fields checked in place, the save handed to
the runner, a refusal shown inside the form, which stays open with everything typed.

A step form says what it saves as `job()` (a `call(service.fn, ...)`); OK hands it to the desk's
runner and the form closes in `done` with the service's answer in `result_value`. While the call
runs, OK is greyed out, so a double click saves once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from app.services.kernel.terms import line_status_label
from app.services.kernel.views import BenchLine
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.runner import Call, Change, outcome_of
from app.ui.kit.style import Tone, message_css

if TYPE_CHECKING:
    from app.services.oversight.deadlines import Lateness
    from app.ui.kit.page import Desk

REQUIRED = "必填"
# What a bench step changes: the line, the bench, and the reports and deadlines it may answer.
STEP_CHANGES = Change.LINES | Change.BENCH | Change.REPORTS | Change.DEADLINES


def text_box(placeholder: str, height: int = 72) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(height)
    box.setTabChangesFocus(True)
    return box


def line_edit(placeholder: str = "", text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    return edit


def plain(widget: QPlainTextEdit) -> str:
    return widget.toPlainText().strip()


def code_combo(labels: Sequence[str], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(labels))
    combo.setPlaceholderText(placeholder)
    combo.setCurrentIndex(-1)
    combo.setMinimumContentsLength(12)
    return combo


def hint_label(text: str, tone: Tone = Tone.muted) -> QLabel:
    """A line of help under a field (grey), or a warning in the form's own words (boxed)."""
    label = QLabel(text)
    label.setWordWrap(True)
    # A wrapped label in a form row is first measured narrow; keep it from folding to a column.
    label.setMinimumWidth(420)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet("color: palette(mid);" if tone == Tone.muted else message_css(tone))
    return label


def line_summary(line: BenchLine) -> str:
    return (
        f"{line.item_code}　{line.model_name}\n"
        f"任务 {line.task_number}　当前状态：{line_status_label(line.status)}"
        + (f"\n故障现象：{line.fault_description}" if line.fault_description else "")
    )


class StepDialog(FormDialog):
    """A step's form: `problems()` says what is missing, `job()` what to save."""

    changes: Change = STEP_CHANGES

    def __init__(
        self,
        title: str,
        heading: str = "",
        ok_text: str = "保存",
        line: BenchLine | None = None,
        parent: QWidget | None = None,
        *,
        desk: Desk | None = None,
    ) -> None:
        super().__init__(title, heading, ok_text=ok_text, parent=parent)
        self.desk = desk
        self.result_value: Any = None
        self._fitted = False
        self._saving = False
        if line is not None:
            summary = QLabel(line_summary(line))
            summary.setWordWrap(True)
            summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            summary.setStyleSheet(message_css(Tone.muted))
            self.form.addRow(summary)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._fitted:
            self._fitted = True
            self._fit_height(max(self.width(), self.minimumWidth()))
        super().showEvent(event)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self._fit_height(self.width())

    def _fit_height(self, width: int) -> None:
        """Wrapped labels are measured at the size hint's narrower width (FormDialog's
        adjustSize); fit the height to the real width, so no gap opens between the rows."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        if height > 0:
            self.resize(width, height)
        else:
            self.adjustSize()

    def problems(self) -> str:
        """What is missing before the service can be asked ("" when nothing)."""
        return ""

    def job(self) -> Call[Any] | None:
        """The service call that saves this form; None for a form that only hands back values."""
        return None

    def save(self) -> Any:
        """A form without a `job` hands back what `result_value` should be (in place)."""
        return None

    def accept(self) -> None:
        if self._saving:
            return
        problem = self.problems()
        if problem:
            self.show_error(problem)
            return
        job = self.job()
        if job is None or self.desk is None:
            # Nothing to wait for: the form's own values (a refusal still shows inside it).
            outcome = outcome_of(Call(self.save))
            if outcome.ok:
                self._saved(outcome.value)
            else:
                self.show_error(outcome.message)
            return
        self._saving = True
        self.set_ok_enabled(False)
        self.desk.runner.run(
            self,
            job,
            done=self._saved,
            failed=self._refused,
            changes=self.changes,
            origin=self.parent(),
        )

    def _saved(self, value: Any) -> None:
        self._saving = False
        self.set_ok_enabled(True)
        self.result_value = value
        self.show_error("")
        super().accept()

    def _refused(self, message: str) -> None:
        self._saving = False
        self.set_ok_enabled(True)
        self.show_error(message)


class LateReason:
    """A step past its deadline: what the clock says, and the reason the step must give."""

    def __init__(self, dialog: StepDialog, lateness: Lateness | None, what: str) -> None:
        self.lateness = lateness
        self.box: QPlainTextEdit | None = None
        if lateness is None:
            return
        answers = (
            f"保存后本记录答复并关闭{'、'.join(lateness.reports)}。" if lateness.reports else ""
        )
        dialog.form.addRow(hint_label(f"{lateness.text}。{answers}", Tone.bad))
        self.box = text_box(f"{what}超期的原因（{REQUIRED}）", 56)
        dialog.form.addRow("超期原因：", self.box)

    def problem(self) -> str:
        if self.box is not None and not plain(self.box):
            return "已超过时限，请填写超期原因。"
        return ""

    def text(self) -> str:
        return plain(self.box) if self.box is not None else ""
