"""确认交接: both parties' names and what was unusual; the service issues JJ (and JS)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QSizePolicy, QWidget

from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.style import Tone, message_css


@dataclass(frozen=True)
class ConfirmValues:
    user_rep_name: str
    clerk_name: str
    anomalies: str


class ConfirmHandoverDialog(FormDialog):
    def __init__(
        self,
        task_number: str,
        user_unit: str,
        accepted: int,
        rejected: int,
        clerk_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "确认交接",
            f"任务 {task_number}（{user_unit}）：与用户代表当面清点后确认交接。"
            "确认后生成交接记录单，清点内容不能再修改。",
            ok_text="确认交接",
            parent=parent,
        )
        text = f"接收 {accepted} 件，拒收 {rejected} 件"
        if rejected:
            text += "（确认后同时生成拒收通知，发给总体单位）"
        summary = QLabel(text)
        summary.setWordWrap(True)
        summary.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        summary.setStyleSheet(message_css(Tone.warn if rejected else Tone.ok))
        self.form.addRow("清点结果：", summary)
        self.user_rep = QLineEdit()
        self.user_rep.setPlaceholderText("交回产品的用户代表姓名")
        self.clerk = QLineEdit(clerk_name)
        self.clerk.setPlaceholderText("物资交接员姓名")
        self.anomalies = QPlainTextEdit()
        self.anomalies.setPlaceholderText("交接中发现的异常情况（没有可不填）")
        self.anomalies.setFixedHeight(80)
        self.form.addRow("用户代表：", self.user_rep)
        self.form.addRow("物资交接员：", self.clerk)
        self.form.addRow("异常情况：", self.anomalies)
        self.user_rep.textChanged.connect(self._check)
        self.clerk.textChanged.connect(self._check)
        self.setMinimumWidth(580)
        self._check()
        self.user_rep.setFocus()  # the keyboard starts at the first field, not at a button

    def values(self) -> ConfirmValues:
        return ConfirmValues(
            self.user_rep.text().strip(),
            self.clerk.text().strip(),
            self.anomalies.toPlainText().strip(),
        )

    def _check(self) -> None:
        values = self.values()
        self.set_ok_enabled(bool(values.user_rep_name and values.clerk_name))
