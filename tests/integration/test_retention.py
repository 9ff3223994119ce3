"""The retention rule (issue 9): nothing a record names is deleted before the rule ends — the
service refuses in words and the database refuses raw SQL, on SQLite and PostgreSQL; past the
rule a record may go. The rule is the admin's, never below 5 years. Migration 0014 goes down."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from app.db import Database, make_engine
from app.errors import DomainError
from app.models.calendar import DeadlineRule
from app.models.org import Unit
from app.models.products import Item, ProductModel
from app.models.records import HandoverKind, HandoverRecord, HandoverRecordLine
from app.models.returns import ReturnLine, ReturnTask
from app.models.workdays import RuleCode
from app.services.admin import rules
from app.services.kernel.calendar import seed_rules
from app.services.records import retention
from tests.unit.test_repair_way import accepted_lines

KEPT = "保存期限内不得删除"
TRIGGERED = (
    "handover_record",
    "handover_record_line",
    "report",
    "report_line",
    "report_recipient",
    "unboxing_inspection",
    "investigation_plan",
    "fault_localization",
    "repair_record",
    "replaced_part",
    "acceptance_inspection",
    "acceptance_result",
    "scrap_request",
    "delivery_plan",
    "delivery_plan_line",
    "kit_set",
    "return_task",
    "return_line",
    "item",
)


def _raw(db: Database, sql: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql))


def _triggers(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            sql = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tr_%'"
        else:
            sql = "SELECT event_object_table FROM information_schema.triggers"
        return {row[0] for row in conn.execute(text(sql))}


def test_every_record_table_and_what_records_name_has_its_triggers(db) -> None:  # type: ignore[no-untyped-def]
    assert set(TRIGGERED) <= _triggers(db)


def test_a_fresh_record_keeps_its_task_lines_and_items(db, org) -> None:  # type: ignore[no-untyped-def]
    (line_id,) = accepted_lines(db, org, [("GC-12A", "G-1")])
    with db.reading() as session:
        line = session.get_one(ReturnLine, line_id)
        task_id, item_id = line.task_id, line.item_id
        jj = session.scalars(select(HandoverRecord.number)).one()
    # The service says which record holds it and until when.
    for entity, row_id in (("item", item_id), ("return_line", line_id), ("return_task", task_id)):
        with db.reading() as session, pytest.raises(retention.RetentionRefused) as refused:
            retention.ensure_deletable(session, entity, row_id)
        assert "保存期限内不得删除" in str(refused.value)
        assert jj in str(refused.value) or "FX-2026-000001" in str(refused.value)
    # The database refuses raw SQL, children first or not.
    for sql in (
        "DELETE FROM handover_record_line",
        "DELETE FROM handover_record",
        "DELETE FROM document_check",  # not a record: no rule on it
        f"DELETE FROM return_line WHERE id = {line_id}",
        f"DELETE FROM return_task WHERE id = {task_id}",
        f"DELETE FROM item WHERE id = {item_id}",
    ):
        if sql.startswith("DELETE FROM document_check"):
            _raw(db, sql)
            continue
        with pytest.raises(IntegrityError, match=KEPT):
            _raw(db, sql)
    # A delete through a service's transaction comes back as the store's words.
    with pytest.raises(DomainError, match=KEPT), db.transaction() as session:
        session.execute(delete(ReturnLine).where(ReturnLine.id == line_id))


def _old_task(db: Database, year: int, serial: str) -> tuple[int, int, int, int]:
    """A task, line, item and handover record dated `year` (ids), as a store years old holds."""
    when = dt.datetime(year, 3, 1, 8, 0, tzinfo=dt.UTC)
    with db.transaction() as session:
        model = session.scalars(select(ProductModel).where(ProductModel.code == "GC-12A")).one()
        user = session.scalars(select(Unit).where(Unit.name == "某部队修理所")).one()
        materials = session.scalars(select(Unit).where(Unit.name == "物资管理部门")).one()
        item = Item(model_id=model.id, serial_no=serial, created_at=when)
        task = ReturnTask(number=f"FX-{year}-000001", user_unit_id=user.id, created_at=when)
        session.add_all([item, task])
        session.flush()
        line = ReturnLine(task_id=task.id, item_id=item.id, seq=1, created_at=when)
        record = HandoverRecord(
            number=f"JJ-{year}-000001",
            kind=HandoverKind.user_to_materials,
            task_id=task.id,
            from_unit_id=user.id,
            to_unit_id=materials.id,
            handover_date=when.date(),
            created_at=when,
        )
        session.add_all([line, record])
        session.flush()
        session.add(HandoverRecordLine(record_id=record.id, line_id=line.id))
        return item.id, task.id, line.id, record.id


def _purge(db: Database, item: int, task: int, line: int, record: int) -> None:
    for sql in (
        f"DELETE FROM handover_record_line WHERE record_id = {record}",
        f"DELETE FROM handover_record WHERE id = {record}",
        f"DELETE FROM return_line WHERE id = {line}",
        f"DELETE FROM return_task WHERE id = {task}",
        f"DELETE FROM item WHERE id = {item}",
    ):
        _raw(db, sql)


def _set_years(db: Database, years: int) -> None:
    with db.transaction() as session:
        seed_rules(session)
        session.flush()
        session.execute(
            update(DeadlineRule).where(DeadlineRule.code == "retention").values(length=years)
        )


def test_past_the_rule_a_record_may_go_and_the_rule_is_never_below_five_years(db, org) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    # Seven years old: past the 5 years, the store lets it go.
    rows = _old_task(db, today.year - 7, "OLD-7")
    with db.reading() as session:
        assert retention.holds(session, "item", rows[0], today) == []
    _purge(db, *rows)
    # Seven years old under a 10-year rule: kept.
    rows = _old_task(db, today.year - 7, "OLD-7B")
    _set_years(db, 10)
    with pytest.raises(IntegrityError, match=KEPT):
        _raw(db, f"DELETE FROM handover_record WHERE id = {rows[3]}")
    with db.reading() as session:
        found = retention.holds(session, "return_task", rows[1], today)
    assert {h.number for h in found} == {
        f"FX-{today.year - 7}-000001",
        f"JJ-{today.year - 7}-000001",
    }
    assert {h.kept_until.year for h in found} == {today.year + 3}
    # A rule written below 5 years (by SQL, past the service) still keeps 5.
    _set_years(db, 2)
    young = _old_task(db, today.year - 3, "OLD-3")
    with pytest.raises(IntegrityError, match=KEPT):
        _raw(db, f"DELETE FROM item WHERE id = {young[0]}")
    _purge(db, *rows)
    # The admin's page: 5 years at least, longer allowed.
    with pytest.raises(DomainError, match="5 到"):
        rules.set_rule(db, org.admin, RuleCode.retention, 4, "years", 0)
    row = rules.set_rule(db, org.admin, RuleCode.retention, 8, "years", 0)
    assert (row.length, row.minimum) == (8, 5)


def test_migration_0014_goes_down_and_up_again(db) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from app.db import alembic_config

    engine = make_engine(db.url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0013")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("repair_record")}
            assert "voided" not in columns
        assert not set(TRIGGERED) & _triggers(db)
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()
    assert set(TRIGGERED) <= _triggers(db)


def test_plain_sqlite3_can_neither_delete_nor_rewrite_an_issued_report(sqlite_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Seed 002 of issue 9: with plain sqlite3 two reports were deleted and the program went on."""
    import sqlite3

    from tests.conftest import Org
    from tests.unit.test_voiding import _jj

    _jj(sqlite_db, Org(sqlite_db))  # one line rejected: a rejection notice (JS) is issued
    path = sqlite_db.url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=KEPT):
            conn.execute("DELETE FROM report")
        with pytest.raises(sqlite3.IntegrityError, match="已出具的记录不能修改"):
            conn.execute("UPDATE report SET body = '改写'")
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM report WHERE body <> '改写'").fetchone() == (1,)
    finally:
        conn.close()
