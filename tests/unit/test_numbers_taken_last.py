"""Issue 10, ten desks: a record number's series is locked from the number to the commit
(numbers are gap-free), so a write takes its numbers last: the lines move first, and what the
write sends after its first number is the same for 3 lines as for 10. At ten desks, the
handover's JJ taken before the lines moved made every confirm and dispatch queue behind the
others'. The manufacturer's countersign sends one UPDATE per line (each checks the line's
version) and nothing else per line."""

from __future__ import annotations

from app.db import Database
from app.models.states import Decision
from app.services.dispatch import dispatching
from app.services.handover import checks, returns
from app.services.repair import repairs
from tests.conftest import Org
from tests.support.statements import statements


def _accepted(db: Database, org: Org, n: int, tag: str) -> tuple[int, list[int]]:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    ids = [returns.add_line(db, org.clerk, task.id, "GC-12A", f"{tag}{n}-{k}").id for k in range(n)]
    checks.check_lines(db, org.clerk, ids)
    checks.decide_lines(db, org.clerk, ids, Decision.accept)
    return task.id, ids


def _after_first_number(seen: list[str]) -> list[str]:
    first = next(i for i, s in enumerate(seen) if "record_counter" in s)
    return [s.split("(")[0].strip() for s in seen[first:]]


def _confirm(db: Database, org: Org, n: int) -> list[str]:
    task_id, _ids = _accepted(db, org, n, "NC")
    with statements(db) as seen:
        returns.confirm_handover(db, org.clerk, task_id, "李参谋", "王敏")
    moved = [i for i, s in enumerate(seen) if s.startswith("UPDATE return_line SET status")]
    first = next(i for i, s in enumerate(seen) if "record_counter" in s)
    assert moved and max(moved) < first
    return _after_first_number(seen)


def _dispatch(db: Database, org: Org, n: int) -> list[str]:
    task_id, ids = _accepted(db, org, n, "ND")
    returns.confirm_handover(db, org.clerk, task_id, "李参谋", "王敏")
    with statements(db) as seen:
        dispatching.dispatch(db, org.clerk, ids, sender_name="王敏")
    moved = [i for i, s in enumerate(seen) if s.startswith("UPDATE return_line SET status")]
    first = next(i for i, s in enumerate(seen) if "record_counter" in s)
    assert moved and max(moved) < first
    return _after_first_number(seen)


def test_a_confirm_moves_its_lines_before_it_takes_a_number(db: Database, org: Org) -> None:
    assert _confirm(db, org, 3) == _confirm(db, org, 10)


def test_a_dispatch_moves_its_lines_before_it_takes_a_number(db: Database, org: Org) -> None:
    assert _dispatch(db, org, 3) == _dispatch(db, org, 10)


def _received(db: Database, org: Org, n: int) -> list[str]:
    task_id, ids = _accepted(db, org, n, "NR")
    returns.confirm_handover(db, org.clerk, task_id, "李参谋", "王敏")
    number = dispatching.dispatch(db, org.clerk, ids, sender_name="王敏").handover_number
    with statements(db) as seen:
        repairs.receive(db, org.engineer, number, "陈工")
    per_line = [s for s in seen if s.startswith("UPDATE return_line SET status")]
    assert len(per_line) == n
    return [s.split("(")[0].strip() for s in seen if s not in per_line]


def test_a_countersign_sends_for_10_lines_what_it_sends_for_3(db: Database, org: Org) -> None:
    assert _received(db, org, 3) == _received(db, org, 10)
