"""The scan field a USB scanner types into, and the line under it that says what a scan matched."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app.ui.kit.style import Tone, message_css, scaled_font

PLACEHOLDER = "扫描或输入出厂编号 / 产品编码 / 记录编号，回车确认"


class ScanField(QLineEdit):
    """A large field with no input method (it would eat or full-width a scanner's letters)."""

    scanned = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # FIELD_NOTES.md: Chinese input methods swallow a scanner's keys; Qt detaches the IME.
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.setPlaceholderText(PLACEHOLDER)
        self.setFont(scaled_font(self.font(), 1.6))
        self.setMinimumHeight(44)
        self.setClearButtonEnabled(True)
        self.setMaxLength(200)
        self.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        text = self.text().strip()
        self.clear()
        if text:
            self.scanned.emit(text)


class FeedbackLine(QLabel):
    """What was scanned and what it matched: green found/added, amber needs a choice, red refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFont(scaled_font(self.font(), 1.15))
        self.tone: Tone | None = None
        self.show_idle()

    def show_idle(self, text: str = "等待扫描…") -> None:
        self.tone = None
        self.setText(text)
        self.setStyleSheet(message_css(Tone.muted))

    def show_result(self, tone: Tone, message: str, scanned: str = "") -> None:
        self.tone = tone
        self.setText(f"「{scanned}」　{message}" if scanned else message)
        self.setStyleSheet(message_css(tone))
