"""PostgreSQL seals the audit chain inside the commit: desks no longer queue for its head (issue 10)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 22:10:00.000000

A desk inserts its transaction's events into `audit_staged` without any lock. A deferred
constraint trigger runs at COMMIT, inside the server: it locks `audit_chain_head`, moves the
staged events onto `audit_event` in id order with their seq, prev_hash and hash, and empties the
stage. The head is held only for that and the commit's flush. Before, the desk's own process
locked the head, sealed in Python and sent three statements and the COMMIT while holding it:
with ten desks on two cores it waited for the CPU with the lock held, and every desk queued.

The hash is app/services/kernel/chain.py's, built in SQL: the canonical JSON list of the event
as Python's json.dumps(ensure_ascii=False, separators=(",", ":")) writes it (to_json escapes a
string exactly as it does), SHA-256 over its UTF-8. tests/unit/test_audit_seal.py holds
the two to the same hash over awkward text.

SQLite: the table is created (the models are one schema) and never used; its writers are
serialised by BEGIN IMMEDIATE and seal in Python as before. The stage is UNLOGGED on
PostgreSQL: it is empty at every commit, and a crash empties it with the transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One event's canonical text, as chain.event_hash builds it ('r' the staged row).
_PAYLOAD = (
    "'[' || s || ',' || to_json(ph)::text"
    " || ',' || to_json(to_char(r.at, 'YYYY-MM-DD HH24:MI:SS.US'))::text"
    " || ',' || coalesce(r.actor_user_id::text, 'null')"
    " || ',' || to_json(r.actor_name)::text || ',' || to_json(r.entity)::text"
    " || ',' || r.entity_id::text || ',' || to_json(r.action)::text"
    " || ',' || to_json(r.old_value)::text || ',' || to_json(r.new_value)::text"
    " || ',' || to_json(r.reason)::text || ',' || to_json(r.state)::text || ']'"
)

# Runs once per staged row at commit, in the order they were staged: the first run moves the
# transaction's rows (ids from its own, the lowest), the rest find their row gone. Reading from
# NEW.id up by the key skips the dead rows of earlier commits, which a plain scan would walk.
SEAL = f"""
CREATE OR REPLACE FUNCTION fanxiu_audit_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s bigint;
  ph text;
  r record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_staged WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  SELECT last_seq, last_hash INTO s, ph FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_chain_head is missing: the store is not a FanXiu store';
  END IF;
  FOR r IN SELECT * FROM audit_staged WHERE id >= NEW.id ORDER BY id LOOP
    s := s + 1;
    INSERT INTO audit_event (at, actor_user_id, actor_name, entity, entity_id, action,
        old_value, new_value, reason, state, seq, prev_hash, hash)
      VALUES (r.at, r.actor_user_id, r.actor_name, r.entity, r.entity_id, r.action,
        r.old_value, r.new_value, r.reason, r.state, s, ph,
        encode(sha256(convert_to({_PAYLOAD}, 'UTF8')), 'hex'))
      RETURNING hash INTO ph;
  END LOOP;
  DELETE FROM audit_staged WHERE id >= NEW.id;
  UPDATE audit_chain_head SET last_seq = s, last_hash = ph WHERE id = 1;
  RETURN NULL;
END $$
"""


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
    ]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "audit_staged",
        *_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_staged")),
        prefixes=["UNLOGGED"] if postgres else [],
    )
    if postgres:
        op.execute(SEAL)
        op.execute(
            "CREATE CONSTRAINT TRIGGER audit_staged_seal AFTER INSERT ON audit_staged"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fanxiu_audit_seal()"
        )
        # Every commit leaves its staged rows dead: vacuum them often, not at 20 % of none.
        op.execute(
            "ALTER TABLE audit_staged SET (autovacuum_vacuum_threshold = 1000,"
            " autovacuum_vacuum_scale_factor = 0)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_staged_seal ON audit_staged")
        op.execute("DROP FUNCTION IF EXISTS fanxiu_audit_seal()")
    op.drop_table("audit_staged")
