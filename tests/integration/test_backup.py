"""Backup and restore (issue 9): `fanxiu backup -o FILE` while another desk writes, `fanxiu restore`
into an empty store only, a PostgreSQL dump and restore, what to install without pg_dump, the daily
rotation (7 daily, 4 weekly) with made-up dates, and the copy taken before a schema upgrade.

The issue's story: a copy of the SQLite file taken while a desk worked, after 50 new tasks, held 22
of 72. The backup here must hold every task committed before it started and open whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from app import cli
from app.db import HEAD_REVISION, alembic_config, make_engine, open_database
from app.errors import DomainError
from app.services.admin import backup
from app.services.handover import returns
from app.services.kernel.bootstrap import open_store
from app.services.kernel.context import command_line_actor
from tests.conftest import Org, drop_pg_database, new_pg_database

REPO = Path(__file__).resolve().parents[2]
USER_UNIT = "某部队修理所"
PASSWORD = "secret1"  # tests.conftest.Org's logins
OLD_REVISION = "0011"


def fanxiu(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def admin_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANXIU_PASSWORD", PASSWORD)
    monkeypatch.delenv("FANXIU_DATABASE_URL", raising=False)


@pytest.fixture
def store(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A SQLite store with the usual units and logins and two tasks: (url, file)."""
    path = tmp_path / "desk" / "fanxiu.db"
    path.parent.mkdir()
    backup.copy_sqlite(sqlite_template, path)
    url = f"sqlite:///{path}"
    db = open_store(url)
    try:
        Org(db)
        for _ in range(2):
            returns.create_task(db, command_line_actor(), USER_UNIT)
    finally:
        db.dispose()
    yield url, path


def _tasks(path: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {number for (number,) in conn.execute("SELECT number FROM return_task")}


def _dump(path: Path) -> list[str]:
    """Every row and table as SQL (the file's bytes move with a checkpoint; its data must not)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


# --- a backup while another desk writes ------------------------------------------------------


def writer(url: str) -> None:
    """Another desk: creates tasks one after another and says each number once it is committed."""
    db = open_store(url)
    actor = command_line_actor()
    while True:
        task = returns.create_task(db, actor, USER_UNIT)
        print(task.number, flush=True)


def _backup_while_writing(url: str, out: Path, capsys: Any) -> tuple[list[str], list[str]]:
    """`fanxiu backup -o out` while another process creates tasks: (the tasks committed before
    the backup started, those committed after it ended)."""
    code = "import sys; from tests.integration.test_backup import writer; writer(sys.argv[1])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None

        def committed(n: int) -> list[str]:
            numbers = []
            while len(numbers) < n:
                line = proc.stdout.readline()  # type: ignore[union-attr]
                assert line, proc.stderr.read()  # type: ignore[union-attr]
                numbers.append(line.strip())
            return numbers

        before = committed(50)
        result = fanxiu(capsys, "--db", url, "backup", "-o", str(out), "--login", "admin")
        assert result[0] == 0, result
        assert result[1].startswith(f"已备份到 {out}（")
        after = committed(20)  # the desk went on writing
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert not list(out.parent.glob("*.part"))  # whole or nothing: no half-written copy left
    return before, after


def test_a_backup_taken_while_a_desk_writes_holds_every_task_committed_before_it(
    store: tuple[str, Path], tmp_path: Path, capsys: Any
) -> None:
    url, path = store
    out = tmp_path / "copies" / "backup.db"
    before, after = _backup_while_writing(url, out, capsys)
    held = _tasks(out)
    assert set(before) <= held
    assert len(held) >= 2 + len(before)
    assert set(after) <= _tasks(path)
    # The copy opens as a store at the program's schema, and is one file (no -wal beside it).
    assert not out.with_name(out.name + "-wal").exists()
    db = open_database(f"sqlite:///{out}")
    try:
        assert db.current_revision() == HEAD_REVISION
    finally:
        db.dispose()


def test_only_a_signed_in_admin_takes_a_backup(
    store: tuple[str, Path], tmp_path: Path, capsys: Any
) -> None:
    url, path = store
    out = tmp_path / "b.db"
    code, _, err = fanxiu(capsys, "--db", url, "backup", "-o", str(out))
    assert code == 1 and "须先登录" in err
    code, _, err = fanxiu(capsys, "--db", url, "backup", "-o", str(out), "--login", "clerk")
    assert code == 1 and "无权进行此操作" in err, err
    assert not out.exists()
    code, out_text, _ = fanxiu(
        capsys, "--db", url, "backup", "-o", str(out), "--login", "admin", "--json"
    )
    assert code == 0 and f'"file": "{out}"' in out_text
    with contextlib.closing(sqlite3.connect(path)) as conn:
        said = conn.execute(
            "SELECT actor_name, new_value FROM audit_event WHERE action = 'backup'"
        ).fetchall()
    assert len(said) == 1 and str(out) in said[0][1] and "管理员" in said[0][0]


# --- restore ----------------------------------------------------------------------------------


def test_restore_into_an_empty_store_and_never_over_data(
    store: tuple[str, Path], tmp_path: Path, capsys: Any
) -> None:
    url, path = store
    copy = tmp_path / "copy.db"
    assert fanxiu(capsys, "--db", url, "backup", "-o", str(copy), "--login", "admin")[0] == 0

    # Into a store that holds data: refused, and the store is as it was.
    before = _dump(path)
    code, _, err = fanxiu(capsys, "--db", url, "restore", str(copy))
    assert code == 1
    assert "已经有数据" in err and "恢复只能恢复到空的数据库" in err
    assert _dump(path) == before

    # Into a new file: everything is back, and said.
    target = tmp_path / "elsewhere" / "restored.db"
    code, out, err = fanxiu(capsys, "--db", f"sqlite:///{target}", "restore", str(copy), "--json")
    assert code == 0, err
    said = json.loads(out)
    assert said["revision"] == HEAD_REVISION and said["upgraded_from"] is None
    assert said["restored"]["登录"] == 6 and said["restored"]["返厂任务"] == 2
    assert said["restored"]["单位"] == 7
    assert said["chain"]["ok"] is True and said["chain"]["message"].startswith("审计链完整")
    assert _tasks(target) == _tasks(path)

    # Into a store a first start made and nobody used yet: allowed, and replaced whole.
    fresh = tmp_path / "fresh.db"
    open_store(f"sqlite:///{fresh}").dispose()
    code, out, err = fanxiu(capsys, "--db", f"sqlite:///{fresh}", "restore", str(copy))
    assert "登录 6，单位 7" in out, err
    assert _tasks(fresh) == _tasks(path)


def test_an_older_backup_is_upgraded_and_a_newer_or_foreign_file_refused(
    tmp_path: Path, capsys: Any
) -> None:
    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}", foreign_keys=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), OLD_REVISION)
    engine.dispose()
    target = tmp_path / "restored.db"
    code, out, err = fanxiu(capsys, "--db", f"sqlite:///{target}", "restore", str(old))
    assert f"备份的结构版本 {OLD_REVISION} 已升级到 {HEAD_REVISION}" in out, err
    db = open_database(f"sqlite:///{target}", upgrade=False)
    try:
        assert db.current_revision() == HEAD_REVISION
    finally:
        db.dispose()

    newer = tmp_path / "newer.db"
    backup.copy_sqlite(old, newer)
    with contextlib.closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    code, _, err = fanxiu(capsys, "--db", f"sqlite:///{tmp_path / 'x.db'}", "restore", str(newer))
    assert code == 1 and "结构版本 9999 比本程序新" in err
    assert not (tmp_path / "x.db").exists()

    junk = tmp_path / "list.xlsx"
    junk.write_bytes(b"PK\x03\x04 not a backup")
    code, _, err = fanxiu(capsys, "--db", f"sqlite:///{tmp_path / 'y.db'}", "restore", str(junk))
    assert code == 1 and "不是返修通的备份文件" in err


def test_a_backup_whose_audit_was_altered_is_restored_and_flagged(
    store: tuple[str, Path], tmp_path: Path, capsys: Any
) -> None:
    url, _ = store
    copy = tmp_path / "copy.db"
    assert fanxiu(capsys, "--db", url, "backup", "-o", str(copy), "--login", "admin")[0] == 0
    with contextlib.closing(sqlite3.connect(copy)) as conn, conn:
        # What plain sqlite3 can do to a copy: drop the guards, rewrite an event.
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute(
            "UPDATE audit_event SET new_value = 'x' WHERE id = (SELECT max(id) - 3 FROM audit_event)"
        )
    target = tmp_path / "restored.db"
    code, out, err = fanxiu(capsys, "--db", f"sqlite:///{target}", "restore", str(copy))
    assert code == 1
    assert "审计链断裂" in out and "审计链校验未通过" in err


# --- the daily backup -------------------------------------------------------------------------


def test_the_daily_backup_keeps_7_daily_and_4_weekly(store: tuple[str, Path]) -> None:
    url, path = store
    folder = path.parent / "backups"
    manual = folder / "fanxiu-20260101-120000-backup.db"
    folder.mkdir()
    manual.write_bytes(b"an admin's own copy")
    cut_short = folder / "fanxiu-2025-12-31.daily.db.part"  # the program was killed mid-copy
    cut_short.write_bytes(b"SQLite format 3\x00 and no more")
    os.utime(cut_short, (0, 0))
    first = dt.date(2026, 1, 5)  # a Monday
    last = dt.date(2026, 3, 15)  # a Sunday, ten weeks on
    day = first
    while day <= last:
        assert backup.daily_backup(url, today=day) == folder / f"fanxiu-{day}.daily.db"
        assert backup.daily_backup(url, today=day) is None  # once a day
        day += dt.timedelta(days=1)
    kept = sorted(p.name for p in folder.iterdir())
    week = [dt.date(2026, 3, d) for d in range(9, 16)]  # the 7 newest days
    weekly = [dt.date(2026, 3, 8), dt.date(2026, 3, 1), dt.date(2026, 2, 22), dt.date(2026, 2, 15)]
    assert kept == sorted([manual.name] + [f"fanxiu-{d}.daily.db" for d in week + weekly])
    assert _tasks(folder / "fanxiu-2026-03-15.daily.db") == _tasks(path)
    # In the middle of a week the 4 weekly copies are the newest of each week before the 7 days.
    days = [first + dt.timedelta(days=i) for i in range(66)]  # up to Wednesday 2026-03-11
    assert sorted(backup.to_keep(days)) == sorted(
        [dt.date(2026, 3, d) for d in range(5, 12)]
        + [dt.date(2026, 3, 4), dt.date(2026, 3, 1), dt.date(2026, 2, 22), dt.date(2026, 2, 15)]
    )
    assert backup.daily_backup("postgresql://postgres@127.0.0.1/x") is None  # the DBA's job


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def pg_store(pg_server: str, pg_template: str) -> Iterator[str]:
    url, name = new_pg_database(pg_server, pg_template)
    db = open_store(url)
    try:
        Org(db)
        for _ in range(3):
            returns.create_task(db, command_line_actor(), USER_UNIT)
    finally:
        db.dispose()
    try:
        yield url
    finally:
        drop_pg_database(pg_server, name)


@pytest.fixture
def empty_pg(pg_server: str) -> Iterator[str]:
    url, name = new_pg_database(pg_server)
    try:
        yield url
    finally:
        drop_pg_database(pg_server, name)


def _pg_tasks(url: str) -> set[str]:
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT number FROM return_task")).scalars())
    finally:
        engine.dispose()


def test_postgresql_dump_and_restore_round_trip(
    pg_store: str, empty_pg: str, tmp_path: Path, capsys: Any
) -> None:
    dump = tmp_path / "fanxiu.dump"
    code, out, err = fanxiu(capsys, "--db", pg_store, "backup", "-o", str(dump), "--login", "admin")
    assert code == 0, err
    assert dump.read_bytes().startswith(b"PGDMP")
    open_store(empty_pg).dispose()  # a first start made its tables; nobody used it yet
    code, out, err = fanxiu(capsys, "--db", empty_pg, "restore", str(dump))
    assert "登录 6，单位 7" in out and "返厂任务 3" in out, (out, err)
    assert _pg_tasks(empty_pg) == _pg_tasks(pg_store) and len(_pg_tasks(pg_store)) == 3
    # The restored store works: the next task takes the next number.
    db = open_store(empty_pg)
    try:
        task = returns.create_task(db, command_line_actor(), USER_UNIT)
    finally:
        db.dispose()
    assert task.number.endswith("000004")
    # Not again over what is there now, nor a SQLite backup into PostgreSQL.
    code, _, err = fanxiu(capsys, "--db", empty_pg, "restore", str(dump))
    assert code == 1 and "已经有数据" in err
    assert len(_pg_tasks(empty_pg)) == 4


def test_a_postgresql_backup_taken_while_a_desk_writes_holds_every_task_committed_before_it(
    pg_store: str, empty_pg: str, tmp_path: Path, capsys: Any
) -> None:
    dump = tmp_path / "fanxiu.dump"
    before, after = _backup_while_writing(pg_store, dump, capsys)
    assert set(after) <= _pg_tasks(pg_store)
    code, out, err = fanxiu(capsys, "--db", empty_pg, "restore", str(dump))
    assert code == 0, err
    held = _pg_tasks(empty_pg)
    assert set(before) <= held and len(held) >= 3 + len(before)
    assert held < _pg_tasks(pg_store)


def _without_pg_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH with python but without pg_dump / pg_restore."""
    bare = tmp_path / "bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))


def test_without_pg_dump_the_message_says_what_to_install(
    pg_store: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_pg_tools(monkeypatch, tmp_path)
    dump = tmp_path / "fanxiu.dump"
    code, _, err = fanxiu(capsys, "--db", pg_store, "backup", "-o", str(dump), "--login", "admin")
    assert code == 1
    assert "没有找到 PostgreSQL 的备份工具 pg_dump" in err
    major = backup.server_major(pg_store)  # 15 on Debian 12
    assert f"sudo apt install postgresql-client-{major}" in err
    assert not dump.exists() and not list(tmp_path.glob("*.part"))


def _old_pg_store(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), OLD_REVISION)
    engine.dispose()


def test_postgresql_is_dumped_before_an_upgrade_and_not_upgraded_without_pg_dump(
    empty_pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_pg_store(empty_pg)
    folder = backup.backups_folder(empty_pg)
    path = os.environ["PATH"]
    _without_pg_tools(monkeypatch, tmp_path)
    with pytest.raises(DomainError) as refused:
        open_database(empty_pg)
    assert "升级前须先备份" in refused.value.message and "数据库没有升级" in refused.value.message
    assert f"postgresql-client-{backup.server_major(empty_pg)}" in refused.value.message
    db = open_database(empty_pg, upgrade=False)
    try:
        assert db.current_revision() == OLD_REVISION
    finally:
        db.dispose()

    monkeypatch.setenv("PATH", path)
    db = open_database(empty_pg)
    try:
        assert db.current_revision() == HEAD_REVISION
    finally:
        db.dispose()
    (dump,) = folder.glob(f"*-before-{HEAD_REVISION}.dump")
    # The dump is the store as it was before: revision 0011.
    assert backup._pg_revision(backup.pg_tool("pg_restore", empty_pg), dump) == OLD_REVISION


def test_a_pg_dump_older_than_the_server_says_which_client_to_install(
    pg_store: str, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    old = bin_dir / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n", encoding="utf-8")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    dump = tmp_path / "fanxiu.dump"
    code, _, err = fanxiu(capsys, "--db", pg_store, "backup", "-o", str(dump), "--login", "admin")
    assert code == 1
    major = backup.server_major(pg_store)
    assert f"pg_dump 属于 PostgreSQL 9，服务器是 PostgreSQL {major}" in err
    assert f"请安装 postgresql-client-{major}" in err
    assert not dump.exists()
