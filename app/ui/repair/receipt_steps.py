"""The first steps at the manufacturer: countersigning the dispatch handover (签收) and the
unboxing inspection with the user representative (开箱检查, KX)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QScrollArea, QWidget

from app.services.admin import rules
from app.services.kernel.terms import RuleCode
from app.services.kernel.views import BenchLine
from app.services.repair import repairs
from app.ui.kit.photo_strip import PhotoStrip
from app.ui.kit.runner import Call, call
from app.ui.repair.step_form import REQUIRED, StepDialog, line_edit, plain, text_box

if TYPE_CHECKING:
    from app.ui.kit.page import Desk


# --- 签收 -------------------------------------------------------------------------------------


def _span(desk: Desk, rule: RuleCode) -> str:
    """The rule's length as the admin set it (时限规则)."""
    spans = desk.runner.now(call(rules.rule_spans, desk.db)) or {}
    return spans.get(rule, "")


class ReceiptDialog(StepDialog):
    """Countersign a dispatch handover record (交接记录单) with an anomaly per item, if any."""

    def __init__(
        self,
        desk: Desk,
        handover_number: str,
        lines: Sequence[BenchLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "签收交接记录",
            f"交接记录单 {handover_number}，共 {len(lines)} 件。请逐件核对产品及其证明文件、"
            "故障单、装箱清单与交接记录一致后签收；发现异常写在该产品后面。"
            f"签收后开始计算故障定位时限（{_span(desk, RuleCode.localization)}）"
            f"和在修时间（{_span(desk, RuleCode.repair)}）。",
            ok_text="签收",
            parent=parent,
            desk=desk,
        )
        self.handover_number = handover_number
        self.lines = list(lines)
        self.receiver = line_edit(f"接收人姓名（{REQUIRED}）", desk.actor.name)
        self.form.addRow("接收人：", self.receiver)
        self.anomalies: dict[int, QLineEdit] = {}
        rows = QWidget()
        grid = QGridLayout(rows)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        for i, line in enumerate(self.lines):
            name = QLabel(f"{line.item_code}　{line.model_name}")
            name.setToolTip(f"任务 {line.task_number}\n故障现象：{line.fault_description}")
            edit = line_edit("异常情况（没有可不填）")
            self.anomalies[line.line_id] = edit
            grid.addWidget(name, i, 0)
            grid.addWidget(edit, i, 1)
        grid.setColumnStretch(1, 1)
        if len(self.lines) > 6:
            scroll = QScrollArea()
            scroll.setWidget(rows)
            scroll.setWidgetResizable(True)
            scroll.setFixedHeight(220)
            self.form.addRow("逐件核对：", scroll)
        else:
            self.form.addRow("逐件核对：", rows)
        self.note = text_box("其他说明（没有可不填）", 56)
        self.form.addRow("其他说明：", self.note)
        self.setMinimumWidth(640)

    def problems(self) -> str:
        return "" if self.receiver.text().strip() else "请填写接收人姓名。"

    def job(self) -> Call[repairs.ReceiptResult]:
        assert self.desk is not None
        return call(
            repairs.receive,
            self.desk.db,
            self.desk.actor,
            self.handover_number,
            self.receiver.text().strip(),
            anomalies={i: e.text().strip() for i, e in self.anomalies.items() if e.text().strip()},
            note=plain(self.note),
        )


# --- 开箱检查 ---------------------------------------------------------------------------------

UNBOXING_CHECKS = (
    ("packaging_ok", "包装完好"),
    ("seals_ok", "铅封完好"),
    ("appearance_ok", "外观无损"),
    ("accessories_ok", "附件齐全"),
    ("documents_consistent", "文物一致"),
)


class UnboxingDialog(StepDialog):
    """开箱检查 with the user representative; photos are stored with the record (KX)."""

    def __init__(
        self,
        desk: Desk,
        line: BenchLine,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "开箱检查",
            "与用户代表一起开箱检查。勾选表示该项正常；不正常的项目请在备注中写明并拍照。"
            "保存后生成开箱检查记录（KX）。",
            ok_text="保存开箱记录",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        self.checks: dict[str, QCheckBox] = {}
        boxes = QWidget()
        grid = QGridLayout(boxes)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (key, label) in enumerate(UNBOXING_CHECKS):
            box = QCheckBox(label)
            box.setObjectName(key)
            self.checks[key] = box
            grid.addWidget(box, i // 3, i % 3)
        self.form.addRow("检查结果：", boxes)
        self.user_rep = line_edit(f"在场的用户代表姓名（{REQUIRED}）")
        self.form.addRow("用户代表：", self.user_rep)
        self.notes = text_box("开箱情况说明；有不正常的项目时必填", 64)
        self.form.addRow("备注：", self.notes)
        self.photos = PhotoStrip(desk.prompts)
        self.photos.failed.connect(self.show_error)
        self.form.addRow("照片：", self.photos)
        self.setMinimumWidth(700)

    def unboxing(self) -> repairs.Unboxing:
        ok = {key: box.isChecked() for key, box in self.checks.items()}
        return repairs.Unboxing(
            packaging_ok=ok["packaging_ok"],
            seals_ok=ok["seals_ok"],
            appearance_ok=ok["appearance_ok"],
            accessories_ok=ok["accessories_ok"],
            documents_consistent=ok["documents_consistent"],
            user_rep_name=self.user_rep.text().strip(),
            notes=plain(self.notes),
        )

    def problems(self) -> str:
        if not self.user_rep.text().strip():
            return "开箱检查须有用户代表在场，请填写用户代表姓名。"
        wrong = [label for key, label in UNBOXING_CHECKS if not self.checks[key].isChecked()]
        if wrong and not plain(self.notes):
            return f"未勾选（不正常）的项目：{'、'.join(wrong)}。请在备注中写明情况。"
        return ""

    def job(self) -> Call[str]:
        assert self.desk is not None
        return call(
            repairs.record_unboxing,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            self.unboxing(),
            self.photos.photos(),
        )
