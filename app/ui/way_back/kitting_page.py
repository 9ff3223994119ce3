"""齐套: the kit sets that go back to the user together, each one's live items, and its steps:
the kitting status report (QB, PDF and Excel), 确认齐套, the handover to the user, the follow-up;
for a manager, regrouping and the set's deadline.

Every step goes through the page's runner; a refusal is shown on the page's message line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.kernel.context import local_today
from app.services.kernel.terms import Permission, kit_set_status_label, kit_step_refusal
from app.services.kernel.views import KitStatus
from app.services.way_back import delivery, kitting
from app.services.way_back.kitting import KitRow
from app.ui.kit.formats import date_text
from app.ui.kit.gates import denial, gate
from app.ui.kit.page import Desk, Page
from app.ui.kit.paged_model import PAGE_SIZE, PagedTableModel, list_fetcher
from app.ui.kit.runner import Change, Operation, call, call_later_imported
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, message_css, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.way_back.delivery_dialogs import (
    DeliverDialog,
    DeliverValues,
    FollowupDialog,
    FollowupValues,
    KitDeadlineDialog,
    RegroupDialog,
    RegroupValues,
)
from app.ui.way_back.kit_columns import (
    ITEM_COLUMNS,
    KIT_COLUMNS,
    NO_KIT,
    kit_summary,
    missing_text,
)
from app.ui.way_back.previews import KittingReportPreview, print_record, show_preview

# How far down the list a set to keep selected is looked for (closed ones listed: 10 pages).
KEEP_SEARCH = 2_000
# What the steps change: the sets and their lines (this page, the receive-back page, the bench).
KIT_CHANGES = Change.WAY_BACK | Change.LINES


class KittingPage(Page):
    """`open_item(code)` on an item's double-click, `open_record(number)` on a kit set's;
    `records_changed` after a report or a handover record was issued."""

    records_changed = Signal()
    watches = Change.WAY_BACK | Change.LINES

    def __init__(
        self,
        desk: Desk,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(desk, parent)
        self.today = today
        self.kit: KitStatus | None = None
        self._opening: str | None = None  # the set whose items are being read
        self._keep: str | None = None  # listed whatever its state: the set open here
        self._loaded = False
        self._reads = 0  # the latest read wins when an earlier one answers late
        self.layout_.addLayout(self._build_head())
        self.feedback = FeedbackLine()
        self.feedback.show_idle(
            "产品全部返回后确认齐套，再与用户代表当面交付；回访记录后，这些产品的流程关闭。"
        )
        self.layout_.addWidget(self.feedback)
        self.kits_model = PagedTableModel(KIT_COLUMNS, list_fetcher(()), page_size, self)
        self.kits_model.clear()
        self.kits_view = make_table(self.kits_model)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.kits_view)
        split.addWidget(self._build_detail())
        split.setChildrenCollapsible(False)
        split.setSizes([300, 380])
        self.layout_.addWidget(split, 1)
        self._connect()
        self._apply_gates()

    def _build_head(self) -> QHBoxLayout:
        title = QLabel("齐套")
        title.setFont(scaled_font(self.font(), 1.2, bold=True))
        hint = QLabel("同一批交还用户的产品；双击齐套预览齐套情况，双击产品查看履历")
        hint.setStyleSheet("color: palette(mid);")
        self.show_closed = QCheckBox("显示已关闭")
        self.show_closed.setToolTip("同时列出已回访、已关闭的齐套")
        self.refresh_button = QPushButton("刷新")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(hint)
        head.addStretch(1)
        head.addWidget(self.show_closed)
        head.addWidget(self.refresh_button)
        return head

    def _build_detail(self) -> QWidget:
        self.kit_title = QLabel(NO_KIT)
        self.kit_title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.kit_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()
        self.report_button = QPushButton("上报齐套情况")
        self.preview_button = QPushButton("预览…")
        self.complete_button = QPushButton("确认齐套")
        self.deliver_button = QPushButton("交付用户…")
        self.followup_button = QPushButton("回访…")
        self.regroup_button = QPushButton("调整齐套…")
        self.deadline_button = QPushButton("修改时间节点…")
        self.buttons = (
            self.report_button,
            self.preview_button,
            self.complete_button,
            self.deliver_button,
            self.followup_button,
            self.regroup_button,
            self.deadline_button,
        )
        bar = QHBoxLayout()
        bar.addWidget(self.kit_title)
        bar.addStretch(1)
        for button in self.buttons:
            bar.addWidget(button)
        self.items_model = PagedTableModel(ITEM_COLUMNS, list_fetcher(()), parent=self)
        self.items_view = make_table(self.items_model, stretch=7)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 6, 0, 0)
        detail_layout.addLayout(bar)
        detail_layout.addWidget(self.summary)
        detail_layout.addWidget(self.items_view, 1)
        return detail

    def _connect(self) -> None:
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.show_closed.toggled.connect(lambda _on: self.refresh())
        self.kits_view.selectionModel().currentRowChanged.connect(self._kit_row_changed)
        self.kits_view.doubleClicked.connect(self._open_kit)
        self.items_view.doubleClicked.connect(self._open_item)
        self.report_button.clicked.connect(self.issue_report)
        self.preview_button.clicked.connect(self.preview)
        self.complete_button.clicked.connect(self.complete)
        self.deliver_button.clicked.connect(self.deliver)
        self.followup_button.clicked.connect(self.followup)
        self.regroup_button.clicked.connect(self.regroup)
        self.deadline_button.clicked.connect(self.change_deadline)

    # --- reading ------------------------------------------------------------------------------

    def _today(self) -> dt.date:
        return self.today or local_today()

    def show_failure(self, message: str) -> None:
        self.feedback.show_result(Tone.bad, message)

    def refresh(self, select: str | None = None) -> None:
        """Read the kit sets again from their first page, keeping the selected one (or
        selecting `select`); its items are read again too."""
        self._loaded = True
        keep = select or (self.kit.number if self.kit else self._opening)
        self._keep = keep
        self.kits_model.set_fetcher(self._fetch_kits)
        if keep is None and self.kits_model.rowCount():
            keep = self.kits_model.row(0).number  # the most urgent set: the page never opens empty
        if keep is None:
            self._show_kit(None)
            return
        # Only among the rows read: with 显示已关闭 the set may be thousands of rows down, and
        # its items show whether or not its row is in sight.
        index = self.kits_model.find(lambda k: k.number == keep)
        if index is None:
            self.kits_view.setCurrentIndex(QModelIndex())
            self._open(keep)
        else:
            self._select(index, keep)

    def _fetch_kits(self, last: KitRow | None, limit: int) -> Sequence[KitRow] | None:
        # A keyset page of sets with their lines counted per state in SQL: a fixed number of
        # queries whatever the number of sets or lines. Closed sets pile up over the years:
        # read only when asked, and the one open here (`also`).
        rows: Sequence[KitRow] | None = self.runner.now(
            call(
                kitting.page_kit_sets,
                self.db,
                self._today(),
                after=last,
                limit=limit,
                include_closed=self.show_closed.isChecked(),
                also=self._keep,
            ),
            failed=self.show_failure,
        )
        return rows

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def select_kit(self, number: str) -> bool:
        """Select the kit set with this number (reading on until it is listed) and read its items."""
        index = self.kits_model.find_or_fetch(lambda k: k.number == number, KEEP_SEARCH)
        if index is None:
            return False
        self._select(index, number)
        return True

    def _select(self, index: int, number: str) -> None:
        if self.kits_view.currentIndex().row() == index:
            self._open(number)  # already current: no signal, read its items again
        else:
            select_row(self.kits_view, index)  # currentRowChanged reads its items

    def _kit_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._open(self.kits_model.row(current.row()).number)

    def _open(self, number: str) -> None:
        """Read one set's items (only the selected set's lines are ever read)."""
        self._reads += 1
        ticket = self._reads
        if self.kit is None or self.kit.number != number:
            # Another set: its title at once, never the items of the one shown before (a read
            # another desk's lock delays comes back later through the runner).
            self.kit_title.setText(f"{number}　正在读取…")
            self.summary.hide()
            self.items_model.set_fetcher(list_fetcher(()))
        self._opening = number
        self.kit = None  # no step acts on the set shown before while this one is read
        self._apply_gates()

        def read(kit: KitStatus) -> None:
            if ticket == self._reads:
                self._show_kit(kit)

        self.run(call(kitting.kit_status, self.db, number, self._today()), done=read)

    def _show_kit(self, kit: KitStatus | None) -> None:
        self.kit = kit
        self._opening = None
        if kit is None:
            self.kit_title.setText(NO_KIT)
            self.summary.hide()
            self.items_model.set_fetcher(list_fetcher(()))
        else:
            unit = f"　{kit.user_unit}" if kit.user_unit else ""
            self.kit_title.setText(
                f"{kit.number}{unit}　时间节点 {date_text(kit.deadline, '未设置')}"
                f"　{kit_set_status_label(kit.status)}"
            )
            text, tone = kit_summary(kit)
            self.summary.setText(text)
            self.summary.setStyleSheet(message_css(tone))
            self.summary.show()
            items = sorted(kit.items, key=lambda i: (i.scrapped, i.back, -i.late_days))
            self.items_model.set_fetcher(list_fetcher(items))
        self._apply_gates()

    def _gate_step(self, button: QWidget, step: str, permission: Permission, tip: str) -> None:
        """No set, then who may, then the set's state (KIT_STEPS) say why a step is grey."""
        kit = self.kit
        why = kit_step_refusal(step, kit.status) if kit else ""
        missing = missing_text(kit) if kit else ""
        if why and missing and step == "deliver":
            why = f"{missing}。{why}"  # what the clerk waits for, not only the rule
        gate(button, "" if kit else NO_KIT, denial(self.actor, permission), why, tip=tip)

    def _apply_gates(self) -> None:
        kit = self.kit
        missing = missing_text(kit) if kit else ""
        self._gate_step(
            self.report_button,
            "report",
            Permission.kit,
            "生成齐套情况报告（QB），发给总体单位：缺哪些、在哪里、为什么",
        )
        gate(
            self.preview_button,
            "" if kit else NO_KIT,
            tip="预览当前的齐套情况（PDF / Excel），不上报",
        )
        self._gate_step(
            self.complete_button,
            "complete",
            Permission.kit,
            f"{missing}，还不能确认齐套。" if missing else "全部产品已返回：确认齐套，准备交付用户",
        )
        self._gate_step(
            self.deliver_button, "deliver", Permission.deliver, "与用户代表当面交付，生成交接记录单"
        )
        self._gate_step(
            self.followup_button,
            "followup",
            Permission.deliver,
            "记录用户满意度（或免于回访），关闭这些产品的返修流程",
        )
        self._gate_step(
            self.regroup_button,
            "regroup",
            Permission.regroup_kit,
            "把产品移到另一个齐套，或单独组成新的齐套",
        )
        self._gate_step(
            self.deadline_button, "set_deadline", Permission.regroup_kit, "修改本齐套的齐套时间节点"
        )

    def _open_kit(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_record.emit(self.kits_model.row(index.row()).number)

    def _open_item(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_item.emit(self.items_model.row(index.row()).item_code)

    def _after(self, message: str, select: str | None) -> None:
        """A step is done: read the sets again, show `select`, and say what happened."""
        self.refresh(select)
        self.feedback.show_result(Tone.ok, message)

    # --- the steps ----------------------------------------------------------------------------

    def issue_report(self) -> Operation | None:
        """Issue the QB report, then show its PDF with 另存为 Excel…."""
        kit = self.kit
        if kit is None:
            return None

        def issued(number: str) -> None:
            self._after(f"已上报齐套情况报告 {number}（发给总体单位）。", kit.number)
            self.records_changed.emit()
            # Rendered in the event loop's next turn: the page shows the report issued first,
            # and the GUI thread does not wait for the issue and the render in one go (issue 10).
            QTimer.singleShot(0, self, lambda: self._show_report(number, kit.number))

        return self.run(
            call(kitting.issue_status_report, self.db, self.actor, kit.number, self._today()),
            done=issued,
            changes=Change.WAY_BACK | Change.REPORTS | Change.DEADLINES,
        )

    def preview(self) -> Operation | None:
        """The set's status as of today, as the report would print it; nothing is recorded."""
        if self.kit is None:
            return None
        return self._show_report(None, self.kit.number)

    def _show_report(self, number: str | None, kit_number: str) -> Operation:
        title = f"齐套情况报告 {number}" if number else f"齐套情况（预览）{kit_number}"

        def rendered(files: tuple[bytes, bytes]) -> None:
            pdf, xlsx = files
            show_preview(
                self,
                lambda parent: KittingReportPreview(
                    pdf, xlsx, title, number or kit_number, self.prompts, parent
                ),
            )

        # The report's workbook loads openpyxl (~0.2 s): imported with the call, in the worker
        # thread, the first time a report is shown (on the GUI thread it blocked the window
        # 190 ms after 上报齐套情况, issue 10).
        return self.run(
            call_later_imported(
                "app.services.way_back.kitting_report:report_files",
                self.db,
                kit_number,
                number,
                self._today(),
            ),
            done=rendered,
            label="正在生成齐套情况报告…",
            title="无法预览",
        )

    def complete(self) -> None:
        kit = self.kit
        if kit is None:
            return
        self.run(
            call(kitting.complete, self.db, self.actor, kit.number, self._today()),
            done=lambda done: self._after(
                f"齐套 {done.number} 已齐套：{len(done.active)} 件，可以交付用户。", kit.number
            ),
            changes=KIT_CHANGES,
        )

    def deliver(self) -> None:
        kit = self.kit
        if kit is None:
            return
        dialog = DeliverDialog(kit, self.actor.name, self)
        accepted = self.prompts.run(dialog)
        values: DeliverValues = dialog.values()
        dialog.deleteLater()
        if not accepted:
            return

        def delivered(number: str) -> None:
            summary = f"齐套 {kit.number} 已交付用户（{len(kit.active)} 件），交接记录单 {number}。"
            self._after(summary + "请在回访后记录满意度。", kit.number)
            self.records_changed.emit()
            text = summary + "\n\n是否现在打印交接记录单？"
            if self.prompts.ask(self, "已交付用户", text, yes="打印交接单", no="稍后打印"):
                print_record(self, number)

        self.run(
            call(
                delivery.deliver,
                self.db,
                self.actor,
                kit.number,
                values.user_rep_name,
                values.clerk_name,
                values.anomalies,
                self._today(),
            ),
            done=delivered,
            changes=KIT_CHANGES | Change.DEADLINES,
        )

    def followup(self) -> None:
        kit = self.kit
        if kit is None:
            return
        dialog = FollowupDialog(kit, self)
        accepted = self.prompts.run(dialog)
        values: FollowupValues = dialog.values()
        dialog.deleteLater()
        if not accepted:
            return
        how = "免于回访" if values.waived else f"满意度 {values.satisfaction} 分"
        self.run(
            call(
                delivery.record_followup,
                self.db,
                self.actor,
                kit.number,
                values.satisfaction,
                values.note,
                values.waived,
            ),
            done=lambda closed: self._after(
                f"已记录回访（{how}）：齐套 {kit.number} 的 {closed} 件产品流程关闭。", kit.number
            ),
            # The last follow-up of a task closes the task too.
            changes=KIT_CHANGES | Change.TASKS,
        )

    def regroup(self) -> None:
        kit = self.kit
        if kit is None:
            return
        self.run(
            call(kitting.regroup_targets, self.db, kit.number, self._today()),
            done=lambda targets: self._regroup(kit, targets),
        )

    def _regroup(self, kit: KitStatus, targets: list[KitRow]) -> None:
        dialog = RegroupDialog(kit, targets, self._today(), self)
        accepted = self.prompts.run(dialog)
        values: RegroupValues = dialog.values()
        dialog.deleteLater()
        if not accepted:
            return
        made = "并入" if values.target else "组成新的齐套"
        moved = len(values.line_ids)
        self.run(
            call(
                kitting.regroup,
                self.db,
                self.actor,
                values.line_ids,
                values.target,
                values.deadline,
                self._today(),
            ),
            done=lambda target: self._after(
                f"已把 {moved} 件产品从 {kit.number} {made} {target}。", target
            ),
            changes=KIT_CHANGES | Change.DEADLINES,
        )

    def change_deadline(self) -> None:
        kit = self.kit
        if kit is None:
            return
        dialog = KitDeadlineDialog(kit, self._today(), self)
        accepted = self.prompts.run(dialog)
        day = dialog.value()
        dialog.deleteLater()
        if not accepted:
            return
        self.run(
            call(kitting.set_deadline, self.db, self.actor, kit.number, day),
            done=lambda _none: self._after(
                f"齐套 {kit.number} 的时间节点改为 {day.isoformat()}。", kit.number
            ),
            changes=Change.WAY_BACK | Change.DEADLINES,
        )
