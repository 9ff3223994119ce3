"""What the database itself keeps (issue 9): one open return per item, the closed sets, ranges.

The services check first, for the message; these tests go round them with plain SQL and show
that the store refuses on its own, on SQLite and on PostgreSQL. The migration that brought the
rules (0012) carries a store holding what the old race left behind, and goes back down.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import CheckConstraint, text
from sqlalchemy.exc import IntegrityError

import app.models  # noqa: F401  (every table on Base.metadata)
from app.db import Database, alembic_config, make_engine
from app.errors import Conflict, StoreUnavailable
from app.models.base import Base
from app.models.returns import DocumentKind, DocumentVerdict
from app.models.states import Decision
from app.services.handover import returns
from app.services.kernel.context import command_line_actor

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _migration_0012() -> Any:
    spec = importlib.util.spec_from_file_location(
        "m0012", MIGRATION / "0012_database_invariants.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw(db: Database, sql: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_the_models_and_migration_0012_name_the_same_checks() -> None:
    """alembic's comparison does not see CHECKs: the model and the migration are compared here."""
    checks = _migration_0012().CHECKS
    migrated = {f"ck_{t}_{name}": sql for t, pairs in checks.items() for name, sql in pairs}
    declared = {
        c.name: str(c.sqltext)
        for table in Base.metadata.sorted_tables
        for c in table.constraints
        if isinstance(c, CheckConstraint) and c.name in migrated
    }
    assert declared == migrated


@pytest.fixture
def two_tasks(db, org):  # type: ignore[no-untyped-def]
    first = returns.create_task(db, org.clerk, "某部队修理所")
    second = returns.create_task(db, org.clerk, "某部队修理所")
    line = returns.add_line(db, org.clerk, first.id, "GC-12A", "GC12A-0001")
    return first, second, line


def test_the_store_refuses_a_second_open_line_for_one_item(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    _first, second, line = two_tasks
    insert = (
        "INSERT INTO return_line (task_id, item_id, seq, fault_description, remark, status, "
        "reject_reason, dispatch_late_reason, created_at, version) VALUES (:task, :item, 1, '', "
        "'', :status, '', '', CURRENT_TIMESTAMP, 1)"
    )
    with pytest.raises(IntegrityError, match="uq_return_line_open_item|UNIQUE"):
        _raw(db, insert, task=second.id, item=line.item_id, status="registered")
    # A finished line of the same item is history, not an open return: the store takes it.
    _raw(db, insert, task=second.id, item=line.item_id, status="rejected")
    # Once the first line is finished too, the item may come back on a new return.
    _raw(db, "UPDATE return_line SET status = 'rejected' WHERE id = :id", id=line.id)
    third = returns.create_task(db, command_line_actor(), "某部队修理所")
    back = returns.add_line(db, command_line_actor(), third.id, "GC-12A", "GC12A-0001")
    assert back.item_id == line.item_id


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("UPDATE return_line SET status = 'lost'", "ck_return_line_status"),
        ("UPDATE return_line SET decision = 'maybe'", "ck_return_line_decision"),
        ("UPDATE return_line SET seq = 0", "ck_return_line_seq"),
        ("UPDATE return_task SET status = 'half_done'", "ck_return_task_status"),
        ("UPDATE document_check SET kind = 'photo'", "ck_document_check_kind"),
        ("UPDATE unit SET kind = 'shop'", "ck_unit_kind"),
        ("UPDATE app_user SET role = 'root'", "ck_app_user_role"),
        ("UPDATE record_counter SET last_value = -1", "ck_record_counter_last_value"),
        ("UPDATE kit_set SET status = 'lost'", "ck_kit_set_status"),
    ],
)
def test_the_store_refuses_a_value_outside_its_closed_set(db, two_tasks, sql, constraint) -> None:  # type: ignore[no-untyped-def]
    first, _second, line = two_tasks
    returns.check_lines(db, command_line_actor(), [line.id])
    returns.decide_line(db, command_line_actor(), line.id, Decision.accept)
    returns.confirm_handover(db, command_line_actor(), first.id, "张代表", "王敏")
    with pytest.raises(IntegrityError) as err:
        _raw(db, sql)
    assert constraint in str(err.value) or "CHECK" in str(err.value)
    if db.is_sqlite:
        assert constraint in str(err.value)


def test_the_store_refuses_handover_and_report_kinds_outside_their_sets(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    first, _second, line = two_tasks
    returns.check_lines(db, command_line_actor(), [line.id])
    returns.decide_line(db, command_line_actor(), line.id, Decision.reject, "缺件")
    returns.confirm_handover(db, command_line_actor(), first.id, "张代表", "王敏")
    for sql, constraint in (
        ("UPDATE handover_record SET kind = 'gift'", "ck_handover_record_kind"),
        ("UPDATE report SET kind = 'memo'", "ck_report_kind"),
    ):
        with pytest.raises(IntegrityError, match=constraint):
            _raw(db, sql)


# --- migration 0012 over what the race left ---------------------------------------------------


def _to(db: Database, revision: str, down: bool = False) -> None:
    engine = make_engine(db.url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            (command.downgrade if down else command.upgrade)(alembic_config(conn), revision)
    finally:
        engine.dispose()


def _duplicate(db: Database, task_id: int, item_id: int, status: str = "registered") -> int:
    with db.engine.begin() as conn:
        return int(
            conn.execute(
                text(
                    "INSERT INTO return_line (task_id, item_id, seq, fault_description, remark, "
                    "status, reject_reason, dispatch_late_reason, created_at, version) VALUES "
                    "(:task, :item, 1, '', '', :status, '', '', CURRENT_TIMESTAMP, 1) "
                    "RETURNING id"
                ),
                {"task": task_id, "item": item_id, "status": status},
            ).scalar_one()
        )


def _revision(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())


def test_0012_goes_down_and_up_and_rejects_a_duplicate_still_being_counted(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    first, second, line = two_tasks
    _to(db, "0011", down=True)
    assert _revision(db) == "0011"
    duplicate = _duplicate(db, second.id, line.item_id)  # the race, before the index
    _to(db, "0012")
    assert _revision(db) == "0012"
    _to(db, "head")
    kept, dropped = returns.get_line(db, line.id), returns.get_line(db, duplicate)
    assert (kept.status, dropped.status, dropped.decision) == ("registered", "rejected", "reject")
    assert dropped.reject_reason == f"重复登记：该产品已在 {first.number} 中"
    with db.engine.connect() as conn:
        who = conn.execute(
            text("SELECT actor_name, action FROM audit_event WHERE entity_id = :id "
                 "AND entity = 'return_line'"),
            {"id": duplicate},
        ).all()  # fmt: skip
    assert [tuple(r) for r in who] == [("系统（数据库升级 0012）", "reject")]
    # The audit trail over the store as the upgrade left it holds together (issue 9).
    from app.services.kernel.chain import verify_store

    report = verify_store(db)
    assert report.ok, report


def test_0012_refuses_two_handed_over_lines_of_one_item_and_changes_nothing(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    first, second, line = two_tasks
    actor = command_line_actor()
    returns.check_lines(db, actor, [line.id])
    returns.decide_line(db, actor, line.id, Decision.accept)
    returns.confirm_handover(db, actor, first.id, "张代表", "王敏")
    _to(db, "0011", down=True)
    duplicate = _duplicate(db, second.id, line.item_id, status="accepted")
    with pytest.raises(StoreUnavailable, match="GC-12A/GC12A-0001 同时在 .* 中且都已交接"):
        _to(db, "0012")
    assert _revision(db) == "0011"
    assert returns.get_line(db, duplicate).status == "accepted"


# --- the version a person saw travels with the action ------------------------------------------


def test_a_document_check_changed_meanwhile_refuses_the_older_view(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    _first, _second, seen = two_tasks
    actor = command_line_actor()
    kind = DocumentKind.certificate
    changed = returns.set_verdict(
        db, actor, seen.id, kind, DocumentVerdict.missing, expected_version=seen.version
    )
    assert changed.version > seen.version  # a document check is part of the line's version
    with pytest.raises(Conflict, match="已被其他工位修改") as err:
        returns.set_verdict(
            db, actor, seen.id, kind, DocumentVerdict.consistent, expected_version=seen.version
        )
    assert "产品证明文件缺失" in str(err.value)
    assert returns.get_line(db, seen.id).documents[0].verdict == "missing"
    # With the version it now shows, the same person's change goes through.
    returns.set_verdict(
        db, actor, seen.id, kind, DocumentVerdict.consistent, expected_version=changed.version
    )


def test_marks_fault_and_remark_carry_the_version(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    _first, _second, seen = two_tasks
    actor = command_line_actor()
    checked = returns.check_lines(db, actor, [seen.id], {seen.id: seen.version})[0]
    for stale in (
        lambda: returns.decide_line(db, actor, seen.id, Decision.accept, "", seen.version),
        lambda: returns.decide_lines(db, actor, [seen.id], Decision.reject, "缺", {seen.id: 1}),
        lambda: returns.set_fault_description(db, actor, seen.id, "x", seen.version),
        lambda: returns.set_remark(db, actor, seen.id, "x", seen.version),
        lambda: returns.check_lines(db, actor, [seen.id], {seen.id: seen.version}),
    ):
        with pytest.raises(Conflict, match="已被其他工位修改，现在为：已登记，未标记接收或拒收"):
            stale()
    assert returns.get_line(db, seen.id).version == checked.version  # nothing written
    now = returns.set_remark(db, actor, seen.id, "外壳有划痕", checked.version)
    assert now.remark == "外壳有划痕"
    assert returns.line_history(db, seen.id)[-1][2] == "remark"


def test_confirm_refuses_a_count_changed_since_the_clerk_looked(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    first, _second, line = two_tasks
    actor = command_line_actor()
    returns.check_lines(db, actor, [line.id])
    seen = returns.get_task(db, first.id)
    returns.decide_line(db, actor, line.id, Decision.reject, "缺件")  # another desk
    with pytest.raises(Conflict, match=f"任务 {first.number} 已被其他工位修改") as err:
        returns.confirm_handover(
            db, actor, first.id, "张代表", "王敏", expected_version=seen.version
        )
    assert "拒收 1 件" in str(err.value)
    assert returns.get_task(db, first.id).status == "open"
    # A line scanned in meanwhile changes the count too.
    now = returns.get_task(db, first.id)
    returns.add_line(db, actor, first.id, "GC-12A", "GC12A-0002")
    with pytest.raises(Conflict):
        returns.confirm_handover(
            db, actor, first.id, "张代表", "王敏", expected_version=now.version
        )


def test_dispatch_refuses_a_line_changed_since_it_was_shown(db, two_tasks) -> None:  # type: ignore[no-untyped-def]
    from app.services.dispatch import dispatching

    first, _second, line = two_tasks
    actor = command_line_actor()
    returns.check_lines(db, actor, [line.id])
    returns.decide_line(db, actor, line.id, Decision.accept)
    returns.confirm_handover(db, actor, first.id, "张代表", "王敏")
    [group] = dispatching.dispatch_groups(db)
    [row] = group.lines
    dispatching.dispatch(db, actor, [row.line_id], expected_versions={row.line_id: row.version})
    with pytest.raises(Conflict, match="已被其他工位修改，现在为：已分发"):
        dispatching.dispatch(db, actor, [row.line_id], expected_versions={row.line_id: row.version})


def test_the_loser_of_a_scan_race_is_told_which_return_won(db, two_tasks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The race itself is in tests/integration/test_concurrent_desks.py; here the services'
    SELECT is made blind, as it is to another desk's uncommitted line, so the index decides."""
    from app.services.handover import scanning

    first, second, line = two_tasks
    monkeypatch.setattr(scanning, "open_return_of", lambda _session, _item: None)
    with pytest.raises(Conflict) as err:
        returns.scan(db, command_line_actor(), second.id, "GC-12A/GC12A-0001")
    assert str(err.value).startswith(f"该产品刚刚被其他工位登记到 {first.number} 中")
    assert returns.get_task(db, second.id).line_count == 0  # nothing half-written
    assert returns.get_line(db, line.id).task_id == first.id
