"""工作台: the first screen after login. Every running deadline, grouped into overdue, due soon and
running; open work by stage and by unit; the unread reports. A double-click opens the item (or
the kit set's report); reminders arrive in the banner at the top.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import masterdata
from app.services.kernel import calendar
from app.services.kernel.context import local_today
from app.services.kernel.terms import (
    DeadlineState,
    Role,
    deadline_state_label,
    kit_set_status_label,
    line_status_label,
    rule_label,
)
from app.services.kernel.views import Dashboard, DeadlineRow, ReportView
from app.services.oversight import dashboard
from app.ui.kit.formats import date_text
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import CENTER, RIGHT, Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import BACKGROUND, FOREGROUND, Tone, scaled_font
from app.ui.kit.tables import make_table
from app.ui.oversight.reminders import (
    PROVISIONAL_MARK,
    PROVISIONAL_TIP,
    Reminder,
    ReminderBanner,
    Reminders,
    days_text,
    row_key,
)

WEEKDAYS = "一二三四五六日"
SECTIONS = tuple(
    (state, deadline_state_label(state), tone)
    for state, tone in (
        (DeadlineState.overdue, Tone.bad),
        (DeadlineState.due_soon, Tone.warn),
        (DeadlineState.running, None),
    )
)


def _status_text(row: DeadlineRow) -> str:
    return kit_set_status_label(row.status) if row.line_id == 0 else line_status_label(row.status)


def _due_text(row: DeadlineRow) -> str:
    mark = f" {PROVISIONAL_MARK}" if row.deadline.provisional else ""
    return date_text(row.deadline.due) + mark


def _due_tip(row: DeadlineRow) -> str:
    d = row.deadline
    text = f"{rule_label(d.rule)}：自 {date_text(d.starts)} 起，应于 {date_text(d.due)} 前完成"
    return text + ("\n" + PROVISIONAL_TIP if d.provisional else "")


def _urgency_tone(row: DeadlineRow) -> Tone | None:
    if row.deadline.state == DeadlineState.overdue:
        return Tone.bad
    if row.deadline.state == DeadlineState.due_soon:
        return Tone.warn
    return None


def _same_deadline(key: tuple[int, str, str], row: DeadlineRow) -> bool:
    return row_key(row) == key


def _item_tip(row: DeadlineRow) -> str:
    if row.line_id == 0:
        return f"齐套 {row.line}：双击预览齐套情况"
    return f"{row.item}：双击查看产品履历"


DEADLINE_COLUMNS = (
    Column("任务/齐套", lambda r: r.line, tooltip=_item_tip, width=140),
    Column("产品编码", lambda r: r.item, tooltip=_item_tip, width=170),
    Column("状态", _status_text, CENTER, width=96),
    Column("时限", lambda r: rule_label(r.deadline.rule), CENTER, width=92),
    Column(
        "到期日",
        _due_text,
        CENTER,
        tooltip=_due_tip,
        tone=lambda r: Tone.warn if r.deadline.provisional else None,
        width=96,
    ),
    Column("剩余/超期", lambda r: days_text(r.deadline), RIGHT, tone=_urgency_tone, width=112),
    Column("所在单位", lambda r: r.unit, tooltip=lambda r: r.unit, width=120),
)
UNREAD_COLUMNS = (
    Column("编号", lambda r: r.number, width=118),
    Column("标题", lambda r: r.title, tooltip=lambda r: r.body or r.title),
)


class CountTile(QFrame):
    """A big number over its caption, in the tone of what it counts."""

    def __init__(self, caption: str, tone: Tone | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.number = QLabel("—")
        self.number.setFont(scaled_font(self.font(), 2.0, bold=True))
        self.label = QLabel(caption)
        for label in (self.number, self.label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tone = tone
        self.setObjectName("tile")
        self._paint(None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.number)
        layout.addWidget(self.label)
        self.setMinimumWidth(120)

    def _paint(self, tone: Tone | None) -> None:
        fg = FOREGROUND[tone] if tone else "palette(window-text)"
        bg = BACKGROUND[tone] if tone else "palette(base)"
        border = FOREGROUND[tone] if tone else "palette(mid)"
        self.setStyleSheet(
            f"QFrame#tile {{ background: {bg}; border: 1px solid {border}; border-radius: 6px; }}"
            f"QLabel {{ color: {fg}; background: transparent; }}"
        )

    def set_count(self, n: int) -> None:
        """Coloured only while there is something to count: a 0 reads as calm."""
        self.number.setText(str(n))
        self.setToolTip(f"{self.caption}：{n}")
        self._paint(self.tone if n else None)

    def count(self) -> int:
        return int(self.number.text()) if self.number.text().isdigit() else -1


class ChipGrid(QWidget):
    """Small “name  n” chips in a grid: open lines per stage, or per unit."""

    def __init__(self, columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(4)
        self.chips: dict[str, QFrame] = {}
        self.counts: dict[str, int] = {}
        self.empty = QLabel("（无）")
        self.empty.setStyleSheet("color: palette(mid);")

    def set_counts(self, counts: list[tuple[str, int]]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.empty:
                widget.deleteLater()
        self.chips = {}
        self.counts = dict(counts)
        if not counts:
            self.grid.addWidget(self.empty, 0, 0)
            self.empty.show()
            return
        self.empty.hide()
        for i, (name, n) in enumerate(counts):
            chip = QFrame()
            chip.setObjectName("chip")
            chip.setToolTip(f"{name}：{n} 件")
            chip.setStyleSheet(
                "QFrame#chip { border: 1px solid palette(mid); border-radius: 4px;"
                " background: palette(base); }"
            )
            count = QLabel(str(n))
            count.setFont(scaled_font(count.font(), 1.0, bold=True))
            row = QHBoxLayout(chip)
            row.setContentsMargins(8, 3, 8, 3)
            row.addWidget(QLabel(name))
            row.addStretch(1)
            row.addWidget(count)
            self.chips[name] = chip
            self.grid.addWidget(chip, i // self.columns, i % self.columns)


def _section_title(text: str, n: int | None, tone: Tone | None) -> str:
    count = "" if n is None else f"（{n}）"
    return f"{text}{count}"


class DashboardPage(Page):
    """`open_item(code)` for a line's row, `open_record(number)` for a kit set or a report,
    `open_inbox()` for the button under the unread reports."""

    open_inbox = Signal()
    board_shown = Signal(object)  # the Dashboard just shown

    # Every action along the way moves a count or a clock here.
    watches = (
        Change.TASKS
        | Change.LINES
        | Change.DISPATCH
        | Change.BENCH
        | Change.WAY_BACK
        | Change.REPORTS
        | Change.DEADLINES
        | Change.CALENDAR
        | Change.MASTER_DATA
    )

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, *, today: dt.date | None = None
    ) -> None:
        super().__init__(desk, parent)
        self.today = today
        self.board: Dashboard | None = None
        self.reminders: Reminders | None = None
        self._reading = False
        self._again = False
        self._loaded = False
        self.banner = ReminderBanner()
        self.banner.view_requested.connect(self._view_reminder)
        self.feedback = FeedbackLine()
        self.feedback.hide()
        # From November, while next year's holidays are not entered (issue 8).
        self.calendar_note = FeedbackLine()
        self.calendar_note.hide()
        self.tiles = {
            state: CountTile(text, tone if state != DeadlineState.running else None)
            for state, text, tone in SECTIONS
        }
        self.unread_tile = CountTile("未签收报告", None)
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for tile in (*self.tiles.values(), self.unread_tile):
            tiles.addWidget(tile, 1)
        body = QHBoxLayout()
        body.setSpacing(10)
        body.addWidget(self._sections(), 1)
        body.addWidget(self._side())
        self.layout_.addLayout(self._head())
        self.layout_.addWidget(self.banner)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.calendar_note)
        self.layout_.addLayout(tiles)
        self.layout_.addLayout(body, 1)
        self._show_date(self._today())

    def _head(self) -> QHBoxLayout:
        title = QLabel("工作台")
        title.setFont(scaled_font(self.font(), 1.35, bold=True))
        self.date_label = QLabel()
        self.date_label.setStyleSheet("color: palette(mid);")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新检查各项时限和收件箱")
        self.refresh_button.clicked.connect(self.check_now)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.date_label)
        head.addStretch(1)
        head.addWidget(self.refresh_button)
        return head

    def _sections(self) -> QSplitter:
        """Left: overdue, due soon and running deadlines, one table each."""
        self.models: dict[DeadlineState, PagedTableModel] = {}
        self.views: dict[DeadlineState, QTableView] = {}
        self.section_labels: dict[DeadlineState, QLabel] = {}
        sections = QSplitter(Qt.Orientation.Vertical)
        sections.setChildrenCollapsible(False)
        for state, text, tone in SECTIONS:
            model = PagedTableModel(DEADLINE_COLUMNS, list_fetcher(()), parent=self)
            view = make_table(model, stretch=len(DEADLINE_COLUMNS) - 1)
            view.setToolTip("")
            view.activated.connect(lambda index, s=state: self._open_row(s, index))
            label = QLabel(_section_title(text, None, tone))
            label.setFont(scaled_font(self.font(), 1.1, bold=True))
            if tone is not None:
                label.setStyleSheet(f"color: {FOREGROUND[tone]};")
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 4, 0, 0)
            box_layout.setSpacing(4)
            box_layout.addWidget(label)
            box_layout.addWidget(view, 1)
            sections.addWidget(box)
            self.models[state] = model
            self.views[state] = view
            self.section_labels[state] = label
        sections.setSizes([230, 150, 300])
        return sections

    def _side(self) -> QScrollArea:
        """Right: open lines by stage, by unit, and the unread reports."""
        self.stages = ChipGrid(2)
        self.units = ChipGrid(1)
        stage_box = QGroupBox("各阶段在办产品")
        QVBoxLayout(stage_box).addWidget(self.stages)
        unit_box = QGroupBox("产品所在单位")
        QVBoxLayout(unit_box).addWidget(self.units)
        self.unread_model = PagedTableModel(UNREAD_COLUMNS, list_fetcher(()), parent=self)
        self.unread_view = make_table(self.unread_model, stretch=1)
        self.unread_view.setMinimumHeight(120)
        self.unread_view.activated.connect(self._open_report)
        self.inbox_button = QPushButton("打开收件箱")
        self.inbox_button.clicked.connect(self.open_inbox)
        self.unread_box = QGroupBox("未签收报告")
        unread_layout = QVBoxLayout(self.unread_box)
        unread_layout.addWidget(self.unread_view, 1)
        unread_layout.addWidget(self.inbox_button, 0, Qt.AlignmentFlag.AlignRight)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 4, 0)
        side_layout.addWidget(stage_box)
        side_layout.addWidget(unit_box)
        side_layout.addWidget(self.unread_box, 1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)
        scroll.setMaximumWidth(400)
        return scroll

    # --- reading ------------------------------------------------------------------------------

    def _today(self) -> dt.date:
        if self.reminders is not None:
            return self.reminders.clock()
        return self.today or local_today()

    def _scope_text(self) -> str:
        if self.actor.role == Role.engineer and not self.actor.system:
            return f"{self.actor.unit_name or '本单位'}的产品"
        return "全部单位"

    def _show_date(self, day: dt.date) -> None:
        self.date_label.setText(
            f"{day.isoformat()}　星期{WEEKDAYS[day.weekday()]}　{self._scope_text()}"
        )

    def attach(self, reminders: Reminders) -> None:
        """Take readings and reminders from `reminders` (it sweeps on its timer); `refresh` asks
        it to read now."""
        self.reminders = reminders
        reminders.updated.connect(self.show_dashboard)
        reminders.reminded.connect(self.show_reminder)
        reminders.failed.connect(self._failed)
        if reminders.last is not None:
            self.show_dashboard(reminders.last)
        elif reminders.busy:  # its reading comes through `updated`
            self._loaded = True

    def check_now(self) -> None:
        """刷新: sweep the deadlines (with reminders attached) and read everything again."""
        if self.reminders is not None:
            self._loaded = True
            self.reminders.check_now(background=True)
        else:
            self.refresh()

    def refresh(self) -> None:
        """Read the dashboard again through the runner (off the GUI thread when it lasts: at a
        million lines it does); `board_shown` says when it is shown."""
        self._loaded = True
        if self.reminders is not None:
            # Never waited for: the board shown stays until the new one comes (opening the
            # page waited up to 60 ms for it: issue 10).
            self.reminders.read_now(background=True)
            return
        if self._reading:
            self._again = True
            return
        self._reading = True
        self.refresh_button.setEnabled(False)
        self.run(
            call(dashboard.dashboard, self.db, self.actor, self._today()),
            done=self._read,
            failed=self._read_failed,
        )

    def _read(self, board: Dashboard) -> None:
        self._ended()
        self.show_dashboard(board)

    def _read_failed(self, message: str) -> None:
        self._ended()
        self._failed(message)

    def _ended(self) -> None:
        self._reading = False
        self.refresh_button.setEnabled(True)
        if self._again:
            self._again = False
            self.refresh()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def _failed(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, f"工作台未能刷新：{message}")
        self.feedback.show()

    # --- showing ------------------------------------------------------------------------------

    def show_dashboard(self, board: Dashboard) -> None:
        self.board = board
        self._loaded = True
        self.feedback.hide()
        self._show_date(board.today)
        rows = {
            DeadlineState.overdue: board.overdue,
            DeadlineState.due_soon: board.due_soon,
            DeadlineState.running: board.running,
        }
        for state, text, tone in SECTIONS:
            found = rows[state]
            model = self.models[state]
            model.set_fetcher(list_fetcher(found))
            model.fetch_all()
            # Counted in SQL, at most 200 listed (issue 10).
            total = max(board.counts.get(state, 0), len(found))
            self.tiles[state].set_count(total)
            title = _section_title(text, total, tone)
            if total > len(found):
                latest = "最近超期" if state == DeadlineState.overdue else "最近到期"
                title += f"（列出{latest}的 {len(found)} 项）"
            self.section_labels[state].setText(title)
        self.stages.set_counts([(line_status_label(s), n) for s, n in board.by_stage])
        self.units.set_counts(list(board.by_unit))
        self.unread_model.set_fetcher(list_fetcher(board.unread))
        self.unread_model.fetch_all()
        self.unread_tile.set_count(board.unread_count)
        self.unread_box.setTitle(f"未签收报告（{board.unread_count}）")
        self._show_calendar_warning(board.today)
        self.board_shown.emit(board)

    def _show_calendar_warning(self, today: dt.date) -> None:
        """Admins and managers are told while next year's calendar is still provisional."""
        if not (self.actor.system or self.actor.role in (Role.admin, Role.manager)):
            return
        warning = self.now(call(calendar.calendar_warning, self.db, today))
        todo = self.now(call(masterdata.models_to_complete, self.db, self.actor), default=[])
        texts = [warning.text] if warning is not None else []
        if todo:  # models an imported list brought without a manufacturer hold up dispatch
            held = sum(row.lines_held for row in todo)
            texts.append(
                f"有 {len(todo)} 个型号尚未指定承制单位，{held} 件产品因此不能分发："
                "请系统管理员在“型号与配套”页补全。"
            )
        self.calendar_note.setVisible(bool(texts))
        if texts:
            self.calendar_note.show_result(Tone.warn, "\n".join(texts))

    def show_reminder(self, reminder: Reminder) -> None:
        self.banner.show_reminder(reminder)

    def _view_reminder(self) -> None:
        """Select the first row the reminder named (or open the inbox for reports only)."""
        reminder = self.banner.reminder
        self.banner.dismiss()
        if reminder is None:
            return
        for state, rows in (
            (DeadlineState.overdue, reminder.overdue),
            (DeadlineState.due_soon, reminder.due_soon),
        ):
            if rows:
                model = self.models[state]
                index = model.find(partial(_same_deadline, row_key(rows[0])))
                if index is not None:
                    view = self.views[state]
                    view.selectRow(index)
                    view.scrollTo(model.index(index, 0))
                    view.setFocus()
                return
        if reminder.reports:
            self.open_inbox.emit()

    def _open_row(self, state: DeadlineState, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row: DeadlineRow = self.models[state].row(index.row())
        if row.line_id == 0:
            self.open_record.emit(row.line)
        else:
            self.open_item.emit(row.item)

    def _open_report(self, index: QModelIndex) -> None:
        if index.isValid():
            report: ReportView = self.unread_model.row(index.row())
            self.open_record.emit(report.number)

    # --- for tests and the lead ---------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """What the tiles show: overdue, due_soon, running, unread."""
        found = {str(state): tile.count() for state, tile in self.tiles.items()}
        found["unread"] = self.unread_tile.count()
        return found
