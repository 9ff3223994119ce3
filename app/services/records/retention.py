"""The retention rule (issue 9): records are kept 5 years from their date (the admin's rule 记录保存
期限 may make it longer, never shorter), and nothing a record names — a return task, its lines,
their items, the record's own rows — may be deleted before then.

The database refuses such a DELETE by trigger (migration 0014, reading the same rule row); a
service that would delete asks `ensure_deletable` first, for a message that names the record and
the day it may go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.models.calendar import DeadlineRule
from app.models.delivery import DeliveryPlan, DeliveryPlanLine, KitSet
from app.models.records import HandoverRecord, HandoverRecordLine, Report, ReportLine
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    ScrapRequest,
    UnboxingInspection,
)
from app.models.returns import ReturnLine, ReturnTask
from app.models.workdays import RuleCode
from app.services.kernel.context import local_today, to_local

MIN_YEARS = 5


class RetentionRefused(DomainError):
    """A deletion the retention rule forbids."""


@dataclass(frozen=True)
class Hold:
    number: str  # the record that holds the row
    record_date: dt.date
    kept_until: dt.date  # the first day it may be deleted


def retention_years(session: Session) -> int:
    rule = session.get(DeadlineRule, RuleCode.retention.value)
    return max(MIN_YEARS, rule.length if rule is not None else MIN_YEARS)


def kept_until(day: dt.date, years: int) -> dt.date:
    """`day` plus `years` (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _day(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return to_local(value).date()
    return value


# Records on a line: (model, its date column).
_LINE_RECORDS: tuple[tuple[Any, Any], ...] = (
    (UnboxingInspection, UnboxingInspection.inspected_on),
    (InvestigationPlan, InvestigationPlan.created_at),
    (FaultLocalization, FaultLocalization.localized_on),
    (RepairRecord, RepairRecord.repaired_on),
    (AcceptanceInspection, AcceptanceInspection.inspected_on),
    (ScrapRequest, ScrapRequest.requested_on),
)
# Records naming lines through their rows: (record, its date, part, part's record column).
_LINE_PARTS: tuple[tuple[Any, Any, Any, Any], ...] = (
    (
        HandoverRecord,
        HandoverRecord.handover_date,
        HandoverRecordLine,
        HandoverRecordLine.record_id,
    ),
    (Report, Report.created_at, ReportLine, ReportLine.report_id),
    (DeliveryPlan, DeliveryPlan.created_at, DeliveryPlanLine, DeliveryPlanLine.plan_id),
)
_TASK_RECORDS: tuple[tuple[Any, Any], ...] = (
    (HandoverRecord, HandoverRecord.handover_date),
    (Report, Report.created_at),
    (KitSet, KitSet.created_on),
)


def _line_dates(session: Session, line_ids: list[int]) -> Iterable[tuple[str | None, Any]]:
    for model, day in _LINE_RECORDS:
        yield from session.execute(select(model.number, day).where(model.line_id.in_(line_ids)))
    for model, day, part, column in _LINE_PARTS:
        yield from session.execute(
            select(model.number, day)
            .join(part, column == model.id)
            .where(part.line_id.in_(line_ids))
        )
    yield from session.execute(
        select(ReturnTask.number, ReturnTask.created_at)
        .join(ReturnLine, ReturnLine.task_id == ReturnTask.id)
        .where(ReturnLine.id.in_(line_ids))
    )


def holds(session: Session, entity: str, row_id: int, today: dt.date) -> list[Hold]:
    """The records that keep `entity` row `row_id` (a return_task, return_line or item) from being
    deleted on `today`, the longest-held first."""
    if entity == "item":
        line_ids = list(session.scalars(select(ReturnLine.id).where(ReturnLine.item_id == row_id)))
        dates = list(_line_dates(session, line_ids)) if line_ids else []
    elif entity == "return_line":
        dates = list(_line_dates(session, [row_id]))
    elif entity == "return_task":
        line_ids = list(session.scalars(select(ReturnLine.id).where(ReturnLine.task_id == row_id)))
        dates = list(_line_dates(session, line_ids)) if line_ids else []
        task = session.get(ReturnTask, row_id)
        if task is not None:
            dates.append((task.number, task.created_at))
        for model, day in _TASK_RECORDS:
            dates += session.execute(select(model.number, day).where(model.task_id == row_id))
    else:
        raise ValueError(f"no retention rule for {entity}")
    years = retention_years(session)
    found: dict[str, Hold] = {}
    for number, value in dates:
        day = _day(value)
        if number is None or day is None:
            continue
        until = kept_until(day, years)
        if until > today and (number not in found or found[number].kept_until < until):
            found[number] = Hold(number, day, until)
    return sorted(found.values(), key=lambda h: h.kept_until, reverse=True)


WHAT = {"item": "该产品", "return_line": "该返修产品", "return_task": "该返厂交接任务"}


def ensure_deletable(
    session: Session, entity: str, row_id: int, today: dt.date | None = None
) -> None:
    """Refuse, in words, deleting a row a record still keeps."""
    found = holds(session, entity, row_id, today or local_today())
    if found:
        first = found[0]
        raise RetentionRefused(
            f"{WHAT[entity]}被记录 {first.number}（{first.record_date.isoformat()}）引用，"
            f"保存期限内不得删除，{first.kept_until.isoformat()} 起方可删除。"
        )
