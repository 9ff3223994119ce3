"""The forms of the manufacturer's steps, one dialog each, in the words of the people filling them.

Each dialog checks its required fields, then calls its service itself when OK is pressed: a refusal
(`DomainError`) is shown inside the dialog, which stays open with everything typed, so the person
corrects and tries again. `result_value` holds what the service returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.admin import codelists
from app.services.admin.codelists import ChecklistPoint
from app.services.kernel.context import Actor, local_today
from app.services.kernel.terms import LineStatus, RuleCode
from app.services.kernel.views import BenchLine
from app.services.repair import repairs
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.formats import line_status_label
from app.ui.kit.photo_strip import PhotoStrip
from app.ui.kit.prompts import Prompts
from app.ui.kit.style import FOREGROUND, Tone, message_css
from app.ui.repair.step_labels import deadline_sentence

if TYPE_CHECKING:
    from app.db import Database

AnyIndex = QModelIndex | QPersistentModelIndex
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
REQUIRED = "必填"


def text_box(placeholder: str, height: int = 72) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(height)
    box.setTabChangesFocus(True)
    return box


def line_edit(placeholder: str = "", text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    return edit


def plain(widget: QPlainTextEdit) -> str:
    return widget.toPlainText().strip()


def line_summary(line: BenchLine) -> str:
    return (
        f"{line.item_code}　{line.model_name}\n"
        f"任务 {line.task_number}　当前状态：{line_status_label(line.status)}"
        + (f"\n故障现象：{line.fault_description}" if line.fault_description else "")
    )


class StepDialog(FormDialog):
    """A form whose OK validates, then saves through the service; a refusal keeps it open."""

    def __init__(
        self,
        title: str,
        heading: str = "",
        ok_text: str = "保存",
        line: BenchLine | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, heading, ok_text=ok_text, parent=parent)
        self.result_value: Any = None
        self._fitted = False
        if line is not None:
            summary = QLabel(line_summary(line))
            summary.setWordWrap(True)
            summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            summary.setStyleSheet(message_css(Tone.muted))
            self.form.addRow(summary)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._fitted:
            self._fitted = True
            self._fit_height(max(self.width(), self.minimumWidth()))
        super().showEvent(event)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        self._fit_height(self.width())

    def _fit_height(self, width: int) -> None:
        """Wrapped labels are measured at the size hint's narrower width (FormDialog's
        adjustSize); fit the height to the real width, so no gap opens between the rows."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        if height > 0:
            self.resize(width, height)
        else:
            self.adjustSize()

    def problems(self) -> str:
        """What is missing before the service can be asked ("" when nothing)."""
        return ""

    def save(self) -> Any:
        """Call the service; raise DomainError to refuse."""
        return None

    def accept(self) -> None:
        problem = self.problems()
        if problem:
            self.show_error(problem)
            return
        try:
            self.result_value = self.save()
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        super().accept()


# --- 签收 -------------------------------------------------------------------------------------


class ReceiptDialog(StepDialog):
    """Countersign a dispatch handover record (交接记录单) with an anomaly per item, if any."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        handover_number: str,
        lines: Sequence[BenchLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "签收交接记录",
            f"交接记录单 {handover_number}，共 {len(lines)} 件。请逐件核对产品及其证明文件、"
            "故障单、装箱清单与交接记录一致后签收；发现异常写在该产品后面。"
            "签收后开始计算故障定位时限（5 个工作日）和在修时间（60 天）。",
            ok_text="签收",
            parent=parent,
        )
        self.db, self.actor = db, actor
        self.handover_number = handover_number
        self.lines = list(lines)
        self.receiver = line_edit(f"接收人姓名（{REQUIRED}）", actor.name)
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

    def save(self) -> repairs.ReceiptResult:
        return repairs.receive(
            self.db,
            self.actor,
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
        db: Database,
        actor: Actor,
        line: BenchLine,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "开箱检查",
            "与用户代表一起开箱检查。勾选表示该项正常；不正常的项目请在备注中写明并拍照。"
            "保存后生成开箱检查记录（KX）。",
            ok_text="保存开箱记录",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
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
        self.photos = PhotoStrip(prompts)
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

    def save(self) -> str:
        return repairs.record_unboxing(
            self.db, self.actor, self.line.line_id, self.unboxing(), self.photos.photos()
        )


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
        db: Database,
        actor: Actor,
        line: BenchLine,
        prompts: Prompts | None = None,
        previous: tuple[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        new_version = previous is not None
        super().__init__(
            "新版排查方案" if new_version else "编写故障排查方案",
            (
                f"已有排查方案 {previous[0]} 版本 {previous[1]}；新版本另行存档，旧版本保留。"
                if previous
                else "登记故障排查方案（PC）；保存后产品转入“排查中”，开始故障定位。"
            ),
            ok_text="保存方案",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        self.prompts = prompts or Prompts()
        self.document_no = line_edit(f"方案文件编号（{REQUIRED}）", previous[0] if previous else "")
        self.version = line_edit(
            f"如 A、B 或 1、2（{REQUIRED}）",
            next_version(previous[1]) if previous else "A",
        )
        self.version.setMaximumWidth(160)
        self.plan_title = line_edit("方案标题（可不填）")
        self.author = line_edit(f"编写人（{REQUIRED}）", actor.name)
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

    def save(self) -> str:
        return repairs.write_investigation_plan(
            self.db,
            self.actor,
            self.line.line_id,
            self.document_no.text(),
            self.version.text(),
            self.author.text(),
            title=self.plan_title.text(),
            attachment=self.attachment,
        )


# --- 故障定位 / 复测无故障 ---------------------------------------------------------------------


def code_combo(labels: Sequence[str], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(labels))
    combo.setPlaceholderText(placeholder)
    combo.setCurrentIndex(-1)
    combo.setMinimumContentsLength(12)
    return combo


class LocalizeDialog(StepDialog):
    """故障定位: fault mode and cause category from the admin's lists, faulty part, conclusion."""

    def __init__(
        self, db: Database, actor: Actor, line: BenchLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "故障定位",
            "故障复现并定位后填写。保存后生成故障定位情况报告（DW），报送主管部门和质量部门。",
            ok_text="保存定位结论",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        modes = [c.label for c in codelists.list_codes(db, codelists.FAULT_MODE)]
        causes = [c.label for c in codelists.list_codes(db, codelists.CAUSE_CATEGORY)]
        self.fault_mode = code_combo(modes, "请选择故障模式")
        self.cause_category = code_combo(causes, "请选择原因类别")
        self.faulty_part = line_edit(f"如 X 轴陀螺、电源模块（{REQUIRED}）")
        self.conclusion = text_box(f"故障复现情况、定位过程和结论（{REQUIRED}）", 96)
        self.form.addRow("故障模式：", self.fault_mode)
        self.form.addRow("原因类别：", self.cause_category)
        self.form.addRow("故障部位：", self.faulty_part)
        self.form.addRow("定位结论：", self.conclusion)
        for d in line.deadlines:
            if d.rule == RuleCode.localization:
                hint = QLabel(deadline_sentence(d))
                hint.setStyleSheet("color: palette(mid);")
                self.form.addRow("", hint)
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
        return f"请填写{'、'.join(missing)}。" if missing else ""

    def save(self) -> str:
        return repairs.localize(
            self.db,
            self.actor,
            self.line.line_id,
            fault_mode=self.fault_mode.currentText(),
            cause_category=self.cause_category.currentText(),
            faulty_part=self.faulty_part.text(),
            conclusion=plain(self.conclusion),
        )


class NoFaultDialog(StepDialog):
    """复测无故障: the retest did not reproduce the fault; repair is skipped, acceptance is not."""

    def __init__(
        self, db: Database, actor: Actor, line: BenchLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "复测无故障",
            "复测未能复现故障时填写：产品不经维修直接转验收。"
            "保存后生成故障定位情况报告（DW），报送主管部门和质量部门。",
            ok_text="确认复测无故障",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        self.conclusion = text_box(f"复测条件、次数和结论（{REQUIRED}）", 110)
        self.form.addRow("复测情况：", self.conclusion)
        self.setMinimumWidth(560)

    def problems(self) -> str:
        return "" if plain(self.conclusion) else "请写明复测情况和结论。"

    def save(self) -> str:
        return repairs.no_fault_found(
            self.db, self.actor, self.line.line_id, plain(self.conclusion)
        )


# --- 维修方案 / 维修记录 ----------------------------------------------------------------------


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class RepairPlanDialog(StepDialog):
    """维修方案与计划: measures and a planned completion date; the first one starts the repair."""

    def __init__(
        self, db: Database, actor: Actor, line: BenchLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "制定维修方案",
            "填写维修措施和计划完成日期；保存后产品转入“维修中”。",
            ok_text="保存方案",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        today = local_today()
        repair_due = next(
            (d.due for d in line.deadlines if d.rule == RuleCode.repair and d.due), None
        )
        default = today + dt.timedelta(days=14)
        if repair_due is not None and today <= repair_due < default:
            default = repair_due
        self.document_no = line_edit("维修方案文件编号（可不填）")
        self.version = line_edit("版本（可不填）")
        self.version.setMaximumWidth(160)
        self.measures = text_box(f"维修措施，如更换的器件、调试和试验项目（{REQUIRED}）", 96)
        self.planned = QDateEdit(_qdate(default))
        self.planned.setCalendarPopup(True)
        self.planned.setDisplayFormat("yyyy-MM-dd")
        self.planned.setMinimumDate(_qdate(today))
        self.planned.setMinimumWidth(140)
        self.planned.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.form.addRow("方案文件编号：", self.document_no)
        self.form.addRow("版本：", self.version)
        self.form.addRow("维修措施：", self.measures)
        self.form.addRow("计划完成日期：", self.planned)
        for d in line.deadlines:
            if d.rule == RuleCode.repair:
                hint = QLabel(deadline_sentence(d))
                hint.setStyleSheet("color: palette(mid);")
                self.form.addRow("", hint)
        self.setMinimumWidth(600)

    def planned_date(self) -> dt.date:
        day = self.planned.date()
        return dt.date(day.year(), day.month(), day.day())

    def problems(self) -> str:
        return "" if plain(self.measures) else "请填写维修措施。"

    def save(self) -> None:
        repairs.plan_repair(
            self.db,
            self.actor,
            self.line.line_id,
            plain(self.measures),
            self.planned_date(),
            self.document_no.text(),
            self.version.text(),
        )


PART_COLUMNS = ("零件名称", "零件号", "拆下零件编号", "装上零件编号")


class PartsModel(QAbstractTableModel):
    """The parts replaced, typed in place: name, part number, removed and fitted serials."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows_: list[list[str]] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows_)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(PART_COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows_):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.rows_[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return "零件号必填"
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self.rows_[index.row()][index.column()] = str(value or "")
        self.dataChanged.emit(index, index)
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(PART_COLUMNS):
            return PART_COLUMNS[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows_):
            return str(section + 1)
        return None

    def add_row(self) -> int:
        row = len(self.rows_)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows_.append(["", "", "", ""])
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self.rows_):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows_[row]
            self.endRemoveRows()

    def parts(self) -> list[repairs.Part]:
        return [
            repairs.Part(
                part_no=no.strip(),
                part_name=name.strip(),
                removed_serial=removed.strip(),
                fitted_serial=fitted.strip(),
            )
            for name, no, removed, fitted in self.rows_
            if any(x.strip() for x in (name, no, removed, fitted))
        ]

    def rows_without_number(self) -> list[int]:
        return [
            i + 1
            for i, (name, no, removed, fitted) in enumerate(self.rows_)
            if not no.strip() and any(x.strip() for x in (name, removed, fitted))
        ]


class RepairRecordDialog(StepDialog):
    """维修记录 (WX): what was done, the parts replaced, the tests, who repaired."""

    def __init__(
        self, db: Database, actor: Actor, line: BenchLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "记录维修",
            "维修完成后填写；保存后产品转为“已修复”，等待质量检验员验收。"
            "验收合格后本记录写入产品质量证明文件。",
            ok_text="保存维修记录",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        self.work_done = text_box(f"维修内容（{REQUIRED}）", 80)
        self.tests = text_box("维修后进行的试验、测试及结果", 64)
        self.repaired_by = line_edit(f"维修人（{REQUIRED}）", actor.name)
        self.parts_model = PartsModel(self)
        self.parts_view = QTableView()
        self.parts_view.setModel(self.parts_model)
        self.parts_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.parts_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.parts_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.parts_view.verticalHeader().setDefaultSectionSize(26)
        self.parts_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.parts_view.setFixedHeight(130)
        self.add_part_button = QPushButton("添加零件")
        self.remove_part_button = QPushButton("删除所选零件")
        self.add_part_button.clicked.connect(self.add_part)
        self.remove_part_button.clicked.connect(self.remove_part)
        # Bound methods, not lambdas: a lambda holding `self` would keep the closed dialog alive.
        self.parts_view.selectionModel().currentChanged.connect(self._parts_changed)
        self.parts_model.rowsInserted.connect(self._parts_changed)
        self.parts_model.rowsRemoved.connect(self._parts_changed)
        parts = QWidget()
        parts_layout = QVBoxLayout(parts)
        parts_layout.setContentsMargins(0, 0, 0, 0)
        parts_layout.addWidget(self.parts_view)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_part_button)
        buttons.addWidget(self.remove_part_button)
        hint = QLabel("双击单元格填写；没有更换零件可不填")
        hint.setStyleSheet("color: palette(mid);")
        buttons.addWidget(hint, 1)
        parts_layout.addLayout(buttons)
        self.form.addRow("维修内容：", self.work_done)
        self.form.addRow("更换零件：", parts)
        self.form.addRow("试验情况：", self.tests)
        self.form.addRow("维修人：", self.repaired_by)
        self._parts_changed()
        self.setMinimumWidth(720)

    def add_part(self) -> None:
        row = self.parts_model.add_row()
        index = self.parts_model.index(row, 0)
        self.parts_view.setCurrentIndex(index)
        self.parts_view.setFocus()
        self.parts_view.edit(index)

    def remove_part(self) -> None:
        index = self.parts_view.currentIndex()
        if index.isValid():
            self.parts_model.remove_row(index.row())

    def _parts_changed(self, *_args: Any) -> None:
        self.remove_part_button.setEnabled(self.parts_view.currentIndex().isValid())

    def problems(self) -> str:
        missing = []
        if not plain(self.work_done):
            missing.append("维修内容")
        if not self.repaired_by.text().strip():
            missing.append("维修人")
        if missing:
            return f"请填写{'、'.join(missing)}。"
        rows = self.parts_model.rows_without_number()
        if rows:
            return f"更换零件第 {'、'.join(map(str, rows))} 行缺少零件号。"
        return ""

    def save(self) -> str:
        return repairs.record_repair(
            self.db,
            self.actor,
            self.line.line_id,
            plain(self.work_done),
            self.repaired_by.text(),
            plain(self.tests),
            self.parts_model.parts(),
        )


# --- 验收 -------------------------------------------------------------------------------------


class PointRow:
    """One checklist point: 合格 / 不合格 and a note."""

    def __init__(self, point: ChecklistPoint, owner: QWidget) -> None:
        self.point = point
        self.label = QLabel(f"{point.position}. {point.text}")
        self.label.setWordWrap(True)
        self.passed = QRadioButton("合格")
        self.failed = QRadioButton("不合格")
        self.group = QButtonGroup(owner)
        self.group.addButton(self.passed)
        self.group.addButton(self.failed)
        self.note = line_edit("说明（不合格时写明情况）")

    def decided(self) -> bool:
        return self.passed.isChecked() or self.failed.isChecked()


class AcceptanceDialog(StepDialog):
    """验收 (YS) against the model's checklist; a pass writes the certificate page (WX)."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        line: BenchLine,
        points: Sequence[ChecklistPoint],
        parent: QWidget | None = None,
    ) -> None:
        nff = line.status == LineStatus.no_fault_found
        super().__init__(
            "验收",
            ("复测无故障的产品同样须经验收。" if nff else "")
            + "按型号验收细则逐项检验。全部合格则验收合格，维修记录写入产品质量证明文件；"
            "有不合格项目则退回维修，并须写明问题。",
            ok_text="保存验收结论",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        self.rows = [PointRow(p, self) for p in points]
        self.verdict_pass = QRadioButton("合格")
        self.verdict_fail = QRadioButton("不合格")
        self._verdict_group = QButtonGroup(self)
        self._verdict_group.addButton(self.verdict_pass)
        self._verdict_group.addButton(self.verdict_fail)
        if self.rows:
            table = QWidget()
            grid = QGridLayout(table)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setHorizontalSpacing(12)
            for i, row in enumerate(self.rows):
                grid.addWidget(row.label, i, 0)
                grid.addWidget(row.passed, i, 1)
                grid.addWidget(row.failed, i, 2)
                grid.addWidget(row.note, i, 3)
                row.passed.toggled.connect(self._update_verdict)
                row.failed.toggled.connect(self._update_verdict)
            grid.setColumnStretch(0, 2)
            grid.setColumnStretch(3, 3)
            if len(self.rows) > 8:
                scroll = QScrollArea()
                scroll.setWidget(table)
                scroll.setWidgetResizable(True)
                scroll.setFixedHeight(260)
                self.form.addRow("验收项目：", scroll)
            else:
                self.form.addRow("验收项目：", table)
            self.all_pass_button = QPushButton("全部合格")
            self.all_pass_button.clicked.connect(self.pass_all)
            self.verdict_label = QLabel()
            bar_box = QWidget()
            bar_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            bar = QHBoxLayout(bar_box)
            bar.setContentsMargins(0, 0, 0, 0)
            bar.addWidget(self.all_pass_button)
            bar.addSpacing(12)
            bar.addWidget(self.verdict_label, 1)
            self.form.addRow("", bar_box)
        else:
            none = QLabel("该型号没有验收细则，请直接给出验收结论。")
            none.setStyleSheet(message_css(Tone.warn))
            self.form.addRow(none)
            verdict = QHBoxLayout()
            verdict.addWidget(self.verdict_pass)
            verdict.addWidget(self.verdict_fail)
            verdict.addStretch(1)
            self.form.addRow("验收结论：", verdict)
            self.verdict_label = QLabel()
        self.findings = text_box("发现的问题；有不合格项目时必填", 72)
        self.inspector = line_edit(f"检验员（{REQUIRED}）", actor.name)
        self.form.addRow("问题描述：", self.findings)
        self.form.addRow("检验员：", self.inspector)
        self._update_verdict()
        self.setMinimumWidth(760)

    def pass_all(self) -> None:
        for row in self.rows:
            row.passed.setChecked(True)

    def verdict(self) -> bool | None:
        """True all passed, False something failed, None not yet decided."""
        if not self.rows:
            if self.verdict_pass.isChecked():
                return True
            return False if self.verdict_fail.isChecked() else None
        if any(r.failed.isChecked() for r in self.rows):
            return False
        return True if all(r.decided() for r in self.rows) else None

    def _update_verdict(self, *_args: Any) -> None:
        verdict = self.verdict()
        if not self.rows:
            return
        if verdict is None:
            left = sum(1 for r in self.rows if not r.decided())
            text, tone = f"还有 {left} 项未给出结论", Tone.muted
        elif verdict:
            text, tone = "结论：验收合格", Tone.ok
        else:
            text, tone = "结论：验收不合格，退回维修", Tone.bad
        self.verdict_label.setText(text)
        self.verdict_label.setStyleSheet(f"color: {FOREGROUND[tone]}; font-weight: bold;")

    def problems(self) -> str:
        undecided = [r.point.text for r in self.rows if not r.decided()]
        if undecided:
            return f"请逐项给出结论：{'、'.join(undecided)}。"
        verdict = self.verdict()
        if verdict is None:
            return "请选择验收结论。"
        if not verdict and not plain(self.findings):
            failed = [r.point.text for r in self.rows if r.failed.isChecked()]
            what = f"（{'、'.join(failed)}）" if failed else ""
            return f"验收不合格{what}，请在“问题描述”中写明问题。"
        if not self.inspector.text().strip():
            return "请填写检验员。"
        return ""

    def save(self) -> repairs.AcceptanceOutcome:
        results = {r.point.id: (r.passed.isChecked(), r.note.text().strip()) for r in self.rows}
        return repairs.inspect_acceptance(
            self.db,
            self.actor,
            self.line.line_id,
            results,
            findings=plain(self.findings),
            inspector=self.inspector.text().strip(),
            passed=None if self.rows else self.verdict(),
        )


# --- 报废 -------------------------------------------------------------------------------------


class ScrapDialog(StepDialog):
    """报废: a manager approves it with a reason; the item leaves its kit set."""

    def __init__(
        self, db: Database, actor: Actor, line: BenchLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "批准报废",
            "报废后产品不再维修，并退出所在齐套（齐套情况报告中注明）。此操作不能撤销。",
            ok_text="批准报废",
            line=line,
            parent=parent,
        )
        self.db, self.actor, self.line = db, actor, line
        self.reason = text_box(f"报废原因（{REQUIRED}）", 90)
        self.form.addRow("报废原因：", self.reason)
        self.setMinimumWidth(560)

    def problems(self) -> str:
        return "" if plain(self.reason) else "报废必须写明原因。"

    def save(self) -> None:
        repairs.scrap(self.db, self.actor, self.line.line_id, plain(self.reason))
