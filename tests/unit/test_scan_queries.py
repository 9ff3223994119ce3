"""Why a scan at the desk stays quick on PostgreSQL, shown without a clock (issue 10): every
statement is a round trip to the server, so a scan sends a fixed, small number of them, the same
for a task of 3 lines and of 30, and its answer carries what the desk shows after it (the line
whole, and for a line just added, the task as the scan left it), so the window reads nothing
more (counted with SQLAlchemy's `before_cursor_execute` event, BEGIN and COMMIT aside)."""

from __future__ import annotations

import pytest

from app.db import Database
from app.errors import DomainError
from app.services.handover import returns
from app.services.kernel.views import ScanResult
from tests.conftest import Org
from tests.support.statements import statements

# What a scan sends, by what the code turns out to be. A line already counted is only read:
# no row is locked, so on PostgreSQL nothing is written and the commit waits for no disk.
COUNTED_SERIAL = 2  # the task; the line with its item, model, maker and documents
COUNTED_CODE = 4  # the task; the model with its maker; the item; its line on the task
# The task; the model with its maker; no such item; the task locked; the item made and handed
# back; the login's standing; the next seq; the line, its 3 checks, the task's version; the
# task as it now is (its user unit, its records and its count in one); the events, staged for
# the COMMIT to seal (migration 0018).
NEW_ITEM = 12
# SQLite inserts the 3 checks one by one (it cannot return their ids in order from one INSERT),
# and seals the events itself: the chain's head, the events, the new head.
NEW_ITEM_SQLITE = NEW_ITEM + 2 + 2


def sent(db: Database, org: Org, task_id: int, code: str) -> tuple[ScanResult, list[str]]:
    with statements(db) as seen:
        result = returns.scan(db, org.clerk, task_id, code)
    # SQLite's BEGIN IMMEDIATE goes through the cursor too; PostgreSQL's does not.
    return result, [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]


def task_of(db: Database, org: Org, lines: int, tag: str) -> int:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    for n in range(lines):
        returns.add_line(db, org.clerk, task.id, "GC-12A", f"GC12A-{tag}{n:03d}", "无输出")
    return task.id


def test_a_scan_sends_the_same_few_statements_for_3_lines_and_for_30(
    db: Database, org: Org
) -> None:
    counts: dict[int, tuple[int, int, int]] = {}
    for size, tag in ((3, "S"), (30, "L")):
        task_id = task_of(db, org, size, tag)
        returns.scan(db, org.clerk, task_id, f"GC12A-{tag}001")  # calendar and rules cached

        by_serial, seen_serial = sent(db, org, task_id, f"GC12A-{tag}002")
        assert by_serial.kind == "line" and by_serial.line is not None
        assert by_serial.line.seq == 3 and by_serial.line.manufacturer == "惯性导航研究所"
        assert [d.verdict for d in by_serial.line.documents] == ["unchecked"] * 3

        by_code, seen_code = sent(db, org, task_id, f"GC-12A/GC12A-{tag}000")
        assert by_code.kind == "line" and by_code.line is not None and by_code.line.seq == 1

        added, seen_new = sent(db, org, task_id, f"DY-3/DY3-{tag}900")
        assert added.kind == "added" and added.line is not None and added.task is not None
        assert added.line.seq == size + 1 and added.line.manufacturer == "电源分厂"
        assert [d.verdict for d in added.line.documents] == ["unchecked"] * 3
        assert added.task.line_count == size + 1
        assert added.task.version == added.line.task_version
        assert added.task == returns.get_task(db, task_id)
        assert added.line == returns.get_line(db, added.line.id)
        counts[size] = (len(seen_serial), len(seen_code), len(seen_new))
        assert not any("FOR UPDATE" in s for s in seen_serial + seen_code)
        assert any("FOR UPDATE" in s for s in seen_new) or db.is_sqlite
    new_item = NEW_ITEM_SQLITE if db.is_sqlite else NEW_ITEM
    assert counts[3] == counts[30] == (COUNTED_SERIAL, COUNTED_CODE, new_item), counts


def test_a_task_is_read_in_two_statements(db: Database, org: Org) -> None:
    task_id = task_of(db, org, 3, "T")
    with statements(db) as seen:
        task = returns.get_task(db, task_id)
    assert task.line_count == 3 and task.user_unit == "某部队修理所"
    assert task.handover_number is None and task.rejection_notice_number is None
    assert len([s for s in seen if not s.lstrip().upper().startswith("BEGIN")]) == 2


def test_a_line_is_read_whole_in_one_statement(db: Database, org: Org) -> None:
    task_id = task_of(db, org, 2, "G")
    line = returns.scan(db, org.clerk, task_id, "GC12A-G001").line
    assert line is not None
    with statements(db) as seen:
        again = returns.get_line(db, line.id)
    assert again == line
    assert len([s for s in seen if not s.lstrip().upper().startswith("BEGIN")]) == 1


def test_an_item_known_before_is_looked_for_on_open_returns(db: Database, org: Org) -> None:
    """The statements saved for a new item are saved only for it: an item already known is
    looked for on the task and on every open return, as before."""
    task_of(db, org, 1, "K")
    second = task_of(db, org, 0, "Z")
    with statements(db) as seen, pytest.raises(DomainError, match="已在返厂任务"):
        returns.scan(db, org.clerk, second, "GC-12A/GC12A-K000")
    assert any("return_line" in s and "NOT IN" in s for s in seen), seen
