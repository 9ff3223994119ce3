"""Time what users feel on a big store, each beside the bare library doing the same work.

Run by hand, never by CI (it builds or reuses a store of `--lines` return lines first):

    .venv/bin/python -m bench.run --lines 100000 --reuse
    .venv/bin/python -m bench.run --lines 1000000 --reuse --json > /tmp/fanxiu-bench/1m.json
    .venv/bin/python -m bench.run --db postgresql+psycopg://postgres@127.0.0.1:5432/fanxiu_bench

Service timings run in this process; the window's run in child processes with
QT_QPA_PLATFORM=offscreen (see bench/gui.py). Every timing is warm: a few unmeasured calls first,
then median and p95 of many. The store is put back as it was after the timings that write
(imports, the scripted session): rows past the ids it had are deleted, the counters restored.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import bare, children, pages
from bench.generate import (
    BENCH_DIR,
    CLERK_LOGIN,
    PASSWORD,
    add_store_args,
    default_url,
    is_sqlite,
    prepare,
    spec_from,
)

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = (
    "scan",
    "page",
    "tasks",
    "pdf",
    "import",
    "dashboard",
    "gui",
    "start",
    "session",
    "pages",
    "flow",
)
START_BUDGET_S = 240.0  # window starts: stop spawning after this (a slow start page)
# Tables a timing may add rows to, children first (the order rows are deleted in).
RESTORE_TABLES = (
    "service_event",
    "audit_event",
    "report_line",
    "report_recipient",
    "report",
    "handover_record_line",
    "handover_record",
    "document_check",
    "return_line",
    "item",
    "kit_set",
    "return_task",
    "product_model",
    "unit",
)
# Rows the whole-way session (bench/flow.py) changes in place, not only adds: every row a step
# of the way may move (lines not finished, their document checks and kept deadlines, tasks and
# kit sets not closed), kept before it and put back after. (table, key columns, which rows)
LIVE_LINES = "status NOT IN ('closed', 'rejected', 'scrapped')"
WAY_ROWS = (
    ("return_task", ("id",), "status <> 'closed'"),
    ("kit_set", ("id",), "status <> 'closed'"),
    ("return_line", ("id",), LIVE_LINES),
    ("document_check", ("id",), f"line_id IN (SELECT id FROM return_line WHERE {LIVE_LINES})"),
    (
        "line_clock",
        ("line_id", "rule"),
        f"line_id IN (SELECT id FROM return_line WHERE {LIVE_LINES})",
    ),
)


@dataclass
class Timing:
    """One row of the table: the program's samples beside the bare library's, in seconds."""

    name: str
    samples: list[float]
    bare: list[float] = field(default_factory=list)
    target_ms: float | None = None
    note: str = ""
    # Judged on the median unless told otherwise (the session's longest block is one number).
    judge: str = "median"
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples, 95) * 1000

    @property
    def bare_ms(self) -> float | None:
        return statistics.median(self.bare) * 1000 if self.bare else None

    @property
    def ratio(self) -> float | None:
        b = self.bare_ms
        return self.median_ms / b if b else None

    @property
    def value_ms(self) -> float:
        return max(self.samples) * 1000 if self.judge == "max" else self.median_ms

    @property
    def passed(self) -> bool | None:
        return None if self.target_ms is None else self.value_ms <= self.target_ms

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.name,
            "median_ms": round(self.median_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "max_ms": round(max(self.samples) * 1000, 3),
            "n": len(self.samples),
            "bare_median_ms": None if self.bare_ms is None else round(self.bare_ms, 3),
            "bare_n": len(self.bare),
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "target_ms": self.target_ms,
            "judged_on": self.judge,
            "passed": self.passed,
            "note": self.note,
            "details": self.details,
        }


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(
    fn: Callable[[int], object],
    reps: int,
    warm: int = 5,
    after: Callable[[], object] | None = None,
) -> list[float]:
    """Seconds per call of fn(i), after `warm` unmeasured calls; `after` runs untimed each time."""
    for i in range(warm):
        fn(i)
        if after:
            after()
    samples = []
    for i in range(reps):
        t0 = time.perf_counter()
        fn(warm + i)
        samples.append(time.perf_counter() - t0)
        if after:
            after()
    return samples


def paired(
    fn: Callable[[int], object],
    raw: Callable[[int], object],
    reps: int,
    warm: int = 5,
    after: Callable[[], object] | None = None,
) -> tuple[list[float], list[float]]:
    """Like `timed` for the program and the bare library, call by call in turn, so both see
    the same load (other work on a 2-core machine moves absolute times, not the ratio)."""
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(warm + reps):
        for f, out in ((fn, ours), (raw, theirs)):
            t0 = time.perf_counter()
            f(i)
            if i >= warm:
                out.append(time.perf_counter() - t0)
            if after:
                after()
    return ours, theirs


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the machine ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What ran the benchmark: cores, CPU, RAM, Python and library versions."""
    import sqlite3

    import PySide6
    import reportlab
    import sqlalchemy

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "ram_gib": round(ram / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "pyside6": PySide6.__version__,
        "reportlab": reportlab.Version,
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


# --- what to time on ---------------------------------------------------------------------------


@dataclass
class Samples:
    """Rows of the store the timings use, found once with bare queries."""

    open_task_id: int
    open_task_number: str
    open_lines: list[tuple[int, str]]  # line id, serial
    other_open_tasks: list[int]
    record_number: str  # JJ number of a confirmed 30-line task
    record_task_id: int
    max_line_id: int
    model_codes: list[str]


def find_samples(db: bare.BareDB) -> Samples:
    open_tasks = [r[0] for r in db.all("SELECT id FROM return_task WHERE status = 'open'")]
    sizes = {
        t: int(db.one("SELECT count(*) FROM return_line WHERE task_id = ?", (t,)))
        for t in open_tasks
    }
    biggest = max(open_tasks, key=lambda t: sizes[t])
    lines = [
        (int(r[0]), str(r[1]))
        for r in db.all(
            "SELECT l.id, i.serial_no FROM return_line l JOIN item i ON i.id = l.item_id"
            " WHERE l.task_id = ? ORDER BY l.seq",
            (biggest,),
        )
    ]
    record = None
    for (task_id,) in db.all(
        "SELECT id FROM return_task WHERE status = 'confirmed' ORDER BY id DESC LIMIT 5000"
    ):
        if db.one("SELECT count(*) FROM return_line WHERE task_id = ?", (task_id,)) == 30:
            number = db.one("SELECT number FROM handover_record WHERE task_id = ?", (task_id,))
            record = (str(number), int(task_id))
            break
    assert record is not None, "no confirmed task of 30 lines"
    return Samples(
        open_task_id=biggest,
        open_task_number=str(db.one("SELECT number FROM return_task WHERE id = ?", (biggest,))),
        open_lines=lines,
        other_open_tasks=[t for t in open_tasks if t != biggest],
        record_number=record[0],
        record_task_id=record[1],
        max_line_id=int(db.one("SELECT max(id) FROM return_line")),
        model_codes=[str(r[0]) for r in db.all("SELECT code FROM product_model ORDER BY id")],
    )


@dataclass
class Snapshot:
    max_ids: dict[str, int]
    counters: list[tuple[Any, ...]]
    # WAY_ROWS as they were (table → its columns and rows), when the timing changes rows in place
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)


def snapshot(db: bare.BareDB, way: bool = False) -> Snapshot:
    """What restore() needs: the newest id of each table, the counters, and with `way` the
    rows a step of the way may change in place."""
    rows = {}
    for table, _key, where in WAY_ROWS if way else ():
        cur = db.conn.execute(f"SELECT * FROM {table} WHERE {where}")  # noqa: S608
        rows[table] = ([d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()])
    return Snapshot(
        {t: int(db.one(f"SELECT coalesce(max(id), 0) FROM {t}")) for t in RESTORE_TABLES},
        db.all("SELECT prefix, year, last_value FROM record_counter"),
        rows,
    )


def restore(db: bare.BareDB, snap: Snapshot) -> None:
    """Delete the rows added since `snap` and put the record counters back.

    The store's triggers refuse to delete audit events and issued records (issue 9): the bench
    alone, on its throwaway store, lifts them inside its own transaction (PostgreSQL: replica
    mode for this transaction; SQLite: the triggers dropped and made again before COMMIT)."""
    db.begin()
    triggers: list[tuple[Any, ...]] = []
    if db.sqlite:
        triggers = db.all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        for name, _sql in triggers:
            db.conn.execute(f'DROP TRIGGER "{name}"')
    else:
        db.conn.execute("SET LOCAL session_replication_role = replica")
    _put_back(db, snap)
    # The kept deadlines of lines added since (no id of their own), before their lines go.
    db.conn.execute(
        f"DELETE FROM line_clock WHERE line_id > {int(snap.max_ids['return_line'])}"  # noqa: S608
    )
    for table in RESTORE_TABLES:
        db.conn.execute(
            f"DELETE FROM {table} WHERE id > {int(snap.max_ids[table])}"  # noqa: S608
        )
    if "audit_chain_head" in {t for (t,) in _tables(db)}:
        _rewind_chain(db)
    db.conn.execute("DELETE FROM record_counter")
    db.many("INSERT INTO record_counter (prefix, year, last_value) VALUES (?, ?, ?)", snap.counters)
    for _name, sql in triggers:
        db.conn.execute(sql)
    db.commit()


def _put_back(db: bare.BareDB, snap: Snapshot) -> None:
    """The rows of WAY_ROWS kept in `snap` as they were: a row changed since is written back
    (a kept deadline is deleted and inserted again); one added since is deleted by restore."""
    for table, key, _where in WAY_ROWS:
        if table not in snap.rows:
            continue
        columns, saved = snap.rows[table]
        at = [columns.index(k) for k in key]
        kept = {tuple(r[i] for i in at): r for r in saved}
        now: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        first = key[0]
        # A kept deadline may have been added since to any line kept (none kept for it before).
        lines = snap.rows["return_line"][1] if first == "line_id" else saved
        ids = sorted({r[0] for r in lines} if first == "line_id" else {k[0] for k in kept})
        for start in range(0, len(ids), 500):
            chunk = ",".join(str(int(i)) for i in ids[start : start + 500])
            for r in db.all(f"SELECT * FROM {table} WHERE {first} IN ({chunk})"):  # noqa: S608
                now[tuple(r[i] for i in at)] = tuple(r)
        changed = [r for k, r in kept.items() if now.get(k) != r]
        if len(key) == 1:
            sets = ", ".join(f"{c} = ?" for c in columns if c != first)
            db.many(
                f"UPDATE {table} SET {sets} WHERE {first} = ?",  # noqa: S608
                [
                    tuple(v for c, v in zip(columns, r, strict=True) if c != first) + (r[at[0]],)
                    for r in changed
                ],
            )
            continue
        gone = [k for k in now if k not in kept] + [k for k, r in kept.items() if now.get(k) != r]
        match = " AND ".join(f"{k} = ?" for k in key)
        db.many(f"DELETE FROM {table} WHERE {match}", gone)  # noqa: S608
        marks = ", ".join("?" for _ in columns)
        db.many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", changed)  # noqa: S608


def _tables(db: bare.BareDB) -> list[tuple[Any, ...]]:
    if db.sqlite:
        return db.all("SELECT name FROM sqlite_master WHERE type = 'table'")
    return db.all("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


def _rewind_chain(db: bare.BareDB) -> None:
    """The chain's head back on the newest event kept, so the next event links to it."""
    last = db.all(
        "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    )
    if last:
        db.conn.execute(
            f"UPDATE audit_chain_head SET last_seq = {int(last[0][0])}, "  # noqa: S608
            f"last_hash = '{last[0][1]}' WHERE id = 1"
        )


# --- service timings ---------------------------------------------------------------------------


class Bench:
    """The store, a clerk's login, a bare connection and the sample rows."""

    def __init__(self, url: str, reps: float, profile_dir: Path | None) -> None:
        from app.services.kernel import auth
        from app.services.kernel.bootstrap import open_store

        self.url = url
        self.db = open_store(url)
        self.actor = auth.login(self.db, CLERK_LOGIN, PASSWORD)
        self.bare = bare.BareDB(url)
        self.samples = find_samples(self.bare)
        self.scale = reps
        self.profile_dir = profile_dir

    def reps(self, n: int) -> int:
        return max(3, round(n * self.scale))

    def profile(self, name: str, fn: Callable[[int], object], calls: int = 50) -> None:
        """cProfile `calls` calls of fn into PROFILE_DIR/name.txt (top 30 by cumulative time)."""
        if self.profile_dir is None:
            return
        prof = cProfile.Profile()
        prof.enable()
        for i in range(calls):
            fn(i)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        (self.profile_dir / f"{name}.txt").write_text(out.getvalue())
        log(f"  profile written to {self.profile_dir / f'{name}.txt'}")

    def scan(self) -> list[Timing]:
        from app.services.handover import returns

        s = self.samples
        lines = s.open_lines

        def service(i: int) -> None:
            line_id, serial = lines[i % len(lines)]
            result = returns.scan(self.db, self.actor, s.open_task_id, serial)
            assert result.kind == "line" and result.line and result.line.id == line_id, result

        def raw(i: int) -> None:
            line_id, serial = lines[i % len(lines)]
            line, docs = bare.scan_line(self.bare, s.open_task_id, serial)
            assert line[0] == line_id and len(docs) == 3

        n = self.reps(300)
        timing = Timing(
            "scan → line (service)",
            *paired(service, raw, n),
            target_ms=None,
            note=f"returns.scan on open task {s.open_task_number} ({len(lines)} lines); "
            "bare: sqlite3/psycopg line + 3 document checks by serial",
        )
        self.profile("scan", service, 200)
        return [timing]

    def page(self) -> list[Timing]:
        from app.services.handover import returns

        top = self.samples.max_line_id
        # Deep in the table: anchors in the oldest fifth of the lines (newest first).
        anchors = [max(300, top // 5 - 997 * i) for i in range(1000)]

        def service(i: int) -> None:
            rows = returns.page_lines(self.db, after=anchors[i % len(anchors)], limit=200)
            assert len(rows) == 200

        def raw(i: int) -> None:
            rows = bare.page_lines(self.bare, anchors[i % len(anchors)], 200)
            assert len(rows) == 200

        def by_status(i: int) -> None:
            rows = returns.page_lines(self.db, limit=200, status="in_repair")
            assert rows

        n = self.reps(200)
        self.profile("page_lines", service, 100)
        return [
            Timing(
                "page of 200 lines, deep (service)",
                *paired(service, raw, n),
                note=f"returns.page_lines(after≈{top // 5:,}) keyset, newest first",
            ),
            Timing(
                "page of 200 lines, one state (service)",
                timed(by_status, self.reps(100)),
                note="returns.page_lines(status='in_repair'), first page; no bare",
            ),
        ]

    def dashboard(self) -> list[Timing]:
        """工作台, the window's start page and every desk's reminder: the kept due dates read in
        SQL (issue 10); bare: the same three reads of line_clock with the driver alone."""
        from app.services.kernel.context import local_today
        from app.services.oversight import clock_board, dashboard
        from app.services.way_back import kitting

        today = local_today()
        parts: dict[str, float] = {}
        for name, fn in (
            ("deadline_board", lambda: clock_board.deadline_board(self.db, today)),
            ("kit_deadline_rows", lambda: kitting.kit_deadline_rows(self.db)),
        ):
            t0 = time.perf_counter()
            fn()
            parts[f"{name}_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        log(f"    dashboard parts: {parts}")
        soon = (today + dt.timedelta(days=7)).isoformat()
        joined = (
            "FROM line_clock c JOIN return_line l ON l.id = c.line_id "
            "JOIN return_task t ON t.id = l.task_id JOIN item i ON i.id = l.item_id "
            "JOIN product_model m ON m.id = i.model_id WHERE c.stopped_on IS NULL"
        )

        def bare_board(_i: int) -> None:
            self.bare.all(
                f"SELECT c.line_id, c.rule, c.due_on, t.number, m.code {joined} AND c.due_on <= ?",
                [soon],
            )
            self.bare.all(
                f"SELECT c.line_id, c.rule, c.due_on, t.number, m.code {joined} AND c.due_on > ? "
                "ORDER BY c.due_on, c.line_id LIMIT 200",
                [soon],
            )
            self.bare.one(
                "SELECT count(*) FROM line_clock WHERE stopped_on IS NULL AND due_on > ?", [soon]
            )

        def service(_i: int) -> None:
            dashboard.dashboard(self.db, self.actor)

        ours, theirs = paired(service, bare_board, self.reps(20), 3)
        return [
            Timing(
                "工作台 dashboard data (service)",
                ours,
                theirs,
                target_ms=50,
                note="dashboard.dashboard(clerk): overdue and due soon selected by the kept due "
                "dates, running ones counted, open work by stage and unit, unread reports; "
                "bare: the clocks' three reads alone",
                details=parts,
            )
        ]

    def tasks(self) -> list[Timing]:
        from app.services.handover import returns

        first = returns.list_tasks(self.db, limit=200)
        deep_anchor = first[-1].id // 2

        def service_first(_i: int) -> None:
            assert len(returns.list_tasks(self.db, limit=200)) == 200

        def raw_first(_i: int) -> None:
            assert len(bare.list_tasks(self.bare, None, 200)) == 200

        def service_deep(_i: int) -> None:
            assert len(returns.list_tasks(self.db, before_id=deep_anchor, limit=200)) == 200

        def raw_deep(_i: int) -> None:
            assert len(bare.list_tasks(self.bare, deep_anchor, 200)) == 200

        n = self.reps(30)
        self.profile("list_tasks", service_first, 10)
        note = "bare: same rows, line count by a correlated count(*) per task"
        return [
            Timing(
                "task list, first page of 200 (service)",
                *paired(service_first, raw_first, n, warm=2),
                target_ms=35,
                note="returns.list_tasks(); " + note,
            ),
            Timing(
                "task list, page deep (service)",
                *paired(service_deep, raw_deep, n, warm=2),
                target_ms=35,
                note=f"returns.list_tasks(before_id={deep_anchor}); " + note,
            ),
        ]

    def pdf(self) -> list[Timing]:
        from app.services.records import printing

        number = self.samples.record_number
        rows = bare.task_lines(self.bare, self.samples.record_task_id)
        page_lines = [(f"{r[4]}/{r[7]}", str(r[5]), str(r[8])) for r in rows]
        assert len(page_lines) == 30

        def service(_i: int) -> None:
            pdf = printing.render_record(self.db, number)
            assert pdf.startswith(b"%PDF")

        def raw(_i: int) -> None:
            assert bare.pdf_page(number, page_lines).startswith(b"%PDF")

        n = self.reps(60)
        self.profile("render_record", service, 30)
        return [
            Timing(
                "handover record PDF, 30 lines (service)",
                *paired(service, raw, n, warm=3),
                target_ms=80,
                note=f"printing.render_record({number}); bare: one canvas page, "
                "31 Code128, CJK text (data not read)",
            )
        ]

    def import_list(self) -> list[Timing]:
        from app.services.handover import list_import
        from tests.support.messy_lists import write_big_list

        path = BENCH_DIR / "big-list-10000.xlsx"
        if not path.is_file():
            BENCH_DIR.mkdir(parents=True, exist_ok=True)
            write_big_list(path, 10_000)
        snap = snapshot(self.bare)

        def service(_i: int) -> None:
            result = list_import.import_list(self.db, self.actor, path, user_unit="某部队修理所01")
            assert result.task_number and result.imported == 10_000, result

        def raw(_i: int) -> None:
            bare_import(self.bare, path)

        def put_back() -> None:
            restore(self.bare, snap)

        n = self.reps(5)
        if self.profile_dir is not None:
            self.profile("import_list", service, 1)
            put_back()
        return [
            Timing(
                "import 10,000-row list (service)",
                *paired(service, raw, n, warm=1, after=put_back),
                target_ms=2000,
                note="list_import.import_list of write_big_list(10000) into the big store; "
                "bare: calamine read + executemany of task, items, lines, checks, audit",
            )
        ]


def bare_import(db: bare.BareDB, path: Path) -> None:
    """The same rows as an import of `path`, with python-calamine and executemany, one commit."""
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    rows = []
    for r in sheet[2:]:
        serial = r[4]
        serial = str(int(serial)) if isinstance(serial, float) else str(serial)
        rows.append((str(r[2]), serial, str(r[1]), str(r[3]), str(r[6]), str(r[7] or "")))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    db.begin()
    next_id = {
        t: int(db.one(f"SELECT coalesce(max(id), 0) FROM {t}")) + 1
        for t in (
            "return_task",
            "item",
            "return_line",
            "document_check",
            "audit_event",
            "product_model",
        )
    }
    models = dict(db.all("SELECT code, id FROM product_model"))
    for code, _serial, name, drawing, _fault, _remark in rows:
        if code not in models:
            models[code] = next_id["product_model"]
            next_id["product_model"] += 1
            db.many(
                "INSERT INTO product_model (id, code, name, drawing_no, level, from_import,"
                " created_at) VALUES (?, ?, ?, ?, 'unit', ?, ?)",
                [(models[code], code, name, drawing, True, now)],
            )
    task_id = next_id["return_task"]
    unit_id = db.one("SELECT id FROM unit WHERE kind = 'user_unit' ORDER BY id")
    db.many(
        "INSERT INTO return_task (id, number, user_unit_id, status, source, list_title,"
        " user_rep_name, clerk_name, created_at, version) VALUES (?, ?, ?, 'open', ?, ?, '', '', ?, 1)",
        [(task_id, f"FX-BARE-{task_id}", unit_id, "导入", "清单", now)],
    )
    item0, line0 = next_id["item"], next_id["return_line"]
    db.many(
        "INSERT INTO item (id, model_id, serial_no, created_at) VALUES (?, ?, ?, ?)",
        [(item0 + i, models[r[0]], r[1], now) for i, r in enumerate(rows)],
    )
    db.many(
        "INSERT INTO return_line (id, task_id, item_id, seq, fault_description, remark,"
        " source_row, status, reject_reason, dispatch_late_reason, created_at, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'registered', '', '', ?, 1)",
        [
            (line0 + i, task_id, item0 + i, i + 1, r[4], r[5], i + 3, now)
            for i, r in enumerate(rows)
        ],
    )
    doc0 = next_id["document_check"]
    kinds = ("certificate", "fault_report", "packing_list")
    db.many(
        "INSERT INTO document_check (id, line_id, kind, note) VALUES (?, ?, ?, '')",
        [
            (
                doc0 + 3 * i + k,
                line0 + i,
                kinds[k],
            )
            for i in range(len(rows))
            for k in range(3)
        ],
    )
    audit0 = next_id["audit_event"]
    db.many(
        "INSERT INTO audit_event (id, at, actor_name, entity, entity_id, action, old_value,"
        " new_value, reason) VALUES (?, ?, 'bench', 'return_line', ?, 'register', '', ?, ?)",
        [
            (audit0 + i, now, line0 + i, f"{r[0]}/{r[1]}", f"清单第 {i + 3} 行")
            for i, r in enumerate(rows)
        ],
    )
    db.commit()


# --- the window (child processes) --------------------------------------------------------------


def child_env() -> dict[str, str]:
    """Offscreen Qt, a throwaway data dir, and byte code cached (in /tmp) as an installed program
    has it: this shell sets PYTHONDONTWRITEBYTECODE, which makes every start compile app/ anew."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FANXIU_DATA_DIR=str(BENCH_DIR / "home"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(BENCH_DIR / "pycache")
    return env


def run_child(
    mode: str, url: str, payload: dict[str, Any], timeout: float = 900, module: str = "bench.gui"
) -> dict[str, Any]:
    """Run bench.gui (or `module`) in a fresh process offscreen; its last stdout line is its
    JSON answer."""
    proc = children.run_module(
        module, [mode, url, json.dumps(payload)], child_env(), timeout, f"gui-{mode}"
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def gui_timings(b: Bench) -> list[Timing]:
    s = b.samples
    snap = snapshot(b.bare)
    try:
        out = run_child(
            "window",
            b.url,
            {
                "samples": dataclasses.asdict(s),
                "reps": b.reps(200),
                "page_reps": b.reps(100),
            },
        )
    finally:
        restore(b.bare, snap)
    return [
        Timing(
            "scan → line shown in window",
            out["scan"],
            out["scan_bare"],
            target_ms=15,
            note="keyClicks + Return into the desk's scan field → line selected, "
            "processEvents; bare: QLineEdit + QTableView, sqlite3 lookup",
        ),
        Timing(
            "scan → line shown, full window.repaint()",
            out["scan_repaint"],
            out["scan_repaint_bare"],
            note="the same with a forced repaint of the whole window (upper bound)",
        ),
        Timing(
            "page of lines into the window",
            out["page"],
            out["page_bare"],
            target_ms=35,
            note="返修产品: scrollToBottom (the view's fetchMore → page_lines) + processEvents; "
            "bare: sqlite3 keyset page into a QAbstractTableModel",
            details={k: out[k] for k in ("pages_per_scroll", "dialogs")},
        ),
    ]


def start_timings(b: Bench) -> list[Timing]:
    n = max(3, round(7 * b.scale))
    program: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    began = time.perf_counter()
    for i in range(n + 1):
        if len(program) >= 2 and time.perf_counter() - began > START_BUDGET_S:
            log(f"    start: stopping after {len(program)} runs (budget {START_BUDGET_S:.0f} s)")
            break
        run = start_child(b.url, "program")
        base = start_child(b.url, "bare")
        if i:  # the first pair warms the disk cache
            program.append(run)
            plain.append(base)
        log(f"    start {i}: program {run}  bare {base}")
    login = statistics.median(r.get("login", 0.0) for r in program) * 1000
    after_login = [r["data"] - r["accepted"] for r in program if "accepted" in r]
    phases = {
        k: round(statistics.median(r[k] for r in program) * 1000, 1)
        for k in program[0]
        if k not in ("paint", "data")
    }
    return [
        Timing(
            "window start → first paint",
            [r["paint"] for r in program],
            [r["paint"] for r in plain],
            target_ms=500,
            note="spawn → the shell's first paint (app.cli.main, as `fanxiu` starts); "
            "bare: QMainWindow + QTableView painted",
        ),
        Timing(
            "window start → first data shown",
            [r["data"] for r in program],
            [r["data"] for r in plain],
            target_ms=1000,
            note=f"spawn → the start page painted with its data (工作台; older windows: the task "
            f"list), login answered by script (argon2 check {login:.0f} ms incl.); "
            "bare: + sqlite3 first page of tasks",
            details={"phases_ms_median": phases},
        ),
        Timing(
            "login accepted → first data shown",
            after_login,
            target_ms=500,
            note="the password checked (the login dialog answered by script) → the start page "
            "painted with its data: the main window built, the dashboard read",
        ),
    ]


def start_child(url: str, mode: str) -> dict[str, float]:
    t0 = time.time()
    proc = children.run_module("bench.start", [mode, url, repr(t0)], child_env(), 600, "start")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench.start {mode} printed no marks:\n{proc.stderr[-4000:]}")
    marks = json.loads(lines[-1])
    # Wall-clock marks become seconds since spawn; "login" is already a duration.
    return {k: (v if k == "login" else v - t0) for k, v in marks.items()}


def session_timings(b: Bench) -> list[Timing]:
    snap = snapshot(b.bare)
    try:
        out = run_child("session", b.url, {"samples": dataclasses.asdict(b.samples), "scans": 100})
    finally:
        restore(b.bare, snap)
    slow = ", ".join(f"{name} {ms:.0f} ms" for name, ms in out["slowest_steps"][:4])
    return [
        Timing(
            "GUI thread blocked, longest (session)",
            out["gaps"],
            out["idle_gaps"],
            target_ms=100,
            judge="max",
            note=f"QTimer 10 ms heartbeat, {out['steps']} steps (open tasks, scroll tasks, "
            f"100 scans, 50 pages of lines); max gap during {out['max_gap_step']}; "
            f"slowest steps: {slow}; GC pauses inside the longest gap: "
            f"{out.get('gc_in_max_gap_ms')} ms; bare: same loop idle",
            details={k: v for k, v in out.items() if k not in ("gaps", "idle_gaps")},
        )
    ]


def flow_timings(b: Bench) -> list[Timing]:
    """The whole way in the window (bench/flow.py); it moves rows of the store along the way
    (lines dispatched, received back, a kit set delivered): they are put back afterwards.
    Never beside another timing that writes to the same store (session, gui, import): each
    puts the store back to its own snapshot and deletes what the other added meanwhile (seen:
    the kit report issued by the way deleted under it, "找不到记录 QB-…")."""
    snap = snapshot(b.bare, way=True)
    try:
        out = run_child(
            "flow",
            b.url,
            {
                "samples": dataclasses.asdict(b.samples),
                "stamp": int(time.time()),
                "profile": str(b.profile_dir) if b.profile_dir else None,
            },
            module="bench.flow",
        )
    finally:
        restore(b.bare, snap)
    slow = ", ".join(f"{name} {ms:.0f} ms" for name, ms in out["slowest_steps"][:4])
    return [
        Timing(
            "GUI thread blocked, longest (whole-way session)",
            out["gaps"],
            out["idle_gaps"],
            target_ms=100,
            judge="max",
            note=f"QTimer 10 ms heartbeat, {out['steps']} steps as the manager (every page, "
            f"{out['scans']} scans with their documents checked and accepted, the handover "
            "confirmed, a group dispatched, lines received back, a kit status report, a set "
            f"regrouped, kitted and delivered); max gap during {out['max_gap_step']}; "
            f"slowest steps: {slow}; GC pauses inside the longest gap: "
            f"{out.get('gc_in_max_gap_ms')} ms; bare: same loop idle",
            details={k: v for k, v in out.items() if k not in ("gaps", "idle_gaps")},
        )
    ]


# --- output ------------------------------------------------------------------------------------


def table(results: Sequence[Timing]) -> str:
    head = ("operation", "median", "p95", "bare", "ratio", "target", "")
    rows = [head]
    for t in results:
        value = f"{t.median_ms:.1f}" if t.judge == "median" else f"max {t.value_ms:.1f}"
        rows.append(
            (
                t.name,
                value,
                f"{t.p95_ms:.1f}",
                "" if t.bare_ms is None else f"{t.bare_ms:.2f}",
                "" if t.ratio is None else f"{t.ratio:.1f}×",
                "" if t.target_ms is None else f"≤ {t.target_ms:g}",
                {True: "pass", False: "FAIL", None: ""}[t.passed],
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        cells = [_pad(c, widths[i], left=i == 0) for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines) + "\n(times in ms; ratio = median / bare median)"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="FanXiu benchmark (run by hand, not by CI)")
    add_store_args(parser)
    parser.add_argument(
        "--only", default=",".join(OPERATIONS), help=f"comma list of {','.join(OPERATIONS)}"
    )
    parser.add_argument("--reps", type=float, default=1.0, help="scale repetitions (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--profile", metavar="DIR", help="write cProfile reports into DIR")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.db or default_url(args.lines)
    spec = spec_from(args)
    info = prepare(url, spec, reuse=args.reuse, say=log)
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    unknown = set(only) - set(OPERATIONS)
    if unknown:
        raise SystemExit(f"unknown operations {sorted(unknown)}")
    load_before = [round(x, 2) for x in os.getloadavg()]
    if load_before[0] > 1.0:
        log(f"warning: load average {load_before} — other work on this 2-core machine skews times")
    b = Bench(url, args.reps, Path(args.profile) if args.profile else None)
    steps: dict[str, Callable[[], list[Timing]]] = {
        "scan": b.scan,
        "page": b.page,
        "tasks": b.tasks,
        "pdf": b.pdf,
        "import": b.import_list,
        "dashboard": b.dashboard,
        "gui": lambda: gui_timings(b),
        "start": lambda: start_timings(b),
        "session": lambda: session_timings(b),
        "pages": lambda: pages.timings(b.url),
        "flow": lambda: flow_timings(b),
    }
    results: list[Timing] = []
    errors: dict[str, str] = {}
    for name in OPERATIONS:
        if name in only:
            log(f"timing {name} …")
            t0 = time.perf_counter()
            try:
                results.extend(steps[name]())
            except Exception as exc:  # one broken timing must not lose the others
                log(f"  {name} FAILED: {type(exc).__name__}: {exc}")
                errors[name] = f"{type(exc).__name__}: {exc}"
                continue
            log(f"  done in {time.perf_counter() - t0:.1f} s")
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "code": code_version(),
        "machine": {**machine(), "loadavg_before": load_before},
        "store": {
            "url": url,
            "backend": "sqlite" if is_sqlite(url) else "postgresql",
            "size_bytes": store_size(b),
            "generated_in_s": info.seconds,
            "counts": info.counts,
            "spec": info.spec,
            "states": info.samples,
        },
        "results": [t.as_dict() for t in results],
        "errors": errors,
    }
    out = BENCH_DIR / f"results-{spec.lines}-{report['store']['backend']}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        m = report["machine"]
        print(
            f"FanXiu bench {report['date']}: {spec.lines:,} lines on {report['store']['backend']}"
            f" ({report['store']['size_bytes'] / 2**30:.2f} GiB); {m['nproc']} × {m['cpu']},"
            f" {m['ram_gib']} GiB, Python {m['python']}, SQLite {m['sqlite']}"
        )
        print(table(results))
        for name, error in errors.items():
            print(f"{name}: FAILED ({error.splitlines()[0]})")
        log(f"(JSON written to {out})")
    b.bare.close()
    b.db.dispose()
    return 0


def code_version() -> dict[str, Any]:
    """The commit measured, and how many files differ from it (work in progress is measured too)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "files_changed": len(changed)}


def store_size(b: Bench) -> int:
    if b.bare.sqlite:
        path = Path(b.bare.all("PRAGMA database_list")[0][2])
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return int(b.bare.one("SELECT pg_database_size(current_database())"))


if __name__ == "__main__":
    sys.exit(main())
