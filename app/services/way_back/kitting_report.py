"""The kitting status report (齐套情况报告) as a PDF form and as an Excel workbook."""

from __future__ import annotations

import datetime as dt
import io
from copy import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from sqlalchemy import select

from app.db import Database
from app.errors import NotFound
from app.models.delivery import KitSet
from app.models.records import Report
from app.printing.documents import FormDocument, FormField, FormSection, FormTable
from app.printing.on_demand import render_form
from app.services.kernel.context import local_today, to_local
from app.services.kernel.terms import deadline_state_label, line_status_label
from app.services.kernel.views import KitItem, KitStatus
from app.services.way_back.kitting import kit_status_in

COLUMNS = ("产品编码", "产品名称", "返厂任务", "状态", "所在单位", "责任单位", "情况", "超期")


def _row(i: KitItem) -> tuple[str, ...]:
    return (
        i.item_code,
        i.model_name,
        i.task_number,
        line_status_label(i.status),
        i.where,
        i.responsible,
        i.note,
        f"{i.late_days} 天" if i.late_days else "",
    )


def _ordered(items: tuple[KitItem, ...]) -> list[KitItem]:
    """The missing first, the latest of them first; then the scrapped; then those back."""
    return sorted(items, key=lambda i: (i.back, i.scrapped, -i.late_days))


def _rows(status: KitStatus) -> list[tuple[str, ...]]:
    return [_row(i) for i in _ordered(status.items)]


def _sections(status: KitStatus) -> tuple[FormSection, ...]:
    """The items still missing, with a Code128 each for whoever goes to fetch them; then the
    rest as text. (A barcode costs as much to draw as the rest of its row: a set of 10,000
    returned items need not print 10,000 of them.)"""
    ordered = _ordered(status.items)
    missing = [_row(i) for i in ordered if not i.back and not i.scrapped]
    rest = [_row(i) for i in ordered if i.back or i.scrapped]
    sections = []
    if missing or not rest:
        sections.append(
            FormSection(
                f"未返回的产品（{len(missing)} 件）",
                table=FormTable("", COLUMNS, tuple(missing), barcode_column=0),
            )
        )
    if rest:
        sections.append(
            FormSection(
                f"已返回及报废退出的产品（{len(rest)} 件）",
                table=FormTable("", COLUMNS, tuple(rest)),
            )
        )
    return tuple(sections)


def _summary(status: KitStatus) -> str:
    scrapped = [i for i in status.items if i.scrapped]
    text = (
        f"共 {len(status.active)} 件，已返回 {len(status.active) - len(status.missing)} 件，"
        f"未返回 {len(status.missing)} 件"
    )
    if scrapped:
        text += f"；报废退出齐套 {len(scrapped)} 件（{'、'.join(i.item_code for i in scrapped)}），齐套不再等待"
    return text + "。"


def current_status(db: Database, number: str, today: dt.date | None) -> KitStatus:
    with db.reading() as session:
        kit = session.scalar(select(KitSet).where(KitSet.number == number.strip().upper()))
        if kit is None:
            raise NotFound(f"找不到齐套 {number}。")
        return kit_status_in(db, session, kit, today or local_today())


def status_form(status: KitStatus, number: str, today: dt.date) -> FormDocument:
    d = status.report_deadline
    return FormDocument(
        number=number,
        title="齐套情况报告",
        subtitle="报送：总体单位",
        item_code="",
        fields=(
            FormField("齐套编号", status.number),
            FormField("返厂任务", status.task_number or "（调整后的齐套）"),
            FormField("用户单位", status.user_unit or "—"),
            FormField("齐套时间节点", status.deadline.isoformat() if status.deadline else "未定"),
            FormField("上报时限", f"{d.due or '—'}（{deadline_state_label(d.state)}）"),
            FormField("统计日期", today.isoformat()),
            FormField("齐套情况", _summary(status), wide=True),
        ),
        sections=_sections(status),
        signatures=("物资管理部门", "总体单位签收"),
        printed_at=to_local(dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M"),
    )


def kitting_report_pdf(db: Database, number: str, today: dt.date | None = None) -> bytes:
    today = today or local_today()
    status = current_status(db, number, today)
    return render_form(status_form(status, status.number, today))


def issued_report_pdf(db: Database, report: Report) -> bytes:
    """A QB report as issued: its number, with the set's status as of printing."""
    with db.reading() as session:
        kit = session.scalar(select(KitSet).where(KitSet.status_report_id == report.id))
        if kit is None:
            kit = session.scalar(select(KitSet).where(KitSet.task_id == report.task_id))
        if kit is None:
            raise NotFound(f"找不到报告 {report.number} 对应的齐套。")
        issued = to_local(report.created_at).date()
        status = kit_status_in(db, session, kit, issued)
    return render_form(status_form(status, report.number, issued))


def kitting_report_xlsx(db: Database, number: str, today: dt.date | None = None) -> bytes:
    """The same report as a workbook the prime unit can sort and forward."""
    today = today or local_today()
    return status_workbook(current_status(db, number, today), today)


def status_workbook(status: KitStatus, today: dt.date) -> bytes:
    """The workbook of a set's status, written in one pass: each cell is touched once and the
    row number is kept here (openpyxl's `ws.max_row` walks the sheet: read per row it made a
    2,000-line set take 16 s)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "齐套情况"
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(1, 1, f"齐套情况报告  {status.number}").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    d = status.report_deadline
    info = [
        ("返厂任务", status.task_number or "（调整后的齐套）"),
        ("用户单位", status.user_unit or "—"),
        ("齐套时间节点", status.deadline.isoformat() if status.deadline else "未定"),
        ("上报时限", f"{d.due or '—'}（{deadline_state_label(d.state)}）"),
        ("统计日期", today.isoformat()),
        ("齐套情况", _summary(status)),
    ]
    row = 1
    for label, value in info:
        row += 1
        ws.cell(row, 1, label).font = bold
        ws.cell(row, 2, value)
    header_row = row + 2  # a blank row between
    fill = PatternFill("solid", fgColor="DDE4EE")
    for c, title in enumerate([*COLUMNS[:-1], "超期天数"], start=1):
        cell = ws.cell(header_row, c, title)
        cell.font, cell.fill, cell.border = bold, fill, box
    # Every row cell has one look: its style is set once and copied (openpyxl hashes a style
    # each time one is assigned, which cost more than the rest of the workbook together).
    pattern = ws.cell(header_row + 1, 1)
    pattern.border, pattern.alignment = box, Alignment(wrap_text=True, vertical="top")
    look = pattern._style
    row = header_row
    for values in _rows(status):
        row += 1
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row, c, int(v.split()[0]) if c == len(COLUMNS) and v else v)
            cell._style = copy(look)
    for col, width in zip("ABCDEFGH", (26, 16, 18, 12, 16, 16, 28, 9), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_files(
    db: Database, kit_number: str, report_number: str | None = None, today: dt.date | None = None
) -> tuple[bytes, bytes]:
    """What the kitting page previews: the PDF (the issued QB report, or the set's status as
    of today when `report_number` is None) and the same report as a workbook."""
    # records.printing prints every record kind, this report among them: imported when used.
    from app.services.records.printing import render_record

    today = today or local_today()
    pdf = (
        render_record(db, report_number)
        if report_number
        else kitting_report_pdf(db, kit_number, today)
    )
    return pdf, kitting_report_xlsx(db, kit_number, today)
