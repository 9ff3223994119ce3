"""分发…: the sender, what was unusual, and a reason for every line past its dispatch deadline.

The dialog asks; the page sends. OK hands the values to the page (`submitted`), which runs the
dispatch through its runner and answers with `finish(result)` (the dialog closes) or
`refuse(message)`: the dialog stays open with everything typed, the refusal shown in it, so the
clerk corrects a late reason and sends again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QWidget,
)

from app.services.kernel.views import DispatchLine, DispatchResult
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.formats import date_text
from app.ui.kit.style import Tone, message_css

SHOWN_CODES = 6
SENDING = "正在分发…"


@dataclass(frozen=True)
class DispatchValues:
    sender_name: str
    anomalies: str
    late_reasons: dict[int, str]


def _line_edit(placeholder: str, text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    return edit


class DispatchDialog(FormDialog):
    """`submitted(DispatchValues)` on OK; the page answers with `finish` or `refuse`."""

    submitted = Signal(object)

    def __init__(
        self,
        manufacturer: str,
        lines: Sequence[DispatchLine],
        sender_name: str,
        parent: QWidget | None = None,
        limit_text: str = "",
    ) -> None:
        self.limit_text = limit_text or "规定天数"  # the dispatch rule as the admin set it
        super().__init__(
            "分发",
            f"发往 {manufacturer}：共 {len(lines)} 件，生成一份交接记录单（JJ），由承制单位签收。",
            ok_text="分发",
            parent=parent,
        )
        self.lines = list(lines)
        self.result_value: DispatchResult | None = None
        self._sending = False
        codes = [x.item_code for x in self.lines]
        shown = "\n".join(codes[:SHOWN_CODES])
        if len(codes) > SHOWN_CODES:
            shown += f"\n… 等共 {len(codes)} 件"
        products = QLabel(shown)
        products.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow("产品：", products)
        self.sender_name = _line_edit("发出人姓名（必填）", sender_name)
        self.anomalies = QPlainTextEdit()
        self.anomalies.setPlaceholderText("分发时发现的异常情况（没有可不填）")
        self.anomalies.setFixedHeight(56)
        self.anomalies.setTabChangesFocus(True)
        self.form.addRow("发出人：", self.sender_name)
        self.form.addRow("异常情况：", self.anomalies)
        self.reasons: dict[int, QLineEdit] = {}
        late = [x for x in self.lines if x.overdue]
        if late:
            self._add_late_reasons(late)
        self.setMinimumWidth(660)

    def _add_late_reasons(self, late: list[DispatchLine]) -> None:
        warning = QLabel(
            f"以下 {len(late)} 件已超过分发时限（确认交接后 {self.limit_text}），须逐件填写超期原因；"
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
            edit = _line_edit("超期原因（必填）")
            edit.setObjectName(f"late_reason_{x.line_id}")
            self.reasons[x.line_id] = edit
            grid.addWidget(QLabel(f"{x.item_code}（应于 {due} 前）"), i, 0)
            grid.addWidget(edit, i, 1)
        grid.setColumnStretch(1, 1)
        if len(late) > SHOWN_CODES:
            scroll = QScrollArea()
            scroll.setWidget(rows)
            scroll.setWidgetResizable(True)
            scroll.setFixedHeight(220)
            self.form.addRow("超期原因：", scroll)
        else:
            self.form.addRow("超期原因：", rows)

    def values(self) -> DispatchValues:
        return DispatchValues(
            self.sender_name.text().strip(),
            self.anomalies.toPlainText().strip(),
            {i: e.text().strip() for i, e in self.reasons.items()},
        )

    def problems(self) -> str:
        """What is missing before the dispatch can be sent ("" when nothing)."""
        values = self.values()
        if not values.sender_name:
            self.sender_name.setFocus()
            return "请填写发出人姓名。"
        missing = [i for i, reason in values.late_reasons.items() if not reason]
        if missing:
            self.reasons[missing[0]].setFocus()
            codes = "、".join(x.item_code for x in self.lines if x.line_id in missing)
            return f"{codes} 已超过分发时限，请填写超期原因后再分发。"
        return ""

    # --- the page's answer --------------------------------------------------------------------

    def accept(self) -> None:
        if self._sending:
            return
        problem = self.problems()
        self.show_error(problem)
        if problem:
            return
        self._set_sending(True)
        self.submitted.emit(self.values())

    def finish(self, result: DispatchResult) -> None:
        """Sent: keep what the service returned and close."""
        self.result_value = result
        self._set_sending(False)
        super().accept()

    def refuse(self, message: str) -> None:
        """Refused: say why here, keep everything typed."""
        self._set_sending(False)
        self.show_error(message)

    def reject(self) -> None:
        # While the dispatch is on its way the dialog waits for its answer (Esc, 取消 too).
        if not self._sending:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._sending:
            event.ignore()
            return
        super().closeEvent(event)

    def _set_sending(self, sending: bool) -> None:
        self._sending = sending
        self.ok_button.setText(SENDING if sending else "分发")
        self.set_ok_enabled(not sending)
        self.cancel_button.setEnabled(not sending)
