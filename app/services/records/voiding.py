"""Voiding an issued record (issue 9): a manager voids it with a reason; the row stays in the
store and in the audit, prints with 作废, and its number is never used again.

Which kinds, and what happens after:
- Re-issued always (作废并重开): JJ (a handover happened; a confirmed handover without a valid
  record would leave its items without paper), KX, PC, DW, WX, YS (the line's state stands on
  the bench record), BF (the item stays scrapped on the approval) and JF (the lines stay planned).
  The record's content is issued again under a new number of its series (this year's), with its
  rows (lines, parts, results, photos, recipients unacknowledged again), and `replaces` naming the
  voided number; the print says 替代 XX-….
- Re-issued on request: JS (a rejection notice may be withdrawn, or sent again).
- Voided only: CQ, SJ (overdue reports and escalations issued by mistake; the clock still runs and
  the sweep issues again when a step is really late) and QB (the kitting step issues a new one).
- Not voidable: FX (the working task, not an issued record) and QT (a kit set is a working group).
The database refuses every other change of an issued record (migration 0014); voiding writes only
its five columns, once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, PermissionDenied, WrongState
from app.models.base import Base
from app.models.delivery import DeliveryPlan, DeliveryPlanLine
from app.models.org import Role
from app.models.records import (
    HandoverRecord,
    HandoverRecordLine,
    Report,
    ReportLine,
    ReportRecipient,
)
from app.models.repair import (
    AcceptanceInspection,
    AcceptanceResult,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    ReplacedPart,
    ScrapRequest,
    UnboxingInspection,
    UnboxingPhoto,
)
from app.services.kernel import audit
from app.services.kernel.context import Actor, local_today, to_local
from app.services.kernel.numbering import issue_number, parse_number
from app.services.kernel.terms import record_title

MUST_REISSUE = frozenset({"JJ", "KX", "PC", "DW", "WX", "YS", "BF", "JF"})
MAY_REISSUE = frozenset({"JS"})
VOID_ONLY = frozenset({"CQ", "SJ", "QB"})
VOIDABLE = MUST_REISSUE | MAY_REISSUE | VOID_ONLY
# What voiding a kind does about a new record: "always", "optional" or "never".
REISSUE: dict[str, str] = {p: "always" for p in MUST_REISSUE}
REISSUE |= {p: "optional" for p in MAY_REISSUE} | {p: "never" for p in VOID_ONLY}
# Who may void (issue 9: a manager); the window reads it to show 作废….
VOIDERS = frozenset({Role.manager})
REASON_MAX = 500

# The table of each voidable prefix; reports (JS, CQ, SJ, QB) share one. A DW is a localization
# and the report that carries it to two departments' inboxes, under one number.
_TABLES: dict[str, type[Base]] = {
    "JJ": HandoverRecord,
    "KX": UnboxingInspection,
    "PC": InvestigationPlan,
    "DW": FaultLocalization,
    "WX": RepairRecord,
    "YS": AcceptanceInspection,
    "BF": ScrapRequest,
    "JF": DeliveryPlan,
}
# The rows that are part of a record: (child model, its column naming the record).
_PARTS: dict[type[Base], tuple[tuple[type[Base], str], ...]] = {
    HandoverRecord: ((HandoverRecordLine, "record_id"),),
    Report: ((ReportRecipient, "report_id"), (ReportLine, "report_id")),
    UnboxingInspection: ((UnboxingPhoto, "inspection_id"),),
    RepairRecord: ((ReplacedPart, "repair_record_id"),),
    AcceptanceInspection: ((AcceptanceResult, "inspection_id"),),
    DeliveryPlan: ((DeliveryPlanLine, "plan_id"),),
}
# Columns a re-issue does not copy: the row's identity, its issue and its voiding.
_FRESH = {"id", "number", "created_at", "created_by_id", "voided", "void_reason", "voided_at"}
_FRESH |= {"voided_by", "replaces", "acknowledged_at", "acknowledged_by_id"}


@dataclass(frozen=True)
class VoidRule:
    """What voiding a record does, for the window's dialog."""

    number: str
    title: str  # 维修记录 WX-2026-000003
    reissue: str  # "always" | "optional" | "never"
    voided: bool  # already voided: nothing to do


@dataclass(frozen=True)
class VoidResult:
    number: str
    reissued: str  # the new record's number, "" when voided only
    reason: str
    voided_by: str
    voided_at: dt.datetime


def may_void(actor: Actor) -> bool:
    """Only a manager (or the system, from code) voids records (issue 9)."""
    return actor.system or actor.role in VOIDERS


def _prefix(number: str) -> str:
    parsed = parse_number(number)
    if parsed is None:
        raise DomainError(f"“{number}”不是记录编号（格式如 JJ-2026-000001）。")
    prefix = parsed[0]
    if prefix not in VOIDABLE:
        what = "返厂交接任务" if prefix == "FX" else "齐套"
        raise WrongState(f"{what} {number} 不是出具的记录，不能作废。")
    return prefix


def _rows(session: Session, prefix: str, number: str) -> list[Any]:
    """The voidable rows holding `number`: one, or two for a DW (localization + its report)."""
    rows: list[Any] = []
    table = _TABLES.get(prefix)
    if table is not None:
        rows += session.scalars(select(table).where(table.number == number))  # type: ignore[attr-defined]
    if table is None or prefix == "DW":
        rows += session.scalars(select(Report).where(Report.number == number))
    if not rows:
        raise NotFound(f"记录编号 {number} 不存在。")
    return rows


def _rule(prefix: str) -> str:
    return REISSUE[prefix]


def voided_numbers(session: Session, numbers: list[str]) -> set[str]:
    """Which of `numbers` are voided (for lists that show records with 已作废)."""
    found: set[str] = set()
    for table in (*_TABLES.values(), Report):
        column = table.number  # type: ignore[attr-defined]
        found.update(
            session.scalars(select(column).where(column.in_(numbers), table.voided.is_(True)))  # type: ignore[attr-defined]
        )
    return found


def void_rule(db: Database, number: str) -> VoidRule:
    number = number.strip().upper()
    prefix = _prefix(number)
    with db.reading() as session:
        rows = _rows(session, prefix, number)
        return VoidRule(number, record_title(number), _rule(prefix), bool(rows[0].voided))


def _copy(session: Session, row: Any, number: str, actor: Actor) -> Any:
    table = type(row)
    values = {
        c.key: getattr(row, c.key) for c in table.__mapper__.column_attrs if c.key not in _FRESH
    }
    copy = table(**values, number=number, replaces=row.number)
    if hasattr(copy, "created_by_id"):
        copy.created_by_id = actor.user_id
    session.add(copy)
    session.flush()
    for part, column in _PARTS.get(table, ()):
        for child in session.scalars(
            select(part).where(getattr(part, column) == row.id).order_by(part.id)  # type: ignore[attr-defined]
        ):
            fields = {
                c.key: getattr(child, c.key)
                for c in part.__mapper__.column_attrs
                if c.key not in _FRESH
            }
            fields[column] = copy.id
            session.add(part(**fields))
    return copy


def void_record(
    db: Database,
    actor: Actor,
    number: str,
    reason: str,
    *,
    reissue: bool | None = None,
    today: dt.date | None = None,
) -> VoidResult:
    """Void the record `number` for `reason`. `reissue`: None does what the kind calls for
    (re-issue where it must, not where it may); a JJ or a bench record is always re-issued, a
    CQ, SJ or QB never."""
    if not may_void(actor):
        raise PermissionDenied("只有经理可以作废记录。")
    number = number.strip().upper()
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("请填写作废原因。")
    if len(reason) > REASON_MAX:
        raise DomainError(f"作废原因最多 {REASON_MAX} 个字。")
    prefix = _prefix(number)
    rule = _rule(prefix)
    if reissue is None:
        reissue = rule == "always"
    if rule == "always" and not reissue:
        raise DomainError(f"{record_title(number)} 作废后必须重新出具（作废并重开）。")
    if rule == "never" and reissue:
        raise DomainError(f"{record_title(number)} 只能作废，不能重开。")
    today = today or local_today()
    now = dt.datetime.now(dt.UTC)
    with db.transaction() as session:
        rows = _rows(session, prefix, number)
        if any(row.voided for row in rows):
            raise WrongState(f"{record_title(number)} 已经作废。")
        new_number = issue_number(session, prefix, today.year) if reissue else ""
        for row in rows:
            row.voided, row.void_reason = True, reason
            row.voided_at, row.voided_by = now, actor.name
            session.flush()
            audit.record(
                session, actor, row.__tablename__, row.id, "void", number, new_number, reason
            )
            if reissue:
                copy = _copy(session, row, new_number, actor)
                audit.record(
                    session, actor, copy.__tablename__, copy.id, "reissue", number, new_number
                )
    return VoidResult(number, new_number, reason, actor.name, now)


def mark_text(voided_at: dt.datetime | None) -> str:
    """When a record was voided, as its print and the lists say it (local time)."""
    return to_local(voided_at).strftime("%Y-%m-%d %H:%M") if voided_at else ""
