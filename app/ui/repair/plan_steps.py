"""Finding the fault: the investigation plan (排查方案, PC) and its versions, the localization
(故障定位, DW) and the retest without a fault (复测无故障); a late one says why."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.kernel.terms import RuleCode, plan_version_label
from app.services.kernel.views import BenchLine
from app.services.repair import repairs
from app.ui.kit.formats import deadline_sentence
from app.ui.kit.runner import Call, call
from app.ui.repair.step_form import (
    REQUIRED,
    LateReason,
    StepDialog,
    code_combo,
    hint_label,
    line_edit,
    plain,
    text_box,
)

if TYPE_CHECKING:
    from app.services.oversight.deadlines import Lateness
    from app.ui.kit.page import Desk

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


# --- 排查方案 ---------------------------------------------------------------------------------


def next_version(version: str) -> str:
    """The version after `version`: A → B, 2 → 3, V1.0 → "" (the person writes it)."""
    if version.isdigit():
        return str(int(version) + 1)
    if len(version) == 1 and version.isalpha() and version.upper() != "Z":
        return chr(ord(version.upper()) + 1)
    return ""


class PlanDialog(StepDialog):
    """故障排查方案 (PC): a technical document with number, version, author and a file."""

    def __init__(
        self,
        desk: Desk,
        line: BenchLine,
        previous: tuple[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        new_version = previous is not None
        super().__init__(
            "新版排查方案" if new_version else "编写故障排查方案",
            (
                f"已有排查方案 {previous[0]}（{plan_version_label(previous[1])}）；"
                "新版本另行存档，旧版本保留。"
                if previous
                else "登记故障排查方案（PC）；保存后产品转入“排查中”，开始故障定位。"
            ),
            ok_text="保存方案",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        self.prompts = desk.prompts
        self.document_no = line_edit(f"方案文件编号（{REQUIRED}）", previous[0] if previous else "")
        self.version = line_edit(
            f"如 A、B 或 1、2（{REQUIRED}）",
            next_version(previous[1]) if previous else "A",
        )
        self.version.setMaximumWidth(160)
        self.plan_title = line_edit("方案标题（可不填）")
        self.author = line_edit(f"编写人（{REQUIRED}）", desk.actor.name)
        self.form.addRow("文件编号：", self.document_no)
        self.form.addRow("版本：", self.version)
        self.form.addRow("标题：", self.plan_title)
        self.form.addRow("编写人：", self.author)
        self.attachment: tuple[str, bytes] | None = None
        self.attachment_label = QLabel("未附文件")
        self.attachment_label.setStyleSheet("color: palette(mid);")
        self.attach_button = QPushButton("选择文件…")
        self.detach_button = QPushButton("移除")
        self.attach_button.clicked.connect(self.choose_file)
        self.detach_button.clicked.connect(self.remove_attachment)
        row = QHBoxLayout()
        row.addWidget(self.attach_button)
        row.addWidget(self.detach_button)
        row.addSpacing(8)
        row.addWidget(self.attachment_label, 1)
        self.form.addRow("方案文件：", row)
        self.set_attachment(None)
        self.setMinimumWidth(620)

    def choose_file(self) -> None:
        path = self.prompts.open_file(
            self, "选择方案文件", "文档 (*.pdf *.doc *.docx *.wps *.xls *.xlsx *.txt);;所有文件 (*)"
        )
        if path:
            self.attach_file(path)

    def attach_file(self, path: str) -> None:
        name = Path(path).name
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self.show_error(f"无法读取“{name}”：{exc.strerror or exc}")
            return
        if not data:
            self.show_error(f"“{name}”是空文件。")
            return
        if len(data) > MAX_ATTACHMENT_BYTES:
            self.show_error(f"“{name}”超过 50 MB，请压缩后再添加。")
            return
        self.show_error("")
        self.set_attachment((name, data))

    def remove_attachment(self) -> None:
        self.set_attachment(None)

    def set_attachment(self, attachment: tuple[str, bytes] | None) -> None:
        self.attachment = attachment
        if attachment is None:
            self.attachment_label.setText("未附文件")
            self.attachment_label.setStyleSheet("color: palette(mid);")
        else:
            kb = max(1, round(len(attachment[1]) / 1024))
            self.attachment_label.setText(f"{attachment[0]}（{kb} KB）")
            self.attachment_label.setStyleSheet("")
        self.detach_button.setEnabled(attachment is not None)

    def problems(self) -> str:
        missing = [
            label
            for label, edit in (
                ("文件编号", self.document_no),
                ("版本", self.version),
                ("编写人", self.author),
            )
            if not edit.text().strip()
        ]
        return f"请填写{'、'.join(missing)}。" if missing else ""

    def job(self) -> Call[str]:
        assert self.desk is not None
        return call(
            repairs.write_investigation_plan,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            self.document_no.text(),
            self.version.text(),
            self.author.text(),
            title=self.plan_title.text(),
            attachment=self.attachment,
        )


# --- 故障定位 / 复测无故障 ---------------------------------------------------------------------


class LocalizeDialog(StepDialog):
    """故障定位: fault mode and cause category from the admin's lists, faulty part, conclusion."""

    def __init__(
        self,
        desk: Desk,
        line: BenchLine,
        choices: tuple[Sequence[str], Sequence[str]],
        lateness: Lateness | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "故障定位",
            "故障复现并定位后填写。保存后生成故障定位情况报告（DW），报送主管部门和质量部门。",
            ok_text="保存定位结论",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        modes, causes = choices
        self.fault_mode = code_combo(modes, "请选择故障模式")
        self.cause_category = code_combo(causes, "请选择原因类别")
        self.faulty_part = line_edit(f"如 X 轴陀螺、电源模块（{REQUIRED}）")
        self.conclusion = text_box(f"故障复现情况、定位过程和结论（{REQUIRED}）", 96)
        self.form.addRow("故障模式：", self.fault_mode)
        self.form.addRow("原因类别：", self.cause_category)
        self.form.addRow("故障部位：", self.faulty_part)
        self.form.addRow("定位结论：", self.conclusion)
        self.late = LateReason(self, lateness, "故障定位")
        if lateness is None:
            for d in line.deadlines:
                if d.rule == RuleCode.localization:
                    self.form.addRow("", hint_label(deadline_sentence(d)))
        self.setMinimumWidth(600)

    def problems(self) -> str:
        missing = []
        if self.fault_mode.currentIndex() < 0:
            missing.append("故障模式")
        if self.cause_category.currentIndex() < 0:
            missing.append("原因类别")
        if not self.faulty_part.text().strip():
            missing.append("故障部位")
        if not plain(self.conclusion):
            missing.append("定位结论")
        return f"请填写{'、'.join(missing)}。" if missing else self.late.problem()

    def job(self) -> Call[str]:
        assert self.desk is not None
        return call(
            repairs.localize,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            fault_mode=self.fault_mode.currentText(),
            cause_category=self.cause_category.currentText(),
            faulty_part=self.faulty_part.text(),
            conclusion=plain(self.conclusion),
            late_reason=self.late.text(),
        )


class NoFaultDialog(StepDialog):
    """复测无故障: the retest did not reproduce the fault; repair is skipped, acceptance is not."""

    def __init__(
        self,
        desk: Desk,
        line: BenchLine,
        lateness: Lateness | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "复测无故障",
            "复测未能复现故障时填写：产品不经维修直接转验收。"
            "保存后生成故障定位情况报告（DW），报送主管部门和质量部门。",
            ok_text="确认复测无故障",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        self.conclusion = text_box(f"复测条件、次数和结论（{REQUIRED}）", 110)
        self.form.addRow("复测情况：", self.conclusion)
        self.late = LateReason(self, lateness, "故障定位")
        self.setMinimumWidth(560)

    def problems(self) -> str:
        if not plain(self.conclusion):
            return "请写明复测情况和结论。"
        return self.late.problem()

    def job(self) -> Call[str]:
        assert self.desk is not None
        return call(
            repairs.no_fault_found,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            plain(self.conclusion),
            late_reason=self.late.text(),
        )
