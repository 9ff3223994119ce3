"""备份与恢复 on the settings page (issue 9): 立即备份 to a file the admin picks (through the runner,
with a progress box while it lasts), the automatic backups listed with their dates and sizes,
打开备份文件夹, and how a backup is brought back: only into an empty store, from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.services.admin import backup
from app.services.admin.backup import BackupDone, BackupFile, BackupsView
from app.ui.kit.paged_model import RIGHT, Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone
from app.ui.kit.tables import make_table

if TYPE_CHECKING:
    from app.ui.kit.page import Page

COLUMNS = (
    Column("时间", lambda f: f.taken.strftime("%Y-%m-%d %H:%M"), width=130),
    Column("类型", lambda f: f.kind_label, width=70),
    Column("大小", lambda f: f.size_text, RIGHT, width=80),
    Column("文件", lambda f: f.name, tooltip=lambda f: f.path),
)
AUTOMATIC = (
    "每天第一次启动返修通时，数据库自动备份到下面的备份文件夹，保留最近 7 天每天一份、"
    "再往前 4 周每周一份；升级到新版本前也会先备份。"
)
SERVER = (
    "PostgreSQL 数据库由服务器管理员定期备份；升级到新版本前本程序先用 pg_dump 备份。"
    "立即备份需要这台电脑装有 PostgreSQL 客户端（pg_dump）。"
)
RESTORE = (
    "恢复：备份只能恢复到空的数据库，以免覆盖现有数据。请关闭返修通，在命令行运行 "
    "fanxiu --db 新数据库 restore 备份文件（新数据库：一个新的 SQLite 文件，或用 createdb "
    "新建的 PostgreSQL 数据库）；程序核对结构版本和审计链，并列出恢复了多少登录、任务和记录。"
    "然后在上面的“数据存放”中选用这个数据库。"
)
FILTERS = {
    "sqlite": "SQLite 备份 (*.db);;所有文件 (*)",
    "postgresql": "PostgreSQL 备份 (*.dump);;所有文件 (*)",
}


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid);")
    return label


class BackupPanel(QGroupBox):
    """Backups of the store the window works on; acts through its page's runner."""

    def __init__(self, page: Page) -> None:
        super().__init__("备份与恢复")
        self.page = page
        self.view: BackupsView | None = None
        # How a folder is shown: the system's file manager; a test puts a recorder here.
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.backup_button = QPushButton("立即备份…")
        self.backup_button.clicked.connect(self.back_up_now)
        self.folder_button = QPushButton("打开备份文件夹")
        self.folder_button.clicked.connect(self.open_folder)
        self.feedback = FeedbackLine()
        self.feedback.hide()  # until there is something to say
        self.about = _note("")
        self.folder = _note("")
        self.model = PagedTableModel(COLUMNS, list_fetcher(()), parent=self)
        self.table = make_table(self.model)
        self.table.setMinimumHeight(150)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addWidget(self.about)
        column.addLayout(buttons)
        column.addWidget(self.feedback)
        column.addWidget(self.folder)
        column.addWidget(self.table)
        column.addWidget(_note(RESTORE))

    def refresh(self) -> None:
        view = self.page.now(call(backup.list_backups, self.page.db))
        if view is not None:
            self.show_view(view)

    def show_view(self, view: BackupsView) -> None:
        self.view = view
        self.about.setText(AUTOMATIC if view.automatic else SERVER)
        self.folder.setText(f"备份文件夹：{view.folder}（共 {len(view.files)} 份）")
        self.model.set_fetcher(list_fetcher(list(view.files)))

    def files(self) -> list[BackupFile]:
        return [self.model.row(i) for i in range(self.model.rowCount())]

    def back_up_now(self) -> None:
        view = self.view
        if view is None:
            return
        path = self.page.prompts.save_file(
            self.page,
            "立即备份：保存备份文件",
            str(Path(view.folder) / view.suggested),
            FILTERS[view.backend],
        )
        if not path:
            return
        self.backup_button.setEnabled(False)
        self._say(Tone.muted, "正在备份…")
        self.page.run(
            call(backup.take_backup, self.page.db, self.page.actor, path),
            done=self._backed_up,
            failed=self._failed,
            label="正在备份数据库，工位可以继续工作…",
            title="备份未完成",
        )

    def _say(self, tone: Tone, text: str) -> None:
        self.feedback.show()
        self.feedback.show_result(tone, text)

    def _backed_up(self, done: BackupDone) -> None:
        self.backup_button.setEnabled(True)
        self._say(Tone.ok, f"已备份到 {done.path}（{done.size_text}）。")
        self.refresh()

    def _failed(self, message: str) -> None:
        self.backup_button.setEnabled(True)
        self._say(Tone.bad, message)

    def open_folder(self) -> None:
        self.page.run(
            call(backup.make_backups_folder, self.page.db.url),
            done=self._show_folder,
            failed=self._failed,
        )

    def _show_folder(self, folder: str) -> None:
        self.open_url(QUrl.fromLocalFile(folder))
