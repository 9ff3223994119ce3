"""The way back's dialogs: items coming back from a manufacturer (文物一致), the delivery plan,
the handover to the user, the satisfaction follow-up, regrouping a kit set and its deadline.

Also the words and the check-list table model the kitting, receive-back and dashboard pages share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.kernel.terms import LineStatus
from app.services.kernel.views import DispatchLine, KitItem, KitStatus
from app.services.way_back.delivery import BackCheck
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.formats import date_text, line_status_label
from app.ui.kit.paged_model import CENTER, LEFT, AnyIndex, Column
from app.ui.kit.style import Tone, background, foreground, message_css

# --- words ------------------------------------------------------------------------------------

KIT_STATUS_LABELS = {
    "open": "齐套中",
    "kitted": "已齐套",
    "delivered": "已交付",
    "closed": "已关闭",
}
KIT_STATUS_TONES = {
    "open": None,
    "kitted": Tone.ok,
    "delivered": Tone.ok,
    "closed": Tone.muted,
}
# The steps of the way back, for the sentence that says why a button is grey.
# Where an item waits for its manufacturer: dispatched up to accepted after repair.
AT_MANUFACTURER = frozenset(
    {
        LineStatus.dispatched,
        LineStatus.at_manufacturer,
        LineStatus.unboxed,
        LineStatus.localizing,
        LineStatus.localized,
        LineStatus.no_fault_found,
        LineStatus.in_repair,
        LineStatus.repaired,
        LineStatus.accepted_after_repair,
    }
)
NO_KIT = "请先在上方选择一个齐套。"


def kit_status_label(status: str) -> str:
    return KIT_STATUS_LABELS.get(status, status)


def item_status_text(item: KitItem) -> str:
    return "已报废退出" if item.scrapped else line_status_label(item.status)


def missing_text(kit: KitStatus, limit: int = 5) -> str:
    """“还缺 2 件：A（维修中）、B（待分发）”, or "" when nothing is missing."""
    missing = kit.missing
    if not missing:
        return ""
    names = "、".join(f"{i.item_code}（{i.note}）" for i in missing[:limit])
    more = " 等" if len(missing) > limit else ""
    return f"还缺 {len(missing)} 件：{names}{more}"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def date_field(value: dt.date, minimum: dt.date | None = None) -> QDateEdit:
    edit = QDateEdit(_qdate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if minimum is not None:
        edit.setMinimumDate(_qdate(minimum))
    edit.setMinimumWidth(130)
    return edit


def date_of(edit: QDateEdit) -> dt.date:
    return _pydate(edit.date())


# --- a table of rows with check boxes and a text to fill -----------------------------------------


@dataclass(frozen=True)
class CheckColumn:
    """A check box in each row; `slot` is its place in `CheckRow.checks`."""

    title: str
    slot: int = 0
    tooltip: str = ""
    width: int = 0


@dataclass(frozen=True)
class TextColumn:
    """A text the person types into each row (an anomaly)."""

    title: str
    placeholder: str = ""
    width: int = 0


@dataclass
class CheckRow:
    """One row: the service's value, its check boxes and its text."""

    item: Any
    checks: list[bool] = field(default_factory=lambda: [False])
    text: str = ""


AnyColumn = Column | CheckColumn | TextColumn


class CheckTableModel(QAbstractTableModel):
    """Rows the person ticks (and annotates); every other column reads the row like `Column`."""

    edited = Signal()

    def __init__(
        self,
        columns: Sequence[AnyColumn],
        rows: Sequence[CheckRow] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows = list(rows)

    # --- Qt's side ------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = self.columns[index.column()]
        if isinstance(column, CheckColumn):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if isinstance(column, TextColumn):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if isinstance(column, CheckColumn):
            if role == Qt.ItemDataRole.CheckStateRole:
                on = row.checks[column.slot]
                return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.tooltip or None
            return None
        if isinstance(column, TextColumn):
            if role == Qt.ItemDataRole.EditRole:
                return row.text
            if role == Qt.ItemDataRole.DisplayRole:
                # An empty cell says it can be filled in, in grey.
                return row.text or column.placeholder
            if role == Qt.ItemDataRole.ForegroundRole and not row.text:
                return foreground(Tone.muted)
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.text or column.placeholder or None
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            tone = column.tone(row) if column.tone else None
            if tone is None:
                return None
            return foreground(tone) if role == Qt.ItemDataRole.ForegroundRole else background(tone)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.row() >= len(self._rows):
            return False
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if isinstance(column, CheckColumn) and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            row.checks[column.slot] = checked
        elif isinstance(column, TextColumn) and role == Qt.ItemDataRole.EditRole:
            row.text = str(value or "")
        else:
            return False
        self._row_changed(index.row())
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(column, CheckColumn):
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = column.align if isinstance(column, Column) else LEFT
            return int((CENTER if isinstance(column, CheckColumn) else align).value)
        return None

    # --- the dialog's side ----------------------------------------------------------------

    def rows(self) -> tuple[CheckRow, ...]:
        return tuple(self._rows)

    def row(self, index: int) -> CheckRow:
        return self._rows[index]

    def set_rows(self, rows: Sequence[CheckRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()
        self.edited.emit()

    def column_of(self, title: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.title == title)

    def set_checked(self, row: int, slot: int, on: bool) -> None:
        self._rows[row].checks[slot] = on
        self._row_changed(row)

    def set_text(self, row: int, text: str) -> None:
        self._rows[row].text = text
        self._row_changed(row)

    def set_all(self, on: bool) -> None:
        """Tick (or clear) every box of every row."""
        for row in self._rows:
            row.checks = [on] * len(row.checks)
        if self._rows:
            last = len(self.columns) - 1
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, last))
        self.edited.emit()

    def checked_rows(self, slot: int = 0) -> list[CheckRow]:
        return [r for r in self._rows if r.checks[slot]]

    def _row_changed(self, row: int) -> None:
        # Other cells of the row (a verdict) may read the boxes: repaint the whole row.
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        self.edited.emit()


def check_table(model: CheckTableModel, stretch: int | None = None) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.SelectedClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(28)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(stretch is None)
    for i, column in enumerate(model.columns):
        if column.width:
            view.setColumnWidth(i, column.width)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


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


def back_verdict(row: CheckRow) -> tuple[str, Tone]:
    if all(row.checks):
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
        checks = {
            r.item.line_id: BackCheck(r.checks[0], r.checks[1], r.checks[2], r.text.strip())
            for r in self.model.rows()
        }
        return BackValues(checks, self.deliverer.text().strip(), self.receiver.text().strip())

    def _check(self) -> None:
        rows = self.model.rows()
        accepted = sum(1 for r in rows if all(r.checks))
        unexplained = [r.item.item_code for r in rows if not all(r.checks) and not r.text.strip()]
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


@dataclass(frozen=True)
class PlanLine:
    """A line at its manufacturer that a delivery plan may name, with the set it goes back in."""

    item: KitItem
    kit_number: str
    kit_deadline: dt.date | None


def plan_lines(kits: Sequence[KitStatus]) -> list[PlanLine]:
    found = [
        PlanLine(item, kit.number, kit.deadline)
        for kit in kits
        for item in kit.items
        if item.status in AT_MANUFACTURER
    ]
    return sorted(
        found, key=lambda p: (p.item.where, p.kit_deadline or dt.date.max, p.item.item_code)
    )


PLAN_COLUMNS: tuple[AnyColumn, ...] = (
    CheckColumn("选", 0, "列入本交付计划", width=36),
    Column("产品编码", lambda r: r.item.item.item_code, width=170),
    Column("产品名称", lambda r: r.item.item.model_name, width=100),
    Column("承制单位", lambda r: r.item.item.where, width=110),
    Column("状态", lambda r: line_status_label(r.item.item.status), CENTER, width=100),
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
            PLAN_COLUMNS, [CheckRow(line, [line.item.line_id in chosen]) for line in lines], self
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
            if row.item.item.line_id == line_id:
                self.model.set_checked(i, 0, on)

    def values(self) -> PlanValues:
        ids = [r.item.item.line_id for r in self.model.checked_rows()]
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
# Lines the service will not move (kitted, handed over, finished).
FIXED = frozenset({LineStatus.kitted, LineStatus.delivered, LineStatus.closed})


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
        others: Sequence[KitStatus],
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "调整齐套",
            f"从齐套 {kit.number} 中移出勾选的产品：并入另一个未齐套的齐套，或单独组成新的齐套。",
            ok_text="调整",
            parent=parent,
        )
        movable = [i for i in kit.items if i.status not in FIXED]
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
            if other.number != kit.number and other.status == "open":
                label = (
                    f"{other.number}　{other.user_unit or '—'}　"
                    f"节点 {date_text(other.deadline)}　{len(other.active)} 件"
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
