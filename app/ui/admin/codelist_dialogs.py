"""The small forms of the code lists page: an entry's wording, a checklist point.

Each dialog runs its own service call when OK is pressed, so a refusal (a name already there, an
empty point) shows in the dialog itself and the admin corrects it there."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from app.services.admin import checklists, codelists
from app.services.admin.checklists import PointRow
from app.services.admin.codelists import LIST_NAMES, CodeRow
from app.ui.kit.action_dialog import ActionDialog
from app.ui.kit.page import Desk
from app.ui.kit.runner import Call, Change
from app.ui.kit.runner import call as service_call

MEASURED = ("判定合格/不合格", "记录实测值")


class WriteDialog(ActionDialog[Any]):
    """A form whose OK changes a code list or checklist; `result_row` is the row written."""

    changes = Change.MASTER_DATA

    @property
    def result_row(self) -> Any:
        return self.result_


class CodeDialog(WriteDialog):
    """A new entry of a list, or a new wording for one (`row`)."""

    def __init__(
        self, desk: Desk, list_name: str, row: CodeRow | None, parent: QWidget | None = None
    ) -> None:
        what = LIST_NAMES[list_name]
        if row is None:
            title, heading, ok = f"新增{what}", f"新增的{what}立即出现在选择列表中。", "新增"
        else:
            title, ok = f"修改{what}", "保存"
            heading = f"已写入记录的{what}保持原来的说法；以后选择时用新的名称。"
        super().__init__(desk, title, heading, ok, parent)
        self.list_name, self.row = list_name, row
        self.label = QLineEdit(row.label if row else "")
        self.label.setPlaceholderText("名称（必填）")
        self.form.addRow(f"{what}：", self.label)
        self.label.setFocus()

    def job(self) -> Call[CodeRow] | None:
        d = self.desk
        if self.row is None:
            return service_call(
                codelists.add_code, d.db, d.actor, self.list_name, self.label.text()
            )
        return service_call(codelists.rename_code, d.db, d.actor, self.row.id, self.label.text())


class PointDialog(WriteDialog):
    """A new point of a model's checklist, or a change to one (`row`)."""

    def __init__(
        self, desk: Desk, model: str, row: PointRow | None, parent: QWidget | None = None
    ) -> None:
        if row is None:
            title, ok = "新增验收项目", "新增"
            heading = f"型号 {model} 的验收细则增加一项，排在最后（可再调整顺序）。"
        else:
            title, ok = "修改验收项目", "保存"
            heading = (
                "该项目已在验收中使用过：保存后原项目停用（以往的验收记录保留原文），"
                "由修改后的项目代替。"
                if row.used
                else "修改验收项目的内容、合格判据或记录方式。"
            )
        super().__init__(desk, title, heading, ok, parent)
        self.model, self.row = model, row
        self.text = QLineEdit(row.text if row else "")
        self.text.setPlaceholderText("如：通电自检（必填）")
        self.criterion = QLineEdit(row.criterion if row else "")
        self.criterion.setPlaceholderText("如：输出电压 27±0.5 V；可不填")
        self.how = QComboBox()
        self.how.addItems(MEASURED)
        self.how.setCurrentIndex(1 if row and row.measured else 0)
        self.form.addRow("型号：", QLabel(model))
        self.form.addRow("验收项目：", self.text)
        self.form.addRow("合格判据：", self.criterion)
        self.form.addRow("记录方式：", self.how)
        self.text.setFocus()

    def job(self) -> Call[PointRow] | None:
        d = self.desk
        measured = self.how.currentIndex() == 1
        text, criterion = self.text.text(), self.criterion.text()
        if self.row is None:
            return service_call(
                checklists.add_point, d.db, d.actor, self.model, text, criterion, measured
            )
        return service_call(
            checklists.edit_point, d.db, d.actor, self.row.id, text, criterion, measured
        )
