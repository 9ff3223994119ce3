"""单位 (admin): every unit by kind; add, rename, retire and bring back. A unit is never deleted:
records carry its name, so retiring only takes it out of the choices."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.admin import masterdata
from app.services.admin.masterdata import UnitRow
from app.services.kernel.terms import unit_kind_label
from app.ui.admin.master_dialogs import KINDS, MasterActionDialog, NewUnitDialog, RenameUnitDialog
from app.ui.kit.gates import gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table, select_row

IDLE = "选择一个单位后可改名或停用。停用的单位不再出现在选择列表中，已有记录上的名称保留。"
PICK = "请先在列表中选择一个单位。"
ALL_KINDS = "全部类别"


def _state(row: UnitRow) -> str:
    return "在用" if row.active else "已停用"


COLUMNS = (
    Column("单位名称", lambda r: r.name, width=240),
    Column("类别", lambda r: unit_kind_label(r.kind), width=130),
    Column("状态", _state, tone=lambda r: None if r.active else Tone.muted, width=90),
    Column("在用登录", lambda r: str(r.logins), width=90),
    Column("承制型号", lambda r: str(r.models) if r.models else ""),
)


class UnitsPage(Page):
    """The admin's units: user units, the prime unit, materials, manufacturers, departments."""

    watches = Change.MASTER_DATA | Change.LOGINS

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        title = QLabel("单位")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.kind_filter = QComboBox()
        self.kind_filter.addItem(ALL_KINDS, None)
        for kind in KINDS:
            self.kind_filter.addItem(unit_kind_label(kind), kind)
        self.new_button = QPushButton("新增单位…")
        self.rename_button = QPushButton("改名…")
        self.retire_button = QPushButton("停用")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(QLabel("类别："))
        head.addWidget(self.kind_filter)
        head.addStretch(1)
        for button in (
            self.new_button,
            self.rename_button,
            self.retire_button,
            self.refresh_button,
        ):
            head.addWidget(button)
        self.feedback = FeedbackLine()
        self.feedback.show_idle(IDLE)
        self.model = PagedTableModel(COLUMNS, list_fetcher(()), parent=self)
        self.view = make_table(self.model)
        self.layout_.addLayout(head)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.view, 1)
        self.kind_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button.clicked.connect(self.new_unit)
        self.rename_button.clicked.connect(self.rename_selected)
        self.retire_button.clicked.connect(self.toggle_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.view.activated.connect(lambda _index: self.rename_selected())
        self._loaded = False
        self._update_buttons()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    # --- reading ------------------------------------------------------------------------------

    def refresh(self, keep: int | None = None) -> None:
        self._loaded = True
        current = self.selected()
        keep = keep if keep is not None else (current.id if current else None)
        rows: list[UnitRow] = self.now(
            call(masterdata.list_all_units, self.db, self.actor), default=[]
        )
        kind = self.kind_filter.currentData()
        if kind is not None:
            rows = [r for r in rows if r.kind == kind]
        self.model.set_fetcher(list_fetcher(rows))
        found = self.model.find(lambda r: r.id == keep) if keep is not None else None
        if found is not None:
            select_row(self.view, found)
        self._update_buttons()

    def selected(self) -> UnitRow | None:
        index = self.view.selectionModel().currentIndex() if self.view.selectionModel() else None
        if index is None or not index.isValid() or index.row() >= self.model.rowCount():
            return None
        row: UnitRow = self.model.row(index.row())
        return row

    def _update_buttons(self) -> None:
        row = self.selected()
        none = PICK if row is None else ""
        gate(self.rename_button, none, tip="改用新名称；已签发的记录保留原名称")
        active = row is None or row.active
        self.retire_button.setText("停用" if active else "重新启用")
        gate(
            self.retire_button,
            none,
            tip="停用后不再出现在选择列表中；记录上的名称保留" if active else "恢复该单位",
        )

    # --- acting -------------------------------------------------------------------------------

    def _form(self, dialog: MasterActionDialog[Any], said: str) -> None:
        if self.prompts.run(dialog) and dialog.result_ is not None:
            result = dialog.result_
            self.refresh(keep=getattr(result, "id", None))
            self.feedback.show_result(Tone.ok, said.format(name=getattr(result, "name", "")))

    def new_unit(self) -> None:
        self._form(
            NewUnitDialog(self.desk, self.kind_filter.currentData(), self), "已新增单位“{name}”。"
        )

    def rename_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self._form(
                RenameUnitDialog(self.desk, row, self), f"已把“{row.name}”改名为“{{name}}”。"
            )

    def toggle_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.active and not self.prompts.ask(
            self,
            "停用单位",
            f"停用单位“{row.name}”？\n\n停用后它不再出现在各处的选择列表中；已有的记录、报告上的"
            "名称保留不变，以后可以重新启用。",
            "停用",
            "取消",
        ):
            return
        said = "已停用“{name}”。" if row.active else "已重新启用“{name}”。"
        self.run(
            call(masterdata.set_unit_retired, self.db, self.actor, row.id, row.active),
            done=lambda r: self._done(r, said.format(name=r.name)),
            changes=Change.MASTER_DATA,
        )

    def _done(self, row: UnitRow, said: str) -> None:
        self.refresh(keep=row.id)
        self.feedback.show_result(Tone.ok, said)

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
