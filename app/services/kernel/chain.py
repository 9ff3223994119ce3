"""The audit chain: how an event is hashed, and the walk that proves a store whole (issue 9).

Every audit event carries `seq` (1, 2, 3 … without gap), `prev_hash` (the hash of event
seq-1, 64 zeros for the first) and `hash`, SHA-256 over a canonical JSON list of the event:
[seq, prev_hash, at, actor_user_id, actor_name, entity, entity_id, action, old, new, reason,
state]. `at` is the stored naive-UTC text "YYYY-MM-DD HH:MM:SS.ffffff". Events are appended in
one order under a lock on the one-row `audit_chain_head` (app/services/kernel/audit.py).

How events carry state: an event about a return line or a return task that changed the row's
`status` carries that status in `state` (audit.py stamps it at commit, and writes an event of
action "state" when a transaction changed a status without any event about the row). The
newest event stating a state must agree with the row; a row no event states must still be in
its first state (registered / open), unless it is older than the chain (an upgraded store's
rows up to audit_chain_head.baseline_*_id are taken as found). Rewriting a row's status outside the program is named.

`verify_store` walks the chain, the record numbers of every series (every number
1..last_value of each prefix and year exists in its table) and those states. It reads with
one snapshot, streaming events in chain order in chunks. `tail=N` checks only the newest N
events and the newest numbers of each series (the check at every start).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.db import READ_ONLY, Database
from app.models.records import Report
from app.models.states import LineStatus, TaskStatus
from app.services.kernel.numbering import PREFIXES
from app.services.kernel.terms import line_status_label, task_status_label

GENESIS = "0" * 64
CHUNK = 20_000
# Findings of one kind kept in a report; the counts go on past it.
KEEP = 200
# The newest numbers of each series the start checks.
TAIL_NUMBERS = 200

# Rows whose status the events explain: entity name, table, first state.
STATEFUL: tuple[tuple[str, str, str, str], ...] = (
    ("return_line", "return_line", LineStatus.registered.value, "baseline_line_id"),
    ("return_task", "return_task", TaskStatus.open.value, "baseline_task_id"),
)

_EVENT_COLUMNS = (
    "seq, prev_hash, hash, at, actor_user_id, actor_name, entity, entity_id, action,"
    " old_value, new_value, reason, state, id"
)


def at_text(value: dt.datetime | str) -> str:
    """The canonical text of a timestamp as stored (SQLite hands back the stored text)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def event_hash(
    seq: int,
    prev_hash: str,
    at: dt.datetime | str,
    actor_user_id: int | None,
    actor_name: str,
    entity: str,
    entity_id: int,
    action: str,
    old: str,
    new: str,
    reason: str,
    state: str,
) -> str:
    payload = json.dumps(
        [seq, prev_hash, at_text(at), actor_user_id, actor_name, entity, entity_id, action,
         old, new, reason, state],
        ensure_ascii=False,
        separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()


def seal(rows: list[dict[str, Any]], last_seq: int, last_hash: str) -> tuple[int, str]:
    """Give `rows` (audit_event column dicts) their seq, prev_hash and hash after the head."""
    for row in rows:
        last_seq += 1
        row["seq"] = last_seq
        row["prev_hash"] = last_hash
        last_hash = row["hash"] = event_hash(
            last_seq,
            last_hash,
            row["at"],
            row["actor_user_id"],
            row["actor_name"],
            row["entity"],
            row["entity_id"],
            row["action"],
            row["old_value"],
            row["new_value"],
            row["reason"],
            row["state"],
        )
    return last_seq, last_hash


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing wrong. kind: broken_event, missing_event, unchained_event, head,
    missing_number, unexplained_state. `subject` names it (a seq, a number, a row)."""

    kind: str
    subject: str
    message: str


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int  # events walked
    last_seq: int  # the head's last seq
    partial: bool  # only the newest part was checked
    seconds: float
    first_break: Finding | None  # the first broken or missing event, in chain order
    chain: tuple[Finding, ...] = ()  # broken, missing and unchained events, the head
    missing_numbers: tuple[str, ...] = ()
    unexplained: tuple[Finding, ...] = ()  # rows whose state no event explains
    counts: dict[str, int] = field(default_factory=dict)  # findings per kind, past KEEP too

    @property
    def findings(self) -> tuple[Finding, ...]:
        numbers = tuple(
            Finding("missing_number", n, f"记录编号 {n} 缺失（记录已被删除）")
            for n in self.missing_numbers
        )
        return self.chain + numbers + self.unexplained

    def summary(self) -> str:
        """One paragraph in Chinese for a person."""
        if self.ok:
            scope = f"最近 {self.events:,} 条" if self.partial else f"全部 {self.events:,} 条"
            return f"审计链完整：{scope}审计事件与各编号序列均核对无误。"
        parts = []
        if self.first_break is not None:
            parts.append(f"审计链断裂：{self.first_break.message}")
        bad_events = sum(
            self.counts.get(k, 0)
            for k in ("broken_event", "missing_event", "unchained_event", "head")
        )
        if bad_events > 1:
            parts.append(f"共 {bad_events} 处审计事件异常")
        if self.missing_numbers:
            shown = "、".join(self.missing_numbers[:5])
            more = "等" if self.counts.get("missing_number", 0) > 5 else ""
            parts.append(f"缺失记录编号 {self.counts.get('missing_number', 0)} 个：{shown}{more}")
        if self.unexplained:
            shown = "；".join(f.message for f in self.unexplained[:3])
            parts.append(
                f"{self.counts.get('unexplained_state', 0)} 条数据的状态无审计事件可解释：{shown}"
            )
        return "。".join(parts) + "。"


class _Collector:
    def __init__(self) -> None:
        self.items: dict[str, list[Finding]] = {}
        self.counts: dict[str, int] = {}
        self.first_break: Finding | None = None

    def add(self, finding: Finding, n: int = 1) -> None:
        self.counts[finding.kind] = self.counts.get(finding.kind, 0) + n
        kept = self.items.setdefault(finding.kind, [])
        if len(kept) < KEEP:
            kept.append(finding)
        if self.first_break is None and finding.kind in ("broken_event", "missing_event"):
            self.first_break = finding

    def of(self, *kinds: str) -> tuple[Finding, ...]:
        return tuple(f for k in kinds for f in self.items.get(k, []))


# --- the walk --------------------------------------------------------------------------------

Progress = Callable[[int, int], object]


def verify_store(
    db: Database, *, tail: int | None = None, progress: Progress | None = None
) -> ChainReport:
    """Walk the chain, the number series and the states; `tail` checks only the newest part."""
    started = time.monotonic()
    found = _Collector()
    options: dict[str, Any] = {READ_ONLY: True}
    if not db.is_sqlite:
        options["isolation_level"] = "REPEATABLE READ"  # one snapshot for every query
    with db.engine.connect().execution_options(**options) as conn:
        head = conn.execute(text("SELECT last_seq, last_hash FROM audit_chain_head")).first()
        last_seq, last_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
        start = max(0, last_seq - tail) if tail is not None else 0
        walked = _walk_chain(conn, found, start, last_seq, last_hash, progress)
        missing = _check_numbers(conn, found, tail is not None)
        if tail is None:
            _check_states(conn, found)
        conn.rollback()
    return ChainReport(
        ok=not found.counts,
        events=walked,
        last_seq=last_seq,
        partial=tail is not None,
        seconds=round(time.monotonic() - started, 3),
        first_break=found.first_break,
        chain=found.of("broken_event", "missing_event", "unchained_event", "head"),
        missing_numbers=tuple(missing[:KEEP]),
        unexplained=found.of("unexplained_state"),
        counts=dict(found.counts),
    )


def _missing_events(found: _Collector, first: int, last: int) -> None:
    span = f"第 {first} 号" if first == last else f"第 {first}–{last} 号"
    found.add(
        Finding(
            "missing_event",
            str(first) if first == last else f"{first}-{last}",
            f"{span}审计事件缺失（已被删除）",
        ),
        last - first + 1,
    )


def _walk_chain(
    conn: Connection,
    found: _Collector,
    start: int,
    head_seq: int,
    head_hash: str,
    progress: Progress | None,
) -> int:
    """Events seq > start in chain order: each links to the one before and hashes to itself."""
    expected = start + 1
    prev: str | None = GENESIS if start == 0 else None  # a tail trusts its first link
    walked = 0
    sha256, dumps = hashlib.sha256, json.dumps
    for rows in _stream(conn, start):
        for seq, prev_hash, stored, at, uid, name, ent, eid, act, old, new, why, st, eid_ in rows:
            walked += 1
            if seq != expected or (prev is not None and prev_hash != prev):
                _link_broken(found, seq, expected, eid_)
            if at.__class__ is not str:
                at = at_text(at)
            payload = dumps(
                [seq, prev_hash, at, uid, name, ent, eid, act, old, new, why, st],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            if sha256(payload.encode()).hexdigest() != stored:
                found.add(
                    Finding(
                        "broken_event",
                        str(seq),
                        f"第 {seq} 号审计事件（id {eid_}，{ent} {eid}，{act}）内容被改动",
                    )
                )
            prev, expected = stored, seq + 1
        if progress is not None:
            progress(expected - 1 - start, max(1, head_seq - start))
    last = expected - 1
    if last < head_seq:
        _missing_events(found, last + 1, head_seq)
    elif last > head_seq:
        found.add(Finding("head", str(last), f"链头记录停在第 {head_seq} 号，其后却有事件"))
    elif prev is not None and last > 0 and prev != head_hash:
        found.add(Finding("head", str(last), f"第 {last} 号审计事件与链头记录的哈希不符"))
    unchained = conn.execute(
        text("SELECT id FROM audit_event WHERE seq IS NULL ORDER BY id")
    ).scalars()
    for event_id in unchained:
        found.add(
            Finding("unchained_event", f"id {event_id}", f"审计事件 id {event_id} 不在审计链中")
        )
    return walked


def _stream(conn: Connection, start: int) -> Iterator[list[tuple[Any, ...]]]:
    """Events after `start` in seq order, in chunks, through the bare driver cursor inside
    `conn`'s transaction (its snapshot): a server-side cursor on PostgreSQL."""
    sql = f"SELECT {_EVENT_COLUMNS} FROM audit_event WHERE seq > {int(start)} ORDER BY seq"
    dbapi: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name="fanxiu_verify")
        cursor.itersize = CHUNK
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            yield rows
    finally:
        cursor.close()


def _link_broken(found: _Collector, seq: int, expected: int, event_id: int) -> None:
    if seq > expected:
        _missing_events(found, expected, seq - 1)
    elif seq < expected:  # cannot happen with a unique seq; kept for a broken index
        found.add(Finding("broken_event", str(seq), f"第 {seq} 号审计事件重复"))
    else:
        found.add(
            Finding(
                "broken_event",
                str(seq),
                f"第 {seq} 号审计事件（id {event_id}）与前一事件的链接不符（前一事件被改动或替换）",
            )
        )


def record_tables() -> dict[str, str]:
    """The table holding each prefix's records (reports share one)."""
    # The registry knows which model keeps which prefix; the rest are reports.
    from app.services.records.registry import _TABLES

    return {p: _TABLES.get(p, Report).__tablename__ for p in PREFIXES}  # type: ignore[attr-defined]


def _check_numbers(conn: Connection, found: _Collector, tail: bool) -> list[str]:
    """Every number 1..last_value of each series exists in its table."""
    tables = record_tables()
    missing: list[str] = []
    counters = conn.execute(
        text("SELECT prefix, year, last_value FROM record_counter ORDER BY prefix, year")
    ).all()
    for prefix, year, last_value in counters:
        table = tables.get(prefix)
        if table is None or not last_value:
            continue
        first = max(1, last_value - TAIL_NUMBERS + 1) if tail else 1
        low, high = f"{prefix}-{year:04d}-{first:06d}", f"{prefix}-{year:04d}-{last_value:06d}"
        present = {
            int(n[-6:])
            for n in conn.execute(
                text(f"SELECT number FROM {table} WHERE number BETWEEN :low AND :high"),
                {"low": low, "high": high},
            ).scalars()
        }
        for n in range(first, last_value + 1):
            if n not in present:
                number = f"{prefix}-{year:04d}-{n:06d}"
                found.add(Finding("missing_number", number, f"记录编号 {number} 缺失"))
                if len(missing) < KEEP:
                    missing.append(number)
    return missing


_LABELS = {
    "return_line": ("返修产品", line_status_label),
    "return_task": ("返厂任务", task_status_label),
}


def _check_states(conn: Connection, found: _Collector) -> None:
    """The newest event stating a row's state agrees with the row (or the row never moved)."""
    for entity, table, first_state, baseline_column in STATEFUL:
        baseline = (
            conn.execute(text(f"SELECT {baseline_column} FROM audit_chain_head")).scalar() or 0
        )
        rows = conn.execute(
            text(
                f"SELECT r.id, r.status, e.state, e.seq FROM {table} r"
                " LEFT JOIN (SELECT entity_id, max(seq) AS last FROM audit_event"
                "   WHERE entity = :entity AND state <> '' GROUP BY entity_id) m"
                "   ON m.entity_id = r.id"
                " LEFT JOIN audit_event e ON e.seq = m.last"
                " WHERE r.status <> coalesce(e.state, :first)"
                " AND (e.seq IS NOT NULL OR r.id > :baseline) ORDER BY r.id"
            ),
            {"entity": entity, "first": first_state, "baseline": baseline},
        )
        for row_id, status, state, seq in rows:
            kind, word = _LABELS[entity]
            said = (
                f"第 {seq} 号审计事件记为“{word(state)}”"
                if seq is not None
                else f"没有审计事件，应为“{word(first_state)}”"
            )
            found.add(
                Finding(
                    "unexplained_state",
                    f"{table} {row_id}",
                    f"{kind}（id {row_id}）的状态为“{word(status)}”，审计事件无从解释（{said}）",
                )
            )


def to_json(report: ChainReport) -> dict[str, Any]:
    """The report as plain JSON values (the command's --json)."""

    def one(f: Finding | None) -> dict[str, str] | None:
        return None if f is None else {"kind": f.kind, "subject": f.subject, "message": f.message}

    return {
        "ok": report.ok,
        "events": report.events,
        "last_seq": report.last_seq,
        "partial": report.partial,
        "seconds": report.seconds,
        "first_break": one(report.first_break),
        "events_broken": [one(f) for f in report.chain],
        "missing_numbers": list(report.missing_numbers),
        "unexplained_rows": [one(f) for f in report.unexplained],
        "counts": report.counts,
        "summary": report.summary(),
    }
