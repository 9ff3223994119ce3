"""The full `fanxiu verify` at 10M audit events, next to the bare hashlib walk (issue 9).

Builds a store whose audit trail holds N chained events (bulk, with sqlite3 / psycopg COPY,
outside the ORM, hashed as app/services/kernel/chain.py hashes them), then times:
- verify: `chain.verify_store(db)`, what `fanxiu verify` runs (chain + number series + states);
- bare: the same events read with the bare driver in seq order, each hashed with json + hashlib
  and compared, nothing else (the floor for this hash format).

    .venv/bin/python -m bench.verify_chain --events 10000000           # SQLite under /tmp
    .venv/bin/python -m bench.verify_chain --events 1000000 \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/fanxiu_bench_chain
    (--reuse keeps a store already built with as many events)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.db import Database
from app.services.kernel import chain
from app.services.kernel.bootstrap import open_store

BENCH_DIR = Path(os.environ.get("FANXIU_BENCH_DIR", "/tmp/fanxiu-bench"))
CHUNK = 100_000
ACTORS = ["王敏", "赵总", "陈工", "刘检", "孙工", "命令行 (bench)"]
ACTIONS = ["register", "document_certificate", "decide", "accept", "dispatch", "unbox", "localize"]
COLUMNS = (
    "at, actor_user_id, actor_name, entity, entity_id, action, old_value, new_value, reason,"
    " state, seq, prev_hash, hash"
)


def _events(n: int, seed: int = 20261129) -> Iterator[tuple[Any, ...]]:
    """N sealed events in chain order, as rows of COLUMNS (at as the stored text)."""
    rng = random.Random(seed)
    at = dt.datetime(2019, 1, 1)
    step = dt.timedelta(seconds=(8 * 365 * 86400) / max(n, 1))
    prev = chain.GENESIS
    for seq in range(1, n + 1):
        at += step
        at_text = at.strftime("%Y-%m-%d %H:%M:%S.%f")
        line = rng.randrange(1, n // 10 + 2)
        action = ACTIONS[seq % len(ACTIONS)]
        new = f"FX-{at.year}-{line % 999_999 + 1:06d} GC-12A/GC12A-{line:07d}"
        row = (at_text, None, ACTORS[seq % len(ACTORS)], "item", line, action, "", new, "", "")
        digest = chain.event_hash(seq, prev, *row)
        yield (*row, seq, prev, digest)
        prev = digest


def _sqlite_build(path: str, n: int) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    last: tuple[Any, ...] | None = None
    rows = _events(n)
    while True:
        chunk = [r for _, r in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            break
        with con:
            con.executemany(
                f"INSERT INTO audit_event ({COLUMNS}) VALUES ({', '.join('?' * 13)})", chunk
            )
        last = chunk[-1]
        print(f"  {last[10]:,} events", file=sys.stderr, end="\r")
    assert last is not None
    with con:
        con.execute("UPDATE audit_chain_head SET last_seq = ?, last_hash = ?", (last[10], last[12]))
    con.close()


def _pg_build(url: str, n: int) -> None:
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as con:
        last: tuple[Any, ...] | None = None
        with con.cursor() as cur, cur.copy(f"COPY audit_event ({COLUMNS}) FROM STDIN") as copy:
            for last in _events(n):
                copy.write_row(last)
                if last[10] % CHUNK == 0:
                    print(f"  {last[10]:,} events", file=sys.stderr, end="\r")
        assert last is not None
        con.execute(
            "UPDATE audit_chain_head SET last_seq = %s, last_hash = %s", (last[10], last[12])
        )
        con.execute("ANALYZE audit_event")


def build(url: str, n: int, reuse: bool) -> Database:
    db = open_store(url)
    with db.engine.connect() as conn:
        have = conn.exec_driver_sql("SELECT count(*) FROM audit_event").scalar() or 0
    if reuse and have == n:
        return db
    if have:
        raise SystemExit(f"{url} already holds {have:,} events: give an empty store (or --reuse)")
    started = time.monotonic()
    print(f"building {n:,} chained events …", file=sys.stderr)
    if db.is_sqlite:
        _sqlite_build(make_url(url).database or "", n)
    else:
        _pg_build(url, n)
    print(f"\nbuilt in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return db


def bare_walk(db: Database) -> tuple[int, float]:
    """The events in seq order through the bare driver, each hashed and compared."""
    started = time.monotonic()
    sha256, dumps = hashlib.sha256, json.dumps
    raw: Any = db.engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        cur = dbapi.cursor(name="bare_walk") if not db.is_sqlite else dbapi.cursor()
        if not db.is_sqlite:
            cur.itersize = 20_000
        cur.execute(
            "SELECT seq, prev_hash, hash, at, actor_user_id, actor_name, entity, entity_id,"
            " action, old_value, new_value, reason, state FROM audit_event ORDER BY seq"
        )
        prev, bad, n = chain.GENESIS, 0, 0
        for seq, prev_hash, stored, at, uid, name, ent, eid, act, old, new, why, st in cur:
            if not isinstance(at, str):
                at = at.strftime("%Y-%m-%d %H:%M:%S.%f")
            payload = dumps(
                [seq, prev_hash, at, uid, name, ent, eid, act, old, new, why, st],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            if prev_hash != prev or sha256(payload.encode()).hexdigest() != stored:
                bad += 1
            prev = stored
            n += 1
        cur.close()
        assert bad == 0, f"{bad} events do not verify"
    finally:
        raw.rollback()
        raw.close()
    return n, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--db", help="store URL (default: a SQLite file under /tmp/fanxiu-bench)")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of each (default 2)")
    args = parser.parse_args(argv)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{BENCH_DIR / f'chain-{args.events}.db'}"
    db = build(url, args.events, args.reuse)
    results: dict[str, Any] = {"events": args.events, "backend": db.engine.dialect.name}
    verify_s, bare_s = [], []
    for _ in range(args.rounds):  # taking turns: machine load touches both alike
        report = chain.verify_store(db)
        assert report.ok and report.events == args.events, report.summary()
        verify_s.append(report.seconds)
        n, seconds = bare_walk(db)
        assert n == args.events
        bare_s.append(seconds)
    results.update(
        verify_s=min(verify_s),
        bare_s=min(bare_s),
        ratio=round(min(verify_s) / min(bare_s), 2),
        verify_events_per_s=round(args.events / min(verify_s)),
        load=os.getloadavg(),
    )
    print(json.dumps(results))
    print(
        f"{args.events:,} events ({results['backend']}): verify {results['verify_s']:.1f} s, "
        f"bare hashlib walk {results['bare_s']:.1f} s (×{results['ratio']}), "
        f"{results['verify_events_per_s']:,} events/s",
        file=sys.stderr,
    )
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
