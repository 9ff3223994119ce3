"""时限规则 (admin): every deadline rule of DOMAIN.md with its length, working or calendar days
and its due-soon margin. A change moves every running clock at once and the report texts read it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.services.admin import rules
from app.services.admin.rules import MAX_LENGTH, RuleRow
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, call
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table, select_row

UNIT_WORDS = {
    "working_days": "工作日",
    "calendar_days": "日历天",
    "hours": "小时",
    "years": "年",
}
IDLE = (
    "选择一条规则，在下方修改时限长度、计算方式和“即将到期”提前量后保存。"
    "修改立即生效：正在计时的期限随之改变，已发出的报告保留当时的说法。"
)


def due_soon_text(row: RuleRow) -> str:
    return f"剩 {row.due_soon} 个工作日起提示" if row.due_soon else "不提前提示"


COLUMNS = (
    Column("时限", lambda r: r.name, width=140),
    Column("时限长度", lambda r: r.span, width=120),
    Column("计算方式", lambda r: "按" + UNIT_WORDS.get(r.unit, r.unit), width=100),
    Column("即将到期", due_soon_text, width=160),
    Column("计时起止", lambda r: r.starts),
)


class RulesPage(Page):
    """The admin's deadline rules: a list and the chosen rule's form."""

    watches = Change.DEADLINES

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        title = QLabel("时限规则")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        self.feedback = FeedbackLine()
        self.feedback.show_idle(IDLE)
        self.model = PagedTableModel(COLUMNS, list_fetcher(()), parent=self)
        self.view = make_table(self.model)
        self.layout_.addWidget(title)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.view, 1)
        self.layout_.addWidget(self._build_form())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self._loaded = False
        self._show_selected()

    def _build_form(self) -> QGroupBox:
        self.form_box = QGroupBox("修改所选规则")
        self.length = QSpinBox()
        self.length.setRange(1, max(MAX_LENGTH.values()))
        self.unit = QComboBox()
        self.due_soon = QSpinBox()
        self.due_soon.setRange(0, 30)
        self.due_soon.setSuffix(" 个工作日")
        self.due_soon.setToolTip("剩余不超过这么多个工作日时，期限显示为“即将到期”")
        self.save_button = QPushButton("保存")
        self.save_button.clicked.connect(self.save)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for field in (self.length, self.unit, self.due_soon):
            field.setMinimumWidth(180)
        form.addRow("时限长度", self.length)
        form.addRow("计算方式", self.unit)
        form.addRow("即将到期提前量", self.due_soon)
        row = QHBoxLayout(self.form_box)
        row.addLayout(form)
        row.addWidget(self.save_button)
        row.addStretch(1)
        return self.form_box

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def refresh(self, keep: str | None = None) -> None:
        self._loaded = True
        current = self.selected()
        keep = keep or (current.code if current else None)
        found = self.now(call(rules.list_rules, self.db), default=[])
        self.model.set_fetcher(list_fetcher(found))
        at = self.model.find(lambda r: r.code == keep) if keep else None
        select_row(self.view, at if at is not None else 0)
        self._show_selected()

    def selected(self) -> RuleRow | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        row: RuleRow = self.model.row(index.row())
        return row

    def _show_selected(self) -> None:
        row = self.selected()
        self.form_box.setEnabled(row is not None)
        if row is None:
            return
        self.form_box.setTitle(f"修改所选规则：{row.name}（{row.starts}）")
        self.length.setMinimum(row.minimum)
        self.length.setValue(row.length)
        self.length.setPrefix("提前 " if row.before else "")
        self.unit.clear()
        for unit in row.units:
            self.unit.addItem("按" + UNIT_WORDS.get(unit, unit), unit)
        self.unit.setCurrentIndex(row.units.index(row.unit) if row.unit in row.units else 0)
        self.due_soon.setValue(row.due_soon)

    def save(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.run(
            call(
                rules.set_rule,
                self.db,
                self.actor,
                row.code,
                self.length.value(),
                str(self.unit.currentData()),
                self.due_soon.value(),
            ),
            done=self._saved,
            changes=Change.DEADLINES | Change.BENCH | Change.LINES | Change.DISPATCH,
        )

    def _saved(self, row: RuleRow) -> None:
        self.refresh(keep=row.code)
        self.feedback.show_result(
            Tone.ok, f"已保存：{row.name}时限为 {row.span}，正在计时的期限已按新规则计算。"
        )

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
