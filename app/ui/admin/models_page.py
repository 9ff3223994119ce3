"""型号与配套 (admin; managers look): the kit tree 总体 / 分系统 / 单机 with each model's drawing
number and manufacturer; add, edit, move under another parent; import the factory's master list;
and the models an imported handover list created that still lack a manufacturer, with the lines
they hold up."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import masterdata
from app.services.admin.master_list import MasterPreview, preview_master_list
from app.services.admin.masterdata import ModelToComplete
from app.services.kernel.terms import Permission, UnitKind, model_level_label
from app.services.kernel.views import ModelView
from app.ui.admin.master_dialogs import MasterActionDialog, ModelDialog, MoveModelDialog
from app.ui.admin.master_import_dialog import MasterImportDialog
from app.ui.kit.gates import denial, gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, foreground, scaled_font
from app.ui.kit.tables import make_table, select_row

IDLE = "选择一个型号后可修改、移动或在其下新增；承制单位未指定的型号，其产品不能分发。"
PICK = "请先在配套树中选择一个型号。"
NO_MAKER = "（未指定）"
HEADERS = ("型号代号", "产品名称", "图号", "层级", "承制单位")
CODE_ROLE = Qt.ItemDataRole.UserRole + 1

TO_COMPLETE = (
    Column("型号代号", lambda r: r.code, width=150),
    Column("产品名称", lambda r: r.name, width=180),
    Column("图号", lambda r: r.drawing_no, width=140),
    Column("缺少", lambda r: r.missing, tone=lambda _r: Tone.warn, width=100),
    Column("待分发的产品", lambda r: f"{r.lines_held} 件" if r.lines_held else "—"),
)


def _row(model: ModelView) -> list[QStandardItem]:
    maker = model.manufacturer or NO_MAKER
    values = (model.code, model.name, model.drawing_no, model_level_label(model.level), maker)
    items = [QStandardItem(text) for text in values]
    for item in items:
        item.setEditable(False)
        item.setData(model.code, CODE_ROLE)
    if not model.manufacturer and model.level != "system":
        items[4].setForeground(foreground(Tone.warn))
    return items


class ModelsPage(Page):
    """The admin's product models and kit tree; managers see it and the models to complete."""

    watches = Change.MASTER_DATA | Change.TASKS | Change.LINES | Change.DISPATCH

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self._models: dict[str, ModelView] = {}
        self._makers: list[str] = []
        title = QLabel("型号与配套")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.new_button = QPushButton("新增型号…")
        self.child_button = QPushButton("新增下级…")
        self.edit_button = QPushButton("修改…")
        self.move_button = QPushButton("移到…")
        self.import_button = QPushButton("导入主数据清单…")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        for button in self._buttons():
            head.addWidget(button)
        self.feedback = FeedbackLine()
        self.feedback.show_idle(IDLE)
        self.tree_model = QStandardItemModel(0, len(HEADERS), self)
        self.tree_model.setHorizontalHeaderLabels(list(HEADERS))
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.todo_title = QLabel()
        self.todo_title.setFont(scaled_font(self.font(), 1.0, bold=True))
        self.complete_button = QPushButton("指定承制单位…")
        self.todo_model = PagedTableModel(TO_COMPLETE, list_fetcher(()), parent=self)
        self.todo_view = make_table(self.todo_model)
        self.layout_.addLayout(head)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self._split(), 1)
        self._connect()
        self._loaded = False
        self._update_buttons()

    def _buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.new_button,
            self.child_button,
            self.edit_button,
            self.move_button,
            self.import_button,
            self.refresh_button,
        )

    def _split(self) -> QSplitter:
        lower = QWidget()
        box = QVBoxLayout(lower)
        box.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.todo_title)
        row.addStretch(1)
        row.addWidget(self.complete_button)
        box.addLayout(row)
        box.addWidget(self.todo_view, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        return split

    def _connect(self) -> None:
        self.new_button.clicked.connect(lambda: self.new_model(""))
        self.child_button.clicked.connect(self.new_child)
        self.edit_button.clicked.connect(self.edit_selected)
        self.move_button.clicked.connect(self.move_selected)
        self.import_button.clicked.connect(self.import_list)
        self.refresh_button.clicked.connect(self.refresh)
        self.complete_button.clicked.connect(self.complete_selected)
        self.tree.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.tree.doubleClicked.connect(lambda _index: self.edit_selected())
        self.todo_view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.todo_view.activated.connect(lambda _index: self.complete_selected())

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    # --- reading ------------------------------------------------------------------------------

    def refresh(self, keep: str | None = None) -> None:
        self._loaded = True
        keep = keep if keep is not None else self.selected_code()
        models: list[ModelView] = self.now(call(masterdata.list_models, self.db), default=[])
        units = self.now(call(masterdata.list_units, self.db, UnitKind.manufacturer), default=[])
        self._makers = [u.name for u in units]
        self._models = {m.code: m for m in models}
        self._fill_tree(models)
        todo: list[ModelToComplete] = self.now(
            call(masterdata.models_to_complete, self.db, self.actor), default=[]
        )
        self.todo_model.set_fetcher(list_fetcher(todo))
        held = sum(r.lines_held for r in todo)
        self.todo_title.setText(
            f"待完善的型号（{len(todo)} 个，卡住 {held} 件产品的分发）"
            if todo
            else "待完善的型号：没有（导入清单时新出现的型号都已指定承制单位）"
        )
        if keep:
            self.select_code(keep)
        self._update_buttons()

    def _fill_tree(self, models: list[ModelView]) -> None:
        """Parents before children, whatever order the list came in; orphans at the top."""
        self.tree_model.removeRows(0, self.tree_model.rowCount())
        children: dict[str, list[ModelView]] = {}
        for model in models:
            parent = model.parent_code if model.parent_code in self._models else ""
            children.setdefault(parent, []).append(model)
        root = self.tree_model.invisibleRootItem()
        stack: list[tuple[QStandardItem, str]] = [(root, "")]
        placed: set[str] = set()
        while stack:
            holder, code = stack.pop()
            for model in sorted(children.get(code, []), key=lambda m: m.code, reverse=True):
                if model.code in placed:
                    continue
                placed.add(model.code)
                items = _row(model)
                holder.insertRow(0, items)
                stack.append((items[0], model.code))
        self.tree.expandAll()
        for column in range(len(HEADERS)):
            self.tree.resizeColumnToContents(column)

    def _index_of(self, code: str, parent: QModelIndex | None = None) -> QModelIndex | None:
        parent = parent or QModelIndex()
        for row in range(self.tree_model.rowCount(parent)):
            index = self.tree_model.index(row, 0, parent)
            if index.data(CODE_ROLE) == code:
                return index
            found = self._index_of(code, index)
            if found is not None:
                return found
        return None

    def select_code(self, code: str) -> bool:
        index = self._index_of(code)
        if index is None:
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def selected_code(self) -> str:
        index = self.tree.currentIndex()
        return str(index.data(CODE_ROLE)) if index.isValid() else ""

    def selected(self) -> ModelView | None:
        return self._models.get(self.selected_code())

    def _update_buttons(self) -> None:
        may = denial(self.actor, Permission.manage_master_data)
        none = PICK if self.selected() is None else ""
        gate(self.new_button, may, tip="在配套树顶层新增一个型号")
        gate(self.child_button, may, none, tip="在所选型号之下新增一个型号")
        gate(self.edit_button, may, none, tip="修改名称、图号、层级和承制单位")
        gate(self.move_button, may, none, tip="把所选型号连同其下级移到另一个上级之下")
        gate(self.import_button, may, tip="从 Excel 导入本厂的单位和型号（先预览，再导入）")
        todo = self.todo_view.selectionModel().currentIndex().isValid()
        gate(
            self.complete_button,
            may,
            "" if todo else "请先在“待完善的型号”中选择一个型号。",
            tip="为该型号指定承制单位，其产品随即可以分发",
        )

    # --- acting -------------------------------------------------------------------------------

    def _parents(self) -> list[tuple[str, str]]:
        return [(m.code, m.name) for m in self._models.values() if m.level != "unit"] or [
            (m.code, m.name) for m in self._models.values()
        ]

    def _form(self, dialog: MasterActionDialog[Any], said: str) -> None:
        if self.prompts.run(dialog) and dialog.result_ is not None:
            model: ModelView = dialog.result_
            self.refresh(keep=model.code)
            self.feedback.show_result(Tone.ok, said.format(code=model.code))

    def new_model(self, parent_code: str) -> None:
        dialog = ModelDialog(
            self.desk, self._makers, self._parents(), parent_code=parent_code, parent=self
        )
        self._form(dialog, "已新增型号 {code}。")

    def new_child(self) -> None:
        model = self.selected()
        if model is not None:
            self.new_model(model.code)

    def edit_selected(self) -> None:
        model = self.selected()
        if model is not None and self.edit_button.isEnabled():
            dialog = ModelDialog(self.desk, self._makers, (), model=model, parent=self)
            self._form(dialog, "已修改型号 {code}。")

    def move_selected(self) -> None:
        model = self.selected()
        if model is not None:
            dialog = MoveModelDialog(self.desk, model, list(self._models_by_code()), self)
            self._form(dialog, "已移动型号 {code}。")

    def _models_by_code(self) -> list[tuple[str, str]]:
        return sorted((m.code, m.name) for m in self._models.values())

    def complete_selected(self) -> None:
        index = self.todo_view.selectionModel().currentIndex()
        if not index.isValid() or not self.complete_button.isEnabled():
            return
        row: ModelToComplete = self.todo_model.row(index.row())
        model = self._models.get(row.code)
        if model is not None:
            dialog = ModelDialog(self.desk, self._makers, (), model=model, parent=self)
            self._form(dialog, "已为型号 {code} 指定承制单位，其产品可以分发了。")

    def import_list(self) -> None:
        path = self.prompts.open_file(
            self, "选择主数据清单", "Excel 表格 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)"
        )
        if not path:
            return
        self.run(
            call(preview_master_list, self.db, self.actor, path),
            done=lambda preview: self._show_preview(path, preview),
            label="正在读取主数据清单…",
        )

    def _show_preview(self, path: str, preview: MasterPreview) -> None:
        dialog = MasterImportDialog(self.desk, path, preview, self)
        if self.prompts.run(dialog) and dialog.result_ is not None:
            result = dialog.result_
            self.refresh()
            self.feedback.show_result(
                Tone.ok, f"已导入主数据清单：单位 {result.units} 个，型号 {result.models} 个。"
            )

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def select_todo(self, code: str) -> bool:
        found = self.todo_model.find(lambda r: r.code == code)
        if found is None:
            return False
        select_row(self.todo_view, found)
        self._update_buttons()
        return True
