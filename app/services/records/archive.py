"""The paper archive (issue 9): every record issued in a year as its PDF, and an index workbook
for the archive clerk and the auditor (number, kind, date, task, units, voided and why, file).

Which records: every numbered record whose number carries the year (JJ, JS, KX, PC, DW, WX, YS,
CQ, SJ, JF, QB, BF), voided ones included — they print with their 作废 stamp and the index says
so. FX (the working task; its handover record JJ is archived) and QT (a kit set's live status;
its issued reports QB are archived) are not records as issued.

The folder is written whole or not at all: everything goes into a hidden folder beside the
target, renamed to the target at the end; a failure leaves nothing behind. Reading every record
of a year for taking it out of the building is a person's act: the command signs in, only an
admin, a manager or the quality department may do it, and it is audited.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, PermissionDenied
from app.models.delivery import DeliveryPlan
from app.models.org import Role, Unit
from app.models.records import HandoverRecord, Report, ReportRecipient
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    ScrapRequest,
    UnboxingInspection,
)
from app.models.returns import ReturnLine, ReturnTask
from app.services.kernel import audit
from app.services.kernel.context import Actor, to_local
from app.services.kernel.terms import VOIDED, record_kind_label
from app.services.records import printing

ARCHIVERS = frozenset({Role.admin, Role.manager, Role.quality})
INDEX_HEADERS = ("编号", "类别", "日期", "任务单号", "单位", "状态", "作废原因", "替代", "文件名")
# Bench records and scrap approvals: (model, its date column name).
_LINE_RECORDS: tuple[tuple[Any, str], ...] = (
    (UnboxingInspection, "inspected_on"),
    (InvestigationPlan, "created_at"),
    (FaultLocalization, "localized_on"),
    (RepairRecord, "repaired_on"),
    (AcceptanceInspection, "inspected_on"),
    (ScrapRequest, "decided_on"),
)


@dataclass(frozen=True)
class ArchiveEntry:
    number: str
    kind: str  # 维修记录
    date: str  # the record's date, ISO
    task: str  # FX-… or ""
    units: str  # who it is between / addressed to
    voided: bool
    void_reason: str
    replaces: str
    file: str  # the PDF's name inside the folder


@dataclass(frozen=True)
class ArchiveResult:
    year: int
    directory: Path
    index: Path
    entries: tuple[ArchiveEntry, ...]


def _day(value: dt.date | dt.datetime | None) -> str:
    if isinstance(value, dt.datetime):
        return to_local(value).date().isoformat()
    return value.isoformat() if value else ""


class _Names:
    """Unit names and task numbers by id, read once per archive."""

    def __init__(self, session: Session) -> None:
        self.units: dict[int, str] = {i: n for i, n in session.execute(select(Unit.id, Unit.name))}
        self.tasks: dict[int, str] = {
            i: n for i, n in session.execute(select(ReturnTask.id, ReturnTask.number))
        }
        lines = select(ReturnLine.id, ReturnLine.task_id, ReturnLine.manufacturer_unit_id)
        self.lines = {i: (t, m) for i, t, m in session.execute(lines)}

    def task(self, task_id: int | None) -> str:
        return self.tasks.get(task_id, "") if task_id else ""

    def unit(self, unit_id: int | None) -> str:
        return self.units.get(unit_id, "") if unit_id else ""


def _entry(row: Any, date: str, task: str, units: str) -> ArchiveEntry:
    return ArchiveEntry(
        number=row.number,
        kind=record_kind_label(row.number[:2]),
        date=date,
        task=task,
        units=units,
        voided=bool(row.voided),
        void_reason=row.void_reason or "",
        replaces=row.replaces or "",
        file=f"{row.number}.pdf",
    )


def _like(year: int) -> str:
    return f"__-{year:04d}-%"


def year_entries(session: Session, year: int) -> list[ArchiveEntry]:
    """Every record numbered in `year`, in number order."""
    names = _Names(session)
    found: dict[str, ArchiveEntry] = {}
    for record in session.scalars(
        select(HandoverRecord).where(HandoverRecord.number.like(_like(year)))
    ):
        between = f"{names.unit(record.from_unit_id)} → {names.unit(record.to_unit_id)}"
        found[record.number] = _entry(
            record, _day(record.handover_date), names.task(record.task_id), between
        )
    for model, column in _LINE_RECORDS:
        for row in session.scalars(select(model).where(model.number.like(_like(year)))):
            task_id, maker = names.lines.get(row.line_id, (None, None))
            day = getattr(row, column) or row.created_at
            found[row.number] = _entry(row, _day(day), names.task(task_id), names.unit(maker))
    for plan in session.scalars(select(DeliveryPlan).where(DeliveryPlan.number.like(_like(year)))):
        found[plan.number] = _entry(plan, _day(plan.due_date), "", "")
    recipients: dict[int, list[str]] = {}
    for report_id, unit_id in session.execute(
        select(ReportRecipient.report_id, ReportRecipient.unit_id).order_by(ReportRecipient.id)
    ):
        recipients.setdefault(report_id, []).append(names.unit(unit_id))
    for report in session.scalars(select(Report).where(Report.number.like(_like(year)))):
        if report.number in found:  # a DW's report: the localization is the record
            continue
        units = "、".join(recipients.get(report.id, [])) or names.unit(report.addressed_unit_id)
        found[report.number] = _entry(
            report, _day(report.created_at), names.task(report.task_id), units
        )
    return [found[n] for n in sorted(found)]


def _write_index(path: Path, year: int, entries: list[ArchiveEntry]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year} 年记录")
    sheet.append(list(INDEX_HEADERS))
    for e in entries:
        state = VOIDED if e.voided else "有效"
        sheet.append(
            [e.number, e.kind, e.date, e.task, e.units, state, e.void_reason, e.replaces, e.file]
        )
    book.save(path)


def _target(out_dir: Path) -> Path:
    target = out_dir.expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DomainError(f"目标文件夹 {target} 已存在且不是空文件夹：请指定一个新的文件夹。")
    return target


def archive_year(
    db: Database,
    actor: Actor,
    year: int,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> ArchiveResult:
    """Write every record of `year` as PDF and the index workbook into `out_dir` (new or empty),
    whole or not at all."""
    if not (actor.system or actor.role in ARCHIVERS):
        raise PermissionDenied("只有系统管理员、经理或质量部门可以导出记录档案。")
    if not 2000 <= year <= 9999:
        raise DomainError(f"年份 {year} 不对。")
    target = _target(Path(out_dir))
    with db.reading() as session:
        entries = year_entries(session, year)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for done, entry in enumerate(entries, start=1):
            (work / entry.file).write_bytes(printing.render_record(db, entry.number))
            if progress is not None:
                progress(done, len(entries))
        index = work / f"记录索引-{year}.xlsx"
        _write_index(index, year, entries)
        with db.transaction() as session:
            voided = sum(e.voided for e in entries)
            audit.record(
                session,
                actor,
                "archive",
                year,
                "archive",
                "",
                f"{len(entries)} 份（作废 {voided}）",
            )
        if target.exists():
            target.rmdir()  # empty, checked above
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ArchiveResult(year, target, target / index.name, tuple(entries))
