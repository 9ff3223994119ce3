"""What a printed record shows, as plain values: the services fill these, the renderers print them.

No database and no Qt here; every text is already worded by the caller (dates as local text).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordMark:
    """What a record's print says of voiding (issue 9): a voided record carries a diagonal 作废
    stamp on every page with the reason, who voided it and when; a re-issued one says which
    voided record it replaces. Empty: an ordinary record."""

    voided: bool = False
    void_reason: str = ""
    voided_by: str = ""
    voided_at: str = ""  # local time text "2026-11-29 16:05"
    replaces: str = ""  # the voided record's number
    replaced_by: str = ""  # on a voided record: the number issued again in its place

    @property
    def lines(self) -> tuple[str, ...]:
        """The band under the title: the voiding first, then what this record replaces."""
        out = []
        if self.voided:
            out.append(f"本记录已作废。作废原因：{self.void_reason}")
            out.append(f"作废人：{self.voided_by}　作废时间：{self.voided_at}")
            if self.replaced_by:
                out.append(f"已重新出具为 {self.replaced_by}")
        if self.replaces:
            out.append(f"替代 {self.replaces}（已作废）")
        return tuple(out)


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
    documents: str  # one line per document, e.g. "证明文件：一致\n装箱清单：缺失（未随产品交回）"
    result: str  # e.g. "接收" or "拒收：装箱清单缺失"
    accepted: bool | None = None  # on a handover record: accepted, rejected; None: not decided


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
    mark: RecordMark = RecordMark()  # voided / re-issued (issue 9)


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
    mark: RecordMark = RecordMark()  # voided / re-issued (issue 9)


# ----------------------------------------------------------------------------- bench record forms


@dataclass(frozen=True)
class FormField:
    label: str  # "产品编码"
    value: str  # may be long and multi-line: wraps inside its cell
    wide: bool = False  # spans the full width instead of half


@dataclass(frozen=True)
class FormTable:
    title: str  # "更换零件" / "验收项目" / "超期产品"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    barcode_column: int | None = None  # a column of item codes, also printed as Code128 per row


@dataclass(frozen=True)
class FormSection:
    title: str  # "故障定位结论"
    fields: tuple[FormField, ...] = ()
    table: FormTable | None = None
    text: str = ""  # a free paragraph


@dataclass(frozen=True)
class FormDocument:
    """A record of the repair bench: 开箱检查记录 (KX), 故障定位情况报告 (DW), 维修记录 (WX),
    验收记录 (YS), 超期报告 (CQ), 升级报告 (SJ)."""

    number: str  # "DW-2026-000003": Code128 top-right, and in every footer
    title: str  # "故障定位情况报告"
    subtitle: str  # e.g. "报送：科研生产部、质量部" or ""
    item_code: str  # "GC-12A/GC12A-2026001", printed as Code128 in the header block, or ""
    fields: tuple[FormField, ...]  # the header block (two columns of label/value)
    sections: tuple[FormSection, ...]
    signatures: tuple[str, ...]  # ("维修人", "检验员") -> "维修人签字：____ 日期：____"
    printed_at: str
    photos: tuple[bytes, ...] = ()  # JPEG/PNG bytes, printed as thumbnails in a 照片 section
    mark: RecordMark = RecordMark()  # voided / re-issued (issue 9)


# ----------------------------------------------------------------------------- item labels


@dataclass(frozen=True)
class ItemLabel:
    item_code: str  # "GC-12A/GC12A-2026001": what the barcode encodes
    model_code: str
    model_name: str
    serial_no: str
    task_number: str  # "FX-2026-000001"
    fault_short: str  # fault description, cut to fit (ellipsis)
    manufacturer: str  # where it goes, "" if not yet known
