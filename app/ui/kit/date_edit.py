"""A date field that may be left unset (“未设置”), such as a kitting deadline not yet known."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QDateEdit, QHBoxLayout, QWidget

from app.services.kernel.context import local_today

UNSET_TEXT = "未设置"
_FLOOR = QDate(2000, 1, 1)  # shown as UNSET_TEXT


def _python_date(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class OptionalDateEdit(QWidget):
    """A check box turns the date on; off, the field reads 未设置 and the value is None."""

    changed = Signal()

    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled_box = QCheckBox()
        self.enabled_box.setToolTip("勾选后设定日期；不勾选表示未设置")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMinimumDate(_FLOOR)
        self.date_edit.setSpecialValueText(UNSET_TEXT)
        self.date_edit.setMinimumWidth(130)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.enabled_box)
        layout.addWidget(self.date_edit, 1)
        self._last = value or local_today()
        self.enabled_box.toggled.connect(self._toggled)
        self.date_edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.set_value(value)

    def value(self) -> dt.date | None:
        if not self.enabled_box.isChecked():
            return None
        return _python_date(self.date_edit.date())

    def set_value(self, value: dt.date | None) -> None:
        if value is not None:
            self._last = value
        self.enabled_box.setChecked(value is not None)
        self._toggled(value is not None)

    def _toggled(self, on: bool) -> None:
        if on:
            self.date_edit.setDate(QDate(self._last.year, self._last.month, self._last.day))
        else:
            if self.date_edit.date() != _FLOOR:
                self._last = _python_date(self.date_edit.date())
            self.date_edit.setDate(_FLOOR)
        self.date_edit.setEnabled(on)
        self.changed.emit()
