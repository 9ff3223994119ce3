"""The main window: navigation on the left (the pages a login works with), pages on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.kernel import chain, standing
from app.services.kernel.chain import ChainReport
from app.services.kernel.context import Actor
from app.services.kernel.terms import Role, role_label
from app.services.oversight import inbox as inbox_service
from app.ui.kit.page import Desk, Page
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Change, Runner, call
from app.ui.kit.style import Tone, message_css, scaled_font
from app.ui.oversight.dashboard_page import DashboardPage  # the start page: imported at once
from app.ui.oversight.reminders import Reminders, ReminderStatus
from app.ui.shell.frame import DEFAULT_SIZE, WINDOW_TITLE
from app.ui.shell.login_dialog import PasswordButton
from app.ui.shell.page_stack import PageStack, imported, preload

if TYPE_CHECKING:
    from app.db import Database
    from app.ui.dispatch.page import DispatchPage
    from app.ui.handover.desk import HandoverDesk
    from app.ui.oversight.history_page import HistoryPage
    from app.ui.oversight.inbox_page import InboxPage
    from app.ui.oversight.lines_page import ReturnedLinesPage
    from app.ui.oversight.reports_page import ReportsPage
    from app.ui.records.record_printer import RecordPrinter
    from app.ui.repair.bench_page import BenchPage
    from app.ui.way_back.kitting_page import KittingPage
    from app.ui.way_back.receive_back_page import ReceiveBackPage

INBOX_POLL_MS = 60_000  # another desk may issue a report meanwhile
EVERYONE = None
DESK_ROLES = frozenset({Role.clerk, Role.manager, Role.admin})
BENCH_ROLES = frozenset({Role.engineer, Role.quality, Role.manager, Role.admin})
# Who is warned at start when the newest part of the audit chain is broken (issue 9).
CHAIN_ROLES = frozenset({Role.admin, Role.manager})
START_CHECK_EVENTS = 10_000
CHAIN_BROKEN = (
    "警告：审计记录校验未通过，数据库可能被绕过本程序改动。{summary}"
    "请立即通知系统管理员（命令 fanxiu verify 可列出全部问题）。"
)
# (key, navigation label, the roles that see it; None: everyone). The first is the start page.
PAGES: tuple[tuple[str, str, frozenset[Role] | None], ...] = (
    ("dashboard", "工作台", EVERYONE),
    ("desk", "返厂交接", DESK_ROLES),
    ("dispatch", "分发", DESK_ROLES),
    ("bench", "维修工作台", BENCH_ROLES),
    ("back", "修复交回", DESK_ROLES),
    ("kitting", "齐套交付", DESK_ROLES),
    ("lines", "返修产品", EVERYONE),
    ("history", "产品履历", EVERYONE),
    ("reports", "超期与升级", frozenset({Role.clerk, Role.manager, Role.quality, Role.admin})),
    ("inbox", "收件箱", EVERYONE),
    ("audit", "审计日志", frozenset({Role.admin, Role.manager, Role.quality})),
    ("logins", "登录账号", frozenset({Role.admin})),
    ("units", "单位", frozenset({Role.admin})),
    ("models", "型号与配套", frozenset({Role.admin, Role.manager})),  # managers only look
    ("calendar", "工作日历", frozenset({Role.admin, Role.manager})),  # managers only look
    ("rules", "时限规则", frozenset({Role.admin})),
    ("codelists", "代码表", frozenset({Role.admin})),
    ("settings", "设置", frozenset({Role.admin})),
)


def visible_pages(actor: Actor) -> list[tuple[str, str]]:
    """The pages a login works with, in navigation order."""
    return [
        (key, label)
        for key, label, roles in PAGES
        if actor.system or roles is None or (actor.role is not None and actor.role in roles)
    ]


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
    role = role_label(actor.role) if actor.role else ""
    return "　·　".join(part for part in (f"登录：{actor.name}", role, actor.unit_name) if part)


# Every page of the window: its module and class, imported and built the first time the page
# is shown (issue 10, the start: importing them all cost the start 100 ms, building them 250 ms).
PAGE_TYPES: dict[str, str] = {
    "dashboard": "app.ui.oversight.dashboard_page:DashboardPage",
    "desk": "app.ui.handover.desk:HandoverDesk",
    "dispatch": "app.ui.dispatch.page:DispatchPage",
    "bench": "app.ui.repair.bench_page:BenchPage",
    "back": "app.ui.way_back.receive_back_page:ReceiveBackPage",
    "kitting": "app.ui.way_back.kitting_page:KittingPage",
    "lines": "app.ui.oversight.lines_page:ReturnedLinesPage",
    "history": "app.ui.oversight.history_page:HistoryPage",
    "reports": "app.ui.oversight.reports_page:ReportsPage",
    "inbox": "app.ui.oversight.inbox_page:InboxPage",
    "audit": "app.ui.oversight.audit_page:AuditPage",
    "logins": "app.ui.admin.logins_page:LoginsPage",
    "units": "app.ui.admin.units_page:UnitsPage",
    "models": "app.ui.admin.models_page:ModelsPage",
    "calendar": "app.ui.admin.calendar_page:CalendarPage",
    "rules": "app.ui.admin.rules_page:RulesPage",
    "codelists": "app.ui.admin.codelists_page:CodeListsPage",
    "settings": "app.ui.admin.settings_page:SettingsPage",
}
PRINTER = "app.ui.records.record_printer:RecordPrinter"
# The start's own checks (the deadline sweep, the audit check, the other pages' imports) begin
# this long after the first data is shown: in worker threads they would hold Python's lock
# while the window paints its first data (at 1M lines the first paint waited 200 ms for them).
START_CHECKS_AFTER_MS = 400


# Pages that read their data as they are built: shown the first time, they are not read again.
READ_WHEN_BUILT = frozenset({"bench", "inbox", "calendar"})
P = TypeVar("P", bound=QWidget)


class PageOf(Generic[P]):
    """`window.desk`: the page, built on first use."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, window: MainWindow, owner: type | None = None) -> P:
        return cast(P, window.pages.page(self.key))


class MainWindow(QMainWindow):
    # 切换用户: the start-up flow closes this window (writes finished) and asks for a login again.
    switch_user = Signal()

    dashboard: PageOf[DashboardPage] = PageOf("dashboard")
    desk: PageOf[HandoverDesk] = PageOf("desk")
    dispatch_page: PageOf[DispatchPage] = PageOf("dispatch")
    bench: PageOf[BenchPage] = PageOf("bench")
    back_page: PageOf[ReceiveBackPage] = PageOf("back")
    kitting: PageOf[KittingPage] = PageOf("kitting")
    lines_page: PageOf[ReturnedLinesPage] = PageOf("lines")
    history: PageOf[HistoryPage] = PageOf("history")
    reports: PageOf[ReportsPage] = PageOf("reports")
    inbox: PageOf[InboxPage] = PageOf("inbox")

    def __init__(
        self,
        db: Database,
        actor: Actor,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts or Prompts()
        # Every page acts through this one runner; its `changed` refreshes the others.
        self.runner = runner or Runner(self.prompts, parent=self)
        self.ctx = Desk(db, actor, self.prompts, self.runner)
        self._signing_out = False
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(1024, 640)
        self.keys = [key for key, _label in visible_pages(actor)]
        self.pages = PageStack(self.ctx, self.keys, PAGE_TYPES)
        self.pages.built.connect(self._wire)
        self._printer: RecordPrinter | None = None
        self.reminders = Reminders(self.ctx, self)
        # The start page's data is read while the window is built, not after (issue 10).
        self.reminders.read_now(background=True)
        self._build_frame(actor)
        self._build_status_bar(db, actor)
        self._start_timers()

    @property
    def printer(self) -> RecordPrinter:
        if self._printer is None:
            self._printer = imported(PRINTER)(self.ctx)
        return self._printer

    def _build_frame(self, actor: Actor) -> None:
        """Navigation on the left, the pages on the right."""
        self.nav = QListWidget()
        self.nav.setFixedWidth(128)
        self.nav.setFont(scaled_font(self.font(), 1.1))
        self.nav.setSpacing(2)
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        # An admin's 19 pages need a vertical scroll bar at 800 px; it must not push the names
        # under a horizontal one.
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setStyleSheet(
            "QListWidget { background: palette(window); }"
            "QListWidget::item { padding: 8px 12px; border-radius: 4px; }"
            "QListWidget::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        for _key, label in visible_pages(actor):
            item = QListWidgetItem(label)
            item.setSizeHint(QSize(118, 40))
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
        # Above everything, shown only when the start's audit check found a break.
        self.chain_banner = QLabel("")
        self.chain_banner.setWordWrap(True)
        self.chain_banner.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.chain_banner.setStyleSheet(message_css(Tone.bad))
        self.chain_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chain_banner.hide()
        outer = QWidget()
        column = QVBoxLayout(outer)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.chain_banner)
        column.addWidget(body, 1)
        self.setCentralWidget(outer)

    def _build_status_bar(self, db: Database, actor: Actor) -> None:
        self.user_label = QLabel(actor_text(actor))
        self.store_label = QLabel(store_text(db.url))
        self.store_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reminder_label = ReminderStatus()
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addWidget(self.reminder_label, 1)
        # A write waiting on another desk's lock says so here; the window stays usable.
        self.busy_label = QLabel("")
        self.busy_label.setStyleSheet(message_css(Tone.warn))
        self.busy_label.hide()
        self.runner.busy.connect(self._show_busy)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.store_label)
        self.statusBar().addPermanentWidget(PasswordButton(self.ctx))
        self.switch_button = QPushButton("切换用户…")
        self.switch_button.setToolTip("退出当前登录，换一个账号登录（不必重新启动程序）")
        self.switch_button.setFlat(True)
        self.switch_button.clicked.connect(self.switch_user.emit)
        self.statusBar().addPermanentWidget(self.switch_button)

    def _show_busy(self, text: str) -> None:
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))

    def _start_timers(self) -> None:
        self.reminders.reminded.connect(self.reminder_label.show_reminder)
        self.reminders.updated.connect(lambda board: self.set_unread(board.unread_count))
        self._checks_started = False
        self.checks_begun = False  # the start's own checks were started (benchmarks wait)
        self.reminders.updated.connect(self._first_data)
        self.reminders.failed.connect(self._first_data)
        self.reminder_label.view_requested.connect(lambda: self.go("dashboard"))
        self.runner.changed.connect(self._changed)
        self._poll = QTimer(self)
        self._poll.setInterval(INBOX_POLL_MS)
        self._poll.timeout.connect(self.update_unread)
        self._poll.timeout.connect(self.check_standing)
        self._poll.start()
        # The start page reads the dashboard (its counts carry the inbox's unread count too);
        # the reminders' first sweep follows it off the GUI thread.
        self.nav.setCurrentRow(0)
        self.reminders.start(sweep_after_ms=START_CHECKS_AFTER_MS)

    def _first_data(self) -> None:
        """The start page shows its data (or why not): the start's own checks may begin."""
        if not self._checks_started:
            self._checks_started = True
            QTimer.singleShot(START_CHECKS_AFTER_MS, self, self._start_checks)

    def _start_checks(self) -> None:
        self.checks_begun = True
        self.check_chain()
        job = call(preload, [*self.pages.not_built(), PRINTER])
        self.runner.run(self, job, failed=lambda _message: None, background=True)

    def check_chain(self) -> None:
        """The newest part of the audit chain and of each number series, checked off the GUI
        thread at every start; admins and managers are warned when it is broken."""
        if not (self.actor.system or self.actor.role in CHAIN_ROLES):
            return
        job = call(chain.verify_store, self.db, tail=START_CHECK_EVENTS)
        # Never waited for: the window's first data comes first (issue 10, the start).
        self.runner.run(
            self, job, done=self._chain_checked, failed=lambda _message: None, background=True
        )

    def _chain_checked(self, report: ChainReport) -> None:
        if report.ok:
            self.chain_banner.hide()
            return
        self.chain_banner.setText(CHAIN_BROKEN.format(summary=report.summary()))
        self.chain_banner.show()

    def _wire(self, key: str, page: QWidget) -> None:
        """A page just built: it asks for other pages through the window, never directly."""
        if isinstance(page, Page):
            page.open_item.connect(self.open_item)
            page.open_record.connect(self.open_record)
            page.open_task.connect(self.open_task)
        records_changed = getattr(page, "records_changed", None)
        if records_changed is not None:  # a step issued a report that may be in an inbox
            records_changed.connect(self._records_changed)
        if key == "inbox":
            cast("InboxPage", page).unread_changed.connect(self.set_unread)
        if key == "dashboard":
            dashboard = cast(DashboardPage, page)
            dashboard.attach(self.reminders)
            dashboard.open_inbox.connect(lambda: self.go("inbox"))

    def _records_changed(self) -> None:
        """A step issued a record that may be in this login's inbox: the count in the
        navigation now, the inbox's list when it is shown (read while hidden, it blocked every
        step that issues a record by 40-55 ms: issue 10)."""
        self.update_unread()
        if self.pages.is_built("inbox"):
            self.inbox.refresh_when_shown()

    def _changed(self, change: Change, origin: object) -> None:
        """The unread count in the navigation is seen from every page: kept true while the
        inbox is hidden or not yet built (a shown inbox reads it as it refreshes)."""
        inbox_shown = self.pages.is_built("inbox") and self.inbox.isVisible()
        if change & Change.REPORTS and not inbox_shown:
            self.update_unread()

    def update_unread(self) -> None:
        """Count the reports not yet acknowledged again, for the navigation."""
        if "inbox" not in self.keys:
            return
        job = call(inbox_service.unread_count, self.db, self.actor)
        self.runner.run(self, job, done=self.set_unread, failed=lambda _message: None)

    def nav_row(self, key: str) -> int:
        """The navigation row of a page, or -1 when this login does not see it."""
        return self.keys.index(key) if key in self.keys else -1

    def go(self, key: str) -> bool:
        row = self.nav_row(key)
        if row >= 0:
            self.nav.setCurrentRow(row)
        return row >= 0

    def show_page(self, index: int) -> None:
        if index < 0:
            return
        key = self.keys[index]
        fresh = not self.pages.is_built(key)
        page: Any = self.pages.show_key(key)
        if self.isVisible():  # not at sign-in: the login was just checked
            self.check_standing()
        if key == "desk":
            page.scan_field.setFocus()
        elif hasattr(page, "ensure_loaded"):
            page.ensure_loaded()
        elif hasattr(page, "refresh") and not (fresh and key in READ_WHEN_BUILT):
            page.refresh()

    def set_unread(self, count: int) -> None:
        row = self.nav_row("inbox")
        if row < 0:
            return
        item = self.nav.item(row)
        shown = "99+" if count > 99 else str(count)
        item.setText(f"收件箱({shown})" if count else "收件箱")
        item.setToolTip(f"{count} 份报告未签收" if count else "没有未签收的报告")
        font = QFont(self.nav.font())
        font.setBold(bool(count))
        item.setFont(font)

    def open_task(self, task_id: int) -> None:
        if self.go("desk"):
            self.desk.show_task_by_id(task_id)

    def open_item(self, code: str) -> None:
        self.go("history")
        self.history.show_item(code)

    def open_record(self, number: str) -> None:
        """A task number opens its task at the desk; any other record its print preview."""
        if number.startswith("FX-") and self.go("desk"):
            self.desk.show_record_number(number)
            return
        self.printer.show(number, self)

    def check_standing(self) -> None:
        """A login an admin deactivated or changed meanwhile is signed out at its next look."""
        if self._signing_out:
            return
        job = call(standing.standing_of, self.db, self.actor)
        # The program's own check: never waited for as the page opens.
        self.runner.run(
            self, job, done=self._standing, failed=lambda _message: None, background=True
        )

    def _standing(self, why: str) -> None:
        if not why or self._signing_out:
            return
        self.stop_timers()
        self.prompts.error(self, "登录已失效", why)
        self.switch_user.emit()

    def stop_timers(self) -> None:
        self._poll.stop()
        self.reminders.stop()

    def sign_out(self) -> None:
        """Close for 切换用户: the runner lives on for the next login's window."""
        self._signing_out = True
        self.close()
        self.deleteLater()  # its pages stop listening to the runner

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_timers()
        if not self._signing_out:
            self.runner.shutdown()
        super().closeEvent(event)
