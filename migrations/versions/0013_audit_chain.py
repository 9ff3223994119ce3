"""the audit trail append-only and hash-chained (issue 9)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 16:40:00.000000

Every audit event gets `seq`, `prev_hash`, `hash` and `state` (app/services/kernel/chain.py);
the events of an older store are chained here in id order. Before that, the newest event
about each return line and task states the row's status as the upgrade finds it (the
baseline); rows with no event at all are taken as found: the head keeps the highest line and
task id of the upgrade, and only later rows must start in their first state. Then
triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) of audit_event.

SQLite drops a table's triggers when alembic rebuilds it: a later migration that rebuilds
audit_event must create them again (create_triggers below).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
REFUSAL = "audit_event is append-only: UPDATE and DELETE are refused"


def _at_text(value: object) -> str:
    # As app/services/kernel/chain.py: SQLite hands back the stored text.
    if isinstance(value, str):
        return value
    assert isinstance(value, dt.datetime)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _hash(seq: int, prev: str, row: Sequence[object]) -> str:
    at, uid, name, entity, entity_id, action, old, new, reason, state = row
    payload = json.dumps(
        [seq, prev, _at_text(at), uid, name, entity, entity_id, action, old, new, reason, state],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION fanxiu_audit_event_append_only() RETURNS trigger"
            f" LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
            " FOR EACH ROW EXECUTE FUNCTION fanxiu_audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
            " FOR EACH STATEMENT EXECUTE FUNCTION fanxiu_audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event"
                f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS fanxiu_audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def _baseline_states(conn: sa.Connection) -> None:
    """The newest event about each line and task states the row's status as found."""
    for table in ("return_line", "return_task"):
        conn.execute(
            sa.text(
                f"UPDATE audit_event SET state = (SELECT status FROM {table} WHERE {table}.id ="
                " audit_event.entity_id) WHERE id IN (SELECT max(id) FROM audit_event"
                f" WHERE entity = '{table}' GROUP BY entity_id)"
                f" AND EXISTS (SELECT 1 FROM {table} WHERE {table}.id = audit_event.entity_id)"
            ),
        )


def _chain_existing(conn: sa.Connection) -> tuple[int, str]:
    rows = conn.exec_driver_sql(
        "SELECT id, at, actor_user_id, actor_name, entity, entity_id, action, old_value,"
        " new_value, reason, state FROM audit_event ORDER BY id"
    ).all()
    seq, prev = 0, GENESIS
    sealed = []
    for row in rows:
        seq += 1
        digest = _hash(seq, prev, tuple(row[1:]))
        sealed.append({"i": row[0], "s": seq, "p": prev, "h": digest})
        prev = digest
    if sealed:
        conn.execute(
            sa.text("UPDATE audit_event SET seq = :s, prev_hash = :p, hash = :h WHERE id = :i"),
            sealed,
        )
    return seq, prev


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=30), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("baseline_line_id", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("baseline_task_id", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    conn = op.get_bind()
    _baseline_states(conn)
    last_seq, last_hash = _chain_existing(conn)
    conn.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash, baseline_line_id,"
            " baseline_task_id) VALUES (1, :s, :h, (SELECT coalesce(max(id), 0) FROM"
            " return_line), (SELECT coalesce(max(id), 0) FROM return_task))"
        ),
        {"s": last_seq, "h": last_hash},
    )
    op.create_index("ix_audit_event_seq", "audit_event", ["seq"], unique=True)
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_actor_name", "audit_event", ["actor_name", "id"])
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_index("ix_audit_event_actor_name", table_name="audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_index("ix_audit_event_seq", table_name="audit_event")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
        batch.drop_column("state")
