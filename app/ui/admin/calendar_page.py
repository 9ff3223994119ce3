"""工作日历: the factory's working calendar for one year, which every working-day deadline counts.

The admin sees the year as twelve month grids (working days, weekends, holidays, make-up
workdays, the factory's own marks), marks a single day, marks a year official, and imports the
State Council's notice: paste or open it, read it, see the year against what the store had, write
it on confirmation. Managers see the same page without the buttons that change it. From November
on the page warns while next year is still provisional (issue 8).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.services.admin import holiday_notice
from app.services.kernel import calendar
from app.services.kernel.calendar import CalendarWarning, CalendarYearView, NoticeApplied
from app.services.kernel.context import local_today
from app.services.kernel.terms import DayKind, Permission, calendar_source_label
from app.ui.admin.calendar_dialogs import DayDialog, NoticeDialog
from app.ui.admin.calendar_grid import YearGrid, day_text, legend
from app.ui.kit.gates import denial, gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.runner import Change, call
from app.ui.kit.style import Tone, message_css, scaled_font

FIRST_YEAR, LAST_YEAR = 2004, 2100
WRITES = Change.CALENDAR | Change.DEADLINES  # every working-day deadline counts this calendar
PICK_A_DAY = "先在日历上点选一天"


class CalendarPage(Page):
    """The year view and the admin's actions on it."""

    watches = Change.CALENDAR

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.today = local_today()
        self.view: CalendarYearView | None = None
        self._dialog: NoticeDialog | None = None
        self.denied = denial(self.actor, Permission.manage_calendar)
        self.layout_.setSpacing(6)
        self.layout_.addLayout(self._head())
        self.layout_.addLayout(self._status_row())
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(message_css(Tone.warn))
        self.warning.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.layout_.addWidget(self.warning)
        self.layout_.addWidget(self.message)
        self.grid = YearGrid()
        self.layout_.addWidget(self.grid, 1)
        self.day_line = QLabel(PICK_A_DAY + "，双击或按回车可标记这一天。")
        self.layout_.addWidget(legend())
        self.layout_.addWidget(self.day_line)
        self.grid.selected.connect(self._day_selected)
        self.grid.activated.connect(lambda _day: self.mark_day())
        self.year_box.valueChanged.connect(lambda _year: self.refresh())
        self.refresh()

    # --- building ------------------------------------------------------------------------------

    def _head(self) -> QHBoxLayout:
        title = QLabel("工作日历")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("按工作日计算的时限（如 5 个工作日内定位）都按这里的安排计算")
        hint.setStyleSheet("color: palette(mid);")
        self.previous = QPushButton("◀ 上一年")
        self.year_box = QSpinBox()
        self.year_box.setRange(FIRST_YEAR, LAST_YEAR)
        self.year_box.setSuffix(" 年")
        self.year_box.setValue(self.today.year)
        self.year_box.setMinimumWidth(96)
        self.next = QPushButton("下一年 ▶")
        self.this_year = QPushButton("今年")
        self.previous.clicked.connect(lambda: self.year_box.stepBy(-1))
        self.next.clicked.connect(lambda: self.year_box.stepBy(1))
        self.this_year.clicked.connect(lambda: self.year_box.setValue(self.today.year))
        row = QHBoxLayout()
        row.addWidget(title)
        row.addWidget(hint)
        row.addStretch(1)
        for widget in (self.previous, self.year_box, self.next, self.this_year):
            row.addWidget(widget)
        return row

    def _status_row(self) -> QHBoxLayout:
        self.status = QLabel()
        self.status.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.counts = QLabel()
        self.mark_button = QPushButton("标记这一天…")
        self.official_button = QPushButton("标记为正式日历")
        self.import_button = QPushButton("导入国务院通知…")
        self.mark_button.clicked.connect(self.mark_day)
        self.official_button.clicked.connect(self.mark_official)
        self.import_button.clicked.connect(self.import_notice)
        row = QHBoxLayout()
        row.addWidget(self.status)
        row.addSpacing(12)
        row.addWidget(self.counts)
        row.addStretch(1)
        for button in (self.mark_button, self.official_button, self.import_button):
            row.addWidget(button)
        return row

    # --- reading -------------------------------------------------------------------------------

    @property
    def year(self) -> int:
        return self.year_box.value()

    def refresh(self) -> None:
        view = self.now(call(calendar.year_view, self.db, self.year))
        if view is None:
            return
        self.view = view
        self.grid.show_year(view, self.today)
        self._show_status(view)
        warning: CalendarWarning | None = self.now(
            call(calendar.calendar_warning, self.db, self.today)
        )
        self.warning.setVisible(warning is not None)
        self.warning.setText(warning.text if warning else "")
        self._gate()

    def _show_status(self, view: CalendarYearView) -> None:
        if view.official:
            self.status.setText(f"{view.year} 年：正式日历")
            self.status.setStyleSheet(f"color: {'#1b7f3b'};")
            self.status.setToolTip(f"依据：{calendar_source_label(view.source)}")
        else:
            self.status.setText(f"{view.year} 年：临时日历")
            self.status.setStyleSheet(f"color: {'#9a5b00'};")
            self.status.setToolTip(
                "该年的法定节假日安排尚未录入，工作日暂按周一至周五计算，落在该年的时限均为临时。"
            )
        own = sum(1 for d in view.days if d.overridden)
        source = f"依据：{calendar_source_label(view.source)}　" if view.official else ""
        self.counts.setText(
            f"{source}工作日 {view.count(DayKind.workday) + view.count(DayKind.makeup_workday)} 天"
            f"　节假日 {view.count(DayKind.holiday)} 天"
            f"　调休上班 {view.count(DayKind.makeup_workday)} 天"
            + (f"　管理员标记 {own} 天" if own else "")
        )

    def _gate(self) -> None:
        picked = "" if self.grid.current else PICK_A_DAY
        official = f"{self.year} 年已是正式日历。" if self.view and self.view.official else ""
        gate(self.mark_button, self.denied, picked)
        gate(self.official_button, self.denied, official, tip="已逐日核对该年的安排后使用")
        gate(self.import_button, self.denied, tip="粘贴或打开国务院办公厅的放假通知")

    def _day_selected(self, day: dt.date) -> None:
        if self.view is not None and day.year == self.view.year:
            self.day_line.setText(day_text(self.view.day(day)))
        self._gate()

    def show_failure(self, message: str) -> None:
        self._say(Tone.bad, message)

    def _say(self, tone: Tone, text: str) -> None:
        self.message.setStyleSheet(message_css(tone))
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- acting --------------------------------------------------------------------------------

    def mark_day(self) -> None:
        if self.denied or self.view is None or self.grid.current is None:
            return
        day = self.view.day(self.grid.current)
        dialog = DayDialog(day, self)
        if not self.prompts.run(dialog):
            return
        note = dialog.note.text().strip()
        self.run(
            call(calendar.set_day, self.db, self.actor, day.day, dialog.is_workday, note),
            done=lambda _none: self._marked(day.day, dialog.is_workday),
            changes=WRITES,
        )

    def _marked(self, day: dt.date, is_workday: bool) -> None:
        what = "上班" if is_workday else "休息"
        self._say(Tone.ok, f"已将 {day.month}月{day.day}日 标记为{what}；相关时限已按新安排重算。")
        self.refresh()
        self._day_selected(day)

    def mark_official(self) -> None:
        year = self.year
        question = (
            f"将 {year} 年标记为正式日历？\n\n通常应“导入国务院通知”，它会写入全年的放假和调休上班日。"
            "只有在已逐日核对并标记好该年的安排后，才直接标记为正式。"
        )
        if not self.prompts.ask(self, "标记为正式日历", question, yes="标记为正式", no="取消"):
            return
        self.run(
            call(calendar.mark_year_official, self.db, self.actor, year),
            done=lambda _none: self._official(year),
            changes=WRITES,
        )

    def _official(self, year: int) -> None:
        self._say(Tone.ok, f"{year} 年已标记为正式日历。")
        self.refresh()

    def import_notice(self) -> None:
        self._dialog = NoticeDialog(self._read_notice, self._open_notice_file, self)
        dialog = self._dialog
        if not self.prompts.run(dialog) or dialog.preview is None:
            return
        self.run(
            call(calendar.apply_notice, self.db, self.actor, dialog.preview.notice),
            done=self._applied,
            changes=WRITES,
            label="正在写入工作日历…",
        )

    def _read_notice(self, text: str) -> None:
        """The dialog's 读取通知: read and compare through the runner, answer the dialog."""
        dialog = self._dialog
        if dialog is None:
            return
        self.run(
            call(calendar.preview_notice, self.db, text),
            done=dialog.show_preview,
            failed=dialog.show_error,
        )

    def _open_notice_file(self) -> str:
        path = self.prompts.open_file(self, "打开放假通知", "文本文件 (*.txt);;所有文件 (*)")
        if not path:
            return ""
        text: str = self.now(call(holiday_notice.notice_file_text, path), default="")
        return text

    def _applied(self, applied: NoticeApplied) -> None:
        kept = f"，保留管理员标记 {len(applied.kept)} 天" if applied.kept else ""
        self._say(
            Tone.ok,
            f"已按国务院通知写入 {applied.year} 年工作日历，并标记为正式日历："
            f"与原日历相比变动 {len(applied.changes)} 天{kept}。相关时限已按新安排重算。",
        )
        if self.year != applied.year:
            self.year_box.setValue(applied.year)  # refreshes
        else:
            self.refresh()
