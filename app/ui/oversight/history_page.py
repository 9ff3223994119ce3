"""产品履历: everything that happened to one item, across all its returns, on one timeline.

Scan the item's label (its item code), or type the item code or a bare serial. The page shows the
item, its returns, the repair records in its quality certificate (each printable) and every event
in order, in the factory's local time. A row that names a record (the unboxing record, the repair
record, else the return task) opens it with a double-click or Enter; long text wraps in its cell.
"""

from __future__ import annotations

from PySide6.QtCore import SIGNAL, QModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.handover import returns
from app.services.kernel.numbering import parse_number
from app.services.kernel.terms import action_label, record_title
from app.services.kernel.views import HistoryEvent, ItemHistory
from app.services.oversight import item_history
from app.ui.kit.formats import NONE, audit_detail_text, local_time_text
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine, ScanField
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table
from app.ui.records.record_previews import Previewer

PLACEHOLDER = "扫描产品标签，或输入产品编码（型号/出厂编号）、出厂编号，回车查询"
ROW_HINT = "双击一行或按回车打开它所记的记录（开箱、排查方案、维修记录……没有时打开返修任务）"


def _event_tone(event: HistoryEvent) -> Tone | None:
    if event.action in ("fail_acceptance", "scrap", "reject", "refused_back"):
        return Tone.bad
    if event.action in ("accept_repair", "certificate_entry"):
        return Tone.ok
    return None


def _detail(event: HistoryEvent) -> str:
    return audit_detail_text(event.action, event.detail)


def _record_tip(event: HistoryEvent) -> str:
    return f"双击或回车打开{record_title(event.record)}" if event.record else "这一行没有记录可打开"


def _full_tip(text: str, event: HistoryEvent) -> str:
    """The whole text (also when the cell wraps it), and what the row opens."""
    return f"{text}\n\n{_record_tip(event)}" if text else _record_tip(event)


EVENT_COLUMNS = (
    Column("时间", lambda e: local_time_text(e.at), CENTER, tooltip=_record_tip, width=128),
    Column("返修任务", lambda e: e.task_number or "（产品）", tooltip=_record_tip, width=132),
    Column("操作人", lambda e: e.actor, tooltip=lambda e: e.actor, width=80),
    Column(
        "事项", lambda e: action_label(e.action), tone=_event_tone, tooltip=_record_tip, width=120
    ),
    Column("内容", _detail, tooltip=lambda e: _full_tip(_detail(e), e), width=250),
    Column("原因/说明", lambda e: e.reason, tooltip=lambda e: _full_tip(e.reason, e), width=220),
    Column(
        "记录",
        lambda e: e.record,
        tooltip=_record_tip,
        width=136,
    ),
)
DETAIL_COLUMN = 4
REASON_COLUMN = 5


class HistoryPage(Page):
    """`show_item(code)` opens an item; `open_record(number)` asks the window to open a record
    (a task number opens its task); unconnected, the page previews the record itself."""

    # Whatever moves a line along its way adds to its history.
    watches = Change.TASKS | Change.LINES | Change.DISPATCH | Change.BENCH | Change.WAY_BACK

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.previewer = Previewer(desk)
        self.history: ItemHistory | None = None
        title = QLabel("产品履历")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("一件产品历次返修的全部经过，可追溯到每一步的操作人和时间")
        hint.setStyleSheet("color: palette(mid);")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(hint)
        head.addStretch(1)
        self.scan_field = ScanField()
        self.scan_field.setPlaceholderText(PLACEHOLDER)
        self.feedback = FeedbackLine()
        self.feedback.show_idle("等待扫描产品标签…")
        self.info = self._item_info()
        self.model = PagedTableModel(EVENT_COLUMNS, list_fetcher([]), parent=self)
        self.view = self._event_table()
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: palette(mid);")
        self.layout_.addLayout(head)
        self.layout_.addWidget(self.scan_field)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.info)
        self.layout_.addWidget(self.view, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.count_label)
        foot.addStretch(1)
        self.row_hint = QLabel(ROW_HINT)
        self.row_hint.setStyleSheet("color: palette(mid);")
        foot.addWidget(self.row_hint)
        self.layout_.addLayout(foot)
        self.scan_field.scanned.connect(self.handle_scan)

    def _item_info(self) -> QWidget:
        """The item, its returns (links) and its certificate's repair records (buttons)."""
        self.item_label = QLabel()
        self.item_label.setFont(scaled_font(self.font(), 1.35, bold=True))
        self.item_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_label = QLabel()
        self.model_label.setFont(scaled_font(self.font(), 1.1))
        self.returns_label = QLabel()
        self.returns_label.setTextFormat(Qt.TextFormat.RichText)
        self.returns_label.setWordWrap(True)
        self.returns_label.linkActivated.connect(self.open_number)
        self.returns_label.setToolTip("点击任务编号打开该返厂交接任务")
        self.entries_box = QWidget()
        self.entries_layout = QHBoxLayout(self.entries_box)
        self.entries_layout.setContentsMargins(0, 0, 0, 0)
        self.entry_buttons: dict[str, QPushButton] = {}
        self.no_entries = QLabel("（尚无维修记录）")
        self.no_entries.setStyleSheet("color: palette(mid);")
        info = QWidget()
        rows = [QHBoxLayout() for _ in range(3)]
        rows[0].addWidget(self.item_label)
        rows[0].addSpacing(12)
        rows[0].addWidget(self.model_label)
        rows[0].addStretch(1)
        rows[1].addWidget(QLabel("返修任务："))
        rows[1].addWidget(self.returns_label, 1)
        rows[2].addWidget(QLabel("质量证明文件维修记录："))
        rows[2].addWidget(self.entries_box)
        rows[2].addWidget(self.no_entries)
        rows[2].addStretch(1)
        layout = QVBoxLayout(info)
        layout.setContentsMargins(0, 4, 0, 4)
        for row in rows:
            layout.addLayout(row)
        info.hide()
        return info

    def _event_table(self) -> QTableView:
        view = make_table(self.model, stretch=REASON_COLUMN)
        # The text of an event is read whole: it wraps inside its cell and the row grows to it
        # (an item's history is tens of rows, so sizing rows to their text costs nothing).
        view.setWordWrap(True)
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.verticalHeader().setMinimumSectionSize(26)  # one line reads as in every table
        view.horizontalHeader().sectionResized.connect(lambda *_: view.resizeRowsToContents())
        view.setToolTip(ROW_HINT)
        view.activated.connect(self._open_row)
        return view

    # --- scanning -----------------------------------------------------------------------------

    def handle_scan(self, text: str) -> None:
        code = returns.normalize_code(text)
        if parse_number(code.upper()):
            self.feedback.show_result(Tone.ok, f"记录 {code.upper()}：打开", text)
            self.open_number(code.upper())
            return
        self.show_item(code, scanned=text)

    def show_item(self, code: str, scanned: str = "") -> None:
        """Show the item with this item code or bare serial (or say why there is none)."""
        self.run(
            call(item_history.item_history, self.db, code),
            done=lambda history: self._shown(history, scanned),
            failed=lambda message: self.feedback.show_result(Tone.bad, message, scanned),
        )

    def _shown(self, history: ItemHistory, scanned: str) -> None:
        self._show(history)
        self.feedback.show_result(
            Tone.ok,
            f"{history.item_code} {history.model_name}：返修 {len(history.returns)} 次，"
            f"{len(history.events)} 条记录",
            scanned,
        )
        self.scan_field.setFocus()

    def refresh(self) -> None:
        """Read the shown item again (something may have happened to it meanwhile)."""
        if self.history is not None:
            self.run(
                call(item_history.item_history, self.db, self.history.item_code),
                done=self._show,
                failed=self.show_failure,
            )

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def _show(self, history: ItemHistory) -> None:
        self.history = history
        self.item_label.setText(history.item_code)
        self.model_label.setText(history.model_name)
        links = "、".join(f'<a href="{n}">{n}</a>' for n in history.returns)
        self.returns_label.setText(links or NONE)
        for button in self.entry_buttons.values():
            self.entries_layout.removeWidget(button)
            button.deleteLater()
        self.entry_buttons = {}
        for number in history.certificate_entries:
            button = QPushButton(f"打印 {number}")
            button.setToolTip(f"打印{record_title(number)}（质量证明文件的维修记录页）")
            button.clicked.connect(lambda _checked=False, n=number: self.print_record(n))
            self.entries_layout.addWidget(button)
            self.entry_buttons[number] = button
        self.no_entries.setVisible(not history.certificate_entries)
        self.info.show()
        self.model.set_fetcher(list_fetcher(list(history.events)))
        self.model.fetch_all()
        self.view.resizeRowsToContents()
        self.count_label.setText(f"共 {len(history.events)} 条记录（按时间先后）")
        if self.model.rowCount():
            self.view.scrollToBottom()

    # --- records ------------------------------------------------------------------------------

    def _open_row(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        event: HistoryEvent = self.model.row(index.row())
        if event.record:
            self.open_number(event.record)
        else:
            self.feedback.show_result(Tone.warn, "这一行没有对应的记录可打开。")

    def open_number(self, number: str) -> None:
        """The window opens it (a task at the desk, any other record its print preview); a page
        shown on its own previews it itself."""
        if self.receivers(SIGNAL("open_record(QString)")) > 0:
            self.open_record.emit(number)
        else:
            self.print_record(number)

    def print_record(self, number: str) -> None:
        self.previewer.show_record(number, self)
