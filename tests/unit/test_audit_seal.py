"""Issue 10: on PostgreSQL the audit chain is sealed inside the COMMIT by the server (migration
0018), so a desk never holds the chain's head while its own process runs; the hash the server
writes is the one `fanxiu verify` recomputes in Python, over any text a person can type."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from app.db import Database
from app.services.handover import returns
from app.services.kernel import audit, chain
from app.services.kernel.context import command_line_actor

AWKWARD = [
    '引号"与反斜杠\\结尾\\',
    "换行\n回车\r制表\t退格\b换页\f",
    "控制字符\x01\x1f与删除\x7f",
    "星历 🛰️ 组合符 é 与行分隔\u2028段分隔\u2029",
    "",
    "</script> / 斜杠 & 'single'",
    "\\u0041 不是转义",
    " 前后空格 ",
]


@pytest.fixture
def pg_db(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("the server seals on PostgreSQL; SQLite seals in the writer, alone")
    return db


def _events(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT seq, prev_hash, hash, at, actor_user_id, actor_name, entity,"
                    " entity_id, action, old_value, new_value, reason, state"
                    " FROM audit_event ORDER BY seq"
                )
            )
        )


def test_the_server_seals_awkward_text_to_the_hash_python_checks(pg_db: Database, org) -> None:  # type: ignore[no-untyped-def]
    before = len(_events(pg_db))
    rows = [("return_line", n, a, a, AWKWARD[-1 - n], AWKWARD[n]) for n, a in enumerate(AWKWARD)]
    with pg_db.transaction() as session:
        audit.record_many(session, command_line_actor(), rows)
    with pg_db.transaction() as session:
        audit.record(session, org.clerk, "return_task", 7, AWKWARD[0], AWKWARD[1], AWKWARD[3])
    events = _events(pg_db)
    written = events[before:]
    assert [(e.action, e.old_value, e.new_value, e.reason) for e in written[:-1]] == [
        (a, a, AWKWARD[-1 - n], AWKWARD[n]) for n, a in enumerate(AWKWARD)
    ]
    assert written[-1].actor_user_id == org.clerk.user_id and written[0].actor_user_id is None
    for e in events:
        assert e.hash == chain.event_hash(
            e.seq, e.prev_hash, e.at, e.actor_user_id, e.actor_name, e.entity, e.entity_id,
            e.action, e.old_value, e.new_value, e.reason, e.state,
        )  # fmt: skip
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    report = chain.verify_store(pg_db)
    assert report.ok, report.summary()
    with pg_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_staged")).scalar() == 0
        head = conn.execute(text("SELECT last_seq, last_hash FROM audit_chain_head")).one()
    assert (head.last_seq, head.last_hash) == (events[-1].seq, events[-1].hash)


def test_a_desk_leaves_the_chain_s_head_free_until_its_commit(pg_db: Database, org) -> None:  # type: ignore[no-untyped-def]
    """Just before the desk's COMMIT goes to the server, another desk can still take the head:
    nothing of the chain is locked while the desk's process runs (before, it was locked from
    the desk's own SELECT … FOR UPDATE on, through three more statements)."""
    free: list[bool] = []

    def just_before_commit(_conn: Any) -> None:
        with pg_db.engine.connect() as other:
            try:
                other.execute(text("SELECT 1 FROM audit_chain_head WHERE id = 1 FOR UPDATE NOWAIT"))
                free.append(True)
            except DBAPIError:
                free.append(False)
            other.rollback()

    seq_before = _events(pg_db)[-1].seq
    event.listen(pg_db.engine, "commit", just_before_commit)
    try:
        task = returns.create_task(pg_db, org.clerk, "某部队修理所")
        returns.add_line(pg_db, org.clerk, task.id, "GC-12A", "GC12A-S1", "自检不通过")
    finally:
        event.remove(pg_db.engine, "commit", just_before_commit)
    assert free and all(free), free
    written = [e for e in _events(pg_db) if e.seq > seq_before]
    assert {e.entity for e in written} >= {"return_task", "return_line"}
    assert chain.verify_store(pg_db).ok
