"""The small forms of the units and models pages: a new unit, a new name, a model, a move.

Each dialog runs its own service call when OK is pressed, so a refusal (a name taken, a loop in
the kit tree) shows in the dialog itself and the admin corrects it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from PySide6.QtWidgets import QComboBox, QLineEdit, QSizePolicy, QWidget

from app.services.admin import masterdata
from app.services.admin.masterdata import UnitRow
from app.services.kernel.terms import MODEL_LEVEL_LABELS, UnitKind, unit_kind_label
from app.services.kernel.views import ModelView
from app.ui.kit.action_dialog import ActionDialog
from app.ui.kit.page import Desk
from app.ui.kit.runner import Call, Change
from app.ui.kit.runner import call as service_call

T = TypeVar("T")

KINDS = tuple(UnitKind)
LEVELS = tuple(MODEL_LEVEL_LABELS)
NO_MAKER = "（未指定）"
TOP = "（顶层，无上级）"


class MasterActionDialog(ActionDialog[T]):
    """A form whose OK changes the master data; `result_` is what the service returned."""

    changes = Change.MASTER_DATA


def _combo(items: Sequence[tuple[str, Any]], current: Any = None) -> QComboBox:
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    if current is not None:
        found = box.findData(current)
        box.setCurrentIndex(max(found, 0))
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


def kind_box(current: str | None = None) -> QComboBox:
    return _combo([(unit_kind_label(k), k) for k in KINDS], current)


class NewUnitDialog(MasterActionDialog[Any]):
    """新增单位: its name and kind."""

    def __init__(self, desk: Desk, kind: str | None, parent: QWidget | None = None) -> None:
        super().__init__(
            desk,
            "新增单位",
            "单位的名称印在交接记录、报告和标签上，请用全称。",
            "新增",
            parent,
        )
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 惯性导航研究所")
        self.kind = kind_box(kind)
        self.form.addRow("单位名称：", self.name)
        self.form.addRow("单位类别：", self.kind)
        self.name.setFocus()

    def job(self) -> Call[Any] | None:
        d = self.desk
        return service_call(
            masterdata.add_unit, d.db, d.actor, self.name.text(), self.kind.currentData()
        )


class RenameUnitDialog(MasterActionDialog[UnitRow]):
    """改名: the unit's new name; what was already issued keeps the old one."""

    def __init__(self, desk: Desk, row: UnitRow, parent: QWidget | None = None) -> None:
        super().__init__(
            desk,
            f"单位改名 — {row.name}",
            "改名后新的记录、报告和选择列表使用新名称；已经签发的记录保留签发时的名称。",
            "改名",
            parent,
        )
        self.target = row
        self.name = QLineEdit(row.name)
        self.name.selectAll()
        self.form.addRow("新名称：", self.name)
        self.name.setFocus()

    def job(self) -> Call[UnitRow] | None:
        d = self.desk
        return service_call(masterdata.rename_unit, d.db, d.actor, self.target.id, self.name.text())


def level_box(current: str = "unit") -> QComboBox:
    return _combo([(MODEL_LEVEL_LABELS[level], level) for level in LEVELS], current)


def maker_box(makers: Sequence[str], current: str = "") -> QComboBox:
    items: list[tuple[str, Any]] = [(NO_MAKER, "")]
    items += [(name, name) for name in makers]
    if current and current not in makers:  # a retired manufacturer still shows where it is
        items.append((current, current))
    return _combo(items, current)


def parent_box(codes: Sequence[tuple[str, str]], current: str = "") -> QComboBox:
    """Models to put one under: (code, name) pairs; the top of the tree first."""
    return _combo([(TOP, ""), *((f"{code}  {name}", code) for code, name in codes)], current)


class ModelDialog(MasterActionDialog[ModelView]):
    """新增型号 / 修改型号: code (new only), name, drawing number, level, manufacturer, parent (new)."""

    def __init__(
        self,
        desk: Desk,
        makers: Sequence[str],
        parents: Sequence[tuple[str, str]],
        model: ModelView | None = None,
        parent_code: str = "",
        parent: QWidget | None = None,
    ) -> None:
        editing = model is not None
        super().__init__(
            desk,
            f"修改型号 {model.code}" if model else "新增型号",
            "承制单位未指定的型号，其产品不能分发。" + ("要改上级请用“移到…”。" if editing else ""),
            "保存" if editing else "新增",
            parent,
        )
        self.model = model
        self.code = QLineEdit(model.code if model else "")
        self.code.setPlaceholderText("型号/代号，如 GC-12A")
        self.code.setReadOnly(editing)
        self.name = QLineEdit(model.name if model else "")
        self.drawing = QLineEdit(model.drawing_no if model else "")
        self.level = level_box(model.level if model else "unit")
        self.maker = maker_box(makers, model.manufacturer if model else "")
        self.parent_code = parent_box(parents, parent_code)
        self.form.addRow("型号代号：", self.code)
        self.form.addRow("产品名称：", self.name)
        self.form.addRow("图号：", self.drawing)
        self.form.addRow("层级：", self.level)
        self.form.addRow("承制单位：", self.maker)
        if not editing:
            self.form.addRow("上级：", self.parent_code)
        (self.name if editing else self.code).setFocus()

    def job(self) -> Call[ModelView] | None:
        d = self.desk
        name, drawing = self.name.text(), self.drawing.text()
        level, maker = self.level.currentData(), self.maker.currentData()
        if self.model is not None:
            return service_call(
                masterdata.edit_model, d.db, d.actor, self.model.code, name, drawing, level, maker
            )
        return service_call(
            masterdata.add_model,
            d.db,
            d.actor,
            self.code.text(),
            name,
            drawing,
            level,
            maker,
            self.parent_code.currentData(),
        )


class MoveModelDialog(MasterActionDialog[ModelView]):
    """移到…: another parent in the kit tree (or the top); a loop is refused by the service."""

    def __init__(
        self,
        desk: Desk,
        model: ModelView,
        parents: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            desk,
            f"移动型号 {model.code}",
            f"把 {model.code}（{model.name}）连同其下级一起移到另一个上级之下。",
            "移动",
            parent,
        )
        self.model = model
        others = [(code, name) for code, name in parents if code != model.code]
        self.parent_code = parent_box(others, model.parent_code)
        self.form.addRow("新的上级：", self.parent_code)

    def job(self) -> Call[ModelView] | None:
        d = self.desk
        return service_call(
            masterdata.move_model, d.db, d.actor, self.model.code, self.parent_code.currentData()
        )
