"""Scrapping (issue 7, defect 9): the engineer's request with its reason, and the manager's
decision, which approves it (报废审批单, BF) or refuses it with a note back to the bench."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QWidget

from app.services.kernel.views import BenchLine
from app.services.repair import scrapping
from app.services.repair.scrapping import ScrapView
from app.ui.kit.runner import Call, call
from app.ui.repair.step_form import REQUIRED, StepDialog, plain, text_box

if TYPE_CHECKING:
    from app.ui.kit.page import Desk


class ScrapRequestDialog(StepDialog):
    """申请报废: why the item cannot or should not be repaired; a manager decides."""

    def __init__(self, desk: Desk, line: BenchLine, parent: QWidget | None = None) -> None:
        super().__init__(
            "申请报废",
            "写明报废原因后提交总体/主管审批。审批同意后产品报废并退出所在齐套，"
            "生成报废审批单（BF）；不同意则退回工作台继续维修。",
            ok_text="提交报废申请",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        self.reason = text_box(f"报废原因，如损坏情况、修复代价（{REQUIRED}）", 90)
        self.form.addRow("报废原因：", self.reason)
        self.setMinimumWidth(580)

    def problems(self) -> str:
        return "" if plain(self.reason) else "申请报废必须写明原因。"

    def job(self) -> Call[ScrapView]:
        assert self.desk is not None
        return call(
            scrapping.request_scrap,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            plain(self.reason),
        )


class ScrapDecisionDialog(StepDialog):
    """审批报废: the request as the engineer wrote it; approve, or refuse with a note."""

    def __init__(
        self, desk: Desk, line: BenchLine, request: ScrapView, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "审批报废",
            "同意则产品报废、退出所在齐套，并生成报废审批单（BF），此操作不能撤销；"
            "不同意须写明意见，产品退回工作台继续维修。",
            ok_text="保存审批意见",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        asked = QLabel(f"{request.requested_by}　{request.requested_on.isoformat()}")
        self.reason = text_box("", 64)
        self.reason.setPlainText(request.reason)
        self.reason.setReadOnly(True)
        self.form.addRow("申请人：", asked)
        self.form.addRow("报废原因：", self.reason)
        self.approve = QRadioButton("同意报废")
        self.refuse = QRadioButton("不同意，退回维修")
        self._group = QButtonGroup(self)
        self._group.addButton(self.approve)
        self._group.addButton(self.refuse)
        row = QHBoxLayout()
        row.addWidget(self.approve)
        row.addSpacing(16)
        row.addWidget(self.refuse)
        row.addStretch(1)
        self.form.addRow("审批结论：", row)
        self.note = text_box("审批意见；不同意时必填", 72)
        self.form.addRow("审批意见：", self.note)
        self.setMinimumWidth(600)

    def problems(self) -> str:
        if not (self.approve.isChecked() or self.refuse.isChecked()):
            return "请选择同意或不同意报废。"
        if self.refuse.isChecked() and not plain(self.note):
            return "不同意报废时须写明意见，退回工作台。"
        return ""

    def job(self) -> Call[ScrapView]:
        assert self.desk is not None
        return call(
            scrapping.decide_scrap,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            self.approve.isChecked(),
            plain(self.note),
        )
