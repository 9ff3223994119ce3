"""The append-only audit trail: one event per change, written in the change's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models.misc import AuditEvent
from app.services.kernel import standing
from app.services.kernel.context import Actor


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
    session.add(
        AuditEvent(
            actor_user_id=actor.user_id,
            actor_name=actor.audit_name,
            entity=entity,
            entity_id=entity_id,
            action=action,
            old_value="" if old is None else str(old),
            new_value="" if new is None else str(new),
            reason=reason,
        )
    )
