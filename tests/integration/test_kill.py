"""A desk killed in the middle of a long step leaves the store whole and the step undone.

The process is killed with SIGKILL (no cleanup, no rollback, as when the power goes or Task
Manager ends it) while it is inside the transaction of (a) importing a list of 10,000 rows
(2,000 on PostgreSQL), (b) confirming the handover of a task of 2,000 lines (1,000), (c) a bench
step (a fault localization: the line, its DW record and report) and (d) the deadline sweep issuing
an overdue report for each of 30 lines. To hit the
middle for sure, the child process stops at a chosen statement (an SQLAlchemy cursor event), says
"paused" and waits to be killed; one run per step instead kills it at a random moment after its
transaction began. Every test runs on a SQLite file and on a PostgreSQL database (issue 9).

Afterwards the SQLite file passes `PRAGMA integrity_check`, the PostgreSQL server has ended the
killed desk's session, and the step is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_pg_database, new_pg_database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL needs a POSIX system")

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 1)
# PostgreSQL answers each statement over a socket: smaller steps keep the suite quick on 2 cores.
IMPORT_ROWS = {"sqlite": 10_000, "postgresql": 2_000}
HANDOVER_LINES = {"sqlite": 2_000, "postgresql": 1_000}
USER_UNIT = "某部队"
BACKENDS = ("sqlite", "postgresql")
BENCH_LINES = 30  # lines at the bench, each overdue for localization on LATE_DAY
RECEIVED = dt.date(2026, 9, 22)  # as tests/unit/test_repair_way.py
LOCALIZED = dt.date(2026, 9, 24)  # within the 5 working days
LATE_DAY = dt.date(2026, 10, 13)  # past them: the sweep reports every line (CQ)


# --- the child process ------------------------------------------------------------------------


def _install_pause(engine: object, spec: str) -> None:
    """Make the process stop where `spec` says: "commit" (just before COMMIT is sent),
    "sql:<statement prefix>:<n>" (after the n-th statement with that prefix), or "none"."""
    from sqlalchemy import event

    def pause() -> None:
        print("paused", flush=True)
        time.sleep(300)  # the test kills us here

    def started(_conn: object) -> None:
        print("started", flush=True)

    event.listen(engine, "begin", started)
    kind, _, rest = spec.partition(":")
    if kind == "commit":
        event.listen(engine, "commit", lambda _conn: pause())
    elif kind == "sql":
        prefix, n = rest.rsplit(":", 1)
        seen = [0]

        def after(_c: object, _cur: object, statement: str, *_args: object) -> None:
            if statement.startswith(prefix):
                seen[0] += 1
                if seen[0] == int(n):
                    pause()

        event.listen(engine, "after_cursor_execute", after)
    elif kind != "none":
        raise ValueError(spec)


def _run_step(step: str, db: Any, arg: str, actor: Any) -> str:
    """Do `step` in this process; what it issued, for the "done" line."""
    from app.services.handover import list_import, returns
    from app.services.oversight import deadlines
    from app.services.repair import repairs

    if step == "import":
        result = list_import.import_list(db, actor, arg, user_unit=USER_UNIT, today=TODAY)
        return str(result.task_number)
    if step == "confirm":
        confirmed = returns.confirm_handover(db, actor, int(arg), "张代表", "王敏", today=TODAY)
        return str(confirmed.handover_number)
    if step == "localize":
        return repairs.localize(
            db,
            actor,
            int(arg),
            fault_mode="外观/结构损伤",
            cause_category="运输贮存",
            faulty_part="壳体",
            conclusion="壳体断裂",
            today=LOCALIZED,
        )
    assert step == "sweep", step
    return " ".join(deadlines.sweep(db, LATE_DAY))


def _actor(db: Any, step: str) -> Any:
    """Who does `step`: the engineer for a bench step, the system for the rest."""
    from sqlalchemy import select

    from app.models.org import Unit, User
    from app.services.kernel.auth import actor_for
    from app.services.kernel.context import command_line_actor

    if step != "localize":
        return command_line_actor()
    with db.reading() as session:
        user = session.scalars(select(User).where(User.login == "eng")).one()
        return actor_for(user, session.get(Unit, user.unit_id))


def worker(step: str, url: str, arg: str, spec: str) -> None:
    """The child: run `step` ("import" a list file, "confirm" a task id, "localize" a line id,
    "sweep" the deadlines) on the store at `url`."""
    from app.services.kernel.bootstrap import open_store

    db = open_store(url)
    actor = _actor(db, step)
    _install_pause(db.engine, spec)
    print(f"done {_run_step(step, db, arg, actor)}", flush=True)
    # Stay until killed, so the kill at a random moment never meets a process that has exited.
    time.sleep(300)


# --- the test side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kill:
    spec: str  # where the child stops (see _install_pause)
    before_commit: bool  # the kill certainly lands before COMMIT


class Stores:
    """A prepared store (a template) and the desks' copies of it, on one backend."""

    def __init__(self, backend: str, request: pytest.FixtureRequest, base: Path) -> None:
        self.backend = backend
        self.base = base
        self.made: list[str] = []  # PostgreSQL databases to drop at the end
        if backend == "sqlite":
            self.template_url = f"sqlite:///{base / 'template.db'}"
            self.admin = ""
        else:
            self.admin = request.getfixturevalue("pg_server")
            self.template_url, name = new_pg_database(self.admin)
            self.made.append(name)

    def copy(self, name: str) -> str:
        """A fresh copy of the template for one desk (SQLite: the backup API, never a file
        copy; PostgreSQL: CREATE DATABASE … TEMPLATE)."""
        if self.backend == "sqlite":
            template = Path(self.template_url.removeprefix("sqlite:///"))
            target = self.base / f"{name}.db"
            target.unlink(missing_ok=True)
            src = sqlite3.connect(template)
            dst = sqlite3.connect(target)
            with dst:
                src.backup(dst)
            dst.close()
            src.close()
            return f"sqlite:///{target}"
        url, made = new_pg_database(self.admin, self.template_url.rsplit("/", 1)[1])
        self.made.append(made)
        return url

    def drop(self) -> None:
        for name in self.made:
            drop_pg_database(self.admin, name)


class Checked:
    """The killed desk's store, opened as the next desk would: it is whole.

    SQLite: opened with sqlite3 (recovering the WAL), integrity and foreign keys checked.
    PostgreSQL: the server has ended the killed desk's session (its transaction rolled back).
    """

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
            assert self.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert self.conn.execute("PRAGMA foreign_key_check").fetchall() == []
            return
        import psycopg

        self.conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
        deadline = time.monotonic() + 20
        while self.one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ):
            assert time.monotonic() < deadline, "the killed desk's session lives on"
            time.sleep(0.05)

    def all(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        if self.sqlite:
            args = tuple(p.isoformat() if isinstance(p, dt.date) else p for p in params)
            return list(self.conn.execute(sql, args).fetchall())
        return list(self.conn.execute(sql.replace("?", "%s"), params).fetchall())

    def one(self, sql: str, *params: object) -> Any:
        return self.all(sql, *params)[0][0]

    def counter(self, prefix: str) -> int:
        value = self.one(
            "SELECT coalesce(max(last_value), 0) FROM record_counter WHERE prefix = ? AND year = ?",
            prefix,
            TODAY.year,
        )
        return int(value)

    def close(self) -> None:
        self.conn.close()


def _kill_midway(step: str, url: str, arg: str, kill: Kill, rnd: random.Random) -> str:
    """Run the child until it pauses (or a random moment after it began), SIGKILL it.

    Returns how it went, for messages.
    """
    code = "import sys; from tests.integration.test_kill import worker; worker(*sys.argv[1:5])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, step, url, arg, kill.spec],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    watchdog = threading.Timer(120, proc.kill)  # a child that never pauses must not hang CI
    watchdog.start()
    try:
        assert proc.stdout is not None
        wanted = "started" if kill.spec == "none" else "paused"
        seen: list[str] = []
        while True:
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                pytest.fail(f"child ended before {wanted!r}: {seen} {proc.stderr.read()}")  # type: ignore[union-attr]
            seen.append(line.strip())
            if line.strip() == wanted:
                break
            if line.startswith("done"):
                pytest.fail(f"child finished without stopping at {kill.spec}: {seen}")
        how = kill.spec
        if kill.spec == "none":
            delay = rnd.uniform(0.0, 0.8)
            time.sleep(delay)
            how = f"random, {delay:.2f} s after BEGIN"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        return how
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


# --- (a) import of a 10,000-row list ---------------------------------------------------------

IMPORT_KILLS = (
    Kill("none", False),  # a random moment: before, during or after COMMIT
    Kill("sql:INSERT INTO return_task:1", True),  # the task row, nothing else yet
    # Lines written (an INSERT on SQLite, a COPY on PostgreSQL), their ids read back before the
    # document checks go in.
    Kill("sql:SELECT return_line.id:1", True),
    Kill("commit", True),  # everything written, COMMIT not yet sent
)


@dataclass(frozen=True)
class ImportSetup:
    stores: Stores  # the empty store at head, and the desks' copies
    big: Path  # the list
    rows: int
    audit_before: int  # audit events the empty store already has


@pytest.fixture(scope="module", params=BACKENDS)
def import_setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ImportSetup]:
    from app.services.kernel.bootstrap import open_store
    from tests.support.messy_lists import write_big_list

    backend = request.param
    base = tmp_path_factory.mktemp(f"kill_import_{backend}")
    stores = Stores(backend, request, base)
    try:
        open_store(stores.template_url).dispose()
        rows = IMPORT_ROWS[backend]
        big = write_big_list(base / "big.xlsx", rows)
        checked = Checked(stores.template_url)
        audit_before = int(checked.one("SELECT count(*) FROM audit_event"))
        checked.close()
        yield ImportSetup(stores, big, rows, audit_before)
    finally:
        stores.drop()


def _assert_import_all_or_nothing(url: str, setup: ImportSetup, how: str) -> bool:
    """True when the import is there in full, False when nothing of it is; fails otherwise."""
    conn = Checked(url)
    rows = setup.rows
    try:
        tasks = conn.all("SELECT id, number FROM return_task")
        counts = {
            t: conn.one(f"SELECT count(*) FROM {t}")
            for t in ("return_line", "document_check", "item", "product_model", "audit_event")
        }
        if not tasks:
            assert counts == {
                "return_line": 0,
                "document_check": 0,
                "item": 0,
                "product_model": 0,
                "audit_event": setup.audit_before,
            }, how
            assert conn.one("SELECT count(*) FROM unit WHERE name = ?", USER_UNIT) == 0, how
            assert conn.counter("FX") == 0, how
            return False
        assert len(tasks) == 1, how
        task_id, number = tasks[0]
        assert number == f"FX-{TODAY.year}-000001", how
        assert conn.all(
            "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM return_line"
            " WHERE task_id = ? AND status = 'registered'",
            task_id,
        ) == [(rows, rows, 1, rows)], how
        assert counts["document_check"] == 3 * rows, how
        assert counts["item"] == rows, how
        assert counts["product_model"] == 7, how  # DY-0 .. DY-6
        register = conn.one(
            "SELECT count(*) FROM audit_event WHERE entity = 'return_line' AND action = 'register'",
        )
        assert register == rows, how
        imported = conn.one(
            "SELECT count(*) FROM audit_event"
            " WHERE entity = 'return_task' AND entity_id = ? AND action = 'import'",
            task_id,
        )
        assert imported == 1, how
        assert conn.counter("FX") == 1, how
        return True
    finally:
        conn.close()


def test_import_killed_midway_is_all_or_nothing(import_setup: ImportSetup) -> None:
    from app.services.handover import list_import
    from app.services.kernel.bootstrap import open_store
    from app.services.kernel.context import command_line_actor

    setup = import_setup
    seed = random.randrange(1_000_000)
    rnd = random.Random(seed)
    url = setup.stores.copy("import")
    for i, kill in enumerate(IMPORT_KILLS):
        killed = _kill_midway("import", url, str(setup.big), kill, rnd)
        how = f"import killed at {killed} on {setup.stores.backend} (seed {seed})"
        there = _assert_import_all_or_nothing(url, setup, how)
        if kill.before_commit:
            assert not there, how
        elif there:  # the random kill came after COMMIT: the next kills need a store without it
            url = setup.stores.copy(f"import{i}")
        # Killed before COMMIT, the store is as it was: the next kill meets the same store.

    # The next start on the killed desk's store works and issues the number the kills gave back.
    db = open_store(url)
    try:
        result = list_import.import_list(
            db, command_line_actor(), setup.big, user_unit=USER_UNIT, today=TODAY
        )
    finally:
        db.dispose()
    assert (result.task_number, result.imported) == (f"FX-{TODAY.year}-000001", setup.rows)
    assert _assert_import_all_or_nothing(url, setup, "imported again")


# --- (b) confirming the handover of a 2,000-line task ----------------------------------------


def _confirm_kills(lines: int) -> tuple[Kill, ...]:
    return (
        Kill("none", False),  # a random moment
        Kill("sql:UPDATE return_line:1", True),  # the first line's status written
        Kill(f"sql:UPDATE return_line:{lines // 2}", True),  # half the lines written
        Kill("commit", True),  # every line written, COMMIT not yet sent
    )


@dataclass(frozen=True)
class ConfirmSetup:
    stores: Stores  # a store holding one open task, each line checked and marked to accept
    task_id: int
    lines: int


@pytest.fixture(scope="module", params=BACKENDS)
def confirm_setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConfirmSetup]:
    from sqlalchemy import select, update

    from app.models.org import UnitKind
    from app.models.returns import DocumentCheck, ReturnLine, ReturnTask
    from app.services.admin import masterdata
    from app.services.handover import list_import
    from app.services.kernel.bootstrap import open_store
    from app.services.kernel.context import command_line_actor
    from tests.support.messy_lists import write_big_list

    backend = request.param
    base = tmp_path_factory.mktemp(f"kill_confirm_{backend}")
    stores = Stores(backend, request, base)
    lines = HANDOVER_LINES[backend]
    try:
        db = open_store(stores.template_url)
        try:
            actor = command_line_actor()
            masterdata.add_unit(db, actor, "物资管理部门", UnitKind.materials_dept)
            big = write_big_list(base / "list.xlsx", lines)
            result = list_import.import_list(db, actor, big, user_unit=USER_UNIT, today=TODAY)
            # Checking the lines one by one through the services takes minutes; the bulk path
            # leaves the same data behind: every document present and consistent, every line
            # "accept".
            with db.transaction() as session:
                session.execute(update(DocumentCheck).values(verdict="consistent"))
                session.execute(update(ReturnLine).values(decision="accept"))
            with db.reading() as session:
                task_id = session.scalar(
                    select(ReturnTask.id).where(ReturnTask.number == result.task_number)
                )
        finally:
            db.dispose()
        assert task_id is not None
        yield ConfirmSetup(stores, task_id, lines)
    finally:
        stores.drop()


def _assert_confirm_all_or_nothing(url: str, setup: ConfirmSetup, how: str) -> bool:
    """True when the handover is confirmed in full, False when nothing of it is written."""
    conn = Checked(url)
    task_id, n = setup.task_id, setup.lines
    try:
        status = conn.one("SELECT status FROM return_task WHERE id = ?", task_id)
        lines = dict(
            conn.all(
                "SELECT status, count(*) FROM return_line WHERE task_id = ? GROUP BY status",
                task_id,
            )
        )
        records = conn.all("SELECT id, number FROM handover_record WHERE task_id = ?", task_id)
        record_lines = conn.one("SELECT count(*) FROM handover_record_line")
        accept_events = conn.one(
            "SELECT count(*) FROM audit_event WHERE entity = 'return_line' AND action = 'accept'",
        )
        if status == "open":
            assert lines == {"registered": n}, how
            assert records == [], how
            assert (record_lines, accept_events) == (0, 0), how
            assert conn.one("SELECT count(*) FROM return_line WHERE accepted_on IS NOT NULL") == 0
            assert conn.counter("JJ") == 0, how
            return False
        assert status == "confirmed", how
        assert lines == {"accepted": n}, how
        assert [number for _, number in records] == [f"JJ-{TODAY.year}-000001"], how
        assert (record_lines, accept_events) == (n, n), how
        assert conn.one("SELECT count(*) FROM return_line WHERE accepted_on = ?", TODAY) == n
        assert conn.counter("JJ") == 1, how
        return True
    finally:
        conn.close()


def test_handover_confirmation_killed_midway_is_all_or_nothing(
    confirm_setup: ConfirmSetup,
) -> None:
    from app.services.handover import returns
    from app.services.kernel.bootstrap import open_store
    from app.services.kernel.context import command_line_actor

    setup = confirm_setup
    seed = random.randrange(1_000_000)
    rnd = random.Random(seed)
    url = setup.stores.copy("confirm")
    for i, kill in enumerate(_confirm_kills(setup.lines)):
        killed = _kill_midway("confirm", url, str(setup.task_id), kill, rnd)
        how = f"confirm killed at {killed} on {setup.stores.backend} (seed {seed})"
        there = _assert_confirm_all_or_nothing(url, setup, how)
        if kill.before_commit:
            assert not there, how
        elif there:  # the random kill came after COMMIT: the next kills need a store without it
            url = setup.stores.copy(f"confirm{i}")

    # The clerk confirms again on the killed desk's store: it works, with the number given back.
    db = open_store(url)
    try:
        result = returns.confirm_handover(
            db, command_line_actor(), setup.task_id, "张代表", "王敏", today=TODAY
        )
    finally:
        db.dispose()
    assert (result.handover_number, result.accepted) == (f"JJ-{TODAY.year}-000001", setup.lines)
    assert _assert_confirm_all_or_nothing(url, setup, "confirmed again")


# --- (c) a bench step and (d) the deadline sweep -----------------------------------------------


def _snapshot(url: str) -> dict[str, Any]:
    """What a step changes, ids and times left out (PostgreSQL's sequences move with a kill)."""
    conn = Checked(url)
    try:
        if conn.sqlite:
            tables = [
                t
                for (t,) in conn.all("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not t.startswith("sqlite_")
            ]
        else:
            tables = [
                t
                for (t,) in conn.all(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            ]
        snap: dict[str, Any] = {t: conn.one(f"SELECT count(*) FROM {t}") for t in sorted(tables)}
        snap["counters"] = sorted(conn.all("SELECT prefix, year, last_value FROM record_counter"))
        snap["lines"] = sorted(conn.all("SELECT id, status, localized_on FROM return_line"))
        snap["reports"] = sorted(conn.all("SELECT number, kind FROM report"))
        snap["audit"] = sorted(conn.all("SELECT entity, action FROM audit_event"))
        snap["lines"] = [(i, st, str(day)) for i, st, day in snap["lines"]]
        return snap
    finally:
        conn.close()


@dataclass(frozen=True)
class BenchSetup:
    stores: Stores  # BENCH_LINES lines at the bench, received on RECEIVED, none localized
    line_id: int  # the line the bench step localizes
    before: dict[str, Any]
    after: dict[str, dict[str, Any]]  # each step's store when it ran whole


@pytest.fixture(scope="module", params=BACKENDS)
def bench_setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BenchSetup]:
    from app.services.dispatch import dispatching
    from app.services.kernel.bootstrap import open_store
    from app.services.repair import repairs
    from tests.conftest import Org
    from tests.unit.test_repair_way import accepted_lines

    backend = request.param
    stores = Stores(backend, request, tmp_path_factory.mktemp(f"kill_bench_{backend}"))
    try:
        db = open_store(stores.template_url)
        try:
            org = Org(db)
            ids = accepted_lines(db, org, [("GC-12A", f"K-{i}") for i in range(BENCH_LINES)])
            number = dispatching.dispatch(db, org.clerk, ids, today=RECEIVED).handover_number
            repairs.receive(db, org.engineer, number, "陈工", today=RECEIVED)
            for i, line in enumerate(ids):
                unboxed = repairs.Unboxing(True, True, True, True, True, "李参谋")
                repairs.record_unboxing(db, org.engineer, line, unboxed, today=RECEIVED)
                repairs.write_investigation_plan(
                    db, org.engineer, line, f"PC-{i}", "A", "陈工", today=RECEIVED
                )
        finally:
            db.dispose()
        after = {}
        for step in ("localize", "sweep"):
            url = stores.copy(f"{step}_whole")
            db = open_store(url)
            try:
                _run_step(step, db, str(ids[0]), _actor(db, step))
            finally:
                db.dispose()
            after[step] = _snapshot(url)
        yield BenchSetup(stores, ids[0], _snapshot(stores.template_url), after)
    finally:
        stores.drop()


BENCH_KILLS = {
    "localize": (
        Kill("none", False),
        Kill("sql:UPDATE return_line:1", True),  # the line moved on, nothing else yet
        Kill("sql:INSERT INTO fault_localization:1", True),  # the DW record written
        Kill("sql:INSERT INTO report_recipient:1", True),  # its report going out
        Kill("commit", True),
    ),
    "sweep": (
        Kill("none", False),
        Kill("sql:INSERT INTO report:1", True),  # the first overdue report
        Kill(f"sql:INSERT INTO report:{BENCH_LINES // 2}", True),  # half of them
        Kill("commit", True),
    ),
}


@pytest.mark.parametrize("step", ["localize", "sweep"])
def test_a_bench_step_and_the_sweep_killed_midway_are_all_or_nothing(
    bench_setup: BenchSetup, step: str
) -> None:
    from app.services.kernel.bootstrap import open_store

    setup = bench_setup
    whole = setup.after[step]
    assert whole != setup.before
    seed = random.randrange(1_000_000)
    rnd = random.Random(seed)
    url = setup.stores.copy(step)
    for i, kill in enumerate(BENCH_KILLS[step]):
        killed = _kill_midway(step, url, str(setup.line_id), kill, rnd)
        how = f"{step} killed at {killed} on {setup.stores.backend} (seed {seed})"
        now = _snapshot(url)
        assert now in (setup.before, whole), how
        if kill.before_commit:
            assert now == setup.before, how
        elif now == whole:
            url = setup.stores.copy(f"{step}{i}")
    # The next start on the killed desk's store does the step whole, with the numbers given back.
    db = open_store(url)
    try:
        _run_step(step, db, str(setup.line_id), _actor(db, step))
    finally:
        db.dispose()
    assert _snapshot(url) == whole
