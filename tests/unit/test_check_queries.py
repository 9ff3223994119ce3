"""Issue 10: 三证一致 for a whole task (one key at the desk) sends as many statements for 10 lines
as for 3 (each line's own version bump aside). Every statement is a round trip while the task is
locked: at ten desks this write took 148 statements and half a second."""

from __future__ import annotations

from app.db import Database
from app.services.handover import checks, returns
from tests.conftest import Org
from tests.support.statements import statements


def checked(db: Database, org: Org, n: int) -> int:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    models = ("GC-12A", "DY-3")
    ids = [
        returns.add_line(db, org.clerk, task.id, models[k % 2], f"CQ{n}-{k}").id for k in range(n)
    ]
    with statements(db) as seen:
        views = checks.check_lines(db, org.clerk, ids)
    assert [v.id for v in views] == ids
    assert all(d.verdict == "consistent" for v in views for d in v.documents)
    return len([s for s in seen if not s.startswith("UPDATE return_line")])


def test_checking_every_document_of_10_lines_sends_what_3_do(db: Database, org: Org) -> None:
    assert checked(db, org, 3) == checked(db, org, 10)
