"""产品履历: everything that happened to one item, across all its returns, on one timeline.

Scan the item's label (its item code), or type the item code or a bare serial. The page shows the
item, its returns, the repair records in its quality certificate (each printable) and every event
in order, in the factory's local time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import SIGNAL, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.handover import returns
from app.services.kernel.context import Actor
from app.services.kernel.numbering import parse_number
from app.services.kernel.views import HistoryEvent, ItemHistory
from app.services.oversight import item_history
from app.ui.kit.formats import NONE, local_time_text
from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine, ScanField
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table
from app.ui.records.record_previews import Previewer
from app.ui.repair.step_labels import action_label, detail_text, record_title

if TYPE_CHECKING:
    from app.db import Database

PLACEHOLDER = "扫描产品标签，或输入产品编码（型号/出厂编号）、出厂编号，回车查询"


def _event_tone(event: HistoryEvent) -> Tone | None:
    if event.action in ("fail_acceptance", "scrap", "reject", "refused_back"):
        return Tone.bad
    if event.action in ("accept_repair", "certificate_entry"):
        return Tone.ok
    return None


EVENT_COLUMNS = (
    Column("时间", lambda e: local_time_text(e.at), CENTER, width=130),
    Column("返修任务", lambda e: e.task_number or "（产品）", width=140),
    Column("操作人", lambda e: e.actor, tooltip=lambda e: e.actor, width=90),
    Column(
        "事项",
        lambda e: action_label(e.action),
        tone=_event_tone,
        tooltip=lambda e: e.action,
        width=130,
    ),
    Column(
        "内容",
        lambda e: detail_text(e.action, e.detail),
        tooltip=lambda e: detail_text(e.action, e.detail),
        width=240,
    ),
    Column("原因/说明", lambda e: e.reason, tooltip=lambda e: e.reason, width=200),
)


class HistoryPage(QWidget):
    """`show_item(code)` opens an item; `open_record(number)` asks the window to open a record
    (a task number opens its task); unconnected, the page previews the record itself."""

    open_record = Signal(str)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        prompts: Prompts | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts or Prompts()
        self.previewer = Previewer(db, self.prompts)
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

        self.item_label = QLabel()
        self.item_label.setFont(scaled_font(self.font(), 1.35, bold=True))
        self.item_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_label = QLabel()
        self.model_label.setFont(scaled_font(self.font(), 1.1))
        self.returns_label = QLabel()
        self.returns_label.setTextFormat(Qt.TextFormat.RichText)
        self.returns_label.setWordWrap(True)
        self.returns_label.linkActivated.connect(self._open_record)
        self.returns_label.setToolTip("点击任务编号打开该返厂交接任务")
        self.entries_box = QWidget()
        self.entries_layout = QHBoxLayout(self.entries_box)
        self.entries_layout.setContentsMargins(0, 0, 0, 0)
        self.entry_buttons: dict[str, QPushButton] = {}
        self.no_entries = QLabel("（尚无维修记录）")
        self.no_entries.setStyleSheet("color: palette(mid);")

        item_row = QHBoxLayout()
        item_row.addWidget(self.item_label)
        item_row.addSpacing(12)
        item_row.addWidget(self.model_label)
        item_row.addStretch(1)
        returns_row = QHBoxLayout()
        returns_caption = QLabel("返修任务：")
        returns_row.addWidget(returns_caption)
        returns_row.addWidget(self.returns_label, 1)
        entries_row = QHBoxLayout()
        entries_row.addWidget(QLabel("质量证明文件维修记录："))
        entries_row.addWidget(self.entries_box)
        entries_row.addWidget(self.no_entries)
        entries_row.addStretch(1)
        self.info = QWidget()
        info_layout = QVBoxLayout(self.info)
        info_layout.setContentsMargins(0, 4, 0, 4)
        info_layout.addLayout(item_row)
        info_layout.addLayout(returns_row)
        info_layout.addLayout(entries_row)
        self.info.hide()

        self.model = PagedTableModel(EVENT_COLUMNS, list_fetcher([]), parent=self)
        self.view = make_table(self.model, stretch=len(EVENT_COLUMNS) - 1)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: palette(mid);")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.scan_field)
        layout.addWidget(self.feedback)
        layout.addWidget(self.info)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)

        self.scan_field.scanned.connect(self.handle_scan)
        self.model.load_failed.connect(lambda m: self.feedback.show_result(Tone.bad, m))

    # --- scanning -----------------------------------------------------------------------------

    def handle_scan(self, text: str) -> None:
        code = returns.normalize_code(text)
        if parse_number(code.upper()):
            self.feedback.show_result(Tone.ok, f"记录 {code.upper()}：打开", text)
            self._open_record(code.upper())
            return
        self.show_item(code, scanned=text)

    def show_item(self, code: str, scanned: str = "") -> bool:
        """Show the item with this item code or bare serial; False (and why) when none."""
        try:
            history = item_history.item_history(self.db, code)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc), scanned)
            return False
        self._show(history)
        self.feedback.show_result(
            Tone.ok,
            f"{history.item_code} {history.model_name}：返修 {len(history.returns)} 次，"
            f"{len(history.events)} 条记录",
            scanned,
        )
        self.scan_field.setFocus()
        return True

    def refresh(self) -> None:
        """Read the shown item again (something may have happened to it meanwhile)."""
        if self.history is not None:
            try:
                self._show(item_history.item_history(self.db, self.history.item_code))
            except DomainError as exc:
                self.feedback.show_result(Tone.bad, str(exc))
        self.scan_field.setFocus()

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
        self.count_label.setText(f"共 {len(history.events)} 条记录（按时间先后）")
        if self.model.rowCount():
            self.view.scrollToBottom()

    # --- records ------------------------------------------------------------------------------

    def _open_record(self, number: str) -> None:
        if self.receivers(SIGNAL("open_record(QString)")) > 0:
            self.open_record.emit(number)
        else:
            self.print_record(number)

    def print_record(self, number: str) -> None:
        self.previewer.show_record(number, self)
