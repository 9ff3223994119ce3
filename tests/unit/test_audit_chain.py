"""The audit trail proves itself: append-only in the database, hash-chained, verified (issue 9)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db import Database
from app.models.org import Unit
from app.models.states import LineStatus
from app.services.handover import returns
from app.services.kernel import audit, chain
from app.services.kernel.bootstrap import open_store
from app.services.kernel.context import command_line_actor
from app.services.records import registry
from tests.conftest import drop_pg_database, new_pg_database
from tests.unit.test_returns import prepare

TODAY = dt.date(2026, 11, 20)


def _confirmed_task(db: Database, org):  # type: ignore[no-untyped-def]
    task = returns.create_task(db, org.clerk, "某部队修理所", node_date=TODAY, today=TODAY)
    good, bad = prepare(db, org, task)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    return task, good, bad


def _escalations(db: Database, n: int) -> list[str]:
    actor = command_line_actor()
    numbers = []
    for _ in range(n):
        with db.transaction() as s:
            unit = s.query(Unit).first()
            assert unit is not None
            numbers.append(
                registry.issue_report(
                    s, actor, prefix="SJ", year=2026, kind="escalation",
                    recipients=[unit], title="升级报告",
                ).number
            )  # fmt: skip
    return numbers


def _events(db: Database) -> list[tuple]:  # type: ignore[type-arg]
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT seq, prev_hash, hash, entity, entity_id, action, state"
                    " FROM audit_event ORDER BY seq"
                )
            )
        )


def test_the_program_s_events_form_one_whole_chain(db, org):
    task, good, bad = _confirmed_task(db, org)
    events = _events(db)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == chain.GENESIS
    assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:], strict=False))
    # The lines' and the task's new states ride on their newest events.
    stated = {(e.entity, e.entity_id): e.state for e in events if e.state}
    assert stated[("return_line", good.id)] == LineStatus.accepted
    assert stated[("return_line", bad.id)] == LineStatus.rejected
    assert stated[("return_task", task.id)] == "confirmed"
    report = chain.verify_store(db)
    assert report.ok, report.summary()
    assert report.events == len(events) and report.last_seq == len(events)
    assert chain.verify_store(db, tail=3).ok


def test_a_status_changed_without_an_event_about_its_row_gets_one(db, org):
    task, good, _bad = _confirmed_task(db, org)
    from app.models.returns import ReturnLine

    with db.transaction() as s:
        line = s.get(ReturnLine, good.id)
        assert line is not None
        line.status = LineStatus.dispatched
        audit.record(s, org.clerk, "return_task", task.id, "note", "", "")
    last = _events(db)[-2:]
    assert [(e.action, e.entity, e.state) for e in last] == [
        ("note", "return_task", ""),
        ("state", "return_line", "dispatched"),
    ]
    assert chain.verify_store(db).ok


def test_the_database_refuses_to_change_or_delete_an_event(db, org):
    returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    for sql in (
        "UPDATE audit_event SET reason = 'x'",
        "DELETE FROM audit_event",
        "UPDATE audit_event SET state = 'closed' WHERE id = (SELECT max(id) FROM audit_event)",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    if not db.is_sqlite:
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event CASCADE"))
    assert chain.verify_store(db).ok


def _drop_triggers(con: sqlite3.Connection) -> None:
    """What a tamperer does first: every guard the store has goes."""
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in names:
        con.execute(f'DROP TRIGGER "{name}"')


def _sqlite_file(db: Database) -> str:
    database = db.engine.url.database
    assert database
    return database


def test_verify_names_every_break_of_the_tampering_story(sqlite_db, monkeypatch):
    """Issue 9: with plain sqlite3 a line's state changed, events rewritten and deleted, two
    escalation reports deleted. Each is named."""
    from tests.conftest import Org

    db = sqlite_db
    org = Org(db)
    task, good, _bad = _confirmed_task(db, org)
    sj = _escalations(db, 4)
    events = _events(db)
    assert chain.verify_store(db).ok
    rewritten = events[5]
    deleted = events[9]
    db.dispose()
    con = sqlite3.connect(_sqlite_file(db))
    with con:
        _drop_triggers(con)
        con.execute("UPDATE return_line SET status = 'dispatched' WHERE id = ?", (good.id,))
        con.execute("UPDATE audit_event SET actor_name = '张三' WHERE seq = ?", (rewritten.seq,))
        con.execute("DELETE FROM audit_event WHERE seq = ?", (deleted.seq,))
        con.execute("DELETE FROM report WHERE number IN (?, ?)", (sj[1], sj[2]))
    con.close()
    report = chain.verify_store(db)
    assert not report.ok
    assert report.first_break is not None
    assert report.first_break.kind == "broken_event"
    assert report.first_break.subject == str(rewritten.seq)
    subjects = {(f.kind, f.subject) for f in report.findings}
    assert ("missing_event", str(deleted.seq)) in subjects
    assert ("broken_event", str(deleted.seq + 1)) not in subjects  # the gap, not a second break
    assert report.missing_numbers == (sj[1], sj[2])
    assert ("unexplained_state", f"return_line {good.id}") in subjects
    assert report.counts == {
        "broken_event": 1,
        "missing_event": 1,
        "missing_number": 2,
        "unexplained_state": 1,
    }
    words = report.summary()
    assert f"第 {rewritten.seq} 号审计事件" in words and sj[1] in words
    # The quick check at start sees the newest part only: the deleted numbers and event are
    # in it (they are recent); the state check is for the full walk.
    quick = chain.verify_store(db, tail=10_000)
    assert not quick.ok and quick.missing_numbers == (sj[1], sj[2])


def test_deleting_the_newest_events_is_named_by_the_head(sqlite_db):
    from tests.conftest import Org

    db = sqlite_db
    Org(db)
    last = _events(db)[-1].seq
    db.dispose()
    con = sqlite3.connect(_sqlite_file(db))
    with con:
        _drop_triggers(con)
        con.execute("DELETE FROM audit_event WHERE seq >= ?", (last - 1,))
    con.close()
    report = chain.verify_store(db)
    assert not report.ok
    assert report.first_break is not None
    assert report.first_break.subject == f"{last - 1}-{last}"


def test_a_line_moved_by_hand_without_any_event_is_named(sqlite_db):
    """A line that no event states must still be where it starts (registered)."""
    from tests.conftest import Org

    db = sqlite_db
    org = Org(db)
    task = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    line = returns.scan(db, org.clerk, task.id, "GC-12A/GC12A-2026001").line
    assert line is not None and chain.verify_store(db).ok
    db.dispose()
    con = sqlite3.connect(_sqlite_file(db))
    with con:
        # As if imported (no state on its events) and then moved by hand.
        _drop_triggers(con)
        con.execute("UPDATE audit_event SET state = '' WHERE entity = 'return_line'")
        con.execute("UPDATE return_line SET status = 'accepted'")
    con.close()
    report = chain.verify_store(db)
    assert ("unexplained_state", f"return_line {line.id}") in {
        (f.kind, f.subject) for f in report.findings
    }


def _write_events(url: str, n: int, tag: str) -> None:
    database = Database(url)
    actor = command_line_actor()
    try:
        for i in range(n):
            with database.transaction() as s:
                audit.record(s, actor, "item", i, "note", "", tag)
                audit.record(s, actor, "item", i, "note", "", tag)
    finally:
        database.dispose()


def test_two_processes_writing_at_once_leave_one_unforked_chain(pg_server):
    url, name = new_pg_database(pg_server)
    try:
        open_store(url).dispose()
        ctx = multiprocessing.get_context("spawn")
        workers = [ctx.Process(target=_write_events, args=(url, 60, t)) for t in "ab"]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
            assert w.exitcode == 0
        db = Database(url)
        try:
            events = _events(db)
            assert [e.seq for e in events] == list(range(1, 241))
            assert len({e.prev_hash for e in events}) == 240  # no two events on one parent
            report = chain.verify_store(db)
            assert report.ok, report.summary()
            # Both desks' writes interleave: the lock ordered them, it did not run them apart.
        finally:
            db.dispose()
    finally:
        drop_pg_database(pg_server, name)


def test_a_savepoint_rolled_back_keeps_the_events_recorded_before_it(db, org):
    from app.models.org import UnitKind

    actor = command_line_actor()
    with db.transaction() as s:
        audit.record(s, actor, "item", 1, "note", "", "before")
        try:
            with s.begin_nested():
                s.add(Unit(name="某部队修理所", kind=UnitKind.user_unit))  # a duplicate name
                s.flush()
        except Exception:
            pass
        audit.record(s, actor, "item", 1, "note", "", "after")
    assert [(e.action, e.entity) for e in _events(db)[-2:]] == [("note", "item")] * 2
    assert chain.verify_store(db).ok


def test_an_imported_list_s_events_join_the_chain(db, org, tmp_path):
    from app.services.handover import list_import
    from tests.support.messy_lists import write_messy_list

    layout = write_messy_list(tmp_path / "list.xlsx")
    result = list_import.import_list(
        db, org.clerk, layout.path, user_unit="某部队修理所", skip_bad_rows=True
    )
    assert result.imported > 0
    registered = [e for e in _events(db) if e.action == "register"]
    assert len(registered) == result.imported
    report = chain.verify_store(db)
    assert report.ok, report.summary()


def test_an_older_store_s_events_are_chained_by_the_upgrade(tmp_path):
    """A store made before the chain: its events are chained in id order, the newest event
    about each line and task states the row as found, and the whole store verifies."""
    from tests.integration.test_migrations import _make_old_store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    _make_old_store(url)
    db = open_store(url)
    try:
        events = _events(db)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == chain.GENESIS
        report = chain.verify_store(db)
        assert report.ok, report.summary()
        # The chain goes on from the upgraded head.
        returns.create_task(db, command_line_actor(), "某部队修理所", today=TODAY)
        assert chain.verify_store(db).ok
        assert _events(db)[-1].seq > events[-1].seq
    finally:
        db.dispose()


def test_two_processes_on_one_sqlite_file_leave_one_chain(sqlite_db):
    url = str(sqlite_db.engine.url)
    before = len(_events(sqlite_db))
    sqlite_db.dispose()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_events, args=(url, 40, t)) for t in "ab"]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    events = _events(sqlite_db)
    assert [e.seq for e in events] == list(range(1, before + 161))
    assert chain.verify_store(sqlite_db).ok
