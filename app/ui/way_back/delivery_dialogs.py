"""The way back's dialogs: items coming back from a manufacturer (文物一致), the delivery plan,
the handover to the user, the satisfaction follow-up, regrouping a kit set and its deadline.

Each dialog only asks: the page takes its `values()` and hands them to the service through the
runner, so a refusal is shown in one place (the page's message line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.kernel.terms import KIT_FIXED, kit_step_refusal, line_status_label
from app.services.kernel.views import DispatchLine, KitStatus
from app.services.way_back.delivery import BackCheck, PlanLine
from app.services.way_back.kitting import KitRow
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.formats import date_text
from app.ui.kit.paged_model import CENTER, Column
from app.ui.kit.style import Tone, message_css
from app.ui.way_back.check_table import (
    AnyColumn,
    CheckColumn,
    CheckRow,
    CheckTableModel,
    TextColumn,
    check_table,
)
from app.ui.way_back.kit_columns import item_status_text


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def date_field(value: dt.date, minimum: dt.date | None = None) -> QDateEdit:
    edit = QDateEdit(_qdate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if minimum is not None:
        edit.setMinimumDate(_qdate(minimum))
    edit.setMinimumWidth(130)
    return edit


def date_of(edit: QDateEdit) -> dt.date:
    day = edit.date()
    return dt.date(day.year(), day.month(), day.day())


def _summary_label(text: str = "", tone: Tone = Tone.muted) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.setStyleSheet(message_css(tone))
    return label


# --- 修复产品交回: the clerk checks each item against its documents -------------------------------

BACK_DOCUMENTS = ("证明文件(含维修记录)", "装箱清单", "文物一致")
BACK_TIPS = (
    "产品质量证明文件在，且已记入本次维修记录",
    "装箱清单在，与实物相符",
    "型号、出厂编号、数量与证明文件和交接记录一致",
)


def back_check(row: CheckRow) -> BackCheck:
    """The row as the service reads it: the service decides what is received."""
    return BackCheck(row.checks[0], row.checks[1], row.checks[2], row.text.strip())


def back_verdict(row: CheckRow) -> tuple[str, Tone]:
    if back_check(row).ok:
        return "接收", Tone.ok
    if row.text.strip():
        return "退回承制单位", Tone.bad
    return "请写明异常", Tone.warn


def _verdict_column() -> Column:
    return Column(
        "结论",
        lambda r: back_verdict(r)[0],
        CENTER,
        tone=lambda r: back_verdict(r)[1],
        tooltip=lambda r: "文件齐全、文物一致才接收；否则写明异常，产品留在承制单位",
        width=96,
    )


BACK_COLUMNS: tuple[AnyColumn, ...] = (
    Column("产品编码", lambda r: r.item.item_code, tooltip=lambda r: r.item.item_code, width=170),
    Column("产品名称", lambda r: r.item.model_name, width=100),
    *(
        CheckColumn(title, slot, tip, width=150 if slot == 0 else 80)
        for slot, (title, tip) in enumerate(zip(BACK_DOCUMENTS, BACK_TIPS, strict=True))
    ),
    _verdict_column(),
    TextColumn("异常情况", "双击填写异常情况", width=200),
)


@dataclass(frozen=True)
class BackValues:
    checks: dict[int, BackCheck]
    deliverer_name: str
    receiver_name: str


class ReceiveBackDialog(FormDialog):
    """One row per item: three checks and an anomaly; a row not fully checked is refused."""

    def __init__(
        self,
        manufacturer: str,
        lines: Sequence[DispatchLine],
        receiver_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "修复产品交回",
            f"{manufacturer} 交回 {len(lines)} 件验收合格的产品。逐件核对证明文件（含本次维修记录）、"
            "装箱清单和文物一致；不符合的写明异常，该件退回承制单位，不接收。",
            ok_text="确认接收",
            parent=parent,
        )
        self.model = CheckTableModel(
            BACK_COLUMNS, [CheckRow(line, [False, False, False]) for line in lines], self
        )
        self.view = check_table(self.model)
        self.view.setMinimumHeight(min(90 + 28 * len(lines), 300))
        self.all_button = QPushButton("全部核对无误")
        self.all_button.setToolTip("逐件核对后，一次勾选全部三项")
        self.all_button.clicked.connect(lambda: self.model.set_all(True))
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.view)
        bar = QHBoxLayout()
        bar.addWidget(self.all_button)
        bar.addStretch(1)
        table_layout.addLayout(bar)
        self.form.addRow(table_box)
        self.summary = _summary_label()
        self.form.addRow("核对结果：", self.summary)
        self.deliverer = QLineEdit()
        self.deliverer.setPlaceholderText(f"{manufacturer}交付人姓名")
        self.receiver = QLineEdit(receiver_name)
        self.receiver.setPlaceholderText("物资管理部门接收人姓名")
        self.form.addRow("承制单位交付人：", self.deliverer)
        self.form.addRow("物资部门接收人：", self.receiver)
        self.model.edited.connect(self._check)
        self.deliverer.textChanged.connect(self._check)
        self.receiver.textChanged.connect(self._check)
        self.setMinimumWidth(960)
        self._check()

    def set_row(self, row: int, certificate: bool, packing_list: bool, consistent: bool) -> None:
        for slot, on in enumerate((certificate, packing_list, consistent)):
            self.model.set_checked(row, slot, on)

    def values(self) -> BackValues:
        checks = {r.item.line_id: back_check(r) for r in self.model.rows()}
        return BackValues(checks, self.deliverer.text().strip(), self.receiver.text().strip())

    def _check(self) -> None:
        rows = self.model.rows()
        checks = [back_check(r) for r in rows]
        accepted = sum(1 for c in checks if c.ok)
        unexplained = [
            r.item.item_code
            for r, c in zip(rows, checks, strict=True)
            if not c.ok and not c.anomaly
        ]
        refused = len(rows) - accepted - len(unexplained)
        text = f"接收 {accepted} 件"
        if refused:
            text += f"，退回承制单位 {refused} 件"
        if unexplained:
            text += f"；{len(unexplained)} 件未核对齐全，请勾选或写明异常：" + "、".join(
                unexplained[:3]
            )
        tone = Tone.warn if unexplained else (Tone.bad if refused else Tone.ok)
        self.summary.setText(text)
        self.summary.setStyleSheet(message_css(tone))
        values = self.values()
        names = bool(values.deliverer_name and values.receiver_name)
        self.set_ok_enabled(names and not unexplained and bool(rows))


# --- 交付计划: which repaired items come back, and by when ------------------------------------------


PLAN_COLUMNS: tuple[AnyColumn, ...] = (
    CheckColumn("选", 0, "列入本交付计划", width=36),
    Column("产品编码", lambda r: r.item.item_code, width=170),
    Column("产品名称", lambda r: r.item.model_name, width=100),
    Column("承制单位", lambda r: r.item.manufacturer, width=110),
    Column("状态", lambda r: line_status_label(r.item.status), CENTER, width=100),
    Column("齐套", lambda r: r.item.kit_number, width=120),
    Column("齐套时间节点", lambda r: date_text(r.item.kit_deadline), CENTER, width=100),
)


@dataclass(frozen=True)
class PlanValues:
    line_ids: list[int]
    due_date: dt.date
    note: str


class DeliveryPlanDialog(FormDialog):
    def __init__(
        self,
        lines: Sequence[PlanLine],
        today: dt.date,
        preselected: Sequence[int] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "制定交付计划",
            "勾选应交回的产品（在承制单位的），定下交回物资管理部门的日期。计划生成交付计划编号（JF）。",
            ok_text="生成交付计划",
            parent=parent,
        )
        chosen = set(preselected)
        self.model = CheckTableModel(
            PLAN_COLUMNS, [CheckRow(line, [line.line_id in chosen]) for line in lines], self
        )
        self.view = check_table(self.model)
        self.view.setMinimumHeight(220)
        self.form.addRow(self.view)
        if not lines:
            self.show_error("目前没有在承制单位的产品。")
        earliest = min((p.kit_deadline for p in lines if p.kit_deadline), default=None)
        suggested = max(today, earliest - dt.timedelta(days=3)) if earliest else today
        self.due = date_field(suggested, today)
        self.note = QLineEdit()
        self.note.setPlaceholderText("说明（可不填），如：随齐套一并交付")
        self.count = QLabel()
        self.form.addRow("已选：", self.count)
        self.form.addRow("交回日期：", self.due)
        self.form.addRow("说明：", self.note)
        self.model.edited.connect(self._check)
        self.setMinimumWidth(800)
        self._check()

    def choose(self, line_id: int, on: bool = True) -> None:
        for i, row in enumerate(self.model.rows()):
            if row.item.line_id == line_id:
                self.model.set_checked(i, 0, on)

    def values(self) -> PlanValues:
        ids = [r.item.line_id for r in self.model.checked_rows()]
        return PlanValues(ids, date_of(self.due), self.note.text().strip())

    def _check(self) -> None:
        n = len(self.model.checked_rows())
        self.count.setText(f"{n} 件" if n else "请勾选产品")
        self.set_ok_enabled(n > 0)


# --- 交付用户: the complete set goes back to the user ------------------------------------------------


@dataclass(frozen=True)
class DeliverValues:
    user_rep_name: str
    clerk_name: str
    anomalies: str


class DeliverDialog(FormDialog):
    def __init__(self, kit: KitStatus, clerk_name: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "交付用户",
            f"齐套 {kit.number}（{kit.user_unit or '用户单位'}）已齐套：与用户代表当面清点后交付。"
            "交付后生成交接记录单，并开启满意度回访。",
            ok_text="交付用户",
            parent=parent,
        )
        active = kit.active
        names = "、".join(i.item_code for i in active[:6]) + (" 等" if len(active) > 6 else "")
        items = _summary_label(f"{len(active)} 件：{names}", Tone.ok)
        self.form.addRow("交付产品：", items)
        scrapped = [i.item_code for i in kit.items if i.scrapped]
        if scrapped:
            self.form.addRow(
                "报废退出：", _summary_label("、".join(scrapped) + "（不随齐套交付）", Tone.muted)
            )
        self.user_rep = QLineEdit()
        self.user_rep.setPlaceholderText("接收产品的用户代表姓名")
        self.clerk = QLineEdit(clerk_name)
        self.clerk.setPlaceholderText("物资交接员姓名")
        self.anomalies = QPlainTextEdit()
        self.anomalies.setPlaceholderText("交付中发现的异常情况（没有可不填）")
        self.anomalies.setFixedHeight(72)
        self.form.addRow("用户代表：", self.user_rep)
        self.form.addRow("物资交接员：", self.clerk)
        self.form.addRow("异常情况：", self.anomalies)
        self.user_rep.textChanged.connect(self._check)
        self.clerk.textChanged.connect(self._check)
        self.setMinimumWidth(560)
        self._check()

    def values(self) -> DeliverValues:
        return DeliverValues(
            self.user_rep.text().strip(),
            self.clerk.text().strip(),
            self.anomalies.toPlainText().strip(),
        )

    def _check(self) -> None:
        values = self.values()
        self.set_ok_enabled(bool(values.user_rep_name and values.clerk_name))


# --- 回访: satisfaction, or a reasoned waiver; either closes the lines -------------------------------


@dataclass(frozen=True)
class FollowupValues:
    satisfaction: int | None
    note: str
    waived: bool


class FollowupDialog(FormDialog):
    def __init__(self, kit: KitStatus, parent: QWidget | None = None) -> None:
        super().__init__(
            "用户满意度回访",
            f"齐套 {kit.number}（{kit.user_unit or '用户单位'}，{len(kit.active)} 件）已交付用户。"
            "记录回访结果（或写明免于回访的原因）后，这些产品的返修流程关闭。",
            ok_text="记录回访",
            parent=parent,
        )
        self.score = QSpinBox()
        self.score.setRange(-1, 100)
        self.score.setSpecialValueText("未填写")
        self.score.setSuffix(" 分")
        self.score.setValue(-1)
        self.score.setMinimumWidth(110)
        self.waive = QCheckBox("免于回访")
        self.waive.setToolTip("用户不便回访等情况：须写明原因")
        score_row = QWidget()
        row = QHBoxLayout(score_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.score)
        row.addWidget(QLabel("（0–100 分，目标 ≥ 90 分）"))
        row.addStretch(1)
        row.addWidget(self.waive)
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(72)
        self.form.addRow("满意度：", score_row)
        self.form.addRow("回访情况：", self.note)
        self.score.valueChanged.connect(self._check)
        self.waive.toggled.connect(self._check)
        self.note.textChanged.connect(self._check)
        self.setMinimumWidth(540)
        self._check()

    def values(self) -> FollowupValues:
        waived = self.waive.isChecked()
        score = self.score.value()
        return FollowupValues(
            None if waived or score < 0 else score, self.note.toPlainText().strip(), waived
        )

    def _check(self) -> None:
        values = self.values()
        self.score.setEnabled(not values.waived)
        self.note.setPlaceholderText(
            "免于回访的原因（必填）" if values.waived else "用户意见、回访方式、回访人（可不填）"
        )
        self.set_ok_enabled(bool(values.note) if values.waived else values.satisfaction is not None)


# --- 调整齐套 and 修改时间节点 (manager) ---------------------------------------------------------------

REGROUP_COLUMNS: tuple[AnyColumn, ...] = (
    CheckColumn("选", 0, "移出本齐套", width=36),
    Column("产品编码", lambda r: r.item.item_code, width=170),
    Column("产品名称", lambda r: r.item.model_name, width=100),
    Column("状态", lambda r: item_status_text(r.item), CENTER, width=110),
    Column("所在单位", lambda r: r.item.where, width=110),
)


@dataclass(frozen=True)
class RegroupValues:
    line_ids: list[int]
    target: str | None  # None: a new kit set
    deadline: dt.date | None


class RegroupDialog(FormDialog):
    """Move some items of this set into another open set, or into a new one with its deadline."""

    def __init__(
        self,
        kit: KitStatus,
        others: Sequence[KitRow],
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "调整齐套",
            f"从齐套 {kit.number} 中移出勾选的产品：并入另一个未齐套的齐套，或单独组成新的齐套。",
            ok_text="调整",
            parent=parent,
        )
        movable = [i for i in kit.items if i.status not in KIT_FIXED]
        self.model = CheckTableModel(REGROUP_COLUMNS, [CheckRow(i) for i in movable], self)
        self.view = check_table(self.model)
        self.view.setMinimumHeight(min(80 + 28 * max(len(movable), 2), 260))
        self.form.addRow(self.view)
        self.into_other = QRadioButton("并入齐套：")
        self.into_new = QRadioButton("新建齐套，时间节点：")
        group = QButtonGroup(self)
        group.addButton(self.into_other)
        group.addButton(self.into_new)
        self.target = QComboBox()
        for other in others:
            if other.number != kit.number and not kit_step_refusal("regroup", other.status):
                label = (
                    f"{other.number}　{other.user_unit or '—'}　"
                    f"节点 {date_text(other.deadline)}　{other.n_active} 件"
                )
                self.target.addItem(label, other.number)
        self.deadline = date_field(kit.deadline or today + dt.timedelta(days=30), today)
        other_row = QWidget()
        row = QHBoxLayout(other_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.into_other)
        row.addWidget(self.target, 1)
        new_row = QWidget()
        row = QHBoxLayout(new_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.into_new)
        row.addWidget(self.deadline)
        row.addStretch(1)
        self.form.addRow("调整到：", other_row)
        self.form.addRow("", new_row)
        if self.target.count():
            self.into_other.setChecked(True)
        else:
            self.into_other.setEnabled(False)
            self.target.setEnabled(False)
            self.target.addItem("（没有其他未齐套的齐套）", None)
            self.into_new.setChecked(True)
        if not movable:
            self.show_error("本齐套中没有可调整的产品（已齐套或已交付的产品不能调整）。")
        self.model.edited.connect(self._check)
        group.buttonToggled.connect(lambda *_: self._check())
        self.setMinimumWidth(640)
        self._check()

    def values(self) -> RegroupValues:
        ids = [r.item.line_id for r in self.model.checked_rows()]
        if self.into_other.isChecked():
            return RegroupValues(ids, self.target.currentData(), None)
        return RegroupValues(ids, None, date_of(self.deadline))

    def _check(self) -> None:
        self.target.setEnabled(self.into_other.isChecked())
        self.deadline.setEnabled(self.into_new.isChecked())
        values = self.values()
        self.set_ok_enabled(
            bool(values.line_ids) and (values.target or values.deadline) is not None
        )


class KitDeadlineDialog(FormDialog):
    def __init__(self, kit: KitStatus, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(
            "修改齐套时间节点",
            f"齐套 {kit.number} 的时间节点优先于返厂任务的默认节点；"
            "齐套情况报告的上报时限随之改变（默认为节点前 3 天）。",
            ok_text="保存",
            parent=parent,
        )
        self.form.addRow("当前节点：", QLabel(date_text(kit.deadline, "未设置")))
        self.deadline = date_field(kit.deadline or today + dt.timedelta(days=30))
        self.form.addRow("新的节点：", self.deadline)

    def value(self) -> dt.date:
        return date_of(self.deadline)
