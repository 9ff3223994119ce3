"""设置 (admin): where the data lives (a SQLite file, or a PostgreSQL server with 测试连接), the
printer, the label size, the scanner's key gap and the folder the file dialogs start in. Saved to
this computer's settings file through a service call, audited; the store counts at the next start.
Below them 备份与恢复 (app/ui/admin/backup_panel.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import settings_admin
from app.services.admin.settings_admin import GAP_RANGE, SettingsView, StoreCheck
from app.ui.admin.backup_panel import BackupPanel
from app.ui.kit.page import Desk, Page
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, message_css, scaled_font

LABEL_SIZES = (("60×40 热敏标签", "60x40"), ("A4 标签页（每页多张）", "a4"))
DEFAULT_PRINTER = "系统默认打印机"
NEXT_START = "数据存放位置的修改在下次启动程序时生效。"
OVERRIDES = {
    "FANXIU_DATABASE_URL": "环境变量 FANXIU_DATABASE_URL 指定了数据库，它优先于这里的设置。",
    "--db": "本次启动由命令行 --db 指定了数据库，它优先于这里的设置。",
}


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(mid);")
    return label


class SettingsPage(Page):
    """This computer's settings; one 保存 writes what changed."""

    watches = Change.NONE

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        title = QLabel("设置")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.feedback = FeedbackLine()
        self.feedback.show_idle("这些设置保存在本机，只影响这台电脑上的返修通。")
        self.save_button = QPushButton("保存设置")
        self.save_button.setMinimumWidth(110)
        self.save_button.clicked.connect(self.save)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.save_button)
        self.layout_.addLayout(head)
        self.layout_.addWidget(self.feedback)
        # The form keeps a readable width on a wide screen; the words wrap below each field.
        body = QWidget()
        body.setMaximumWidth(980)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._store_box())
        column.addWidget(self._print_box())
        column.addWidget(self._other_box())
        self.backup_panel = BackupPanel(self)
        column.addWidget(self.backup_panel)
        column.addStretch(1)
        # Taller than a laptop's screen with 备份与恢复: the settings scroll under the title.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.layout_.addWidget(scroll, 1)
        self.view: SettingsView | None = None
        self._loaded = False

    # --- building -------------------------------------------------------------------------------

    def _store_box(self) -> QGroupBox:
        box = QGroupBox("数据存放")
        self.sqlite_radio = QRadioButton("本机 SQLite 文件（单机使用）")
        self.pg_radio = QRadioButton("PostgreSQL 服务器（多台电脑共用）")
        group = QButtonGroup(self)
        group.addButton(self.sqlite_radio)
        group.addButton(self.pg_radio)
        self.sqlite_path = QLineEdit()
        self.sqlite_path.setPlaceholderText("留空：使用默认位置")
        self.browse_button = QPushButton("选择文件…")
        self.browse_button.clicked.connect(self.browse)
        self.pg_url = QLineEdit()
        self.pg_url.setPlaceholderText("postgresql://用户名:密码@服务器:5432/数据库名")
        self.test_button = QPushButton("测试连接")
        self.test_button.clicked.connect(self.test_store)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.hide()
        self.in_use = _note()
        file_row = QHBoxLayout()
        file_row.addWidget(self.sqlite_path, 1)
        file_row.addWidget(self.browse_button)
        pg_row = QHBoxLayout()
        pg_row.addWidget(self.pg_url, 1)
        pg_row.addWidget(self.test_button)
        form = QFormLayout(box)
        form.addRow(self.sqlite_radio)
        form.addRow("数据库文件：", file_row)
        form.addRow(self.pg_radio)
        form.addRow("服务器地址：", pg_row)
        form.addRow("", self.test_result)
        form.addRow("", self.in_use)
        self.sqlite_radio.toggled.connect(lambda _on: self._update_store())
        return box

    def _print_box(self) -> QGroupBox:
        box = QGroupBox("打印")
        self.printer = QComboBox()
        self.printer.setMinimumWidth(320)
        self.label_size = QComboBox()
        for text, code in LABEL_SIZES:
            self.label_size.addItem(text, code)
        form = QFormLayout(box)
        form.addRow("打印机：", self.printer)
        form.addRow("", _note("打印记录时打印对话框先选中这台打印机，仍可临时换用别的。"))
        form.addRow("标签尺寸：", self.label_size)
        form.addRow("", _note("分发页打印产品标签时默认的标签纸。"))
        return box

    def _other_box(self) -> QGroupBox:
        box = QGroupBox("扫码与文件")
        self.key_gap = QSpinBox()
        self.key_gap.setRange(*GAP_RANGE)
        self.key_gap.setSuffix(" 毫秒")
        self.key_gap.setMaximumWidth(140)
        self.last_directory = QLineEdit()
        self.last_directory.setPlaceholderText("留空：用户的文档文件夹")
        self.open_tasks = QLabel()
        self.forget_button = QPushButton("清除")
        self.forget_button.clicked.connect(self.forget_tasks)
        tasks_row = QHBoxLayout()
        tasks_row.addWidget(self.forget_button)
        tasks_row.addWidget(self.open_tasks, 1)
        form = QFormLayout(box)
        form.addRow("扫码枪按键间隔：", self.key_gap)
        form.addRow(
            "",
            _note(
                "扫码枪输入的两个字符之间不超过这个时间，才算一次扫码；"
                "扫码常被当成手工输入时调大，手工输入被当成扫码时调小。"
            ),
        )
        form.addRow("打开/保存文件夹：", self.last_directory)
        form.addRow("交接台记住的任务：", tasks_row)
        return box

    # --- reading --------------------------------------------------------------------------------

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        self._loaded = True
        view = self.now(call(settings_admin.read_settings, self.db))
        if view is not None:
            self.show_view(view)
        self.backup_panel.refresh()

    def show_view(self, view: SettingsView) -> None:
        self.view = view
        url = view.database_url
        pg = url.startswith("postgresql")
        self.pg_radio.setChecked(pg)
        self.sqlite_radio.setChecked(not pg)
        self.pg_url.setText(url if pg else "")
        path = url.split(":///", 1)[1] if url.startswith("sqlite") and ":///" in url else ""
        self.sqlite_path.setText(path)
        self.sqlite_path.setPlaceholderText(
            "留空：默认位置 " + view.default_url.split(":///", 1)[-1]
        )
        said = [f"本次使用：{view.in_use_url}", NEXT_START]
        if view.overridden_by:
            said.append(OVERRIDES[view.overridden_by])
        self.in_use.setText("\n".join(said))
        self._fill_printers(view.printer_name)
        at = self.label_size.findData(view.label_size)
        self.label_size.setCurrentIndex(max(at, 0))
        self.key_gap.setValue(view.scan_max_key_gap_ms)
        self.last_directory.setText(view.last_directory)
        self.open_tasks.setText(
            f"{view.open_tasks} 个登录再次启动时回到上次打开的任务" if view.open_tasks else "没有"
        )
        self.forget_button.setEnabled(view.open_tasks > 0)
        self._update_store()

    def _fill_printers(self, chosen: str) -> None:
        self.printer.clear()
        self.printer.addItem(DEFAULT_PRINTER, "")
        for name in QPrinterInfo.availablePrinterNames():
            self.printer.addItem(name, name)
        if chosen and self.printer.findData(chosen) < 0:
            self.printer.addItem(f"{chosen}（本机未找到）", chosen)
        self.printer.setCurrentIndex(max(self.printer.findData(chosen), 0))

    def _update_store(self) -> None:
        sqlite = self.sqlite_radio.isChecked()
        self.sqlite_path.setEnabled(sqlite)
        self.browse_button.setEnabled(sqlite)
        self.pg_url.setEnabled(not sqlite)

    # --- acting ---------------------------------------------------------------------------------

    def store_url(self) -> str:
        if self.pg_radio.isChecked():
            return self.pg_url.text().strip()
        path = self.sqlite_path.text().strip()
        return f"sqlite:///{path}" if path else ""

    def browse(self) -> None:
        path = self.prompts.save_file(
            self, "选择数据库文件", "fanxiu.db", "SQLite 数据库 (*.db);;所有文件 (*)"
        )
        if path:
            self.sqlite_path.setText(path)

    def test_store(self) -> None:
        self.test_button.setEnabled(False)
        self.test_result.setText("正在连接…")
        self.test_result.setStyleSheet(message_css(Tone.muted))
        self.test_result.show()
        self.run(
            call(settings_admin.check_store, self.store_url()),
            done=self._tested,
            failed=self._test_failed,
            label="正在测试数据库连接",
        )

    def _tested(self, check: StoreCheck) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(check.message + (f"\n{NEXT_START}" if check.ok else ""))
        self.test_result.setStyleSheet(message_css(Tone.ok if check.ok else Tone.bad))

    def _test_failed(self, message: str) -> None:
        self._tested(StoreCheck(False, message))

    def values(self) -> dict[str, object]:
        return {
            "database_url": self.store_url(),
            "printer_name": str(self.printer.currentData() or ""),
            "label_size": str(self.label_size.currentData()),
            "scan_max_key_gap_ms": self.key_gap.value(),
            "last_directory": self.last_directory.text().strip(),
        }

    def save(self) -> None:
        before = self.view.database_url if self.view else ""
        self.run(
            call(settings_admin.save_settings, self.db, self.actor, self.values()),
            done=lambda view: self._saved(view, before),
        )

    def _saved(self, view: SettingsView, before: str) -> None:
        self.show_view(view)
        store = f"已保存。{NEXT_START}" if view.database_url != before else "已保存。"
        self.feedback.show_result(Tone.ok, store)

    def forget_tasks(self) -> None:
        self.run(call(settings_admin.forget_open_tasks, self.db, self.actor), done=self._forgot)

    def _forgot(self, view: SettingsView) -> None:
        self.show_view(view)
        self.feedback.show_result(Tone.ok, "已清除：交接台下次启动时不再自动打开任务。")

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
