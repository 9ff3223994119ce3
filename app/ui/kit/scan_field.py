"""The scan field a USB scanner types into, the line under it that says what a scan matched, and
the catcher that keeps a scanner burst out of whatever else has the keyboard."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.ui.kit.collector import note_activity
from app.ui.kit.style import Tone, message_css, scaled_font, set_css

PLACEHOLDER = "扫描或输入出厂编号 / 产品编码 / 记录编号，回车确认（F2 回到此处）"
MAX_KEY_GAP_MS = 80  # FIELD_NOTES.md: a scanner types faster than this between keys
MIN_SCAN_LENGTH = 3


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
    """What was scanned and what it matched: green found/added, amber needs a choice or was
    there already, red refused."""

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
        self._style(Tone.muted)

    def show_result(self, tone: Tone, message: str, scanned: str = "") -> None:
        self.tone = tone
        self.setText(f"「{scanned}」　{message}" if scanned else message)
        self._style(tone)

    def _style(self, tone: Tone) -> None:
        set_css(self, message_css(tone))  # most scans keep the tone of the scan before


# --- a scanner's burst where a person's keys are expected -------------------------------------


@dataclass
class _Snapshot:
    """What the widget under the burst held before its first key, to put back."""

    widget: QWidget
    state: Any


def _snapshot(widget: QWidget) -> _Snapshot:
    if isinstance(widget, QComboBox):
        edit = widget.lineEdit()
        return _Snapshot(widget, (widget.currentIndex(), edit.text() if edit else ""))
    if isinstance(widget, QLineEdit):
        return _Snapshot(widget, (widget.text(), widget.cursorPosition()))
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return _Snapshot(widget, widget.toPlainText())
    if isinstance(widget, QAbstractItemView):  # keyboard search moves the current row
        return _Snapshot(widget, widget.currentIndex())
    return _Snapshot(widget, None)


def _restore(snap: _Snapshot) -> None:
    widget, state = snap.widget, snap.state
    if state is None:
        return
    if isinstance(widget, QComboBox):
        index, text = state
        widget.setCurrentIndex(index)
        edit = widget.lineEdit()
        if edit is not None:
            edit.setText(text)
    elif isinstance(widget, QLineEdit):
        widget.setText(state[0])
        widget.setCursorPosition(state[1])
    elif isinstance(widget, QPlainTextEdit | QTextEdit):
        widget.setPlainText(state)
    elif isinstance(widget, QAbstractItemView) and isinstance(state, QModelIndex):
        widget.setCurrentIndex(state)


class BurstCatcher(QObject):
    """An application event filter that recognises a scanner burst (printable keys each within
    `max_gap_ms` of the last, at least `min_length`, then Enter) while `active()` says the
    scan field is not where the keys go (a question is open, or another field has the focus).

    The keys reach their widget as typed (a person's typing must never wait); when the Enter
    proves them a scan, the Enter is swallowed (it would press a dialog's button), the widget's
    text is put back as it was before the burst, and the code goes to `deliver`. The clock is a
    parameter: QTest's key events carry timestamp 0, and tests type at a pace of their choosing.
    """

    def __init__(
        self,
        active: Callable[[], bool],
        deliver: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        max_gap_ms: int = MAX_KEY_GAP_MS,
        min_length: int = MIN_SCAN_LENGTH,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.active = active
        self.deliver = deliver
        self.clock = clock
        self.max_gap = max_gap_ms / 1000
        self.min_length = min_length
        self._chars: list[str] = []
        self._last = 0.0
        self._snap: _Snapshot | None = None

    def reset(self) -> None:
        self._chars, self._snap = [], None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # isinstance first: it is cheap, while event.type() builds a Python enum (~6 µs) and
        # this filter sees every event of the program (14,000 while the main window is built).
        if not isinstance(event, QKeyEvent) or event.type() != QEvent.Type.KeyPress:
            return False
        note_activity()  # a person at the keys: the collector's full pass waits
        # Each key once: where it lands (the focus widget, or an open completer's popup), not
        # again as it travels up to the parents.
        if watched is not QApplication.focusWidget() and watched is not (
            QApplication.activePopupWidget()
        ):
            return False
        if not self.active():
            self.reset()
            return False
        now = self.clock()
        fast = now - self._last <= self.max_gap
        self._last = now
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self._ended(fast)
        text = event.text()
        plain = not event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        # A scanner types ASCII (FIELD_NOTES.md); Chinese comes from a person, never a burst.
        if (
            len(text) == 1
            and text.isascii()
            and text.isprintable()
            and not text.isspace()
            and plain
        ):
            if not self._chars or not fast:
                target = QApplication.focusWidget()
                self._snap = _snapshot(target) if target is not None else None
                self._chars = []
            self._chars.append(text)
        else:
            self.reset()
        return False

    def _ended(self, fast: bool) -> bool:
        code = "".join(self._chars)
        snap = self._snap
        self.reset()
        if not fast or len(code) < self.min_length:
            return False
        if snap is not None:
            _restore(snap)
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.hide()  # a completer opened by the burst's letters
        self.deliver(code)
        return True
