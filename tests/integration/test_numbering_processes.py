"""Record numbers stay unique and gap-free with two operating-system processes on one store.

Two desks are two processes, not two threads: each has its own engine, pool and SQLite
connection, and the database alone keeps them apart. Each process creates return tasks in a loop
and, every fifth iteration, takes a number inside a transaction that then rolls back (a form the
clerk cancelled at the last moment). A rolled-back number must be issued again, never skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import drop_pg_database, new_pg_database

REPO = Path(__file__).resolve().parents[2]
ITERATIONS = 50
YEAR = 2026
TODAY = dt.date(YEAR, 6, 1)
USER_UNIT = "某部队"


class _Cancelled(Exception):
    """Raised inside a transaction to roll it back after a number was taken."""


def worker(url: str, iterations: int, offset: int) -> None:
    """One desk: open the store, wait for "go", then create tasks; prints a JSON summary.

    Runs in a child process (see `_start`); every fifth iteration (shifted by `offset`) takes a
    number and rolls it back.
    """
    from app.services.handover import returns
    from app.services.kernel.bootstrap import open_store
    from app.services.kernel.context import command_line_actor
    from app.services.kernel.numbering import issue_number

    db = open_store(url)
    actor = command_line_actor()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")
    rnd = random.Random(offset)
    committed: list[str] = []
    cancelled: list[str] = []
    for i in range(iterations):
        if (i + offset) % 5 == 2:
            try:
                with db.transaction() as session:
                    cancelled.append(issue_number(session, "FX", TODAY.year))
                    raise _Cancelled
            except _Cancelled:
                pass
        else:
            task = returns.create_task(db, actor, USER_UNIT, today=TODAY)
            committed.append(task.number)
        # A clerk does not type 50 tasks back to back: give the other desk a way in between
        # transactions (SQLite's busy handler otherwise lets one writer run away with the lock).
        time.sleep(rnd.uniform(0, 0.02))
    db.dispose()
    print(json.dumps({"committed": committed, "cancelled": cancelled}), flush=True)


def _start(url: str, offset: int) -> subprocess.Popen[str]:
    code = (
        "import sys; from tests.integration.test_numbering_processes import worker; "
        "worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, url, str(ITERATIONS), str(offset)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _run_two_desks(url: str) -> list[dict[str, list[str]]]:
    """Start two worker processes, release them together, return what each reports."""
    procs = [_start(url, offset) for offset in (0, 1)]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.wait(timeout=60)
                pytest.fail(f"worker did not start: {line!r} {proc.stderr.read()}")  # type: ignore[union-attr]
        # Both are connected and idle: let them loose at the same moment.
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"worker failed:\n{err}"
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _check(url: str, reports: list[dict[str, list[str]]]) -> None:
    from sqlalchemy import select

    from app.db import Database
    from app.models.records import RecordCounter
    from app.models.returns import ReturnTask

    committed = [n for r in reports for n in r["committed"]]
    assert all(r["cancelled"] for r in reports), "each desk must have rolled back some numbers"
    n = len(committed)
    assert n == 2 * ITERATIONS - sum(len(r["cancelled"]) for r in reports)

    db = Database(url)
    try:
        with db.reading() as session:
            stored = list(
                session.scalars(select(ReturnTask.number).where(ReturnTask.number.like("FX-%")))
            )
            last_value = session.scalar(
                select(RecordCounter.last_value).where(
                    RecordCounter.prefix == "FX", RecordCounter.year == YEAR
                )
            )
    finally:
        db.dispose()
    expected = [f"FX-{YEAR}-{i:06d}" for i in range(1, n + 1)]
    assert len(stored) == len(set(stored)), "duplicate task numbers"
    # Exactly 1..N: no duplicates, and a rolled-back number was issued again, not skipped.
    assert sorted(stored) == expected
    # What the desks were told they got is what is stored, each number told to one desk only.
    assert sorted(committed) == expected
    assert last_value == n


def _prepare(url: str) -> None:
    """Schema at head, reference data, and the user unit (so only numbers are contended here;
    a unit created by two desks at once is `test_two_desks_add_the_same_new_unit_at_once`)."""
    from app.models.org import UnitKind
    from app.services.admin import masterdata
    from app.services.kernel.bootstrap import open_store
    from app.services.kernel.context import command_line_actor

    db = open_store(url)
    try:
        masterdata.add_unit(db, command_line_actor(), USER_UNIT, UnitKind.user_unit)
    finally:
        db.dispose()


@pytest.fixture
def pg_store(pg_server: str) -> Iterator[str]:
    url, name = new_pg_database(pg_server)
    try:
        _prepare(url)
        yield url
    finally:
        drop_pg_database(pg_server, name)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fanxiu.db'}"
    _prepare(url)
    return url


@pytest.mark.pg
def test_two_processes_on_postgresql_issue_gap_free_numbers(pg_store: str) -> None:
    _check(pg_store, _run_two_desks(pg_store))


def test_two_processes_on_a_sqlite_file_issue_gap_free_numbers(sqlite_store: str) -> None:
    _check(sqlite_store, _run_two_desks(sqlite_store))


def _wait_for_lock_wait(admin_url: str, database: str) -> None:
    """Return once a backend of `database` waits on a lock (the other desk is blocked)."""
    import psycopg

    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        for _ in range(600):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND wait_event_type = 'Lock'",
                (database,),
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    pytest.fail("the second desk never waited for the first one's lock")


@pytest.mark.pg
def test_two_desks_add_the_same_new_unit_at_once(pg_server: str) -> None:
    """Two desks each create a task for a user unit nobody has entered yet: both tasks are made,
    for one unit. Deterministic: desk A has inserted the unit but not committed when desk B
    starts, and A commits only once B is seen waiting on A's lock."""
    from sqlalchemy import func, select

    from app.db import Database
    from app.models.org import Unit
    from app.models.returns import ReturnTask
    from app.services.handover import returns
    from app.services.kernel.bootstrap import open_store
    from app.services.kernel.context import command_line_actor

    url, name = new_pg_database(pg_server)
    desk_a = open_store(url)
    desk_b = Database(url)
    actor = command_line_actor()
    outcome: list[BaseException | str] = []

    def desk_b_creates() -> None:
        try:
            outcome.append(returns.create_task(desk_b, actor, "新来的部队", today=TODAY).number)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    try:
        with desk_a.transaction() as session:
            first = returns.new_task(session, actor, "新来的部队", None, None, "", TODAY).number
            other = threading.Thread(target=desk_b_creates)
            other.start()
            _wait_for_lock_wait(pg_server, name)
        other.join(timeout=60)
        assert outcome, "desk B did not finish"
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        assert sorted([first, outcome[0]]) == [f"FX-{YEAR}-000001", f"FX-{YEAR}-000002"]
        with desk_a.reading() as session:
            units = session.scalar(
                select(func.count()).select_from(Unit).where(Unit.name == "新来的部队")
            )
            tasks = session.scalar(select(func.count()).select_from(ReturnTask))
        assert (units, tasks) == (1, 2)
    finally:
        desk_a.dispose()
        desk_b.dispose()
        drop_pg_database(pg_server, name)
