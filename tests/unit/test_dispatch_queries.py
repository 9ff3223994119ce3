"""Why 分发 stays fast at a million lines, shown without a clock: the groups are counted in SQL
(overdue ones too) and a group's lines are read a keyset page at a time, each read a fixed
number of statements whatever the number of lines or manufacturers (counted with SQLAlchemy's
`before_cursor_execute` event). The overdue count in SQL agrees line by line with the deadline
each row shows and the dispatch itself demands a reason for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.db import Database
from app.models.org import UnitKind
from app.models.workdays import DeadlineState, Rule, WorkCalendar, evaluate
from app.services.admin import masterdata, rules
from app.services.dispatch import dispatching
from app.services.kernel import calendar
from app.services.kernel.context import command_line_actor
from app.services.kernel.terms import RuleCode
from tests.conftest import Org
from tests.support.statements import selects
from tests.unit.test_repair_way import accepted_lines

D = dt.date
DAY = dt.timedelta(days=1)
TODAY = D(2026, 10, 20)


def page_open(db: Database) -> tuple[list[str], list[dispatching.WaitingGroup]]:
    """What the page sends when it is shown: the groups, then the first group's first page."""
    with selects(db) as seen:
        groups = dispatching.waiting_groups(db, TODAY)
        dispatching.page_waiting(db, groups[0].manufacturer_id, None, 200, TODAY)
    return seen, groups


def add_makers(db: Database, names: list[str]) -> None:
    """More manufacturers, each with a model of its own under ZT-1."""
    s = command_line_actor()
    for n, name in enumerate(names):
        masterdata.add_unit(db, s, name, UnitKind.manufacturer)
        masterdata.add_model(db, s, f"M-{n}", f"部件{n}", manufacturer=name, parent_code="ZT-1")


def agrees(db: Database, groups: list[dispatching.WaitingGroup]) -> None:
    """Each group's counts are what its lines, read page by page, say."""
    whole = {g.manufacturer_id: g.lines for g in dispatching.dispatch_groups(db, TODAY)}
    for group in groups:
        lines = whole[group.manufacturer_id]
        assert group.count == len(lines)
        assert group.overdue == sum(1 for x in lines if x.overdue), group
        assert all(x.overdue == (x.dispatch_deadline.state == DeadlineState.overdue) for x in lines)


def test_the_groups_read_the_same_statements_for_3_lines_and_for_30(db: Database, org: Org) -> None:
    accepted_lines(db, org, [("GC-12A", "A-1"), ("DY-3", "A-2")], confirmed=TODAY - 10 * DAY)
    accepted_lines(db, org, [("GC-12A", "A-3")], confirmed=TODAY - 7 * DAY)  # due today
    dispatching.waiting_groups(db, TODAY)  # the calendar and rules are cached once a minute
    three, groups = page_open(db)
    assert [(g.manufacturer, g.count, g.overdue) for g in groups] == [
        ("惯性导航研究所", 2, 1),
        ("电源分厂", 1, 1),
    ]
    agrees(db, groups)

    # 30 lines going to 6 manufacturers (and a model no one makes yet), accepted over 12 days.
    add_makers(db, ["一分厂", "二分厂", "三分厂", "四分厂"])
    masterdata.add_model(db, command_line_actor(), "NEW-1", "新产品")
    models = ["GC-12A", "DY-3", "M-0", "M-1", "M-2", "M-3", "NEW-1"]
    for day in range(9):
        batch = [(models[(day + k) % 7], f"B-{day}-{k}") for k in range(3)]
        accepted_lines(db, org, batch, confirmed=TODAY - (12 - day) * DAY)
    thirty, groups = page_open(db)
    assert sum(g.count for g in groups) == 30 and len(groups) == 7
    assert groups[-1].manufacturer_id is None  # the lines without a manufacturer come last
    assert [g.manufacturer for g in groups[:2]] == ["一分厂", "三分厂"]  # by name
    agrees(db, groups)
    assert sum(g.overdue for g in groups) > 0
    assert len(thirty) == len(three), (three, thirty)
    assert len(three) <= 3  # the groups counted; a page of lines and the model tree


def test_a_group_reads_its_lines_a_page_at_a_time_the_longest_waiting_first(
    db: Database, org: Org
) -> None:
    few = accepted_lines(db, org, [("GC-12A", f"F-{i}") for i in range(3)], TODAY - 2 * DAY)
    (maker,) = [g for g in dispatching.waiting_groups(db, TODAY) if g.count == 3]
    with selects(db) as small:
        page = dispatching.page_waiting(db, maker.manufacturer_id, None, 200, TODAY)
    assert [x.line_id for x in page] == few

    # 27 more, accepted earlier (so they come first) and later; read 4 at a time.
    early = accepted_lines(db, org, [("GC-12A", f"E-{i}") for i in range(12)], TODAY - 9 * DAY)
    late = accepted_lines(db, org, [("GC-12A", f"L-{i}") for i in range(15)], TODAY)
    with selects(db) as big:
        page = dispatching.page_waiting(db, maker.manufacturer_id, None, 200, TODAY)
    assert len(page) == 30 and len(big) == len(small) == 2  # the lines, the model tree
    assert [x.line_id for x in page] == early + few + late

    got: list[Any] = []
    with selects(db) as paged:
        while True:
            after = dispatching.key_of(got[-1]) if got else None
            rows = dispatching.page_waiting(db, maker.manufacturer_id, after, 4, TODAY)
            got.extend(rows)
            if len(rows) < 4:
                break
    assert got == page
    assert len(paged) == 2 * 8  # 8 pages (the last one of 2 rows), the same two statements each

    # Each row: its task, code, route, deadline and the version the dispatch will carry.
    first = got[0]
    assert (first.item_code, first.route, first.model_name) == (
        "GC-12A/E-0",
        "ZT-1 › GC-12A",
        "惯性测量组合",
    )
    assert first.overdue and first.dispatch_deadline.due == TODAY - 2 * DAY
    assert not got[-1].overdue and got[-1].dispatch_deadline.state == DeadlineState.running
    assert first.version >= 1
    result = dispatching.dispatch(
        db,
        org.clerk,
        [x.line_id for x in got[:2]],
        late_reasons={x.line_id: "承制单位停产" for x in got[:2]},
        expected_versions={x.line_id: x.version for x in got[:2]},
        today=TODAY,
    )
    assert result.dispatched == 2 and result.overdue_report_number is not None
    (maker,) = [g for g in dispatching.waiting_groups(db, TODAY) if g.count == 28]
    assert maker.overdue == 10


def test_the_overdue_count_follows_a_working_day_rule_and_a_holiday(db: Database, org: Org) -> None:
    """Counted in SQL against one cut-off day, and evaluated per row: both move together when
    the rule counts working days and a day becomes a holiday."""
    for back in range(1, 10):
        accepted_lines(db, org, [("GC-12A", f"W-{back}")], confirmed=TODAY - back * DAY)
    rules.set_rule(db, org.admin, RuleCode.dispatch, 3, "working_days", 1)
    before = dispatching.waiting_groups(db, TODAY)
    agrees(db, before)
    calendar.set_day(db, command_line_actor(), TODAY - 4 * DAY, False, "停电检修")  # a Friday
    db.cache.pop("calendar", None)  # this desk's minute of cache (another reads it a minute on)
    after = dispatching.waiting_groups(db, TODAY)
    agrees(db, after)
    assert after[0].overdue == before[0].overdue - 1, (before, after)


@pytest.mark.parametrize("unit", ["calendar_days", "working_days"])
@pytest.mark.parametrize("length", [0, 1, 3, 7])
def test_the_first_day_on_time_is_where_evaluate_turns_from_overdue(unit: str, length: int) -> None:
    # National Day week off, the Saturday after it worked, a shutdown on 10-15.
    days = {D(2026, 10, 1) + n * DAY: False for n in range(7)}
    days |= {D(2026, 10, 10): True, D(2026, 10, 15): False}
    cal = WorkCalendar(days, [2026])
    rule = Rule(RuleCode.dispatch, length, unit)
    for today in (D(2026, 9, 28) + n * DAY for n in range(30)):
        cut = dispatching.first_on_time(rule, cal, today)
        for start in (today - n * DAY for n in range(25)):
            late = evaluate(rule, start, None, today, cal).state == DeadlineState.overdue
            assert late == (start < cut), (today, start, cut)


def test_dispatching_30_lines_reads_as_many_statements_as_3(db: Database, org: Org) -> None:
    """The lines' items and models come in one statement each, not one per line: what grows
    with the lines is only what is written for each (its update, record line, audit event)."""
    read = []
    for n in (3, 30):
        models = ["GC-12A", "DY-3"] if n == 3 else ["GC-12A"]  # one manufacturer per dispatch
        ids = accepted_lines(
            db, org, [(models[k % len(models)], f"S{n}-{k}") for k in range(n)], TODAY - DAY
        )
        maker_ids = ids if n == 30 else ids[::2]
        with selects(db) as seen:
            done = dispatching.dispatch(db, org.clerk, maker_ids, today=TODAY)
        assert done.dispatched == len(maker_ids)
        read.append(len(seen))
    assert read[0] == read[1]
