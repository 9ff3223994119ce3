"""Several desks on one PostgreSQL: N processes doing a clerk's and an engineer's loop at once.

Run by hand, never by CI (issue 10):

    .venv/bin/python -m bench.desks --desks 1 5 10 --seconds 60
    .venv/bin/python -m bench.desks --desks 10 --seconds 30 --json > /tmp/desks.json

Each run makes a fresh database (demo master data and logins), then starts the desks at once. A
clerk's desk creates a task, scans 5–15 items, checks their documents, accepts them, confirms the
handover and dispatches the lines; an engineer's desk countersigns the dispatches addressed to it,
unboxes, writes the investigation plan and localizes. Every desk sweeps deadlines at its start the
way the window does (`wait=False`). Reported per action: count, p50, p95, max; per run: actions
per second, errors (anything but a refusal a person would read), refusals and waits on the store.
Each desk's stderr is kept whole in the run directory, and faulthandler is on in every desk.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fanxiu_desks"
ENGINEER_SHARE = 0.3  # of the desks, at least one when there are two or more


def fresh_store(url: str) -> list[str]:
    """Drop and create the database, load the demo's master data; the models made at the
    engineers' manufacturer (惯性导航研究所), whose dispatches they countersign."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.services.admin.demo import load_demo
    from app.services.kernel.bootstrap import open_store

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    db = open_store(url)
    try:
        load_demo(db)
        with db.engine.connect() as conn:
            codes = conn.execute(
                text(
                    "SELECT m.code FROM product_model m JOIN unit u"
                    " ON u.id = m.manufacturer_unit_id WHERE u.name = '惯性导航研究所'"
                )
            ).scalars()
            return list(codes)
    finally:
        db.dispose()


class Desk:
    """One desk's timings and outcomes."""

    def __init__(self) -> None:
        self.timings: dict[str, list[float]] = {}
        self.refused = 0
        self.busy = 0
        self.errors: list[str] = []

    def timed(self, action: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from app.errors import DomainError, StoreBusy

        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
        except StoreBusy:
            self.busy += 1
            return None
        except DomainError:
            # A refusal a person would read (another desk took the record first).
            self.refused += 1
            return None
        except Exception:  # counted and kept, the desk goes on as a person would retry
            self.errors.append(traceback.format_exc(limit=3))
            return None
        self.timings.setdefault(action, []).append(time.perf_counter() - started)
        return result


def clerk_loop(
    desk: Desk, db: Any, actor: Any, index: int, models: list[str], until: float
) -> None:
    import random

    from app.models.states import Decision
    from app.services.dispatch import dispatching
    from app.services.handover import checks, returns, scanning

    rng = random.Random(index)
    round_no = 0
    while time.monotonic() < until:
        round_no += 1
        task = desk.timed("create_task", returns.create_task, db, actor, "某部队修理所")
        if task is None:
            continue
        ids = []
        for n in range(rng.randint(5, 15)):
            code = f"{rng.choice(models)}/D{index:02d}-{round_no:05d}-{n:02d}"
            found = desk.timed("scan", scanning.scan, db, actor, task.id, code)
            if found is not None and found.line is not None:
                ids.append(found.line.id)
        if not ids:
            continue
        desk.timed("check_documents", checks.check_lines, db, actor, ids)
        desk.timed("decide", checks.decide_lines, db, actor, ids, Decision.accept)
        done = desk.timed("confirm", returns.confirm_handover, db, actor, task.id, "李参谋", "王敏")
        if done is not None:
            desk.timed("dispatch", dispatching.dispatch, db, actor, ids, sender_name="王敏")


def engineer_loop(desk: Desk, db: Any, actor: Any, index: int, share: int, until: float) -> None:
    from sqlalchemy import text

    from app.services.repair import repairs

    check = repairs.Unboxing(True, True, False, True, True, "李参谋", "包装完好")

    def mine(sql: str) -> list[Any]:
        with db.engine.connect() as conn:
            rows = conn.execute(text(sql), {"unit": actor.unit_id, "n": share, "i": index})
            return list(rows.scalars())

    while time.monotonic() < until:
        records = mine(
            "SELECT number FROM handover_record WHERE kind = 'materials_to_manufacturer'"
            " AND to_unit_id = :unit AND countersigned_at IS NULL AND id % :n = :i LIMIT 5"
        )
        for number in records:
            desk.timed("receive", repairs.receive, db, actor, number, "陈工")
        lines = mine(
            "SELECT id FROM return_line WHERE status = 'at_manufacturer'"
            " AND manufacturer_unit_id = :unit AND id % :n = :i LIMIT 10"
        )
        for line in lines:
            if desk.timed("unbox", repairs.record_unboxing, db, actor, line, check) is None:
                continue
            plan = desk.timed(
                "plan", repairs.write_investigation_plan, db, actor, line, f"PC-{line}", "A", "陈工"
            )
            if plan is None:
                continue
            desk.timed(
                "localize",
                repairs.localize,
                db,
                actor,
                line,
                fault_mode="功能失效",
                cause_category="元器件",
                faulty_part="陀螺",
                conclusion="陀螺零偏超差",
            )
        if not records and not lines:
            time.sleep(0.2)


def run_desk(args: tuple[str, str, int, int, list[str], float, str]) -> dict[str, Any]:
    """One desk process: sign in like the window, sweep, then the role's loop until the end."""
    url, role, index, share, models, until_wall, log_dir = args
    log = open(Path(log_dir) / f"desk-{role}-{index}.stderr", "w")  # noqa: SIM115 (kept open)
    faulthandler.enable(log)
    sys.stderr = log
    from app.services.admin.demo import DEMO_PASSWORD
    from app.services.kernel import auth
    from app.services.kernel.bootstrap import open_store
    from app.services.oversight import deadlines

    db = open_store(url)
    desk = Desk()
    login = "wangmin" if role == "clerk" else "chengong"
    actor = desk.timed("sign_in", auth.login, db, login, DEMO_PASSWORD)
    desk.timed("start_sweep", deadlines.sweep, db, wait=False)
    until = time.monotonic() + (until_wall - time.time())
    if role == "clerk":
        clerk_loop(desk, db, actor, index, models, until)
    else:
        engineer_loop(desk, db, actor, index, share, until)
    db.dispose()
    return {
        "role": role,
        "timings": desk.timings,
        "refused": desk.refused,
        "busy": desk.busy,
        "errors": desk.errors,
    }


def run(url: str, desks: int, seconds: float, log_dir: Path) -> dict[str, Any]:
    models = fresh_store(url)
    engineers = max(1, round(desks * ENGINEER_SHARE)) if desks > 1 else 0
    clerks = desks - engineers
    until = time.time() + 5 + seconds  # the desks start their loops together
    jobs = [(url, "clerk", i, clerks, models, until, str(log_dir)) for i in range(clerks)]
    jobs += [(url, "engineer", i, engineers, models, until, str(log_dir)) for i in range(engineers)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(jobs)) as pool:
        results = pool.map(run_desk, jobs)
    return summarize(results, desks, seconds)


def summarize(results: list[dict[str, Any]], desks: int, seconds: float) -> dict[str, Any]:
    merged: dict[str, list[float]] = {}
    for result in results:
        for action, values in result["timings"].items():
            merged.setdefault(action, []).extend(values)
    actions = {}
    for action, values in sorted(merged.items()):
        values.sort()
        actions[action] = {
            "count": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))] * 1000, 1),
            "max_ms": round(values[-1] * 1000, 1),
        }
    done = sum(a["count"] for name, a in actions.items() if name not in ("sign_in", "start_sweep"))
    errors = [e for r in results for e in r["errors"]]
    return {
        "desks": desks,
        "seconds": seconds,
        "actions_per_s": round(done / seconds, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "refused": sum(r["refused"] for r in results),
        "busy": sum(r["busy"] for r in results),
        "actions": actions,
    }


def print_table(summary: dict[str, Any]) -> None:
    print(
        f"\n{summary['desks']} desks, {summary['seconds']:.0f} s: "
        f"{summary['actions_per_s']} actions/s, errors {summary['errors']}, "
        f"refused {summary['refused']}, store busy {summary['busy']}"
    )
    print(f"  {'action':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for action, a in summary["actions"].items():
        print(f"  {action:<16}{a['count']:>7}{a['p50_ms']:>9}{a['p95_ms']:>9}{a['max_ms']:>9}")
    for error in summary["first_errors"]:
        print("  error:", error.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.desks", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("FANXIU_DESKS_DB", DEFAULT_URL))
    parser.add_argument("--desks", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    log_dir = Path(tempfile.mkdtemp(prefix="fanxiu-desks-"))
    summaries = []
    for n in args.desks:
        summary = run(args.db, n, args.seconds, log_dir)
        summaries.append(summary)
        if not args.json:
            print_table(summary)
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False, indent=2))
    print(f"desk logs: {log_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
