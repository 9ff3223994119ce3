"""齐套: the kit sets that go back to the user together, each one's live items, and its steps:
the kitting status report (QB, PDF and Excel), 确认齐套, the handover to the user, the follow-up;
for a manager, regrouping and the set's deadline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
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

from app.errors import DomainError
from app.services.kernel.context import Actor, local_today
from app.services.kernel.terms import DeadlineState
from app.services.kernel.views import KitItem, KitStatus
from app.services.way_back import delivery, kitting
from app.ui.kit.formats import date_text
from app.ui.kit.gates import denial, gate
from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.print_preview import PdfLoadError, PrintPreviewDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.scan_field import FeedbackLine
from app.ui.kit.style import Tone, message_css, scaled_font
from app.ui.kit.tables import make_table, select_row
from app.ui.kit.worker import Progress, ServiceOp, run_with_progress
from app.ui.oversight.reminders import days_text
from app.ui.records.record_printer import RecordPrinter
from app.ui.way_back.delivery_dialogs import (
    KIT_STATUS_TONES,
    NO_KIT,
    DeliverDialog,
    FollowupDialog,
    KitDeadlineDialog,
    RegroupDialog,
    item_status_text,
    kit_status_label,
    missing_text,
)

if TYPE_CHECKING:
    from app.db import Database

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"


# --- the kit sets -----------------------------------------------------------------------------


def report_state(kit: KitStatus) -> tuple[str, Tone | None]:
    d = kit.report_deadline
    if d.state == DeadlineState.met:
        return f"已上报 {kit.report_number or ''}".strip(), Tone.ok
    if d.state == DeadlineState.met_late:
        return f"超期上报 {kit.report_number or ''}".strip(), Tone.warn
    if d.state == DeadlineState.overdue:
        return f"未上报，{days_text(d)}", Tone.bad
    if d.state == DeadlineState.due_soon:
        return f"待上报，{days_text(d)}", Tone.warn
    if d.state == DeadlineState.running:
        return f"待上报，{days_text(d)}", None
    if kit.report_number:
        return f"已上报 {kit.report_number}", Tone.ok
    return "—", None


def back_text(kit: KitStatus) -> str:
    active = kit.active
    text = f"{len(active) - len(kit.missing)}/{len(active)}"
    scrapped = len(kit.items) - len(active)
    return text + (f"（报废 {scrapped}）" if scrapped else "")


def kit_state(kit: KitStatus) -> tuple[str, Tone | None]:
    if kit.status == "open" and kit.complete:
        return "可确认齐套", Tone.ok
    if kit.status == "delivered":
        return "已交付，待回访", Tone.warn
    return kit_status_label(kit.status), KIT_STATUS_TONES.get(kit.status)


KIT_COLUMNS = (
    Column("齐套编号", lambda k: k.number, width=130),
    Column("返厂任务", lambda k: k.task_number or "（调整后的齐套）", width=130),
    Column("用户单位", lambda k: k.user_unit or "—", width=110),
    Column("齐套时间节点", lambda k: date_text(k.deadline), CENTER, width=100),
    Column(
        "上报时限",
        lambda k: date_text(k.report_deadline.due),
        CENTER,
        tooltip=lambda k: "齐套时间节点前 3 天应上报齐套情况报告",
        width=96,
    ),
    Column(
        "上报情况",
        lambda k: report_state(k)[0],
        tone=lambda k: report_state(k)[1],
        width=180,
    ),
    Column(
        "已返回/共",
        back_text,
        CENTER,
        tone=lambda k: Tone.ok if k.complete else None,
        tooltip=lambda k: missing_text(k) or "全部返回",
        width=96,
    ),
    Column("状态", lambda k: kit_state(k)[0], CENTER, tone=lambda k: kit_state(k)[1], width=110),
)


def _item_tone(item: KitItem) -> Tone | None:
    if item.scrapped:
        return Tone.muted
    return None


def _late_tone(item: KitItem) -> Tone | None:
    if item.scrapped:
        return Tone.muted
    return Tone.bad if item.late_days else None


def _back_tone(item: KitItem) -> Tone | None:
    if item.scrapped:
        return Tone.muted
    return Tone.ok if item.back else Tone.warn


ITEM_COLUMNS = (
    Column(
        "产品编码", lambda i: i.item_code, tooltip=lambda i: i.item_code, tone=_item_tone, width=180
    ),
    Column("产品名称", lambda i: i.model_name, tone=_item_tone, width=110),
    Column("返厂任务", lambda i: i.task_number, tone=_item_tone, width=130),
    Column("状态", item_status_text, CENTER, tone=_back_tone, width=110),
    Column("所在单位", lambda i: i.where, tone=_item_tone, width=120),
    Column("责任单位", lambda i: i.responsible, tone=_item_tone, width=120),
    Column(
        "超期",
        lambda i: f"{i.late_days} 天" if i.late_days else "",
        CENTER,
        tone=_late_tone,
        tooltip=lambda i: "按该产品自己的时限（分发、在修）计算" if i.late_days else "",
        width=60,
    ),
    Column("情况", lambda i: i.note, tooltip=lambda i: i.note, tone=_item_tone, width=200),
)


def kit_summary(kit: KitStatus) -> tuple[str, Tone]:
    active = kit.active
    scrapped = [i.item_code for i in kit.items if i.scrapped]
    parts = [f"共 {len(active)} 件，已返回 {len(active) - len(kit.missing)} 件"]
    missing = missing_text(kit)
    if missing:
        parts.append(missing)
    if scrapped:
        parts.append(f"报废退出 {len(scrapped)} 件：{'、'.join(scrapped)}")
    tone = Tone.ok if kit.complete else Tone.warn
    if kit.report_deadline.state == DeadlineState.overdue:
        parts.append("齐套情况报告已超期未报")
        tone = Tone.bad
    return "；".join(parts) + "。", tone


# --- the report's preview, with its workbook ---------------------------------------------------


class KittingReportPreview(PrintPreviewDialog):
    """The QB report's PDF, with 另存为 Excel… for the same report as a workbook."""

    def __init__(
        self,
        pdf: bytes,
        xlsx: bytes,
        title: str,
        file_stem: str,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(pdf, title, file_stem, prompts, parent)
        self.xlsx = xlsx
        self.excel_button = QPushButton("另存为 Excel…")
        self.excel_button.setToolTip("同一份齐套情况报告的 Excel 工作簿，便于总体单位汇总")
        self.excel_button.clicked.connect(self.save_excel_with_dialog)
        # Beside 另存为 PDF… in the button bar PrintPreviewDialog builds (its first layout item).
        outer = self.layout()
        first = outer.itemAt(0) if outer is not None else None
        bar = first.layout() if first is not None else None
        if isinstance(bar, QHBoxLayout):
            bar.insertWidget(bar.indexOf(self.close_button), self.excel_button)
        else:
            self.excel_button.setParent(self)

    def save_xlsx(self, path: str | Path) -> Path:
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        target.write_bytes(self.xlsx)
        return target

    def save_excel_with_dialog(self) -> None:
        path = self.prompts.save_file(self, "另存为 Excel", f"{self.file_stem}.xlsx", XLSX_FILTER)
        if not path:
            return
        try:
            saved = self.save_xlsx(path)
        except OSError as exc:
            self.prompts.error(self, "保存失败", f"无法保存到 {path}：{exc.strerror or exc}")
            return
        self.prompts.info(self, "已保存", f"已保存到 {saved}")


# --- the page ---------------------------------------------------------------------------------


class KittingPage(QWidget):
    """`open_item(code)` on an item's double-click, `open_record(number)` on a kit set's;
    `records_changed` after a report or a handover record was issued."""

    open_item = Signal(str)
    open_record = Signal(str)
    records_changed = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        prompts: Prompts | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts or Prompts()
        self.today = today
        self.printer = RecordPrinter(db, self.prompts)
        self.kit: KitStatus | None = None
        self.kits: list[KitStatus] = []
        self._loaded = False

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
        self.feedback = FeedbackLine()
        self.feedback.show_idle(
            "产品全部返回后确认齐套，再与用户代表当面交付；回访记录后，这些产品的流程关闭。"
        )

        self.kits_model = PagedTableModel(KIT_COLUMNS, list_fetcher(()), parent=self)
        self.kits_view = make_table(self.kits_model)

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

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.kits_view)
        split.addWidget(detail)
        split.setChildrenCollapsible(False)
        split.setSizes([300, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.feedback)
        layout.addWidget(split, 1)

        self.refresh_button.clicked.connect(self.refresh)
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
        self._apply_gates()

    # --- reading ------------------------------------------------------------------------------

    def _today(self) -> dt.date:
        return self.today or local_today()

    def refresh(self) -> None:
        """Read the kit sets again, keeping the selected one."""
        self._loaded = True
        keep = self.kit.number if self.kit else None
        try:
            # Closed sets pile up over the years: read them only when asked.
            kits = kitting.list_kit_sets(
                self.db, self._today(), include_closed=self.show_closed.isChecked()
            )
            if keep and all(k.number != keep for k in kits):
                # The set just closed here stays in view while it is the one open.
                kits.append(kitting.kit_status(self.db, keep, self._today()))
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        self.kits = kits
        self.kits_model.set_fetcher(list_fetcher(kits))
        self.kits_model.fetch_all()
        if keep is None and kits:
            keep = kits[0].number  # the most urgent set, so the page never opens empty
        if keep is None or not self.select_kit(keep):
            self._show_kit(None)

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def select_kit(self, number: str) -> bool:
        """Select the kit set with this number (if listed) and show its items."""
        index = self.kits_model.find(lambda k: k.number == number)
        if index is None:
            return False
        select_row(self.kits_view, index)
        self._show_kit(self.kits_model.row(index))
        return True

    def _kit_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_kit(self.kits_model.row(current.row()))

    def _show_kit(self, kit: KitStatus | None) -> None:
        self.kit = kit
        if kit is None:
            self.kit_title.setText(NO_KIT)
            self.summary.hide()
            self.items_model.set_fetcher(list_fetcher(()))
        else:
            unit = f"　{kit.user_unit}" if kit.user_unit else ""
            self.kit_title.setText(
                f"{kit.number}{unit}　时间节点 {date_text(kit.deadline, '未设置')}"
                f"　{kit_status_label(kit.status)}"
            )
            text, tone = kit_summary(kit)
            self.summary.setText(text)
            self.summary.setStyleSheet(message_css(tone))
            self.summary.show()
            items = sorted(kit.items, key=lambda i: (i.scrapped, i.back, -i.late_days))
            self.items_model.set_fetcher(list_fetcher(items))
            self.items_model.fetch_all()
        self._apply_gates()

    def _apply_gates(self) -> None:
        kit = self.kit
        none = NO_KIT if kit is None else ""
        status = kit.status if kit else ""
        live = status in ("open", "kitted")
        gate(
            self.report_button,
            none,
            denial(self.actor, "kit"),
            "" if not kit or live else "已交付的齐套不再上报齐套情况。",
            tip="生成齐套情况报告（QB），发给总体单位：缺哪些、在哪里、为什么",
        )
        gate(self.preview_button, none, tip="预览当前的齐套情况（PDF / Excel），不上报")
        gate(
            self.complete_button,
            none,
            denial(self.actor, "kit"),
            "" if not kit or status == "open" else "这个齐套已经确认齐套。",
            tip=(missing_text(kit) + "，还不能确认齐套。")
            if kit and kit.missing
            else "全部产品已返回：确认齐套，准备交付用户",
        )
        gate(
            self.deliver_button,
            none,
            denial(self.actor, "deliver"),
            "" if not kit or live else "这个齐套已经交付用户。",
            tip="与用户代表当面交付，生成交接记录单"
            if status == "kitted"
            else "确认齐套后才能交付用户",
        )
        gate(
            self.followup_button,
            none,
            denial(self.actor, "deliver"),
            ""
            if not kit or status == "delivered"
            else ("已回访，流程已关闭。" if status == "closed" else "交付用户后才能回访。"),
            tip="记录用户满意度（或免于回访），关闭这些产品的返修流程",
        )
        gate(
            self.regroup_button,
            none,
            denial(self.actor, "regroup_kit"),
            "" if not kit or status == "open" else "已齐套或已交付的齐套不能调整。",
            tip="把产品移到另一个齐套，或单独组成新的齐套",
        )
        gate(
            self.deadline_button,
            none,
            denial(self.actor, "regroup_kit"),
            "" if not kit or live else "已交付的齐套不能修改时间节点。",
            tip="修改本齐套的齐套时间节点",
        )

    def _open_kit(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_record.emit(self.kits_model.row(index.row()).number)

    def _open_item(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_item.emit(self.items_model.row(index.row()).item_code)

    def _done(self, message: str, keep: str | None = None) -> None:
        self.refresh()
        if keep:
            self.select_kit(keep)
        self.feedback.show_result(Tone.ok, message)

    # --- the steps ----------------------------------------------------------------------------

    def issue_report(self) -> ServiceOp | None:
        """Issue the QB report, then show its PDF with 另存为 Excel…."""
        kit = self.kit
        if kit is None:
            return None
        try:
            number = kitting.issue_status_report(self.db, self.actor, kit.number, self._today())
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return None
        self._done(f"已上报齐套情况报告 {number}（发给总体单位）。", kit.number)
        self.records_changed.emit()
        return self._show_report(number, kit.number)

    def preview(self) -> ServiceOp | None:
        """The set's status as of today, as the report would print it; nothing is recorded."""
        if self.kit is None:
            return None
        return self._show_report(None, self.kit.number)

    def _show_report(self, number: str | None, kit_number: str) -> ServiceOp:
        db, today = self.db, self._today()

        def render(_progress: Progress) -> tuple[bytes, bytes]:
            from app.services.records.printing import render_record
            from app.services.way_back.kitting_report import kitting_report_pdf, kitting_report_xlsx

            pdf = render_record(db, number) if number else kitting_report_pdf(db, kit_number, today)
            return pdf, kitting_report_xlsx(db, kit_number, today)

        def rendered(result: tuple[bytes, bytes]) -> None:
            pdf, xlsx = result
            title = f"齐套情况报告 {number}" if number else f"齐套情况（预览）{kit_number}"
            try:
                dialog = KittingReportPreview(
                    pdf, xlsx, title, number or kit_number, self.prompts, self
                )
            except PdfLoadError as exc:
                self.prompts.error(self, "无法预览", str(exc))
                return
            self.prompts.run(dialog)
            dialog.deleteLater()

        return run_with_progress(
            self, self.prompts, "正在生成齐套情况报告…", render, rendered, failure_title="无法预览"
        )

    def complete(self) -> None:
        kit = self.kit
        if kit is None:
            return
        try:
            done = kitting.complete(self.db, self.actor, kit.number, self._today())
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        self._done(f"齐套 {done.number} 已齐套：{len(done.active)} 件，可以交付用户。", kit.number)

    def deliver(self) -> None:
        kit = self.kit
        if kit is None:
            return
        if kit.status != "kitted":
            why = missing_text(kit) or "尚未确认齐套"
            self.feedback.show_result(Tone.bad, f"齐套 {kit.number} {why}，不能交付用户。")
            return
        dialog = DeliverDialog(kit, self.actor.name, self)
        if not self.prompts.run(dialog):
            return
        values = dialog.values()
        try:
            number = delivery.deliver(
                self.db,
                self.actor,
                kit.number,
                values.user_rep_name,
                values.clerk_name,
                values.anomalies,
                self._today(),
            )
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        summary = f"齐套 {kit.number} 已交付用户（{len(kit.active)} 件），交接记录单 {number}。"
        self._done(summary + "请在回访后记录满意度。", kit.number)
        self.records_changed.emit()
        text = summary + "\n\n是否现在打印交接记录单？"
        if self.prompts.ask(self, "已交付用户", text, yes="打印交接单", no="稍后打印"):
            self.printer.show(number, self)

    def followup(self) -> None:
        kit = self.kit
        if kit is None:
            return
        dialog = FollowupDialog(kit, self)
        if not self.prompts.run(dialog):
            return
        values = dialog.values()
        try:
            closed = delivery.record_followup(
                self.db, self.actor, kit.number, values.satisfaction, values.note, values.waived
            )
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        how = "免于回访" if values.waived else f"满意度 {values.satisfaction} 分"
        self._done(
            f"已记录回访（{how}）：齐套 {kit.number} 的 {closed} 件产品流程关闭。", kit.number
        )

    def regroup(self) -> None:
        kit = self.kit
        if kit is None:
            return
        dialog = RegroupDialog(kit, self.kits, self._today(), self)
        if not self.prompts.run(dialog):
            return
        values = dialog.values()
        try:
            target = kitting.regroup(
                self.db, self.actor, values.line_ids, values.target, values.deadline, self._today()
            )
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        made = "并入" if values.target else "组成新的齐套"
        self._done(f"已把 {len(values.line_ids)} 件产品从 {kit.number} {made} {target}。", target)

    def change_deadline(self) -> None:
        kit = self.kit
        if kit is None:
            return
        dialog = KitDeadlineDialog(kit, self._today(), self)
        if not self.prompts.run(dialog):
            return
        day = dialog.value()
        try:
            kitting.set_deadline(self.db, self.actor, kit.number, day)
        except DomainError as exc:
            self.feedback.show_result(Tone.bad, str(exc))
            return
        self._done(f"齐套 {kit.number} 的时间节点改为 {day.isoformat()}。", kit.number)
