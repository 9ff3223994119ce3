"""Migrations: they match the models, form one line, and carry a store with data forward.

A store made by an earlier version of the program is upgraded when the new version starts
(`app.db.open_database`). On SQLite that may rebuild tables, which once emptied child tables
through ON DELETE CASCADE (FIELD_NOTES.md), so the upgrade test compares every row of every table
before and after, and checks the backup written beside the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    MetaData,
    String,
    bindparam,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

import app.models  # noqa: F401  (every table on Base.metadata)
from app.db import Database, alembic_config, head_revision, make_engine, open_database
from app.models.base import Base
from tests.conftest import drop_pg_database, new_pg_database

OLD_REVISION = "0001"


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    url, name = new_pg_database(pg_server)
    try:
        yield url
    finally:
        drop_pg_database(pg_server, name)


# --- (a) no drift between models and migrations ----------------------------------------------


def _drift(engine: Engine, metadata: MetaData) -> list[Any]:
    opts: dict[str, Any] = {"compare_type": True}
    if engine.dialect.name == "postgresql":
        # SQLite reflects a '' server default in a form alembic reports as changed; PG does not.
        opts["compare_server_default"] = True
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)


def _assert_no_drift(url: str) -> None:
    db = open_database(url)
    try:
        assert db.current_revision() == head_revision()
        assert _drift(db.engine, Base.metadata) == []
        # The comparison sees a difference when there is one (else the line above proves nothing).
        changed = MetaData(naming_convention=Base.metadata.naming_convention)
        for table in Base.metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["unit"].append_column(Column("not_migrated", String(10)))
        diffs = _drift(db.engine, changed)
        assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "unit", "not_migrated")]
    finally:
        db.dispose()


def test_models_match_migrations_on_sqlite(tmp_path: Path) -> None:
    _assert_no_drift(f"sqlite:///{tmp_path / 'fanxiu.db'}")


@pytest.mark.pg
def test_models_match_migrations_on_postgresql(pg_url: str) -> None:
    _assert_no_drift(pg_url)


# --- (b) one line of revisions ----------------------------------------------------------------


def test_migration_chain_is_linear_and_ends_at_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    assert len(script.get_bases()) == 1, f"several bases: {script.get_bases()}"
    revisions = list(script.walk_revisions())  # head first
    for rev in revisions:
        assert rev.down_revision is None or isinstance(rev.down_revision, str), (
            f"{rev.revision} is a merge of {rev.down_revision}"
        )
        assert len(rev.nextrev) <= 1, f"{rev.revision} branches into {rev.nextrev}"
    # Following the parents from head reaches every revision, base last.
    chain: list[str] = []
    current: Any = script.get_heads()[0]
    while current is not None:
        chain.append(current)
        current = script.get_revision(current).down_revision  # type: ignore[union-attr]
    assert chain == [r.revision for r in revisions]
    assert revisions[-1].revision == OLD_REVISION
    assert head_revision() == chain[0]


# --- (c), (d) a store made at 0001, with data, upgrades --------------------------------------

NOW = dt.datetime(2025, 12, 1, 8, 30, 0)
OLD_DATA: dict[str, list[dict[str, Any]]] = {
    "unit": [
        {"id": 1, "name": "某部队修理所", "kind": "user_unit", "active": True},
        {"id": 2, "name": "物资管理部门", "kind": "materials_dept", "active": True},
        {"id": 3, "name": "惯性导航研究所", "kind": "manufacturer", "active": True},
        {"id": 4, "name": "总体设计部", "kind": "prime_unit", "active": True},
    ],
    "app_user": [
        {"id": 1, "login": "clerk", "display_name": "王敏", "password_hash": "x",
         "role": "clerk", "unit_id": 2, "active": True, "created_at": NOW},
    ],
    "product_model": [
        {"id": 1, "code": "ZT-1", "name": "某型制导系统", "drawing_no": "ZT1-0000",
         "level": "system", "manufacturer_unit_id": None, "parent_id": None,
         "from_import": False, "created_at": NOW},
        {"id": 2, "code": "GC-12A", "name": "惯性测量组合", "drawing_no": "GC12A-100",
         "level": "subsystem", "manufacturer_unit_id": 3, "parent_id": 1,
         "from_import": False, "created_at": NOW},
    ],
    "item": [
        {"id": i, "model_id": 2, "serial_no": f"GC12A-00{i}", "created_at": NOW}
        for i in (1, 2, 3)
    ],
    "record_counter": [
        {"prefix": "FX", "year": 2025, "last_value": 2},
        {"prefix": "JJ", "year": 2025, "last_value": 1},
        {"prefix": "JS", "year": 2025, "last_value": 1},
    ],
    "return_task": [
        # Still being counted: two lines, one to accept, one to reject.
        {"id": 1, "number": "FX-2025-000001", "user_unit_id": 1,
         "node_date": dt.date(2025, 12, 20), "kitting_deadline": None, "status": "open",
         "source": "", "user_rep_name": "", "clerk_name": "", "confirmed_at": None,
         "created_at": NOW, "created_by_id": 1, "version": 1},
        # Handed over: its one line rejected, with a handover record and a rejection notice.
        {"id": 2, "number": "FX-2025-000002", "user_unit_id": 1, "node_date": None,
         "kitting_deadline": None, "status": "closed", "source": "导入：清单.xlsx",
         "user_rep_name": "张代表", "clerk_name": "王敏", "confirmed_at": NOW,
         "created_at": NOW, "created_by_id": 1, "version": 2},
    ],
    "return_line": [
        {"id": 1, "task_id": 1, "item_id": 1, "seq": 1, "fault_description": "自检不通过",
         "remark": "", "status": "registered", "decision": "accept", "reject_reason": "",
         "accepted_on": None, "dispatched_on": None, "received_on": None, "localized_on": None,
         "repair_accepted_on": None, "dispatch_late_reason": "", "kit_set_id": None,
         "created_at": NOW, "version": 2},
        {"id": 2, "task_id": 1, "item_id": 2, "seq": 2, "fault_description": "零位漂移超差",
         "remark": "外壳有划痕", "status": "registered", "decision": "reject",
         "reject_reason": "缺装箱清单", "accepted_on": None, "dispatched_on": None,
         "received_on": None, "localized_on": None, "repair_accepted_on": None,
         "dispatch_late_reason": "", "kit_set_id": None, "created_at": NOW, "version": 3},
        {"id": 3, "task_id": 2, "item_id": 3, "seq": 1, "fault_description": "无输出",
         "remark": "", "status": "rejected", "decision": "reject",
         "reject_reason": "缺装箱清单", "accepted_on": None, "dispatched_on": None,
         "received_on": None, "localized_on": None, "repair_accepted_on": None,
         "dispatch_late_reason": "", "kit_set_id": None, "created_at": NOW, "version": 3},
    ],
    "document_check": [
        {"id": 1 + i, "line_id": line, "kind": kind, "present": present,
         "consistent": present, "note": ""}
        for i, (line, kind, present) in enumerate(
            (line, kind, line == 1 or kind != "packing_list")
            for line in (1, 2, 3)
            for kind in ("certificate", "fault_report", "packing_list")
        )
    ],
    "handover_record": [
        {"id": 1, "number": "JJ-2025-000001", "kind": "user_to_materials", "task_id": 2,
         "from_unit_id": 1, "to_unit_id": 2, "from_person": "张代表", "to_person": "王敏",
         "handover_date": dt.date(2025, 12, 1), "anomalies": "", "created_at": NOW,
         "created_by_id": 1, "countersigned_at": None, "countersigned_by_id": None,
         "voided": False, "void_reason": ""},
    ],
    "handover_record_line": [
        {"id": 1, "record_id": 1, "line_id": 3, "accepted": False, "anomaly": "缺装箱清单"},
    ],
    "report": [
        {"id": 1, "number": "JS-2025-000001", "kind": "rejection_notice",
         "addressed_unit_id": 4, "task_id": 2, "handover_record_id": 1,
         "title": "拒收通知：FX-2025-000002 中 1 件产品被拒收", "body": "GC-12A/GC12A-003：缺装箱清单",
         "created_at": NOW, "created_by_id": 1, "acknowledged_at": NOW,
         "acknowledged_by_id": 1, "voided": False},
    ],
    "report_line": [{"id": 1, "report_id": 1, "line_id": 3, "reason": "缺装箱清单"}],
    "audit_event": [
        {"id": 1, "at": NOW, "actor_user_id": 1, "actor_name": "王敏", "entity": "return_task",
         "entity_id": 1, "action": "create", "old_value": "", "new_value": "FX-2025-000001",
         "reason": ""},
    ],
}  # fmt: skip


def _typed(value: Any) -> Any:
    if isinstance(value, bool):
        return Boolean()
    if isinstance(value, dt.datetime):
        return DateTime()
    if isinstance(value, dt.date):
        return Date()
    return None


def _insert_old_data(conn: Connection) -> None:
    """The rows a 0001 program wrote, in plain SQL with the columns 0001 has."""
    for table, rows in OLD_DATA.items():
        columns = list(rows[0])
        stmt = text(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"({', '.join(':' + c for c in columns)})"
        ).bindparams(*[bindparam(c, type_=_typed(rows[0][c])) for c in columns])
        conn.execute(stmt, rows)
    if conn.dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; a real 0001 program would have advanced them.
        for table, rows in OLD_DATA.items():
            if "id" in rows[0]:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                    {"n": max(r["id"] for r in rows)},
                )


Rows = dict[str, list[dict[str, Any]]]


def _snapshot(conn: Connection, tables: dict[str, list[str]]) -> Rows:
    """Every row of each table (only the columns given), in primary-key order."""
    inspector = inspect(conn)
    snapshot = {}
    for table, cols in tables.items():
        order = inspector.get_pk_constraint(table)["constrained_columns"]
        result = conn.execute(
            text(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(order)}")
        )
        snapshot[table] = [dict(r._mapping) for r in result]
    return snapshot


def _columns_now(conn: Connection) -> dict[str, list[str]]:
    inspector = inspect(conn)
    return {
        t: [c["name"] for c in inspector.get_columns(t)]
        for t in inspector.get_table_names()
        if t != "alembic_version"
    }


def _make_old_store(url: str) -> tuple[dict[str, list[str]], Rows]:
    """A store at revision 0001 holding OLD_DATA; returns its columns and all its rows."""
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), OLD_REVISION)
    finally:
        engine.dispose()
    engine = make_engine(url)  # foreign keys on: the old data is consistent
    try:
        with engine.begin() as conn:
            _insert_old_data(conn)
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == OLD_REVISION
            columns = _columns_now(conn)
            assert "source_row" not in columns["return_line"]
            assert "list_title" not in columns["return_task"]
            rows = _snapshot(conn, columns)
    finally:
        engine.dispose()
    assert {t: len(rows[t]) for t in OLD_DATA} == {t: len(r) for t, r in OLD_DATA.items()}
    return columns, rows


def _assert_upgraded_with_data(
    db: Database, old_columns: dict[str, list[str]], old_rows: Rows
) -> None:
    from app.services.handover import returns

    assert db.current_revision() == head_revision()
    with db.engine.connect() as conn:
        # Every row of every old table is still there with the same values (no child table
        # emptied by a rebuild); a column a later migration dropped on purpose is not compared.
        now = _columns_now(conn)
        kept = {t: [c for c in cols if c in now.get(t, ())] for t, cols in old_columns.items()}
        assert {t for t, cols in kept.items() if not cols} == set(), "old tables are gone"
        assert _snapshot(conn, kept) == {
            t: [{c: row[c] for c in kept[t]} for row in rows] for t, rows in old_rows.items()
        }
        # The columns 0002 added hold their defaults on the old rows.
        assert conn.execute(text("SELECT list_title FROM return_task")).all() == [("",), ("",)]
        assert conn.execute(text("SELECT source_row FROM return_line")).all() == [(None,)] * 3
        if db.is_sqlite:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
    # The program reads the old tasks, lines, checks and records through its models.
    task = returns.get_task_by_number(db, "FX-2025-000001")
    assert (task.user_unit, task.line_count, task.node_date, task.status) == (
        "某部队修理所",
        2,
        dt.date(2025, 12, 20),
        "open",
    )
    lines = returns.page_lines(db, task_id=task.id)
    assert [(line.seq, line.decision, line.documents) for line in lines] == [
        (1, "accept", ((True, True), (True, True), (True, True))),
        (2, "reject", ((True, True), (True, True), (False, False))),
    ]
    done = returns.get_task_by_number(db, "FX-2025-000002")
    assert (done.status, done.handover_number, done.rejection_notice_number) == (
        "closed",
        "JJ-2025-000001",
        "JS-2025-000001",
    )


def test_sqlite_store_made_at_0001_upgrades_with_its_data_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "fanxiu.db"
    url = f"sqlite:///{path}"
    old_columns, old_rows = _make_old_store(url)
    assert list(tmp_path.glob("*.bak.db")) == []

    db = open_database(url)
    try:
        _assert_upgraded_with_data(db, old_columns, old_rows)
    finally:
        db.dispose()

    backups = list(tmp_path.glob("*.bak.db"))
    assert len(backups) == 1, backups
    backup = backups[0]
    assert backup.name.startswith("fanxiu-") and f"before-{head_revision()}" in backup.name
    # The backup is the store as it was: revision 0001, the same rows, none of the new columns.
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (OLD_REVISION,)
        ]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for table, cols in old_columns.items():
            have = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            assert have == cols, table
    engine = make_engine(f"sqlite:///{backup}")
    try:
        with engine.connect() as conn:
            assert _snapshot(conn, old_columns) == old_rows
    finally:
        engine.dispose()
    backup_bytes = backup.read_bytes()

    # Opening the upgraded store again changes nothing and backs up nothing.
    db = open_database(url)
    try:
        assert db.upgrade() is None
        _assert_upgraded_with_data(db, old_columns, old_rows)
    finally:
        db.dispose()
    assert list(tmp_path.glob("*.bak.db")) == [backup]
    assert backup.read_bytes() == backup_bytes


@pytest.mark.pg
def test_postgresql_store_made_at_0001_upgrades_with_its_data(pg_url: str) -> None:
    old_columns, old_rows = _make_old_store(pg_url)
    db = open_database(pg_url)
    try:
        _assert_upgraded_with_data(db, old_columns, old_rows)
        assert db.upgrade() is None
        # New rows after the upgrade get fresh ids and numbers after the old ones.
        from app.services.handover import returns
        from app.services.kernel.context import command_line_actor

        task = returns.create_task(
            db, command_line_actor(), "某部队修理所", today=dt.date(2025, 12, 2)
        )
        assert (task.id, task.number) == (3, "FX-2025-000003")
        # The old events were chained in Python by 0013, the new one by the server at its
        # COMMIT (0018): one chain across the two.
        from app.services.kernel import chain

        report = chain.verify_store(db)
        assert report.ok and report.events == report.last_seq > 1, report.summary()
    finally:
        db.dispose()


REBUILD_REVISION = """
from alembic import op

revision = "9999"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
    # What batch mode does on SQLite for most changes: copy the table, drop it, rename the copy.
    for table in ("unit", "return_task", "return_line", "handover_record", "report"):
        with op.batch_alter_table(table, recreate="always"):
            pass


def downgrade():
    pass
"""


def test_sqlite_upgrade_that_rebuilds_parent_tables_keeps_child_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Later migrations will rebuild tables that have children. Rebuilding unit, return_task,
    return_line, handover_record and report (parents of users, tasks, lines, document checks,
    record lines) under the program's upgrade keeps every row."""
    import shutil

    import app.db

    migrations = tmp_path / "migrations"
    shutil.copytree(app.db.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "9999_rebuild.py").write_text(
        REBUILD_REVISION.format(down=head_revision()), encoding="utf-8"
    )

    monkeypatch.setattr(app.db, "MIGRATIONS_DIR", migrations)

    # Without the program's care (foreign keys on), the same upgrade does not carry the data:
    # DROP TABLE of a parent fails (or, with ON DELETE CASCADE, silently empties its children).
    control = f"sqlite:///{tmp_path / 'control.db'}"
    _make_old_store(control)
    engine = make_engine(control, foreign_keys=True)
    try:
        with (
            pytest.raises(Exception, match="FOREIGN KEY constraint failed"),
            engine.begin() as conn,
        ):
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()

    url = f"sqlite:///{tmp_path / 'fanxiu.db'}"
    old_columns, old_rows = _make_old_store(url)
    db = open_database(url)
    try:
        assert db.current_revision() == "9999"
        _assert_upgraded_with_data(db, old_columns, old_rows)
    finally:
        db.dispose()


def test_the_start_knows_the_newest_migration() -> None:
    """The start skips alembic when the store is at HEAD_REVISION: it must be the real head."""
    from app.db import HEAD_REVISION

    assert head_revision() == HEAD_REVISION
