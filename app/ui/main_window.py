"""The main window: navigation on the left (返厂交接 / 返修产品 / 收件箱), pages on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app.services.context import ROLE_LABELS, Actor
from app.ui.handover_desk import HandoverDesk
from app.ui.inbox import InboxPage
from app.ui.lines_page import ReturnedLinesPage
from app.ui.prompts import Prompts
from app.ui.shell import DEFAULT_SIZE, WINDOW_TITLE
from app.ui.style import scaled_font
from app.ui.worker import wait_for_all

if TYPE_CHECKING:
    from app.db import Database

DESK, LINES, INBOX = range(3)
NAV_LABELS = ("返厂交接", "返修产品", "收件箱")
INBOX_POLL_MS = 60_000  # another desk may issue a report meanwhile


def store_text(url: str) -> str:
    """Where the data lives, for the status bar; never shows a password."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else url
        return f"数据库：SQLite 文件 {path or '（内存）'}"
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    name = parts.path.lstrip("/")
    return f"数据库：PostgreSQL 服务器 {host}{port}/{name}"


def actor_text(actor: Actor) -> str:
    role = ROLE_LABELS.get(actor.role, "") if actor.role else ""
    return "　·　".join(part for part in (f"登录：{actor.name}", role, actor.unit_name) if part)


class MainWindow(QMainWindow):
    def __init__(
        self,
        db: Database,
        actor: Actor,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts or Prompts()
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(1024, 640)

        self.desk = HandoverDesk(db, actor, self.prompts)
        self.lines_page = ReturnedLinesPage(db)
        self.inbox = InboxPage(db, actor, self.prompts)
        self.pages = QStackedWidget()
        for page in (self.desk, self.lines_page, self.inbox):
            self.pages.addWidget(page)

        self.nav = QListWidget()
        self.nav.setFixedWidth(120)
        self.nav.setFont(scaled_font(self.font(), 1.15))
        self.nav.setSpacing(2)
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        self.nav.setStyleSheet(
            "QListWidget { background: palette(window); }"
            "QListWidget::item { padding: 10px 12px; border-radius: 4px; }"
            "QListWidget::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        for label in NAV_LABELS:
            item = QListWidgetItem(label)
            item.setSizeHint(QSize(110, 44))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.show_page)

        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)

        self.user_label = QLabel(actor_text(actor))
        self.store_label = QLabel(store_text(db.url))
        self.store_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.store_label)

        self.inbox.unread_changed.connect(self.set_unread)
        self.desk.records_changed.connect(self.inbox.refresh)
        self.lines_page.open_task.connect(self.open_task)
        self._poll = QTimer(self)
        self._poll.setInterval(INBOX_POLL_MS)
        self._poll.timeout.connect(self.inbox.update_unread)
        self._poll.start()
        self.nav.setCurrentRow(DESK)
        self.inbox.update_unread()

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        if index == LINES:
            self.lines_page.ensure_loaded()
        elif index == INBOX:
            self.inbox.refresh()
        elif index == DESK:
            self.desk.scan_field.setFocus()

    def set_unread(self, count: int) -> None:
        item = self.nav.item(INBOX)
        shown = "99+" if count > 99 else str(count)
        item.setText(f"收件箱({shown})" if count else "收件箱")
        item.setToolTip(f"{count} 份报告未签收" if count else "没有未签收的报告")
        font = QFont(self.nav.font())
        font.setBold(bool(count))
        item.setFont(font)

    def open_task(self, task_id: int) -> None:
        self.nav.setCurrentRow(DESK)
        self.desk.open_task(task_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._poll.stop()
        wait_for_all(10_000)  # a print or an import still running finishes or stops first
        super().closeEvent(event)
