"""The calendar page's two dialogs: mark one day, and read the State Council's notice.

Neither calls a service: the page hands the notice dialog a `read` function that runs the
preview through the runner and answers with `show_preview` or `show_error`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.kernel.calendar import CalendarDayView, DayChange, NoticePreview
from app.services.kernel.terms import calendar_source_label, day_kind_label
from app.ui.admin.calendar_grid import WEEKDAYS, day_text
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.style import Tone, message_css

LINE_NAMED = re.compile(r"^第 (\d+) 行")  # the reader's refusal names the line it stopped at


def date_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


class DayDialog(FormDialog):
    """Mark one day a working day or a day off, with the reason (a shutdown, a working Saturday)."""

    def __init__(self, day: CalendarDayView, parent: QWidget | None = None) -> None:
        super().__init__(
            "标记这一天",
            f"{day_text(day)}\n标记后，按工作日计算的时限都按新的安排重算。",
            ok_text="保存",
            parent=parent,
        )
        self.day = day
        self.work = QRadioButton("上班（工作日）")
        self.off = QRadioButton("休息（不上班）")
        group = QButtonGroup(self)
        group.addButton(self.work)
        group.addButton(self.off)
        (self.work if day.is_workday else self.off).setChecked(True)
        choice = QHBoxLayout()
        choice.addWidget(self.work)
        choice.addWidget(self.off)
        choice.addStretch(1)
        self.note = QLineEdit(day.note if day.overridden else "")
        self.note.setMaxLength(100)
        self.note.setPlaceholderText("原因，如：停电检修、赶工、年终盘点")
        self.form.addRow("这一天：", choice)
        self.form.addRow("说明：", self.note)

    @property
    def is_workday(self) -> bool:
        return self.work.isChecked()


class NoticeDialog(FormDialog):
    """Paste (or open) the notice, read it, see the year against what the store has, confirm."""

    def __init__(
        self,
        read: Callable[[str], None],
        open_file: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "导入国务院放假通知",
            "把国务院办公厅《关于20XX年部分节假日安排的通知》全文粘贴到左边（或打开保存的文本文件），"
            "点“读取通知”，核对右边读出的安排和与现有日历相比的变动，再点“写入日历”。",
            ok_text="写入日历",
            parent=parent,
        )
        self._read = read
        self._open_file = open_file
        self.preview: NoticePreview | None = None
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("在此粘贴通知全文……")
        self.text.textChanged.connect(self._edited)
        self.open_button = QPushButton("打开文本文件…")
        self.read_button = QPushButton("读取通知")
        self.open_button.clicked.connect(self._open)
        self.read_button.clicked.connect(lambda: self._read(self.text.toPlainText()))
        self.summary = QLabel("尚未读取。")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.summary)
        self.form.addRow(self._body(scroll))
        self.set_ok_enabled(False)
        self.ok_button.setToolTip("先读取通知并核对变动")
        self.resize(1060, 640)

    def _body(self, scroll: QScrollArea) -> QWidget:
        left = QVBoxLayout()
        left.addWidget(self.text, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.read_button)
        left.addLayout(buttons)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.addLayout(left, 5)
        row.addLayout(right, 6)
        body.setMinimumHeight(440)
        return body

    def _open(self) -> None:
        text = self._open_file()
        if text:
            self.text.setPlainText(text)
            self._read(text)

    def _edited(self) -> None:
        """A changed text must be read again before it can be written."""
        if self.preview is not None:
            self.preview = None
            self.set_ok_enabled(False)
            self.summary.setStyleSheet("")
            self.summary.setText("通知内容已修改，请重新读取。")

    def show_error(self, message: str) -> None:
        self.preview = None
        self.set_ok_enabled(False)
        self.summary.setStyleSheet(message_css(Tone.bad))
        self.summary.setText(html.escape(message))
        named = LINE_NAMED.match(message)
        if named:
            self.select_line(int(named.group(1)))

    def select_line(self, number: int) -> None:
        """Put the cursor on the line the reader stopped at, selected, so it can be mended."""
        block = self.text.document().findBlockByNumber(number - 1)
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()
        self.text.setFocus()

    def show_preview(self, preview: NoticePreview) -> None:
        self.preview = preview
        self.summary.setStyleSheet("")
        self.summary.setText(preview_html(preview))
        self.set_ok_enabled(True)
        self.ok_button.setToolTip(f"把 {preview.notice.year} 年的安排写入工作日历并标记为正式日历")


def preview_html(preview: NoticePreview) -> str:
    notice = preview.notice
    if preview.was_official:
        status = f"现为正式日历（依据：{calendar_source_label(preview.was_source)}）"
    else:
        status = "现为临时日历（按周一至周五计算）"
    parts = [
        f"<h3>{notice.year} 年：放假 {len(notice.holidays)} 天，调休上班 {len(notice.workdays)} 天</h3>",
        f"<p>{notice.year} 年{status}。写入后标记为正式日历。</p>",
        "<table cellspacing='0' cellpadding='3'>",
    ]
    for item in notice.lines:
        off, work = item.holidays_text, item.workdays_text
        parts.append(
            f"<tr><td><b>{html.escape(item.name)}</b></td><td>{off} 放假"
            + (f"；{work} 上班" if work else "")
            + "</td></tr>"
        )
    parts.append("</table>")
    parts.append(_changes_html(preview.changes))
    if preview.kept:
        parts.append(
            f"<p><b>保留管理员标记 {len(preview.kept)} 天</b>（与通知不同，仍按本厂设定）：</p><ul>"
        )
        parts += [
            f"<li>{date_text(k.day)}：{day_kind_label(k.kind)}（{html.escape(k.note)}）</li>"
            for k in preview.kept
        ]
        parts.append("</ul>")
    return "".join(parts)


def _changes_html(changes: tuple[DayChange, ...]) -> str:
    if not changes:
        return "<p><b>与现有日历相比没有变动</b>：各时限不受影响。</p>"
    rows = "".join(
        f"<tr><td>{date_text(c.day)}</td><td>{day_kind_label(c.was)}</td><td>→</td>"
        f"<td><b>{day_kind_label(c.becomes)}</b></td><td>{html.escape(c.note)}</td></tr>"
        for c in changes
    )
    return (
        f"<p><b>与现有日历相比变动 {len(changes)} 天</b>，跨这些日子的工作日时限将随之改变：</p>"
        f"<table cellspacing='0' cellpadding='2'>{rows}</table>"
    )
