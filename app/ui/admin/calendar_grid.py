"""The year at a glance: twelve month grids painted in the calendar's colours, and their legend.

A month is painted, not built from widgets (12 × 42 cells would be 500 widgets): working days
white, weekends grey, holidays red with 休, make-up workdays amber with 班, an admin's own mark
framed in blue. Click a day to select it, double-click (or Enter) to mark it; the arrow keys move
the selection.
"""

from __future__ import annotations

import calendar as months
import datetime as dt
from collections.abc import Mapping

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QToolTip, QWidget

from app.services.kernel.calendar import CalendarDayView, CalendarYearView
from app.services.kernel.terms import DayKind, calendar_source_label, day_kind_label
from app.ui.kit.style import BACKGROUND, FOREGROUND, Tone

WEEKDAYS = "一二三四五六日"
# (background, text) for each kind of day; the tags say it without colour too.
COLOURS: Mapping[DayKind, tuple[str, str]] = {
    DayKind.workday: ("#ffffff", "#202020"),
    DayKind.weekend: (BACKGROUND[Tone.muted], FOREGROUND[Tone.muted]),
    DayKind.holiday: ("#fbd9d5", FOREGROUND[Tone.bad]),
    DayKind.makeup_workday: ("#ffe3a8", FOREGROUND[Tone.warn]),
}
TAGS: Mapping[DayKind, str] = {DayKind.holiday: "休", DayKind.makeup_workday: "班"}
OVERRIDE = "#1565c0"  # an admin's own mark
SELECTED = "#202020"
TITLE_H, HEAD_H, ROWS = 22, 18, 6


def day_text(day: CalendarDayView) -> str:
    """“2026年10月10日 星期六：调休上班（国庆节调休上班）”, and who marked it."""
    text = f"{day.day.year}年{day.day.month}月{day.day.day}日 星期{WEEKDAYS[day.day.weekday()]}："
    text += day_kind_label(day.kind)
    if day.note:
        text += f"（{day.note}）"
    if day.source:
        text += f"　依据：{calendar_source_label(day.source)}"
    return text


class MonthGrid(QWidget):
    """One month: a title, the weekday heads, six weeks of painted days."""

    clicked = Signal(object)  # dt.date
    activated = Signal(object)

    def __init__(self, month: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.month = month
        self.year = dt.date.today().year
        self.days: dict[dt.date, CalendarDayView] = {}
        self.today: dt.date | None = None
        self.selected: dt.date | None = None
        self.setMinimumSize(QSize(7 * 30, TITLE_H + HEAD_H + ROWS * 22))
        self.setMouseTracking(False)

    def sizeHint(self) -> QSize:
        return QSize(7 * 38, TITLE_H + HEAD_H + ROWS * 27)

    def show_days(self, year: int, days: dict[dt.date, CalendarDayView]) -> None:
        self.year = year
        self.days = days
        self.update()

    # --- geometry ------------------------------------------------------------------------------

    def _cell_size(self) -> tuple[float, float]:
        return self.width() / 7, (self.height() - TITLE_H - HEAD_H) / ROWS

    def cell_rect(self, day: dt.date) -> QRect:
        """Where `day` is painted (tests click there)."""
        first = dt.date(self.year, self.month, 1)
        index = first.weekday() + day.day - 1
        w, h = self._cell_size()
        row, col = divmod(index, 7)
        return QRect(round(col * w), round(TITLE_H + HEAD_H + row * h), round(w), round(h))

    def day_at(self, pos: QPoint) -> dt.date | None:
        w, h = self._cell_size()
        if pos.y() < TITLE_H + HEAD_H or w <= 0 or h <= 0:
            return None
        col, row = int(pos.x() // w), int((pos.y() - TITLE_H - HEAD_H) // h)
        first = dt.date(self.year, self.month, 1)
        number = row * 7 + col - first.weekday() + 1
        if 1 <= number <= months.monthrange(self.year, self.month)[1] and 0 <= col < 7:
            return dt.date(self.year, self.month, number)
        return None

    # --- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QFont(self.font())
        title = QFont(base)
        title.setBold(True)
        painter.setFont(title)
        painter.setPen(QColor("#202020"))
        painter.drawText(
            QRect(0, 0, self.width(), TITLE_H),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f" {self.month}月",
        )
        w, h = self._cell_size()
        small = QFont(base)
        small.setPointSizeF(max(6.0, base.pointSizeF() * 0.8))
        painter.setFont(small)
        for col, name in enumerate(WEEKDAYS):
            painter.setPen(QColor(FOREGROUND[Tone.muted] if col >= 5 else "#404040"))
            painter.drawText(
                QRect(round(col * w), TITLE_H, round(w), HEAD_H), Qt.AlignmentFlag.AlignCenter, name
            )
        for number in range(1, months.monthrange(self.year, self.month)[1] + 1):
            self._paint_day(painter, dt.date(self.year, self.month, number), base, small)
        painter.end()

    def _paint_day(self, painter: QPainter, day: dt.date, base: QFont, small: QFont) -> None:
        view = self.days.get(day)
        kind = view.kind if view else (DayKind.weekend if day.weekday() >= 5 else DayKind.workday)
        back, text = COLOURS[kind]
        rect = self.cell_rect(day).adjusted(1, 1, -1, -1)
        painter.fillRect(rect, QColor(back))
        if kind == DayKind.workday:
            painter.setPen(QPen(QColor("#e0e0e0"), 1))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        if view is not None and view.overridden:
            painter.setPen(QPen(QColor(OVERRIDE), 2, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        if day == self.selected:
            painter.setPen(QPen(QColor(SELECTED), 2.5))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        font = QFont(base)
        font.setBold(day == self.today)
        font.setUnderline(day == self.today)
        painter.setFont(font)
        painter.setPen(QColor(text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(day.day))
        tag = TAGS.get(kind)
        if tag:
            painter.setFont(small)
            corner = QRect(rect.right() - 13, rect.top(), 13, 13)
            painter.drawText(corner, Qt.AlignmentFlag.AlignCenter, tag)

    # --- people --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position().toPoint())
        if day is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(day)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        day = self.day_at(event.position().toPoint())
        if day is not None:
            self.activated.emit(day)

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent):
            day = self.day_at(event.pos())
            view = self.days.get(day) if day else None
            if view is not None:
                QToolTip.showText(event.globalPos(), day_text(view), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)  # type: ignore[arg-type]


class YearGrid(QWidget):
    """Twelve months in three rows of four; one selected day across them."""

    selected = Signal(object)  # dt.date
    activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: CalendarYearView | None = None
        self.current: dt.date | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        self.months = [MonthGrid(m) for m in range(1, 13)]
        for index, month in enumerate(self.months):
            grid.addWidget(month, index // 4, index % 4)
            month.clicked.connect(self.select)
            month.activated.connect(self._activate)

    def show_year(self, view: CalendarYearView, today: dt.date) -> None:
        self.view = view
        by_month: dict[int, dict[dt.date, CalendarDayView]] = {m: {} for m in range(1, 13)}
        for day in view.days:
            by_month[day.day.month][day.day] = day
        if self.current is None or self.current.year != view.year:
            self.current = None
        for month in self.months:
            month.today = today
            month.show_days(view.year, by_month[month.month])
        self._mark()

    def month_of(self, day: dt.date) -> MonthGrid:
        return self.months[day.month - 1]

    def select(self, day: dt.date) -> None:
        self.current = day
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._mark()
        self.selected.emit(day)

    def _activate(self, day: dt.date) -> None:
        self.select(day)
        self.activated.emit(day)

    def _mark(self) -> None:
        for month in self.months:
            month.selected = self.current
            month.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -7,
            Qt.Key.Key_Down: 7,
        }
        key = event.key()
        if self.view is None:
            super().keyPressEvent(event)
            return
        if key in steps:
            start = self.current or dt.date(self.view.year, 1, 1)
            moved = start + dt.timedelta(days=steps[Qt.Key(key)])
            if moved.year == self.view.year:
                self.select(moved)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current is not None:
            self.activated.emit(self.current)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._mark()


class Swatch(QLabel):
    """A small coloured square with its tag, for the legend."""

    def __init__(self, kind: DayKind | None, parent: QWidget | None = None) -> None:
        super().__init__(TAGS.get(kind, "") if kind else "", parent)
        self.setFixedSize(22, 18)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if kind is None:  # an admin's own mark
            css = f"background: #ffffff; border: 2px dashed {OVERRIDE};"
        else:
            back, text = COLOURS[kind]
            css = f"background: {back}; color: {text}; border: 1px solid #d0d0d0;"
        self.setStyleSheet(f"QLabel {{ {css} font-size: 8pt; }}")


def legend() -> QWidget:
    """工作日 · 周末 · 节假日 · 调休上班 · 本厂设定, each beside its colour."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    entries: list[tuple[DayKind | None, str]] = [(k, day_kind_label(k)) for k in DayKind]
    entries.append((None, "管理员标记（本厂设定，导入通知时保留）"))
    for kind, text in entries:
        row.addWidget(Swatch(kind))
        row.addWidget(QLabel(text))
        row.addSpacing(10)
    row.addStretch(1)
    return box
