"""The columns of the window's tables: what each row value shows, in Chinese, with its colour."""

from __future__ import annotations

from app.services.kernel.terms import (
    VOIDED,
    TaskStatus,
    line_status_label,
    report_kind_label,
    task_status_label,
)
from app.services.kernel.views import LineRow, ReportView, TaskSummary
from app.ui.kit.formats import (
    TASK_STATUS_TONES,
    conclusion_text,
    date_text,
    deadline_text,
    documents_text,
    local_time_text,
)
from app.ui.kit.paged_model import CENTER, RIGHT, Column
from app.ui.kit.style import Tone

DOCUMENTS_TIP = "产品证明文件 / 故障单 / 装箱清单：齐全且文物一致才可接收"


def _fault_tip(row: LineRow) -> str:
    return row.fault_description or "（未填写故障现象）"


def _conclusion_tip(row: LineRow) -> str:
    return f"拒收原因：{row.reject_reason}" if row.reject_reason else ""


TASK_COLUMNS = (
    Column("任务编号", lambda t: t.number, width=112),
    Column("用户单位", lambda t: t.user_unit, tooltip=lambda t: t.user_unit, width=100),
    Column(
        "状态",
        lambda t: task_status_label(t.status),
        CENTER,
        tone=lambda t: _task_tone(t),
        width=50,
    ),
    Column("件数", lambda t: str(t.line_count), RIGHT, width=48),  # an imported 10,000
    Column("节点日期", lambda t: date_text(t.node_date), CENTER, width=82),
)


def _task_tone(task: TaskSummary) -> Tone | None:
    return TASK_STATUS_TONES.get(TaskStatus(task.status))


def _deadline_column(title: str = "分发时限") -> Column:
    return Column(
        title,
        lambda r: deadline_text(r.dispatch_deadline)[0],
        tone=lambda r: deadline_text(r.dispatch_deadline)[1],
        tooltip=lambda r: deadline_text(r.dispatch_deadline)[2],
        width=128,
    )


def _item_tip(row: LineRow) -> str:
    return f"产品编码：{row.item_code}"


# 型号 rather than the whole item code: the serial has its own column, and 型号 + 出厂编号 is
# how the nameplate and the user's list read (the item code is in the tooltip).
LINE_COLUMNS = (
    Column("序号", lambda r: str(r.seq), CENTER, width=40),
    Column("型号", lambda r: r.model_code, tooltip=_item_tip, width=80),
    Column("产品名称", lambda r: r.model_name, tooltip=lambda r: r.model_name, width=96),
    Column("出厂编号", lambda r: r.serial_no, tooltip=_item_tip, width=116),
    Column("故障现象", lambda r: r.fault_description, tooltip=_fault_tip, width=150),
    Column(
        "三证",
        lambda r: documents_text(r.documents)[0],
        tone=lambda r: documents_text(r.documents)[1],
        tooltip=lambda r: DOCUMENTS_TIP,
        width=84,
    ),
    Column(
        "结论",
        lambda r: conclusion_text(r.status, r.decision, r.reject_reason)[0],
        CENTER,
        tone=lambda r: conclusion_text(r.status, r.decision, r.reject_reason)[1],
        tooltip=_conclusion_tip,
        width=56,
    ),
    _deadline_column(),
)

ALL_LINE_COLUMNS = (
    Column("任务编号", lambda r: r.task_number, width=140),
    Column("序号", lambda r: str(r.seq), CENTER, width=44),
    Column("型号", lambda r: r.model_code, tooltip=_item_tip, width=110),
    Column("产品名称", lambda r: r.model_name, width=140),
    Column("出厂编号", lambda r: r.serial_no, width=130),
    Column(
        "状态",
        lambda r: line_status_label(r.status),
        CENTER,
        tooltip=_conclusion_tip,
        tone=lambda r: Tone.bad if r.status == "rejected" else None,
        width=110,
    ),
    Column("故障现象", lambda r: r.fault_description, tooltip=_fault_tip, width=220),
    _deadline_column(),
)


def _ack_text(report: ReportView) -> str:
    if report.voided:
        return f"{VOIDED}：{report.void_reason}"
    if report.acknowledged_at is None:
        return "未签收"
    return f"{report.acknowledged_by or '—'} {local_time_text(report.acknowledged_at)}"


INBOX_COLUMNS = (
    Column("编号", lambda r: r.number, width=140),
    Column("类别", lambda r: report_kind_label(r.kind), width=130),
    Column("标题", lambda r: r.title, tooltip=lambda r: r.body or r.title, width=360),
    Column("日期", lambda r: local_time_text(r.created_at), CENTER, width=130),
    Column(
        "签收",
        _ack_text,
        tone=lambda r: Tone.warn if r.acknowledged_at is None else Tone.ok,
        width=190,
    ),
)
