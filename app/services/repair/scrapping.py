"""Scrapping an item: the engineer requests it with a reason, a manager approves or refuses.

An approval is a numbered record, the 报废审批单 (BF-YYYY-NNNNNN), issued in the transaction that
scraps the line; a refusal sends the line back to the bench with the manager's note. The line
keeps its state while the request waits (issue 7, defect 9): the bench offers the manager the
decision, and the engineer's next step waits for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, WrongState
from app.models.delivery import KitSet, KitSetStatus
from app.models.org import Permission
from app.models.repair import ScrapDecision, ScrapRequest
from app.models.returns import ReturnLine
from app.models.states import FINISHED, LineStatus, TaskStatus
from app.services.kernel import audit
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import (
    advance,
    check_own_unit,
    check_step,
    line_code,
    load_line,
)
from app.services.kernel.numbering import issue_number


@dataclass(frozen=True)
class ScrapView:
    """A scrap request as the bench and the printed record show it."""

    id: int
    line_id: int
    item_code: str
    number: str  # BF-… once approved, else ""
    reason: str
    requested_by: str
    requested_on: dt.date
    decision: str  # pending | approved | refused
    decided_by: str
    decided_on: dt.date | None
    note: str


def view_of(session: Session, req: ScrapRequest) -> ScrapView:
    line = session.get_one(ReturnLine, req.line_id)
    return ScrapView(
        req.id,
        req.line_id,
        line_code(line),
        req.number or "",
        req.reason,
        req.requested_by,
        req.requested_on,
        req.decision,
        req.decided_by,
        req.decided_on,
        req.decision_note,
    )


def pending_request(session: Session, line_id: int) -> ScrapRequest | None:
    return session.scalar(
        select(ScrapRequest).where(
            ScrapRequest.line_id == line_id, ScrapRequest.decision == ScrapDecision.pending
        )
    )


def latest_request(session: Session, line_id: int) -> ScrapRequest | None:
    return session.scalar(
        select(ScrapRequest)
        .where(ScrapRequest.line_id == line_id)
        .order_by(ScrapRequest.id.desc())
        .limit(1)
    )


def pending_line_ids(session: Session) -> set[int]:
    """Lines whose scrap request waits for a manager (one query for the whole bench)."""
    return set(
        session.scalars(
            select(ScrapRequest.line_id).where(ScrapRequest.decision == ScrapDecision.pending)
        )
    )


def request_scrap(
    db: Database, actor: Actor, line_id: int, reason: str, today: dt.date | None = None
) -> ScrapView:
    """The engineer asks to scrap a localized or in-repair item, saying why."""
    require(actor, Permission.repair)
    today = today or local_today()
    if not reason.strip():
        raise DomainError("申请报废必须写明原因。")
    with db.transaction() as session:
        line = load_line(session, line_id)
        check_own_unit(session, actor, line)
        check_step(line, "scrap")
        if pending_request(session, line.id) is not None:
            raise WrongState(f"{line_code(line)} 已有待审批的报废申请。")
        req = ScrapRequest(
            line_id=line.id,
            line_status=line.status,
            reason=reason.strip(),
            requested_by=actor.name,
            requested_on=today,
            decision=ScrapDecision.pending,
            created_by_id=actor.user_id,
        )
        session.add(req)
        session.flush()
        audit.record(
            session, actor, "return_line", line.id, "scrap_request", "", "", reason.strip()
        )
        return view_of(session, req)


def decide_scrap(
    db: Database,
    actor: Actor,
    line_id: int,
    approve: bool,
    note: str = "",
    today: dt.date | None = None,
) -> ScrapView:
    """A manager approves (the line is scrapped; the BF record is issued) or refuses (the note
    is required; the line goes back to the bench) the line's pending request."""
    require(actor, Permission.approve_scrap)
    today = today or local_today()
    if not approve and not note.strip():
        raise DomainError("驳回报废申请须写明意见。")
    with db.transaction() as session:
        line = load_line(session, line_id)
        req = pending_request(session, line.id)
        if req is None:
            raise NotFound(f"{line_code(line)} 没有待审批的报废申请。")
        return _decide(session, actor, line, req, approve, note.strip(), today)


def _decide(
    session: Session,
    actor: Actor,
    line: ReturnLine,
    req: ScrapRequest,
    approve: bool,
    note: str,
    today: dt.date,
) -> ScrapView:
    req.decided_by = actor.name
    req.decided_by_id = actor.user_id
    req.decided_on = today
    req.decision_note = note
    if approve:
        # The number is taken in this transaction: a refused or failed approval takes none.
        req.number = issue_number(session, "BF", today.year)
        req.decision = ScrapDecision.approved
        advance(session, actor, line, "scrap", req.reason)
        session.flush()
        close_emptied_kit(session, actor, line)
        audit.record(session, actor, "return_line", line.id, "scrap_approve", "", req.number)
    else:
        req.decision = ScrapDecision.refused
        audit.record(session, actor, "return_line", line.id, "scrap_refuse", "", "", note)
    session.flush()
    return view_of(session, req)


def scrap(
    db: Database, actor: Actor, line_id: int, reason: str, today: dt.date | None = None
) -> ScrapView:
    """A manager's own request, approved at once (the demo and the command line): the record
    and the audit trail are the same as for an engineer's request."""
    require(actor, Permission.approve_scrap)
    if not reason.strip():
        raise DomainError("报废必须写明原因。")
    today = today or local_today()
    with db.transaction() as session:
        line = load_line(session, line_id)
        check_step(line, "scrap")
        req = pending_request(session, line.id)
        if req is None:
            req = ScrapRequest(
                line_id=line.id,
                line_status=line.status,
                reason=reason.strip(),
                requested_by=actor.name,
                requested_on=today,
                decision=ScrapDecision.pending,
                created_by_id=actor.user_id,
            )
            session.add(req)
            session.flush()
            audit.record(
                session, actor, "return_line", line.id, "scrap_request", "", "", reason.strip()
            )
        return _decide(session, actor, line, req, True, "", today)


def get_scrap(db: Database, number: str) -> ScrapView:
    with db.reading() as session:
        req = session.scalar(select(ScrapRequest).where(ScrapRequest.number == number))
        if req is None:
            raise NotFound(f"找不到报废审批单 {number}。")
        return view_of(session, req)


def close_emptied_kit(session: Session, actor: Actor, line: ReturnLine) -> None:
    """A set whose every item was scrapped has nothing left to deliver: it closes, and so does
    its task when all its lines are finished."""
    if line.kit_set_id is None:
        return
    kit = session.get_one(KitSet, line.kit_set_id)
    left = session.scalar(
        select(func.count())
        .select_from(ReturnLine)
        .where(ReturnLine.kit_set_id == kit.id, ReturnLine.status != LineStatus.scrapped)
    )
    if left or kit.status != KitSetStatus.open:
        return
    kit.status = KitSetStatus.closed
    audit.record(
        session,
        actor,
        "kit_set",
        kit.id,
        "close",
        KitSetStatus.open,
        KitSetStatus.closed,
        "全部产品已报废",
    )
    task = line.task
    if task.status == TaskStatus.confirmed and all(x.status in FINISHED for x in task.lines):
        task.status = TaskStatus.closed
        audit.record(
            session, actor, "return_task", task.id, "close", TaskStatus.confirmed, TaskStatus.closed
        )
