"""The repair and its acceptance: the repair plan (维修方案), the repair record (维修记录, WX)
with the parts replaced and the quality certificate it goes into, and the acceptance (验收, YS)
against the model's checklist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.admin.codelists import ChecklistPoint
from app.services.kernel.context import local_today
from app.services.kernel.terms import LineStatus, RuleCode
from app.services.kernel.views import BenchLine
from app.services.repair import repairs
from app.ui.kit.formats import deadline_sentence
from app.ui.kit.runner import Call, call
from app.ui.kit.style import FOREGROUND, Tone, message_css
from app.ui.repair.step_form import (
    REQUIRED,
    LateReason,
    StepDialog,
    hint_label,
    line_edit,
    plain,
    text_box,
)

if TYPE_CHECKING:
    from app.services.oversight.deadlines import Lateness
    from app.ui.kit.page import Desk

AnyIndex = QModelIndex | QPersistentModelIndex


class CertificateField:
    """The item's quality certificate (产品质量证明文件): its number confirmed when on file,
    entered when not yet identified (issue 7, defect 11)."""

    def __init__(self, dialog: StepDialog, on_file: str) -> None:
        self.on_file = on_file
        self.edit = line_edit(f"产品质量证明文件上的编号（{REQUIRED}）", on_file)
        self.edit.setObjectName("certificate_no")
        self.edit.setReadOnly(bool(on_file))
        dialog.form.addRow("质量证明文件：", self.edit)
        if on_file:
            dialog.form.addRow(
                "", hint_label("编号取自该产品已登记的质量证明文件，请与纸质文件核对。")
            )

    def number(self) -> str:
        return self.edit.text().strip()


# --- 维修方案 / 维修记录 ----------------------------------------------------------------------


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class RepairPlanDialog(StepDialog):
    """维修方案与计划: measures and a planned completion date; the first one starts the repair."""

    def __init__(self, desk: Desk, line: BenchLine, parent: QWidget | None = None) -> None:
        super().__init__(
            "制定维修方案",
            "填写维修措施和计划完成日期；保存后产品转入“维修中”。",
            ok_text="保存方案",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
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
                self.form.addRow("", hint_label(deadline_sentence(d)))
        self.setMinimumWidth(600)

    def planned_date(self) -> dt.date:
        day = self.planned.date()
        return dt.date(day.year(), day.month(), day.day())

    def problems(self) -> str:
        return "" if plain(self.measures) else "请填写维修措施。"

    def job(self) -> Call[None]:
        assert self.desk is not None
        return call(
            repairs.plan_repair,
            self.desk.db,
            self.desk.actor,
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
        self,
        desk: Desk,
        line: BenchLine,
        certificate_no: str = "",
        lateness: Lateness | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "记录维修",
            "维修完成后填写；保存后产品转为“已修复”，等待质量检验员验收。"
            "验收合格后本记录写入产品质量证明文件。",
            ok_text="保存维修记录",
            line=line,
            parent=parent,
            desk=desk,
        )
        self.line = line
        self.work_done = text_box(f"维修内容（{REQUIRED}）", 80)
        self.tests = text_box("维修后进行的试验、测试及结果", 64)
        self.repaired_by = line_edit(f"维修人（{REQUIRED}）", desk.actor.name)
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
        self.certificate = CertificateField(self, certificate_no)
        self.late = LateReason(self, lateness, "维修")
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
        if not self.certificate.number():
            missing.append("产品质量证明文件编号")
        if missing:
            return f"请填写{'、'.join(missing)}。"
        rows = self.parts_model.rows_without_number()
        if rows:
            return f"更换零件第 {'、'.join(map(str, rows))} 行缺少零件号。"
        return self.late.problem()

    def job(self) -> Call[str]:
        assert self.desk is not None
        return call(
            repairs.record_repair,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            plain(self.work_done),
            self.repaired_by.text(),
            plain(self.tests),
            self.parts_model.parts(),
            certificate_no=self.certificate.number(),
            late_reason=self.late.text(),
        )


# --- 验收 -------------------------------------------------------------------------------------


class PointRow:
    """One checklist point: 合格 / 不合格 and a note."""

    def __init__(self, point: ChecklistPoint, owner: QWidget) -> None:
        self.point = point
        rule = f"（合格判据：{point.criterion}）" if point.criterion else ""
        self.label = QLabel(f"{point.position}. {point.text}{rule}")
        self.label.setWordWrap(True)
        self.passed = QRadioButton("合格")
        self.failed = QRadioButton("不合格")
        self.group = QButtonGroup(owner)
        self.group.addButton(self.passed)
        self.group.addButton(self.failed)
        self.note = line_edit("实测值" if point.measured else "说明（不合格时写明情况）")

    def decided(self) -> bool:
        return self.passed.isChecked() or self.failed.isChecked()


class AcceptanceDialog(StepDialog):
    """验收 (YS) against the model's checklist; a pass writes the certificate page (WX)."""

    def __init__(
        self,
        desk: Desk,
        line: BenchLine,
        points: Sequence[ChecklistPoint],
        certificate_no: str = "",
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
            desk=desk,
        )
        self.line = line
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
        self.inspector = line_edit(f"检验员（{REQUIRED}）", desk.actor.name)
        self.form.addRow("问题描述：", self.findings)
        self.form.addRow("检验员：", self.inspector)
        self.certificate = CertificateField(self, certificate_no)
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
        if verdict and not self.certificate.number():
            return "验收合格的维修记录要写入产品质量证明文件：请填写证明文件编号。"
        return ""

    def job(self) -> Call[repairs.AcceptanceOutcome]:
        assert self.desk is not None
        results = {r.point.id: (r.passed.isChecked(), r.note.text().strip()) for r in self.rows}
        return call(
            repairs.inspect_acceptance,
            self.desk.db,
            self.desk.actor,
            self.line.line_id,
            results,
            findings=plain(self.findings),
            inspector=self.inspector.text().strip(),
            passed=None if self.rows else self.verdict(),
            certificate_no=self.certificate.number(),
        )
