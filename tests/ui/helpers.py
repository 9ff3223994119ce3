"""Driving the window the way a clerk does: scanning, clicking rows and boxes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from app.ui.handover.desk import HandoverDesk


def type_text(qtbot: Any, widget: QWidget | None, text: str) -> None:
    """Key events for `text`. QTest types ASCII only (it asserts on anything else), so other
    characters (Chinese, full-width letters) go in as key events carrying their text."""
    assert widget is not None
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            )


def scan(qtbot: Any, desk: HandoverDesk, text: str) -> str:
    """Type `text` into the scan field and press Enter, as a keyboard-wedge scanner does."""
    field = desk.scan_field
    field.setFocus()
    type_text(qtbot, field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    return desk.feedback.text()


def click_row(qtbot: Any, view: QTableView, row: int, column: int = 0) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )


def click(qtbot: Any, widget: Any) -> None:
    assert widget.isEnabled(), (
        f"{widget.text() if hasattr(widget, 'text') else widget} is disabled: {widget.toolTip()}"
    )
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def cell(view: QTableView, row: int, title: str) -> str:
    model = view.model()
    for column in range(model.columnCount()):
        if model.headerData(column, Qt.Orientation.Horizontal) == title:
            return str(model.index(row, column).data())
    raise KeyError(title)


def selected_row(view: QTableView) -> int:
    index = view.selectionModel().currentIndex()
    return index.row() if index.isValid() else -1
