"""What a printed record shows, as plain values: the services fill these, the renderers print them.

No database and no Qt here; every text is already worded by the caller (dates as local text).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrintLine:
    seq: int
    item_code: str  # "MODELCODE/SERIAL", printed as Code128
    model_code: str
    model_name: str
    drawing_no: str
    serial_no: str
    quantity: int
    fault_description: str
    documents: str  # e.g. "证明文件√ 故障单√ 装箱清单×" (already worded by the caller)
    result: str  # e.g. "接收" or "拒收：装箱清单缺失"


@dataclass(frozen=True)
class HandoverDocument:
    number: str  # record number "JJ-2026-000012"; unconfirmed: the task number "FX-2026-000003"
    title: str  # "返厂产品交接记录单" or "返厂交接清单（未确认）"
    task_number: str
    from_party: str  # unit handing over, e.g. "某部队修理所"
    to_party: str  # receiving unit, e.g. "物资管理部门"
    from_person: str  # user representative name ("" -> blank signature line)
    to_person: str  # clerk name
    handover_date: str  # local date text "2026-11-20"
    node_date: str  # task node date text or ""
    lines: tuple[PrintLine, ...]
    anomalies: str  # free text, "" -> "无"
    printed_at: str  # "2026-11-22 14:03"
    confirmed: bool


@dataclass(frozen=True)
class RejectionNoticeDocument:
    number: str  # "JS-2026-000004"
    task_number: str
    handover_number: str
    addressed_to: str  # prime unit name
    user_unit: str
    issued_by: str  # clerk name
    issued_date: str
    lines: tuple[PrintLine, ...]  # rejected lines, result holds the reason
    printed_at: str
