"""Issue 10: desks sweeping deadlines on one PostgreSQL never queue behind each other; the
command line's sweep still waits its turn so nothing it should issue is skipped."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from app.services.oversight import deadlines
from tests.unit.test_repair_way import at_bench
from tests.unit.test_scrap_and_late_steps import LATE_DAY


@pytest.fixture
def pg_db(db):  # type: ignore[no-untyped-def]
    if db.is_sqlite:
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers itself")
    return db


def test_a_desk_skips_the_sweep_another_desk_is_running(pg_db, org):  # type: ignore[no-untyped-def]
    at_bench(pg_db, org, "L-1")
    holding = threading.Event()
    release = threading.Event()

    def other_desk() -> None:
        with pg_db.engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": deadlines.SWEEP_LOCK})
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=other_desk)
    thread.start()
    try:
        assert holding.wait(10)
        assert deadlines.sweep(pg_db, LATE_DAY, wait=False) == []
        # Skipped while the other desk still holds the sweep, not after its transaction.
        assert thread.is_alive() and not release.is_set()
    finally:
        release.set()
        thread.join()
    # The desk that sweeps next issues what is due; nothing was lost by skipping.
    (cq,) = deadlines.sweep(pg_db, LATE_DAY, wait=False)
    assert cq.startswith("CQ-")
