"""The repair bench's printed records (KX, PC, DW, WX, YS, CQ, SJ) filled from the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.calendar import DeadlineRule
from app.models.delivery import DeliveryPlan, DeliveryPlanLine
from app.models.misc import Attachment
from app.models.org import Unit, User
from app.models.products import ChecklistItem, QualityCertificate
from app.models.records import Report, ReportLine
from app.models.repair import (
    AcceptanceInspection,
    AcceptanceResult,
    FaultLocalization,
    InvestigationPlan,
    RepairPlan,
    RepairRecord,
    ReplacedPart,
    ScrapDecision,
    ScrapRequest,
    UnboxingInspection,
    UnboxingPhoto,
)
from app.models.returns import ReturnLine
from app.models.workdays import RuleCode
from app.printing.documents import FormDocument, FormField, FormSection, FormTable
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import rule_span
from app.services.kernel.context import to_local
from app.services.kernel.terms import line_status_label, report_kind_label, rule_label, span_text

F = FormField


def _rule_text(session: Session, rule: str) -> str:
    """The rule's name and its length as the admin set it (时限规则), e.g. “故障定位（5 个工作日）”."""
    if not rule:
        return "—"
    length = rule_span(session, rule)
    return f"{rule_label(rule)}（{length}）" if length else rule_label(rule)


def _now() -> str:
    return to_local(dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M")


def _ok(flag: bool) -> str:
    return "正常" if flag else "异常"


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _item_fields(session: Session, line: ReturnLine) -> list[FormField]:
    model = line.item.model
    maker = session.get(Unit, line.manufacturer_unit_id) if line.manufacturer_unit_id else None
    return [
        F("产品名称", model.name),
        F("型号/代号", model.code),
        F("出厂编号", line.item.serial_no),
        F("图号", model.drawing_no or "—"),
        F("返厂任务", f"{line.task.number} 第 {line.seq} 项"),
        F("承制单位", maker.name if maker else "—"),
    ]


def _code(line: ReturnLine) -> str:
    return item_code(line.item.model.code, line.item.serial_no)


def unboxing_form(session: Session, rec: UnboxingInspection) -> FormDocument:
    line = session.get_one(ReturnLine, rec.line_id)
    photos = session.scalars(
        select(Attachment.data)
        .join(UnboxingPhoto, UnboxingPhoto.attachment_id == Attachment.id)
        .where(UnboxingPhoto.inspection_id == rec.id)
        .order_by(UnboxingPhoto.id)
    ).all()
    checks = (
        ("包装", _ok(rec.packaging_ok)),
        ("铅封", _ok(rec.seals_ok)),
        ("外观", _ok(rec.appearance_ok)),
        ("附件", "齐全" if rec.accessories_ok else "不齐"),
        ("证明文件、故障单、装箱清单与实物", "一致" if rec.documents_consistent else "不一致"),
    )
    return FormDocument(
        number=rec.number,
        title="开箱检查记录",
        subtitle="承制单位会同用户代表开箱检查",
        item_code=_code(line),
        fields=(
            *_item_fields(session, line),
            F("开箱日期", _date(rec.inspected_on)),
            F("用户代表", rec.user_rep_name),
            F("故障现象", line.fault_description or "—", wide=True),
        ),
        sections=(
            FormSection("检查结果", table=FormTable("", ("检查项目", "结果"), checks)),
            FormSection("情况说明", text=rec.notes or "无"),
        ),
        signatures=("检查人", "用户代表"),
        printed_at=_now(),
        photos=tuple(photos),
    )


def _plans_table(session: Session, line_id: int) -> FormTable:
    rows: list[tuple[str, ...]] = [
        ("故障排查方案", p.document_no, p.version, p.number)
        for p in session.scalars(
            select(InvestigationPlan)
            .where(InvestigationPlan.line_id == line_id)
            .order_by(InvestigationPlan.id)
        )
    ]
    rows += [
        ("维修方案", p.document_no or "—", p.version or "—", f"计划完成 {p.planned_completion}")
        for p in session.scalars(
            select(RepairPlan).where(RepairPlan.line_id == line_id).order_by(RepairPlan.id)
        )
    ]
    return FormTable(
        "", ("类别", "文件编号", "版本", "备注"), tuple(rows) or (("—", "—", "—", "—"),)
    )


def plan_form(session: Session, plan: InvestigationPlan) -> FormDocument:
    line = session.get_one(ReturnLine, plan.line_id)
    attachment = session.get(Attachment, plan.attachment_id) if plan.attachment_id else None
    return FormDocument(
        number=plan.number,
        title="故障排查方案（登记）",
        subtitle="",
        item_code=_code(line),
        fields=(
            *_item_fields(session, line),
            F("文件编号", plan.document_no),
            F("版本", plan.version),
            F("方案名称", plan.title or "—"),
            F("编写人", plan.author),
            F("附件", attachment.file_name if attachment else "无", wide=True),
        ),
        sections=(
            FormSection("本产品全部排查方案与维修方案", table=_plans_table(session, line.id)),
        ),
        signatures=("编写", "审核"),
        printed_at=_now(),
    )


def localization_form(session: Session, loc: FaultLocalization) -> FormDocument:
    line = session.get_one(ReturnLine, loc.line_id)
    report = session.scalar(select(Report).where(Report.number == loc.number))
    to = (
        "、".join(session.get_one(Unit, r.unit_id).name for r in report.recipients)
        if report
        else ""
    )
    if loc.no_fault_found:
        conclusion = FormSection(
            "定位结论", fields=(F("结论", "复测无故障", wide=True),), text=loc.conclusion
        )
    else:
        conclusion = FormSection(
            "定位结论",
            fields=(
                F("故障模式", loc.fault_mode),
                F("原因类别", loc.cause_category),
                F("故障部位", loc.faulty_part, wide=True),
            ),
            text=loc.conclusion,
        )
    return FormDocument(
        number=loc.number,
        title="故障定位情况报告",
        subtitle=f"报送：{to}" if to else "",
        item_code=_code(line),
        fields=(
            *_item_fields(session, line),
            F("收到日期", _date(line.received_on)),
            F("定位日期", _date(loc.localized_on)),
            F("定位时限", _localization_time(session, loc), wide=True),
            F("故障现象", line.fault_description or "—", wide=True),
        ),
        sections=(conclusion, FormSection("依据的技术文件", table=_plans_table(session, line.id))),
        signatures=("定位人（设计师）", "审核", "质量部门"),
        printed_at=_now(),
    )


def repair_form(session: Session, rec: RepairRecord) -> FormDocument:
    """The page for the item's quality certificate: what was done, on what grounds, who accepted."""
    line = session.get_one(ReturnLine, rec.line_id)
    parts = session.scalars(
        select(ReplacedPart)
        .where(ReplacedPart.repair_record_id == rec.id)
        .order_by(ReplacedPart.id)
    ).all()
    loc = session.scalar(
        select(FaultLocalization)
        .where(FaultLocalization.line_id == line.id)
        .order_by(FaultLocalization.id.desc())
    )
    acceptance = session.scalar(
        select(AcceptanceInspection)
        .where(AcceptanceInspection.line_id == line.id, AcceptanceInspection.passed)
        .order_by(AcceptanceInspection.id.desc())
    )
    if rec.outcome == "no_fault_found":
        outcome = "复测无故障"
    elif parts:
        outcome = "已修复（更换零件）并复测合格"
    else:
        outcome = "已修复并复测合格"
    sections = [
        FormSection("维修内容", fields=(F("维修结论", outcome, wide=True),), text=rec.work_done),
        FormSection("试验/复测", text=rec.tests or "—"),
    ]
    if parts:
        sections.append(_parts_section(parts))
    sections.append(FormSection("依据的技术文件", table=_plans_table(session, line.id)))
    sections.append(
        FormSection(
            "验收",
            fields=(
                F("验收记录", acceptance.number if acceptance else "待验收"),
                F("验收结论", "合格" if acceptance else "—"),
                F("检验员", acceptance.inspector if acceptance else "—"),
                F("验收日期", _date(acceptance.inspected_on) if acceptance else "—"),
            ),
        )
    )
    fault = f"{loc.fault_mode}；{loc.faulty_part}" if loc and not loc.no_fault_found else "—"
    released = rec.certificate_id is not None and acceptance is not None
    sections.append(_release_section(rec, released))
    fields = [
        *_item_fields(session, line),
        F("质量证明文件编号", _certificate_no(session, rec, line) or "（未登记）"),
        F("维修日期", _date(rec.repaired_on)),
        F("故障现象", line.fault_description or "—", wide=True),
        F("故障定位", fault, wide=True),
        F("维修人", rec.repaired_by),
    ]
    if rec.late_days:
        fields.append(F("在修时限", _late_text(rec.late_days, "calendar_days", rec.late_reason)))
    return FormDocument(
        number=rec.number,
        title="维修记录",
        subtitle="（产品质量证明文件 · 维修记录页）",
        item_code=_code(line),
        fields=tuple(fields),
        sections=tuple(sections),
        signatures=("维修人", "检验员", "授权放行人") if released else ("维修人", "检验员"),
        printed_at=_now(),
    )


def _parts_section(parts: Sequence[ReplacedPart]) -> FormSection:
    rows = tuple(
        (p.part_name or "—", p.part_no, p.removed_serial or "—", p.fitted_serial or "—")
        for p in parts
    )
    header = ("零件名称", "零件号", "拆下件编号", "装上件编号")
    return FormSection("更换零件", table=FormTable("", header, rows))


RELEASE = "经检验，该产品修复合格，准予放行。"
RELEASE_NO_FAULT = "经复测和检验，该产品未见故障，质量合格，准予放行。"
NOT_RELEASED = "该产品尚未验收合格，不得放行。"


def _release_section(rec: RepairRecord, released: bool) -> FormSection:
    """The release statement the authorised person signs under (issue 7, defect 11)."""
    if not released:
        return FormSection("放行", text=NOT_RELEASED)
    statement = RELEASE_NO_FAULT if rec.outcome == "no_fault_found" else RELEASE
    return FormSection("放行", text=statement)


def _certificate_no(session: Session, rec: RepairRecord, line: ReturnLine) -> str:
    """The number of the certificate this page belongs to (the item's, before it is filed)."""
    if rec.certificate_id is not None:
        cert = session.get(QualityCertificate, rec.certificate_id)
    else:
        cert = session.scalar(
            select(QualityCertificate).where(QualityCertificate.item_id == line.item_id)
        )
    return cert.certificate_no if cert is not None else ""


def _localization_time(session: Session, loc: FaultLocalization) -> str:
    """“按期完成（时限 5 个工作日）”: the rule's length as the admin set it."""
    rule = session.get(DeadlineRule, RuleCode.localization)
    unit = rule.unit if rule is not None else "working_days"
    span = rule_span(session, RuleCode.localization)
    return f"{_late_text(loc.late_days, unit, loc.late_reason)}（时限 {span}）"


def _late_text(days: int, unit: str, reason: str) -> str:
    """“按期完成”, or “超期 2 个工作日；原因：…”."""
    if not days:
        return "按期完成"
    return f"超期 {span_text(days, unit)}；原因：{reason or '—'}"


def scrap_form(session: Session, req: ScrapRequest) -> FormDocument:
    """报废审批单 (BF): the engineer's request and the manager's approval of scrapping an item."""
    line = session.get_one(ReturnLine, req.line_id)
    loc = session.scalar(
        select(FaultLocalization)
        .where(FaultLocalization.line_id == line.id)
        .order_by(FaultLocalization.id.desc())
    )
    approved = req.decision == ScrapDecision.approved
    fault = f"{loc.fault_mode}；{loc.faulty_part}（{loc.number}）" if loc else "—"
    return FormDocument(
        number=req.number or "",
        title="报废审批单",
        subtitle="承制单位申请，总体/主管审批",
        item_code=_code(line),
        fields=(
            *_item_fields(session, line),
            F("故障现象", line.fault_description or "—", wide=True),
            F("故障定位", fault, wide=True),
        ),
        sections=(
            FormSection(
                "报废申请",
                fields=(
                    F("申请人", req.requested_by),
                    F("申请日期", _date(req.requested_on)),
                    F("申请时状态", line_status_label(req.line_status), wide=True),
                    F("报废原因", req.reason, wide=True),
                ),
            ),
            FormSection(
                "审批意见",
                fields=(
                    F("审批结论", "同意报废" if approved else "不同意报废"),
                    F("审批日期", _date(req.decided_on)),
                    F("审批人", req.decided_by or "—", wide=True),
                    F("审批意见", req.decision_note or "—", wide=True),
                ),
                text="该产品不再维修，退出所在齐套（齐套情况报告中注明）。" if approved else "",
            ),
        ),
        signatures=("申请人", "审批人"),
        printed_at=_now(),
    )


def acceptance_form(session: Session, ins: AcceptanceInspection) -> FormDocument:
    line = session.get_one(ReturnLine, ins.line_id)
    results = session.execute(
        select(
            ChecklistItem.position,
            ChecklistItem.text,
            AcceptanceResult.passed,
            AcceptanceResult.note,
        )
        .join(AcceptanceResult, AcceptanceResult.checklist_item_id == ChecklistItem.id)
        .where(AcceptanceResult.inspection_id == ins.id)
        .order_by(ChecklistItem.position)
    ).all()
    rows = tuple(
        (str(i), text, "合格" if ok else "不合格", note or "")
        for i, (_p, text, ok, note) in enumerate(results, 1)
    )
    sections = []
    if rows:
        sections.append(
            FormSection(
                "验收项目（按出厂验收要求）",
                table=FormTable("", ("序号", "项目", "结果", "说明"), rows),
            )
        )
    sections.append(
        FormSection(
            "验收结论",
            fields=(F("结论", "合格" if ins.passed else "不合格，返回维修", wide=True),),
            text=ins.findings or "",
        )
    )
    return FormDocument(
        number=ins.number,
        title="验收记录",
        subtitle="",
        item_code=_code(line),
        fields=(
            *_item_fields(session, line),
            F("检验员", ins.inspector),
            F("验收日期", _date(ins.inspected_on)),
        ),
        sections=tuple(sections),
        signatures=("检验员", "承制单位代表"),
        printed_at=_now(),
    )


def report_form(session: Session, report: Report) -> FormDocument:
    """An overdue report (CQ) or an escalation (SJ): which items, which deadline, why."""
    rows = session.execute(
        select(ReturnLine, ReportLine.reason)
        .join(ReportLine, ReportLine.line_id == ReturnLine.id)
        .where(ReportLine.report_id == report.id)
        .order_by(ReportLine.id)
    ).all()
    to = "、".join(session.get_one(Unit, r.unit_id).name for r in report.recipients)
    by = session.get(User, report.created_by_id) if report.created_by_id else None
    acks = [
        f"{session.get_one(Unit, r.unit_id).name}：{to_local(r.acknowledged_at).strftime('%Y-%m-%d %H:%M')}"
        for r in report.recipients
        if r.acknowledged_at
    ]
    answer = answer_text(session, report)
    return FormDocument(
        number=report.number,
        title=report_kind_label(report.kind),
        subtitle=f"报送：{to}",
        item_code="",
        fields=(
            F("事由", report.title, wide=True),
            F("时限", _rule_text(session, report.rule)),
            F("报告日期", to_local(report.created_at).date().isoformat()),
            F("报告人", by.display_name if by else "时限监控（系统）"),
            F("签收", "；".join(acks) or "未签收"),
            F("处理情况", answer or "未关闭：超期事项尚未办结", wide=True),
        ),
        sections=(
            FormSection(
                "涉及产品",
                table=FormTable(
                    "",
                    ("产品编码", "返厂任务", "状态说明"),
                    tuple(
                        (_code(line), line.task.number, _row_state(report, reason, answer))
                        for line, reason in rows
                    ),
                    barcode_column=0,
                ),
            ),
        ),
        signatures=("报告人", "签收人"),
        printed_at=_now(),
    )


def answer_text(session: Session, report: Report) -> str:
    """How an overdue report or escalation was closed: “已关闭：2026-11-29 完成故障定位（DW-…），
    超期 2 个工作日；原因：…”; "" while it is open."""
    if report.answered_on is None:
        return ""
    number = report.answered_by
    late: tuple[int, str, str] | None = None
    loc = session.scalar(select(FaultLocalization).where(FaultLocalization.number == number))
    if loc is not None:
        what = "复测无故障" if loc.no_fault_found else "完成故障定位"
        late = (loc.late_days, "working_days", loc.late_reason)
    else:
        rec = session.scalar(select(RepairRecord).where(RepairRecord.number == number))
        what = "完成维修"
        if rec is not None:
            late = (rec.late_days, "calendar_days", rec.late_reason)
    text = f"已关闭：{report.answered_on.isoformat()} {what}（{number}）"
    if late and late[0]:
        text += f"，超期 {span_text(late[0], late[1])}；原因：{late[2]}"
    return text


def _row_state(report: Report, reason: str, answer: str) -> str:
    """A closed report no longer says the step is still missing (“至今未定位”)."""
    if not answer:
        return reason
    before = reason.split("，至今")[0]
    day = report.answered_on.isoformat() if report.answered_on else ""
    return f"{before}；已办结（{report.answered_by}，{day}）"


def delivery_plan_form(session: Session, plan: DeliveryPlan) -> FormDocument:
    """The prime unit's delivery plan (交付计划, JF): which repaired items come back, by when."""
    lines = session.scalars(
        select(ReturnLine)
        .join(DeliveryPlanLine, DeliveryPlanLine.line_id == ReturnLine.id)
        .where(DeliveryPlanLine.plan_id == plan.id)
        .order_by(DeliveryPlanLine.id)
    ).all()
    by = session.get(User, plan.created_by_id) if plan.created_by_id else None
    rows = []
    for line in lines:
        maker = session.get(Unit, line.manufacturer_unit_id) if line.manufacturer_unit_id else None
        rows.append(
            (_code(line), line.item.model.name, line.task.number, maker.name if maker else "—")
        )
    return FormDocument(
        number=plan.number,
        title="交付计划",
        subtitle="总体单位根据修复情况统一安排交付",
        item_code="",
        fields=(
            F("交付日期", _date(plan.due_date)),
            F("编制", by.display_name if by else "—"),
            F("说明", plan.note or "—", wide=True),
        ),
        sections=(
            FormSection(
                "交付产品",
                table=FormTable(
                    "",
                    ("产品编码", "产品名称", "返厂任务", "承制单位"),
                    tuple(rows),
                    barcode_column=0,
                ),
            ),
        ),
        signatures=("编制", "批准"),
        printed_at=_now(),
    )
