"""Build a big FanXiu store for the benchmark: N return lines in the shape a factory's store has.

Run by hand, never by CI:

    .venv/bin/python -m bench.generate --lines 1000000
    .venv/bin/python -m bench.generate --db postgresql+psycopg://postgres@127.0.0.1:5432/fanxiu_bench

The schema comes from `open_store` (the real migrations and indexes); rows go in with bulk Core
inserts (executemany, 50,000 lines per transaction) with every index and constraint in place.
What is built: ~200 product models of 12 manufacturers, 40 user units, tasks of 5–50 lines spread
over eight years, every line with its item, 3 document checks and an audit history
(`--audit-per-line`, 10 by default), a handover record per confirmed task, a rejection notice
(with its recipient) per task with refused items and a default kit set per confirmed task; lines
sit in every state of the line's state machine (mostly closed, the last ~150 days of returns
spread along the repair chain, the newest tasks still being counted at the desk or waiting for
dispatch). Record counters end at the last number issued. A description of the store (spec,
counts, states, build time) is written beside it; `--reuse` keeps a store built from the same
spec, anything else rebuilds it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, func, insert, inspect, select, text
from sqlalchemy.engine import make_url


def _verdict(present: bool | None, consistent: bool | None) -> str:
    """A document check's verdict (migration 0007) from the generator's two answers."""
    if present is False:
        return "missing"
    if present and consistent is not None:
        return "consistent" if consistent else "inconsistent"
    return "unchecked"


BENCH_DIR = Path("/tmp/fanxiu-bench")
PASSWORD = "bench123"
CLERK_LOGIN = "wangmin"
CHUNK_LINES = 50_000
SPAN_DAYS = 8 * 365
# Half of the newest 0.8% of tasks are still being counted at the desk; the other half were
# confirmed lately, so some of their lines still wait on the shelf for dispatch (accepted).
OPEN_TASK_SHARE = 0.004
LATE_DISPATCH_SHARE = 0.1  # dispatched after 8–15 days instead of 1–9
REJECT_SHARE = 0.03
ALL_REJECTED_TASK_SHARE = 0.005
REPEAT_ITEM_SHARE = 0.03  # an item that came back before (its earlier return is finished)
GENERATOR_VERSION = 4

FAULTS = (
    "通电后自检不通过，报陀螺通道故障",
    "零位漂移超差（出厂要求≤0.05°/h）",
    "舵机回零异常，伴有异响",
    "输出电压纹波偏大，负载时掉电",
    "外壳磕碰，连接器插针弯曲",
    "低温（-40℃）试验后启动时间过长",
    "无输出",
    "开机无显示",
    "通信中断，串口无应答",
    "间歇性复位，温升后加重",
    "按键失灵，面板指示灯不亮",
    "接收灵敏度下降约6dB",
)
REMARKS = ("", "", "", "", "", "", "外壳有划痕", "随附故障照片", "用户急需，请优先处理")
REJECT_REASONS = (
    "装箱清单缺失，文物无法核对",
    "产品证明文件缺失",
    "故障单与实物编号不一致",
)
MODEL_NAMES = (
    "惯性测量组合",
    "光纤陀螺",
    "舵机",
    "二次电源",
    "显示控制盒",
    "接收机",
    "天线",
    "线缆组件",
    "信号处理器",
    "伺服控制器",
    "电源模块",
    "导航计算机",
    "数据记录仪",
    "发射机",
    "加速度计",
)
MODEL_PREFIXES = (
    "GC",
    "SF",
    "DX",
    "XK",
    "JS",
    "TX",
    "XL",
    "XC",
    "SK",
    "DH",
    "JL",
    "FS",
    "JSD",
    "ZK",
    "PD",
)
MANUFACTURERS = (
    "惯性导航研究所",
    "伺服机构厂",
    "电源分厂",
    "电子设备厂",
    "天线研究所",
    "精密机械厂",
    "微电子所",
    "光电研究所",
    "计算机研究所",
    "通信设备厂",
    "测控技术所",
    "结构件分厂",
)
REP_NAMES = ("李参谋", "张助理", "刘技师", "陈班长", "赵工", "孙参谋")
CLERKS = ("王敏", "周丽", "吴强")

# The line's way from acceptance (states.TRANSITIONS): step, state it leads to, days it takes.
REPAIR_PATH: tuple[tuple[str, str, tuple[int, int]], ...] = (
    ("dispatch", "dispatched", (1, 9)),
    ("receive_at_manufacturer", "at_manufacturer", (1, 4)),
    ("unbox", "unboxed", (0, 2)),
    ("write_plan", "localizing", (1, 5)),
    ("localize", "localized", (2, 12)),
    ("start_repair", "in_repair", (1, 5)),
    ("finish_repair", "repaired", (10, 50)),
    ("accept_repair", "accepted_after_repair", (1, 7)),
    ("return_to_materials", "back_at_materials", (1, 5)),
    ("kit", "kitted", (3, 20)),
    ("deliver", "delivered", (1, 10)),
    ("close", "closed", (1, 15)),
)
NO_FAULT_PATH = (
    *REPAIR_PATH[:4],
    ("no_fault_found", "no_fault_found", (2, 12)),
    ("accept_repair", "accepted_after_repair", (1, 7)),
    *REPAIR_PATH[8:],
)
SCRAP_PATH = (*REPAIR_PATH[:6], ("scrap", "scrapped", (5, 30)))
DOC_KINDS = ("certificate", "fault_report", "packing_list")
UTC = dt.UTC
LOCAL = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no DST


@dataclass(frozen=True)
class Spec:
    """What to build; two stores built from equal specs are equal."""

    lines: int = 100_000
    audit_per_line: float = 10.0
    seed: int = 20261122
    today: str = ""  # the store's "today" (ISO date); lines age relative to it
    version: int = GENERATOR_VERSION


@dataclass
class BuildInfo:
    """What was built, written beside the store so a later run can reuse it."""

    url: str
    spec: dict[str, Any]
    seconds: float
    counts: dict[str, int]
    built_at: str
    samples: dict[str, Any] = field(default_factory=dict)


# --- where stores live ------------------------------------------------------------------------


def default_url(lines: int) -> str:
    return f"sqlite:///{BENCH_DIR / f'fanxiu-{lines}.db'}"


def meta_path(url: str) -> Path:
    """The JSON file describing the store at `url` (beside a SQLite file; in BENCH_DIR for PG)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(str(parsed.database) + ".bench.json")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{parsed.host}-{parsed.port}-{parsed.database}")
    return BENCH_DIR / f"pg-{slug}.bench.json"


def read_meta(url: str) -> BuildInfo | None:
    path = meta_path(url)
    if not path.is_file():
        return None
    return BuildInfo(**json.loads(path.read_text(encoding="utf-8")))


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def reset_store(url: str) -> None:
    """Remove the store at `url`: the SQLite files, or the PostgreSQL database (bench ones only)."""
    parsed = make_url(url)
    meta_path(url).unlink(missing_ok=True)
    if is_sqlite(url):
        for suffix in ("", "-wal", "-shm"):
            Path(str(parsed.database) + suffix).unlink(missing_ok=True)
        return
    name = str(parsed.database)
    if "bench" not in name:
        raise SystemExit(f"refusing to drop PostgreSQL database {name!r}: name it *bench*")
    admin = _pg_admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _pg_admin_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it is missing (SQLite needs nothing)."""
    if is_sqlite(url):
        Path(str(make_url(url).database)).parent.mkdir(parents=True, exist_ok=True)
        return
    name = str(make_url(url).database)
    admin = _pg_admin_engine(url)
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not found:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


def load_engine(url: str) -> Engine:
    """An engine for loading: SQLite without fsync and with a big page cache; keys still checked."""
    if not is_sqlite(url):
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        for pragma in (
            "journal_mode=WAL",
            "synchronous=OFF",
            "foreign_keys=ON",
            "cache_size=-1000000",
            "temp_store=MEMORY",
        ):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


# --- the shape of the data --------------------------------------------------------------------


def _ts(day: dt.date, minutes: float) -> dt.datetime:
    """A UTC timestamp `minutes` after 08:00 local time on `day`."""
    local = dt.datetime.combine(day, dt.time(8), LOCAL) + dt.timedelta(minutes=minutes)
    return local.astimezone(UTC)


def _local_day(ts: dt.datetime) -> dt.date:
    return ts.astimezone(LOCAL).date()


@dataclass
class Numbers:
    """Record numbers per prefix and year, as `issue_number` would have issued them."""

    last: dict[tuple[str, int], int] = field(default_factory=dict)

    def issue(self, prefix: str, year: int) -> str:
        value = self.last.get((prefix, year), 0) + 1
        self.last[(prefix, year)] = value
        return f"{prefix}-{year:04d}-{value:06d}"


@dataclass
class Master:
    """Ids of the reference rows every task points at."""

    materials: int
    prime: int
    user_units: list[int]
    clerk: int
    engineer: int
    manager: int
    models: list[tuple[int, str, str]]  # id, code, serial prefix
    makers: list[int]  # manufacturer unit id of each model, same order


@dataclass
class Ids:
    """The next free id of each table (ids are given explicitly, so no RETURNING is needed)."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Buffer:
    """Rows waiting to be inserted, per table, in the order the foreign keys need."""

    ORDER = (
        "item",
        "return_task",
        "kit_set",
        "return_line",
        "document_check",
        "handover_record",
        "handover_record_line",
        "report",
        "report_recipient",
        "report_line",
        "audit_event",
    )

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.ORDER}
        # The audit chain's head (issue 9): events are sealed onto it as they go in, in id order.
        self.chain: tuple[int, str] | None = None

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self, conn: Any, tables: dict[str, Table], step: int = 20_000) -> None:
        for name in self.ORDER:
            rows = self.rows[name]
            if name not in tables:  # a table of a later schema than this store's
                rows.clear()
                continue
            if name == "audit_event" and rows and "hash" in tables[name].c:
                self._seal(conn, rows)
            for i in range(0, len(rows), step):
                conn.execute(insert(tables[name]), rows[i : i + step])
            rows.clear()

    def _seal(self, conn: Any, rows: list[dict[str, Any]]) -> None:
        from app.services.kernel.chain import GENESIS, seal

        if self.chain is None:
            head = conn.exec_driver_sql(
                "SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1"
            ).first()
            self.chain = (int(head[0]), str(head[1])) if head else (0, GENESIS)
        rows.sort(key=lambda r: r["id"])
        for row in rows:
            row.setdefault("state", "")
        self.chain = seal(rows, *self.chain)

    def write_head(self, conn: Any) -> None:
        """The chain's head on the last event sealed, as the program's writers leave it."""
        if self.chain is None:
            return
        last_seq, last_hash = self.chain
        # The generated lines and tasks are taken as found (they have no state events), as an
        # older store's are at its upgrade (migration 0013).
        conn.exec_driver_sql(
            f"UPDATE audit_chain_head SET last_seq = {last_seq}, last_hash = '{last_hash}', "
            "baseline_line_id = (SELECT coalesce(max(id), 0) FROM return_line), "
            "baseline_task_id = (SELECT coalesce(max(id), 0) FROM return_task) WHERE id = 1"
        )


class Generator:
    """Makes the rows of one store, task by task, from a seeded random source."""

    def __init__(self, spec: Spec, master: Master, ids: Ids, today: dt.date) -> None:
        self.spec = spec
        self.master = master
        self.ids = ids
        self.today = today
        self.rng = random.Random(spec.seed)
        self.numbers = Numbers()
        self.serial_counter = [0] * len(master.models)
        # Items whose return is over: (the day it ended, item id, model index, serial).
        self.finished_items: list[tuple[dt.date, int, int, str]] = []
        self.keep = 1.0  # share of a line's natural audit events written (set by calibrate)
        self.counts: dict[str, int] = {}

    # -- one line's life

    def line_path(self, accepted_on: dt.date) -> tuple[list[tuple[str, str, dt.date]], str]:
        """The steps a line accepted on `accepted_on` has taken by today, and its state."""
        roll = self.rng.random()
        path = SCRAP_PATH if roll < 0.015 else NO_FAULT_PATH if roll < 0.12 else REPAIR_PATH
        steps: list[tuple[str, str, dt.date]] = []
        day = accepted_on
        for step, state, (low, high) in path:
            if step == "dispatch" and self.rng.random() < LATE_DISPATCH_SHARE:
                low, high = 8, 15
            day += dt.timedelta(days=self.rng.randint(low, high))
            if day > self.today:
                break
            steps.append((step, state, day))
        return steps, steps[-1][1] if steps else "accepted"

    def audit_events(self, natural: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The events kept so that lines average `audit_per_line`: first and last always."""
        want = len(natural) * self.keep
        k = int(want) + (1 if self.rng.random() < want - int(want) else 0)
        k = max(1, k)
        if k >= len(natural):
            extra = [
                (natural[-1][0] + dt.timedelta(minutes=5 + i), "remark", "", "已电话确认", "")
                for i in range(k - len(natural))
            ]
            return natural + extra
        if k == 1:
            return [natural[-1]]
        middle = sorted(self.rng.sample(range(1, len(natural) - 1), k - 2))
        return [natural[0], *(natural[i] for i in middle), natural[-1]]

    # -- one task

    def task(self, index: int, total: int, size: int, buf: Buffer, write: bool = True) -> None:
        """Make task `index` of `total` with `size` lines into `buf`."""
        rng = self.rng
        m = self.master
        start = self.today - dt.timedelta(days=SPAN_DAYS)
        created = _ts(start + dt.timedelta(days=SPAN_DAYS * index // total), rng.uniform(0, 540))
        created_day = _local_day(created)
        recent = index >= total - max(6, round(2 * total * OPEN_TASK_SHARE))
        is_open = index == total - 1 or (recent and rng.random() < 0.5)
        all_rejected = not is_open and rng.random() < ALL_REJECTED_TASK_SHARE
        imported = rng.random() < 0.25
        task_id = self.ids.take("return_task")
        number = self.numbers.issue("FX", created_day.year)
        user_unit = rng.choice(m.user_units)
        clerk_name = rng.choice(CLERKS)
        rep_name = rng.choice(REP_NAMES)
        confirmed = None if is_open else created + dt.timedelta(hours=rng.uniform(1, 72))
        confirm_day = _local_day(confirmed) if confirmed else None
        if confirmed is not None and _local_day(confirmed) > self.today:
            confirmed, confirm_day, is_open = None, None, True
        record_id = report_id = None
        record_number = notice_number = ""
        if confirm_day is not None:
            record_id = self.ids.take("handover_record")
            record_number = self.numbers.issue("JJ", confirm_day.year)

        line_rows: list[dict[str, Any]] = []
        # The task's kit set (its accepted lines go back to the user together).
        kit_id = self.ids.take("kit_set") if confirm_day is not None and not all_rejected else None
        kit_states: list[str] = []
        kit_days: list[dt.date] = []
        finished: list[tuple[dt.date, int, int, str]] = []
        rejected: list[tuple[int, str, str]] = []
        events: list[dict[str, Any]] = []
        for seq in range(1, size + 1):
            line_id = self.ids.take("return_line")
            item_id, model_index, serial = self._item(created_day, buf, write)
            code = f"{m.models[model_index][1]}/{serial}"
            line_at = created + dt.timedelta(minutes=seq)
            natural: list[tuple[Any, ...]] = [
                (
                    line_at,
                    "register",
                    "",
                    f"{number} {code}",
                    f"清单第 {seq + 3} 行" if imported else "",
                )
            ]
            reject = all_rejected or (not is_open and rng.random() < REJECT_SHARE)
            reason = rng.choice(REJECT_REASONS) if reject else ""
            docs: list[tuple[bool | None, bool | None]]
            if is_open:
                checked = rng.randint(0, 3)
                docs = [(True, True) if k < checked else (None, None) for k in range(3)]
                decision = "accept" if checked == 3 and rng.random() < 0.5 else None
            elif reject:
                missing = REJECT_REASONS.index(reason)
                docs = [(False, None) if k == missing else (True, True) for k in range(3)]
                if missing == 2:
                    docs[2] = (True, False)
                decision = "reject"
            else:
                docs = [(True, True)] * 3
                decision = "accept"
            for k, (present, consistent) in enumerate(docs):
                if present is not None:
                    natural.append(
                        (
                            line_at + dt.timedelta(minutes=2 + k),
                            f"document_{DOC_KINDS[k]}",
                            "None/None",
                            f"{present}/{consistent}",
                            "",
                        )
                    )
            if decision:
                natural.append((line_at + dt.timedelta(minutes=6), "decide", "", decision, reason))
            status = "registered"
            dates: dict[str, dt.date | None] = dict.fromkeys(
                (
                    "accepted_on",
                    "dispatched_on",
                    "received_on",
                    "localized_on",
                    "repair_accepted_on",
                    "back_on",
                    "delivered_on",
                )
            )
            late = ""
            if confirmed is not None and confirm_day is not None:
                status = "rejected" if reject else "accepted"
                natural.append(
                    (confirmed, "reject" if reject else "accept", "registered", status, reason)
                )
                if reject:
                    rejected.append((line_id, reason, code))
                else:
                    dates["accepted_on"] = confirm_day
                    steps, status = self.line_path(confirm_day)
                    previous = "accepted"
                    for step, state, day in steps:
                        natural.append((_ts(day, rng.uniform(0, 540)), step, previous, state, ""))
                        previous = state
                        if step == "dispatch":
                            dates["dispatched_on"] = day
                            if (day - confirm_day).days > 7:
                                late = "承制单位接收计划调整，延后分发"
                        elif step == "receive_at_manufacturer":
                            dates["received_on"] = day
                        elif step in ("localize", "no_fault_found"):
                            dates["localized_on"] = day
                        elif step == "accept_repair":
                            dates["repair_accepted_on"] = day
                        elif step == "return_to_materials":
                            dates["back_on"] = day
                        elif step == "kit":
                            kit_days.append(day)
                        elif step == "deliver":
                            dates["delivered_on"] = day
                    kit_states.append(status)
                if status in ("rejected", "closed", "scrapped"):
                    ended = natural[-1][0].astimezone(LOCAL).date()
                    finished.append((ended, item_id, model_index, serial))
            kept = self.audit_events(natural)
            self._count("audit_event", len(kept))
            self._count("return_line", 1)
            self._count(f"status:{status}", 1)
            if not write:
                continue
            updates = sum(
                1 for e in natural if e[1] not in ("register",) and not e[1].startswith("document_")
            )
            line_rows.append(
                {
                    "id": line_id,
                    "task_id": task_id,
                    "item_id": item_id,
                    "seq": seq,
                    "fault_description": rng.choice(FAULTS),
                    "remark": rng.choice(REMARKS),
                    "source_row": seq + 3 if imported else None,
                    "status": status,
                    "decision": decision,
                    "reject_reason": reason,
                    **dates,
                    "dispatch_late_reason": late,
                    "kit_set_id": kit_id if decision == "accept" and confirmed else None,
                    # The manufacturer it was dispatched to (the repair bench it sits on).
                    "manufacturer_unit_id": None
                    if dates["dispatched_on"] is None
                    else m.makers[model_index],
                    "created_at": line_at,
                    "version": 1 + updates,
                }
            )
            for k, (present, consistent) in enumerate(docs):
                buf.add(
                    "document_check",
                    {
                        "id": self.ids.take("document_check"),
                        "line_id": line_id,
                        "kind": DOC_KINDS[k],
                        "verdict": _verdict(present, consistent),
                        "note": "" if present is not False else "用户未随产品交回",
                    },
                )
            actor = m.clerk
            for at, action, old, new, why in kept:
                if action in ("receive_at_manufacturer", "unbox", "write_plan", "localize"):
                    actor = m.engineer
                events.append(
                    {
                        "id": self.ids.take("audit_event"),
                        "at": at,
                        "actor_user_id": actor,
                        "actor_name": "陈工" if actor == m.engineer else clerk_name,
                        "entity": "return_line",
                        "entity_id": line_id,
                        "action": action,
                        "old_value": old,
                        "new_value": new,
                        "reason": why,
                    }
                )
            if record_id is not None:
                buf.add(
                    "handover_record_line",
                    {
                        "id": self.ids.take("handover_record_line"),
                        "record_id": record_id,
                        "line_id": line_id,
                        "accepted": not reject,
                        "anomaly": reason,
                    },
                )
        self.finished_items.extend(finished)  # after the task: an item is on a task once
        if not write:
            return
        status = "open" if confirmed is None else "closed" if len(rejected) == size else "confirmed"
        task_events = [(created, "return_task", task_id, "create", "", number, "")]
        if imported:
            task_events.append(
                (created, "return_task", task_id, "import", "", f"{size} 行", "清单.xlsx")
            )
        buf.add(
            "return_task",
            {
                "id": task_id,
                "number": number,
                "user_unit_id": user_unit,
                "node_date": created_day + dt.timedelta(days=2),
                "kitting_deadline": created_day + dt.timedelta(days=75),
                "status": status,
                "source": "导入：交接清单.xlsx" if imported else "",
                "list_title": "XX部队故障产品返厂交接清单" if imported else "",
                "user_rep_name": rep_name if confirmed else "",
                "clerk_name": clerk_name if confirmed else "",
                "confirmed_at": confirmed,
                "created_at": created,
                "created_by_id": m.clerk,
                "version": 1 if confirmed is None else 2,
            },
        )
        if kit_id is not None and confirm_day is not None and kit_states:
            self._kit_set(
                buf, kit_id, task_id, number, created_day, confirm_day, kit_states, kit_days, events
            )
        for row in line_rows:
            buf.add("return_line", row)
        if confirmed is not None and confirm_day is not None and record_id is not None:
            buf.add(
                "handover_record",
                {
                    "id": record_id,
                    "number": record_number,
                    "kind": "user_to_materials",
                    "task_id": task_id,
                    "from_unit_id": user_unit,
                    "to_unit_id": m.materials,
                    "from_person": rep_name,
                    "to_person": clerk_name,
                    "handover_date": confirm_day,
                    "anomalies": "外包装箱一角受潮，已拍照记录" if rng.random() < 0.05 else "",
                    "created_at": confirmed,
                    "created_by_id": m.clerk,
                    "countersigned_at": None,
                    "countersigned_by_id": None,
                    "voided": False,
                    "void_reason": "",
                },
            )
            if rejected:
                report_id = self.ids.take("report")
                notice_number = self.numbers.issue("JS", confirm_day.year)
                acknowledged = confirm_day < self.today - dt.timedelta(days=3)
                buf.add(
                    "report",
                    {
                        "id": report_id,
                        "number": notice_number,
                        "kind": "rejection_notice",
                        "addressed_unit_id": m.prime,
                        "task_id": task_id,
                        "handover_record_id": record_id,
                        "title": f"拒收通知：{number} 中 {len(rejected)} 件产品被拒收",
                        "body": "\n".join(f"{c}：{r}" for _, r, c in rejected),
                        "created_at": confirmed,
                        "created_by_id": m.clerk,
                        "rule": "",
                        "voided": False,
                    },
                )
                buf.add(
                    "report_recipient",
                    {
                        "id": self.ids.take("report_recipient"),
                        "report_id": report_id,
                        "unit_id": m.prime,
                        "acknowledged_at": confirmed + dt.timedelta(days=1)
                        if acknowledged
                        else None,
                        "acknowledged_by_id": m.manager if acknowledged else None,
                    },
                )
                for line_id, reason, _code in rejected:
                    buf.add(
                        "report_line",
                        {
                            "id": self.ids.take("report_line"),
                            "report_id": report_id,
                            "line_id": line_id,
                            "reason": reason,
                        },
                    )
                task_events.append((confirmed, "report", report_id, "issue", "", notice_number, ""))
            task_events.append(
                (confirmed, "return_task", task_id, "confirm", "open", status, record_number)
            )
        for at, entity, entity_id, action, old, new, why in task_events:
            events.append(
                {
                    "id": self.ids.take("audit_event"),
                    "at": at,
                    "actor_user_id": m.clerk,
                    "actor_name": clerk_name,
                    "entity": entity,
                    "entity_id": entity_id,
                    "action": action,
                    "old_value": old,
                    "new_value": new,
                    "reason": why,
                }
            )
        for row in events:
            buf.add("audit_event", row)
        self._count("return_task", 1)
        self._count(f"task:{status}", 1)

    def _kit_set(
        self,
        buf: Buffer,
        kit_id: int,
        task_id: int,
        task_number: str,
        created_day: dt.date,
        confirm_day: dt.date,
        states: list[str],
        kit_days: list[dt.date],
        events: list[dict[str, Any]],
    ) -> None:
        """The default kit set of a confirmed task, with the status its lines give it."""
        finished = {"closed", "scrapped"}
        delivered = finished | {"delivered"}
        kitted = delivered | {"kitted"}
        if all(s in finished for s in states):
            status = "closed"
        elif all(s in delivered for s in states):
            status = "delivered"
        elif all(s in kitted for s in states):
            status = "kitted"
        else:
            status = "open"
        deadline = created_day + dt.timedelta(days=75)
        report_day = deadline - dt.timedelta(days=3)
        number = self.numbers.issue("QT", confirm_day.year)
        buf.add(
            "kit_set",
            {
                "id": kit_id,
                "number": number,
                "task_id": task_id,
                "deadline": deadline,
                "status": status,
                "status_report_id": None,
                "report_issued_on": report_day if report_day <= self.today else None,
                "created_on": confirm_day,
                "kitted_on": max(kit_days) if status != "open" and kit_days else None,
                "delivered_on": max(kit_days) + dt.timedelta(days=3)
                if status in ("delivered", "closed") and kit_days
                else None,
                "created_at": _ts(confirm_day, 600),
            },
        )
        events.append(
            {
                "id": self.ids.take("audit_event"),
                "at": _ts(confirm_day, 600),
                "actor_user_id": self.master.clerk,
                "actor_name": "王敏",
                "entity": "kit_set",
                "entity_id": kit_id,
                "action": "create",
                "old_value": "",
                "new_value": f"{number} {len(states)} 件",
                "reason": task_number,
            }
        )
        self._count("kit_set", 1)

    def _item(self, day: dt.date, buf: Buffer, write: bool) -> tuple[int, int, str]:
        """A new item, or (now and then) one that came back before and whose return is over."""
        rng = self.rng
        pool = self.finished_items
        if pool and rng.random() < REPEAT_ITEM_SHARE:
            i = rng.randrange(len(pool))
            if pool[i][0] < day:
                pool[i], pool[-1] = pool[-1], pool[i]
                self._count("repeat_items", 1)
                _ended, item_id, model_index, serial = pool.pop()
                return item_id, model_index, serial
        model_index = rng.randrange(len(self.master.models))
        self.serial_counter[model_index] += 1
        model_id, _code, prefix = self.master.models[model_index]
        serial = f"{prefix}-{day.year % 100:02d}{self.serial_counter[model_index]:05d}"
        item_id = self.ids.take("item")
        if write:
            buf.add(
                "item",
                {
                    "id": item_id,
                    "model_id": model_id,
                    "serial_no": serial,
                    "created_at": _ts(day - dt.timedelta(days=rng.randint(200, 2000)), 0),
                },
            )
        self._count("item", 1)
        return item_id, model_index, serial

    def _count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def task_sizes(lines: int, rng: random.Random) -> list[int]:
    """Tasks of 5–50 lines (the last one takes what is left) adding up to `lines`."""
    sizes: list[int] = []
    left = lines
    while left > 0:
        size = min(left, rng.randint(5, 50))
        sizes.append(size)
        left -= size
    return sizes


def calibrate(spec: Spec, master: Master, today: dt.date) -> float:
    """Share of natural audit events to keep so lines average `spec.audit_per_line` events."""
    ids = Ids(dict.fromkeys(Buffer.ORDER, 1))
    probe = Generator(dataclasses.replace(spec, seed=spec.seed + 1), master, ids, today)
    sizes = task_sizes(min(spec.lines, 20_000), probe.rng)
    buf = Buffer()
    natural = 0
    for i, size in enumerate(sizes):
        before = probe.counts.get("audit_event", 0)
        probe.task(i, len(sizes), size, buf, write=False)
        natural += probe.counts["audit_event"] - before
    lines = sum(sizes)
    # Keeping events also keeps (not calibrated) task-level events; the per-line ratio is met.
    return spec.audit_per_line / (natural / lines)


# --- building ---------------------------------------------------------------------------------


def _master_data(conn: Any, tables: dict[str, Table], rng: random.Random) -> Master:
    """Units, logins, ~200 product models with checklists (Core inserts, a few hundred rows)."""
    from argon2 import PasswordHasher

    now = dt.datetime.now(UTC)
    units: list[dict[str, Any]] = []

    def unit(name: str, kind: str) -> int:
        units.append({"id": len(units) + 1, "name": name, "kind": kind, "active": True})
        return len(units)

    prime = unit("总体设计部", "prime_unit")
    materials = unit("物资管理部门", "materials_dept")
    makers = [unit(name, "manufacturer") for name in MANUFACTURERS]
    unit("设计部", "design_dept")
    quality = unit("质量部", "quality_dept")
    unit("科研生产部", "competent_dept")
    user_units = [unit(f"某部队修理所{n:02d}", "user_unit") for n in range(1, 41)]
    conn.execute(insert(tables["unit"]), units)
    password_hash = PasswordHasher().hash(PASSWORD)
    logins = (
        (CLERK_LOGIN, "王敏", "clerk", materials),
        ("chengong", "陈工", "engineer", makers[0]),
        ("liujian", "刘检", "quality", quality),
        ("zhaozong", "赵总", "manager", prime),
        ("admin", "系统管理员", "admin", materials),
    )
    conn.execute(
        insert(tables["app_user"]),
        [
            {
                "id": i,
                "login": login,
                "display_name": name,
                "password_hash": password_hash,
                "role": role,
                "unit_id": unit_id,
                "active": True,
                "created_at": now,
            }
            for i, (login, name, role, unit_id) in enumerate(logins, start=1)
        ],
    )
    models: list[tuple[int, str, str]] = []
    model_rows: list[dict[str, Any]] = []
    checklist: list[dict[str, Any]] = []
    for n in range(200):
        prefix = MODEL_PREFIXES[n % len(MODEL_PREFIXES)]
        code = f"{prefix}-{10 + n // len(MODEL_PREFIXES)}{'ABCDEFGH'[n % 8]}"
        model_id = n + 1
        model_rows.append(
            {
                "id": model_id,
                "code": code,
                "name": MODEL_NAMES[n % len(MODEL_NAMES)],
                "drawing_no": f"{prefix}{n:03d}-{1000 + n}",
                "level": "unit" if n % 5 else "subsystem",
                "manufacturer_unit_id": makers[n % len(makers)],
                "parent_id": None,
                "from_import": False,
                "created_at": now,
            }
        )
        for position, item in enumerate(
            ("外观无损伤、标识清晰", "通电自检正常", "性能测试符合出厂技术条件", "文件资料齐全"),
            start=1,
        ):
            checklist.append(
                {"id": len(checklist) + 1, "model_id": model_id, "position": position, "text": item}
            )
        models.append((model_id, code, code.replace("-", "")))
    conn.execute(insert(tables["product_model"]), model_rows)
    conn.execute(insert(tables["checklist_item"]), checklist)
    rng.shuffle(user_units)
    return Master(
        materials=materials,
        prime=prime,
        user_units=user_units,
        clerk=1,
        engineer=2,
        manager=4,
        models=models,
        makers=[row["manufacturer_unit_id"] for row in model_rows],
    )


def build(url: str, spec: Spec, say: Callable[[str], None] = print) -> BuildInfo:
    """Build the store at `url` (which must be empty) and describe it."""
    from app.models import Base
    from app.services.kernel.bootstrap import open_store

    started = time.perf_counter()
    ensure_database(url)
    db = open_store(url)  # the real migrations, indexes and seeded calendar
    db.dispose()
    today = dt.date.fromisoformat(spec.today)
    tables = dict(Base.metadata.tables)
    engine = load_engine(url)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(tables["return_line"])).scalar():
            raise SystemExit(f"{url} already holds return lines; use --reuse or --rebuild")
    rng = random.Random(spec.seed)
    with engine.begin() as conn:
        master = _master_data(conn, tables, rng)
    ids = Ids(dict.fromkeys(Buffer.ORDER, 1))
    gen = Generator(spec, master, ids, today)
    gen.keep = calibrate(spec, master, today)
    sizes = task_sizes(spec.lines, gen.rng)
    say(
        f"building {spec.lines:,} lines in {len(sizes):,} tasks, "
        f"{spec.audit_per_line:g} audit events per line (keeping {gen.keep:.2f} of each history)"
    )
    buf = Buffer()
    done = 0
    pending = 0
    conn = engine.connect()
    trans = conn.begin()
    try:
        for index, size in enumerate(sizes):
            gen.task(index, len(sizes), size, buf)
            done += size
            pending += size
            if pending >= CHUNK_LINES or index == len(sizes) - 1:
                buf.flush(conn, tables)
                trans.commit()
                trans = conn.begin()
                pending = 0
                elapsed = time.perf_counter() - started
                rate = done / elapsed
                eta = (spec.lines - done) / rate if rate else 0.0
                say(
                    f"  {done:>9,} / {spec.lines:,} lines  {elapsed:6.0f} s  "
                    f"{rate:,.0f} lines/s  ETA {eta:4.0f} s"
                )
        buf.write_head(conn)
        conn.execute(
            insert(tables["record_counter"]),
            [
                {"prefix": prefix, "year": year, "last_value": value}
                for (prefix, year), value in sorted(gen.numbers.last.items())
            ],
        )
        trans.commit()
    finally:
        conn.close()
    _finish(engine, url, ids)
    engine.dispose()
    seconds = time.perf_counter() - started
    counts = _table_counts(url)
    info = BuildInfo(
        url=url,
        spec=dataclasses.asdict(spec),
        seconds=round(seconds, 1),
        counts=counts,
        built_at=dt.datetime.now(UTC).isoformat(timespec="seconds"),
        samples={k: v for k, v in sorted(gen.counts.items()) if ":" in k or k == "repeat_items"},
    )
    meta_path(url).parent.mkdir(parents=True, exist_ok=True)
    meta_path(url).write_text(json.dumps(dataclasses.asdict(info), ensure_ascii=False, indent=1))
    return info


def _finish(engine: Engine, url: str, ids: Ids) -> None:
    """The lines' clocks as the steps would have kept them (issue 10); PostgreSQL: move the id
    sequences past the ids given; SQLite: fold the WAL into the file."""
    from sqlalchemy.orm import Session

    from app.services.kernel.clocks import rebuild

    with Session(engine) as session, session.begin():
        rebuild(session)
    with engine.connect() as conn:
        if is_sqlite(url):
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        present = set(inspect(conn).get_table_names())
        for table in (*Buffer.ORDER, "unit", "app_user", "product_model", "checklist_item"):
            if table not in present:
                continue
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.commit()
    # What autovacuum does to a settled store: planner statistics, and the visibility map that
    # lets counts be answered from an index alone (without it the dashboard's counts read the
    # table: 2× slower at 1M). VACUUM cannot run inside a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _table_counts(url: str) -> dict[str, int]:
    engine = load_engine(url)
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        names = [
            n for n in (*Buffer.ORDER, "product_model", "unit", "record_counter") if n in present
        ]
        counts = {
            n: int(conn.exec_driver_sql(f"SELECT count(*) FROM {n}").scalar() or 0) for n in names
        }
    engine.dispose()
    return counts


def prepare(url: str, spec: Spec, *, reuse: bool, say: Callable[[str], None] = print) -> BuildInfo:
    """The store at `url` built from `spec`: reused when asked and it matches, else built anew."""
    meta = read_meta(url)
    if reuse and meta is not None and meta.spec == dataclasses.asdict(spec):
        say(f"reusing {url} (built {meta.built_at} in {meta.seconds:.0f} s)")
        return meta
    if reuse and meta is not None:
        say(f"store at {url} was built from another spec {meta.spec}: rebuilding")
    reset_store(url)
    return build(url, spec, say)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    add_store_args(parser)
    return parser.parse_args(argv)


def add_store_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: SQLite in /tmp)")
    parser.add_argument("--lines", type=int, default=100_000, help="return lines (default 100000)")
    parser.add_argument(
        "--audit-per-line", type=float, default=10.0, help="audit events per line (default 10)"
    )
    parser.add_argument("--seed", type=int, default=Spec.seed)
    parser.add_argument("--today", help="the store's today (default: the factory's local date)")
    parser.add_argument("--reuse", action="store_true", help="keep a store built from this spec")


def spec_from(args: argparse.Namespace) -> Spec:
    from app.services.kernel.context import local_today

    return Spec(
        lines=args.lines,
        audit_per_line=args.audit_per_line,
        seed=args.seed,
        today=args.today or local_today().isoformat(),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.db or default_url(args.lines)
    info = prepare(url, spec_from(args), reuse=args.reuse)
    print(json.dumps(dataclasses.asdict(info), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
