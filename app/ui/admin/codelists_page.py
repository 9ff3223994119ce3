"""代码表与验收细则 (admin): the lists people pick from (fault modes, cause categories, reject
reasons) and each model's acceptance checklist. Add, reword, retire instead of delete, order;
each a service call through the runner, audited."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import checklists, codelists
from app.services.admin.checklists import ChecklistModel, PointRow
from app.services.admin.codelists import LIST_NAMES, CodeRow
from app.ui.admin.codelist_dialogs import CodeDialog, PointDialog, WriteDialog
from app.ui.kit.gates import gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Call, Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table, select_row

PICK = "请先在列表中选择一项。"


def _state(row: Any) -> str:
    return "在用" if row.active else "已停用"


def _tone(row: Any) -> Tone | None:
    return None if row.active else Tone.muted


CODE_COLUMNS = (
    Column("序号", lambda r: str(r.position), width=60),
    Column("名称", lambda r: r.label, tone=_tone, width=360),
    Column("代码", lambda r: r.code, width=70),
    Column("状态", _state, tone=_tone),
)
POINT_COLUMNS = (
    Column("序号", lambda r: str(r.position) if r.active else "—", width=60),
    Column("验收项目", lambda r: r.text, tone=_tone, width=300),
    Column("合格判据", lambda r: r.criterion or "—", tone=_tone, width=280),
    Column("记录方式", lambda r: "记录实测值" if r.measured else "合格/不合格", width=110),
    Column("状态", lambda r: _state(r) + ("（已用于验收）" if r.used else ""), tone=_tone),
)


class OrderedTab(QWidget):
    """A chooser (which list, which model), its entries, and the buttons that act on one."""

    def __init__(self, page: CodeListsPage, chooser_label: str, columns: tuple[Column, ...]):
        super().__init__()
        self.page = page
        self.chooser = QComboBox()
        self.chooser.setMinimumWidth(260)
        self.new_button = QPushButton("新增…")
        self.edit_button = QPushButton("修改…")
        self.retire_button = QPushButton("停用")
        self.up_button = QPushButton("上移")
        self.down_button = QPushButton("下移")
        head = QHBoxLayout()
        head.addWidget(QLabel(chooser_label))
        head.addWidget(self.chooser)
        head.addStretch(1)
        for b in (
            self.new_button,
            self.edit_button,
            self.retire_button,
            self.up_button,
            self.down_button,
        ):
            head.addWidget(b)
        self.model = PagedTableModel(columns, list_fetcher(()), parent=self)
        self.view: QTableView = make_table(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        self.chooser.currentIndexChanged.connect(lambda _i: self.reload())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self.update_buttons())
        self.view.activated.connect(lambda _i: self.edit())
        self.new_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.retire_button.clicked.connect(self.toggle)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))

    # --- what a subclass says -------------------------------------------------------------------

    def fetch(self) -> Call[list[Any]] | None:
        raise NotImplementedError

    def dialog(self, row: Any | None) -> WriteDialog | None:
        raise NotImplementedError

    def toggle_job(self, row: Any) -> Call[Any]:
        raise NotImplementedError

    def move_job(self, row: Any, step: int) -> Call[Any]:
        raise NotImplementedError

    def name(self, row: Any) -> str:
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------------------------

    def choice(self) -> Any:
        return self.chooser.currentData()

    def selected(self) -> Any | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.row(index.row())

    def reload(self, keep: int | None = None) -> None:
        current = self.selected()
        keep = keep if keep is not None else (current.id if current else None)
        job = self.fetch()
        rows = self.page.now(job, default=[]) if job is not None else []
        self.model.set_fetcher(list_fetcher(rows))
        found = self.model.find(lambda r: r.id == keep) if keep is not None else None
        if found is not None:
            select_row(self.view, found)
        self.update_buttons()

    def update_buttons(self) -> None:
        row = self.selected()
        none = PICK if row is None else ""
        chosen = "" if self.choice() is not None else "请先选择。"
        gate(self.new_button, chosen, tip="新增一项")
        retired = (
            "已停用的项目不能修改，请先重新启用。" if row is not None and not row.active else ""
        )
        gate(self.edit_button, none, retired, tip="修改所选项目")
        self.retire_button.setText("重新启用" if row is not None and not row.active else "停用")
        gate(self.retire_button, none, tip="停用后不再供选择，已有记录保留原文")
        live = [r for r in self._rows() if r.active]
        at = live.index(row) if row in live else -1
        gate(self.up_button, none, "" if at > 0 else "已在最前。", tip="上移一位")
        gate(
            self.down_button, none, "" if 0 <= at < len(live) - 1 else "已在最后。", tip="下移一位"
        )

    def _rows(self) -> list[Any]:
        return [self.model.row(i) for i in range(self.model.rowCount())]

    def add(self) -> None:
        self._form(self.dialog(None), "已新增“{name}”。")

    def edit(self) -> None:
        row = self.selected()
        if row is not None and row.active:
            self._form(self.dialog(row), "已保存“{name}”。")

    def _form(self, dialog: WriteDialog | None, said: str) -> None:
        if dialog is not None and self.page.prompts.run(dialog) and dialog.result_row is not None:
            self._done(dialog.result_row, said)

    def toggle(self) -> None:
        row = self.selected()
        if row is None:
            return
        said = "已重新启用“{name}”。" if not row.active else "已停用“{name}”，已有记录保留原文。"
        self.page.run(
            self.toggle_job(row),
            done=lambda r: self._done(r, said),
            changes=Change.MASTER_DATA,
        )

    def move_selected(self, step: int) -> None:
        row = self.selected()
        if row is not None:
            self.page.run(
                self.move_job(row, step),
                done=lambda r: self._done(r, "已调整“{name}”的顺序。"),
                changes=Change.MASTER_DATA,
            )

    def _done(self, row: Any, said: str) -> None:
        self.reload(keep=row.id)
        self.page.feedback.show_result(Tone.ok, said.format(name=self.name(row)))


class CodesTab(OrderedTab):
    def __init__(self, page: CodeListsPage) -> None:
        super().__init__(page, "代码表：", CODE_COLUMNS)
        for key, name in LIST_NAMES.items():
            self.chooser.addItem(name, key)

    def fetch(self) -> Call[list[CodeRow]] | None:
        return call(codelists.list_entries, self.page.db, self.choice())

    def dialog(self, row: CodeRow | None) -> WriteDialog:
        return CodeDialog(self.page.desk, self.choice(), row, self)

    def toggle_job(self, row: CodeRow) -> Call[CodeRow]:
        p = self.page
        return call(codelists.set_code_active, p.db, p.actor, row.id, not row.active)

    def move_job(self, row: CodeRow, step: int) -> Call[CodeRow]:
        return call(codelists.move_code, self.page.db, self.page.actor, row.id, step)

    def name(self, row: CodeRow) -> str:
        return row.label


class ChecklistTab(OrderedTab):
    def __init__(self, page: CodeListsPage) -> None:
        super().__init__(page, "型号：", POINT_COLUMNS)

    def fill_models(self) -> None:
        keep = self.choice()
        models: list[ChecklistModel] = self.page.now(
            call(checklists.checklist_models, self.page.db), default=[]
        )
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for m in models:
            self.chooser.addItem(f"{m.code}　{m.name}（{m.points} 项）", m.code)
        at = self.chooser.findData(keep) if keep else -1
        self.chooser.setCurrentIndex(at if at >= 0 else (0 if models else -1))
        self.chooser.blockSignals(False)

    def fetch(self) -> Call[list[PointRow]] | None:
        code = self.choice()
        return call(checklists.list_points, self.page.db, code) if code else None

    def dialog(self, row: PointRow | None) -> WriteDialog:
        return PointDialog(self.page.desk, self.choice(), row, self)

    def toggle_job(self, row: PointRow) -> Call[PointRow]:
        p = self.page
        return call(checklists.set_point_active, p.db, p.actor, row.id, not row.active)

    def move_job(self, row: PointRow, step: int) -> Call[PointRow]:
        return call(checklists.move_point, self.page.db, self.page.actor, row.id, step)

    def name(self, row: PointRow) -> str:
        return row.text


class CodeListsPage(Page):
    """The admin's code lists and acceptance checklists, one tab each."""

    watches = Change.MASTER_DATA

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        title = QLabel("代码表与验收细则")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.feedback = FeedbackLine()
        self.feedback.show_idle(
            "故障模式、原因类别和拒收原因供各处选择；验收细则按型号逐项检验。"
            "不再使用的项目请停用（已有记录保留原文），不能删除。"
        )
        self.codes = CodesTab(self)
        self.checklist = ChecklistTab(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.codes, "代码表")
        self.tabs.addTab(self.checklist, "验收细则")
        self.layout_.addWidget(title)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.tabs, 1)
        self._loaded = False

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        self._loaded = True
        self.codes.reload()
        self.checklist.fill_models()
        self.checklist.reload()

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
