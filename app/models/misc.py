"""Attachments by content hash, the append-only audit trail, shared settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime, utcnow


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEvent(Base):
    """One change, append-only (triggers refuse UPDATE and DELETE) and hash-chained (issue 9).

    `seq` numbers the chain 1, 2, 3 … with no gap; `hash` is SHA-256 over the event's content,
    its `seq` and `prev_hash` (the hash of event seq-1): see app/services/kernel/chain.py.
    `state` is the status a return line or task is in after the change ("" when the event
    changes no status). Events are written by app/services/kernel/audit.py only.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id", "id"),
        Index("ix_audit_event_seq", "seq", unique=True),
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_actor_name", "actor_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # A login's display name, or "命令行 (os user)" for the command line.
    actor_name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(30), default="", server_default="")
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditStaged(Base):
    """Events of a PostgreSQL transaction waiting for its commit (migration 0018).

    A desk inserts its events here without a lock; a deferred trigger moves them onto the
    chain inside the commit itself, so the chain's head is locked only for the server's own
    work and the commit's flush, never while a desk's process waits for the CPU. Always empty
    between transactions; unused on SQLite, whose writers are serialised by BEGIN IMMEDIATE.
    """

    __tablename__ = "audit_staged"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(30))


class AuditChainHead(Base):
    """The chain's one head row: the last seq and hash. Whoever seals locks it (on PostgreSQL
    the trigger inside each COMMIT, migration 0018) so desks append in one order; the chain
    cannot fork."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    # Lines and tasks up to these ids were there when the chain began (an older store): they are
    # taken as found; later ones start in their first state or an event states theirs.
    baseline_line_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    baseline_task_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SharedSetting(Base):
    """Settings every desk shares (the per-installation ones live in a file)."""

    __tablename__ = "shared_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
