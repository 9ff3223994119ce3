"""新建返厂交接任务: the user unit, the task's node date and its kitting deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from app.services.kernel.context import local_today
from app.ui.kit.date_edit import OptionalDateEdit
from app.ui.kit.form_dialog import FormDialog, editable_combo


@dataclass(frozen=True)
class NewTaskValues:
    user_unit: str
    node_date: dt.date | None
    kitting_deadline: dt.date | None


class NewTaskDialog(FormDialog):
    def __init__(self, units: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(
            "新建返厂交接任务",
            "登记一批由用户单位交回的故障产品。任务编号在创建时自动生成。",
            ok_text="创建任务",
            parent=parent,
        )
        self.unit_box = editable_combo(units, "选择或输入用户单位名称")
        self.node_date = OptionalDateEdit(local_today())
        self.kitting_deadline = OptionalDateEdit(None)
        self.form.addRow("用户单位：", self.unit_box)
        self.form.addRow("任务节点日期：", self.node_date)
        self.form.addRow("齐套时间节点：", self.kitting_deadline)
        self.unit_box.currentTextChanged.connect(self._check)
        self.node_date.changed.connect(self._check)
        self.kitting_deadline.changed.connect(self._check)
        self._check()
        self.unit_box.setFocus()  # the keyboard starts at the first field, not at a button

    def values(self) -> NewTaskValues:
        return NewTaskValues(
            self.unit_box.currentText().strip(),
            self.node_date.value(),
            self.kitting_deadline.value(),
        )

    def _check(self) -> None:
        values = self.values()
        problem = ""
        if (
            values.node_date
            and values.kitting_deadline
            and values.kitting_deadline < values.node_date
        ):
            problem = "齐套时间节点不能早于任务节点日期。"
        self.show_error(problem)
        self.set_ok_enabled(bool(values.user_unit) and not problem)
