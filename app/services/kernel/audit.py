"""The append-only audit trail: one event per change, written in the change's transaction.

Events are kept in the session and written at commit, after the last flush, in one batch
appended to the hash chain (app/services/kernel/chain.py) in one order, so the chain cannot
fork. On PostgreSQL they are staged, and a trigger inside the COMMIT locks the one-row
`audit_chain_head`, seals them and moves them onto audit_event (migration 0018): desks wait
for each other only for the server's own work. On SQLite, BEGIN IMMEDIATE already serialises
writers and the events are sealed here, the head read once per transaction. An INSERT into
audit_event through a session is taken into the same batch.

At commit the newest event about each return line or task whose status the transaction changed
carries that status in `state`; a status changed with no event about its row gets an event of
action "state". This is how `fanxiu verify` knows which row states the events explain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert, inspect, text, update
from sqlalchemy.engine import Result
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.orm import ORMExecuteState, Session

from app.models.misc import AuditChainHead, AuditEvent, AuditStaged
from app.models.returns import ReturnLine, ReturnTask
from app.services.kernel import standing
from app.services.kernel.chain import GENESIS, seal
from app.services.kernel.context import Actor

CHAINED = "fanxiu_audit_chained"  # the chain's own insert, let through
PENDING = "fanxiu_audit_pending"
MOVED = "fanxiu_audit_moved"  # rows whose status this transaction changed
ACTOR = "fanxiu_audit_actor"
_ENTITY = {ReturnLine: "return_line", ReturnTask: "return_task"}


def record(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    old: object = "",
    new: object = "",
    reason: str = "",
) -> None:
    # A login deactivated or changed since it signed in writes nothing (issue 8).
    standing.check(session, actor)
    _pending(session, actor).append(_row(actor, entity, entity_id, action, old, new, reason))


def record_many(
    session: Session,
    actor: Actor,
    events: Iterable[tuple[str, int, str, object, object, str]],
) -> None:
    """Many events at once (an import's lines): (entity, entity_id, action, old, new, reason)."""
    standing.check(session, actor)
    pending = _pending(session, actor)
    now = dt.datetime.now(dt.UTC)
    pending.extend(_row(actor, *e, at=now) for e in events)


def _pending(session: Session, actor: Actor) -> list[dict[str, Any]]:
    session.info[ACTOR] = actor
    pending: list[dict[str, Any]] = session.info.setdefault(PENDING, [])
    return pending


def _row(
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    old: object,
    new: object,
    reason: str,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "at": at or dt.datetime.now(dt.UTC),
        "actor_user_id": actor.user_id,
        "actor_name": actor.audit_name,
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "old_value": "" if old is None else str(old),
        "new_value": "" if new is None else str(new),
        "reason": reason,
        "state": "",
    }


@event.listens_for(Session, "do_orm_execute")
def _chain_bulk_inserts(state: ORMExecuteState) -> Result[Any] | None:
    """An INSERT into audit_event run through a session (a bulk insert of an import's
    events) joins the pending events instead: they are written at commit, on the chain, like
    `record_many`'s. Nothing writes an event beside the chain."""
    stmt: Any = state.statement
    if (
        not state.is_insert
        or getattr(stmt, "table", None) is not AuditEvent.__table__
        or state.execution_options.get(CHAINED)
    ):
        return None
    params = state.parameters
    rows: list[Any] = list(params) if isinstance(params, list) else [params or {}]
    pending: list[dict[str, Any]] = state.session.info.setdefault(PENDING, [])
    now = dt.datetime.now(dt.UTC)
    for given in rows:
        row = {"at": now, "actor_user_id": None, "actor_name": "系统", "old_value": "",
               "new_value": "", "reason": "", "state": ""}  # fmt: skip
        row.update({k: v for k, v in given.items() if k not in ("id", "seq", "prev_hash", "hash")})
        pending.append(row)
    return IteratorResult(SimpleResultMetaData([]), iter([]))


@event.listens_for(Session, "before_flush")
def _note_moves(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        if type(obj) in _ENTITY and inspect(obj).attrs.status.history.added:
            session.info.setdefault(MOVED, {})[id(obj)] = obj


@event.listens_for(Session, "before_commit")
def _write_events(session: Session) -> None:
    if not session.info.get(PENDING) and not session.info.get(MOVED):
        return
    session.flush()  # ids and statuses final
    pending: list[dict[str, Any]] = session.info.pop(PENDING, [])
    moved: dict[int, Any] = session.info.pop(MOVED, {})
    actor: Actor | None = session.info.pop(ACTOR, None)
    newest = {(r["entity"], r["entity_id"]): r for r in pending}
    for obj in moved.values():
        if obj.id is None:
            continue
        key = (_ENTITY[type(obj)], obj.id)
        state = str(obj.status)
        row = newest.get(key)
        if row is None:
            row = _row(_nobody(actor), *key, "state", "", state, "")
            pending.append(row)
            newest[key] = row
        row["state"] = state
    append(session, pending)


def _nobody(actor: Actor | None) -> Actor:
    return actor or Actor(None, "系统", None, None, system=True)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # Only when the whole transaction ends (committed: already written; rolled back: gone);
    # a savepoint rolled back inside it keeps the events recorded around it.
    if transaction.parent is None:
        for key in (PENDING, MOVED, ACTOR):
            session.info.pop(key, None)


def append(session: Session, rows: list[dict[str, Any]]) -> None:
    """Put `rows` on the chain at commit. PostgreSQL stages them for the commit's own trigger
    (migration 0018); SQLite, whose writer is alone, seals them here under its head."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(insert(AuditStaged.__table__), rows)  # type: ignore[arg-type]
        return
    head = session.execute(
        text("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1")
    ).first()
    last_seq, last_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    new_seq, new_hash = seal(rows, last_seq, last_hash)
    session.execute(
        insert(AuditEvent.__table__).execution_options(**{CHAINED: True}),  # type: ignore[arg-type]
        rows,
    )
    if head is None:
        session.execute(
            insert(AuditChainHead.__table__),  # type: ignore[arg-type]
            {"id": 1, "last_seq": new_seq, "last_hash": new_hash},
        )
    else:
        session.execute(
            update(AuditChainHead.__table__)  # type: ignore[arg-type]
            .where(AuditChainHead.__table__.c.id == 1)
            .values(last_seq=new_seq, last_hash=new_hash)
        )
