"""超期与升级: every overdue report (CQ) and escalation (SJ) the login follows, in one list, with
its reasons: those addressed to their unit, and those their unit issued or that concern the
lines in its keeping (a clerk's late dispatch issues a CQ to the prime unit: the clerk sees it
here at once; see inbox.followed_reports). 签收 (several at a time) and 打印 / 预览."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QWidget

from app.services.kernel.terms import VOIDED, ReportKind, Role, report_kind_label
from app.services.kernel.views import ReportView
from app.services.oversight import inbox
from app.ui.kit.formats import local_time_text
from app.ui.kit.page import Desk
from app.ui.kit.paged_model import CENTER, PAGE_SIZE, Column
from app.ui.kit.runner import Call, Change, call
from app.ui.kit.style import Tone
from app.ui.oversight.report_list import ReportListPage

KINDS = (ReportKind.overdue_report, ReportKind.escalation)


def _ack_text(report: ReportView) -> str:
    if report.voided:
        return f"{VOIDED}：{report.void_reason}"
    if report.acknowledged_at is None:
        return "未签收" if report.mine else "待对方签收"
    return f"{report.acknowledged_by or '—'} {local_time_text(report.acknowledged_at)}"


def _reason(report: ReportView) -> str:
    if report.answered_on is not None:  # closed by the late step's record (issue 7, defect 8)
        return f"已关闭：{report.answered_on.isoformat()} {report.answered_by} 已办结"
    return " ".join(report.body.split())


REPORT_COLUMNS = (
    Column("编号", lambda r: r.number, width=130),
    Column(
        "类别",
        lambda r: report_kind_label(r.kind),
        CENTER,
        tone=lambda r: Tone.bad if r.kind == ReportKind.escalation else Tone.warn,
        width=76,
    ),
    Column("标题", lambda r: r.title, tooltip=lambda r: r.title, width=290),
    Column("原因", _reason, tooltip=lambda r: r.body, width=300),
    Column("日期", lambda r: local_time_text(r.created_at), CENTER, width=124),
    Column("收件单位", lambda r: r.addressed_to, tooltip=lambda r: r.addressed_to, width=130),
    Column(
        "签收",
        _ack_text,
        tone=lambda r: Tone.warn if r.acknowledged_at is None else Tone.ok,
        width=150,
    ),
)


class ReportsPage(ReportListPage):
    """The overdue reports and escalations a login follows; acknowledging goes to the inbox's
    count through the runner (Change.REPORTS)."""

    # Reports are issued by the deadline sweep, by a late dispatch and at the bench.
    watches = Change.REPORTS | Change.DEADLINES | Change.DISPATCH | Change.BENCH

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(
            desk,
            parent,
            page_size=page_size,
            title="超期与升级",
            columns=REPORT_COLUMNS,
            kinds=KINDS,
            idle="超期报告（CQ）和升级报告（SJ）：时限监控和超期分发时生成；"
            "选择一份查看原因，可多选签收，双击或回车打印。",
            stretch=3,
        )
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选择一份报告，这里显示它的标题和原因。")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 140])
        self.layout_.addLayout(self.head())
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(split, 1)
        self._update_buttons()

    def scope_text(self) -> str:
        if self.actor.system or self.actor.role == Role.manager:
            return "（全部单位）"
        unit = self.actor.unit_name or "本单位"
        return f"（发给{unit}的，及{unit}发出或经手产品的）"

    def reading(self, after: int | None, limit: int) -> Call[list[ReportView]]:
        return call(
            inbox.followed_reports,
            self.db,
            self.actor,
            kinds=self.kinds() or KINDS,
            unread_only=self.unread_only.isChecked(),
            limit=limit,
            after=after,
        )

    def refresh(self) -> None:
        super().refresh()
        self._show_detail(self.current())

    def current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_detail(self.model.row(current.row()) if current.isValid() else None)

    def acknowledged(self, result: inbox.Acknowledged) -> None:
        self._show_detail(self.current())

    def _show_detail(self, report: ReportView | None) -> None:
        if report is None:
            self.detail.clear()
            return
        task = f"（返厂任务 {report.task_number}）" if report.task_number else ""
        self.detail.setPlainText(
            f"{report.number}　{report.title}{task}\n"
            f"收件单位：{report.addressed_to}　日期：{local_time_text(report.created_at)}"
            f"　签收：{_ack_text(report)}\n"
            f"原因：{report.body}"
        )
