"""审计日志 (admin, manager, quality): every audit event, newest first, read page by page,
filtered by person, record number, item, action and time, exported to Excel (issue 9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.services.kernel.terms import ACTION_LABELS, AUDIT_ACTION_LABELS
from app.services.oversight import audit_trail
from app.services.oversight.audit_trail import AuditFilter, AuditRow
from app.ui.kit.date_edit import OptionalDateEdit
from app.ui.kit.formats import local_time_text
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import RIGHT, Column, PagedTableModel
from app.ui.kit.runner import Change, call, call_with_progress
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, scaled_font
from app.ui.kit.tables import make_table

EVERY_ONE = "全部人员"
COLUMNS = (
    Column("序号", lambda r: "" if r.seq is None else str(r.seq), RIGHT, width=70),
    Column("时间", lambda r: local_time_text(r.at), width=130),
    Column("操作人", lambda r: r.actor, width=110),
    Column("对象", lambda r: f"{r.entity_text} {r.entity_id}", width=130),
    Column("操作", lambda r: r.action_text, width=120),
    Column("原值", lambda r: r.old_text, tooltip=lambda r: r.old_text, width=140),
    Column("新值", lambda r: r.new_text, tooltip=lambda r: r.new_text, width=200),
    Column("原因", lambda r: r.reason, tooltip=lambda r: r.reason, width=140),
    Column("状态", lambda r: r.state_text, width=80),
)


def action_choices() -> list[tuple[str, str]]:
    """(label, action) for the action filter, in the order of the labels."""
    # The history's words first, but "create" covers every kind of thing: 新建.
    both = {**AUDIT_ACTION_LABELS, **ACTION_LABELS, "create": AUDIT_ACTION_LABELS["create"]}
    return sorted(((label, action) for action, label in both.items()), key=lambda c: c[0])


class AuditPage(Page):
    # Every action writes an event: any change may add rows at the top.
    watches = Change.ALL

    def __init__(self, desk: Desk, parent: QWidget | None = None, page_size: int = 200) -> None:
        super().__init__(desk, parent)
        self.person_box = QComboBox()
        self.person_box.setEditable(True)
        self.person_box.setMinimumWidth(140)
        self.person_box.addItem(EVERY_ONE)
        self.record_field = QLineEdit()
        self.record_field.setPlaceholderText("如 FX-2026-000001")
        self.item_field = QLineEdit()
        self.item_field.setPlaceholderText("型号/编号 或 出厂编号")
        self.action_box = QComboBox()
        self.action_box.addItem("全部操作", "")
        for label, action in action_choices():
            self.action_box.addItem(label, action)
        self.since_edit = OptionalDateEdit()
        self.until_edit = OptionalDateEdit()
        self.search_button = QPushButton("查询")
        self.search_button.setDefault(True)
        self.export_button = QPushButton("导出 Excel…")
        self.feedback = FeedbackLine()
        self.feedback.hide()
        self._filters = AuditFilter()
        self.model = PagedTableModel(COLUMNS, self._fetch, page_size, self)
        self.view = make_table(self.model, stretch=6)
        self._build()
        self.search_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export)
        for field in (self.record_field, self.item_field):
            field.returnPressed.connect(self.refresh)
        typed = self.person_box.lineEdit()
        assert typed is not None  # the box is editable
        typed.returnPressed.connect(self.refresh)
        self.action_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self._loaded = False
        self._people_read = False

    def _build(self) -> None:
        title = QLabel("审计日志")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("每一项操作都记在这里，不能修改或删除；最新的在最上面")
        hint.setStyleSheet("color: palette(mid);")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(hint)
        head.addStretch(1)
        grid = QGridLayout()
        fields: Sequence[tuple[str, QWidget]] = (
            ("操作人：", self.person_box),
            ("记录编号：", self.record_field),
            ("产品：", self.item_field),
            ("操作：", self.action_box),
            ("从：", self.since_edit),
            ("到：", self.until_edit),
        )
        for i, (label, widget) in enumerate(fields):
            grid.addWidget(QLabel(label), i // 3, (i % 3) * 2)
            grid.addWidget(widget, i // 3, (i % 3) * 2 + 1)
        grid.addWidget(self.search_button, 0, 6)
        grid.addWidget(self.export_button, 1, 6)
        self.layout_.addLayout(head)
        self.layout_.addLayout(grid)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.view, 1)

    def filters(self) -> AuditFilter:
        person = self.person_box.currentText().strip()
        return AuditFilter(
            person="" if person == EVERY_ONE else person,
            record=self.record_field.text().strip(),
            item=self.item_field.text().strip(),
            action=self.action_box.currentData() or "",
            since=self.since_edit.value(),
            until=self.until_edit.value(),
        )

    def _fetch(self, last: AuditRow | None, limit: int) -> Sequence[AuditRow] | None:
        # A keyset page on the primary key, newest first: a few ms at millions of events.
        rows: Sequence[AuditRow] | None = self.runner.now(
            call(
                audit_trail.page_events,
                self.db,
                self.actor,
                self._filters,
                before=last.id if last is not None else None,
                limit=limit,
            ),
            failed=self.show_failure,
        )
        return rows

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)
        self.feedback.show()

    def refresh(self) -> None:
        self.feedback.hide()
        self._filters = self.filters()
        self.model.reload()
        self._loaded = True

    def ensure_loaded(self) -> None:
        """Read the first page (and the names to choose from) the first time it is shown."""
        if not self._people_read:
            self._people_read = True
            self.run(call(audit_trail.people, self.db, self.actor), done=self._show_people)
        if not self._loaded:
            self.refresh()

    def _show_people(self, names: list[str]) -> None:
        typed = self.person_box.currentText()
        self.person_box.blockSignals(True)
        self.person_box.clear()
        self.person_box.addItem(EVERY_ONE)
        self.person_box.addItems(names)
        self.person_box.setCurrentText(typed)
        self.person_box.blockSignals(False)

    def export(self) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        path = self.prompts.save_file(
            self, "导出审计日志", f"审计日志-{stamp}.xlsx", "Excel 工作簿 (*.xlsx)"
        )
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        job = call_with_progress(
            audit_trail.export_events, self.db, self.actor, self.filters(), path
        )
        self.run(
            job,
            done=lambda n: self._exported(n, path),
            label="正在导出审计日志…",
            title="导出未完成",
        )

    def _exported(self, count: int, path: str) -> None:
        self.feedback.show_result(Tone.ok, f"已导出 {count} 条审计事件到 {Path(path).name}")
        self.feedback.show()
