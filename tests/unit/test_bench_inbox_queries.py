"""Why the engineer's bench and the inbox stay fast at a million lines, shown without a clock:
a page of either is read with a fixed number of statements whatever the number of lines or
reports (counted with SQLAlchemy's `before_cursor_execute` event), and the pages read one after
another give the whole list in the order a single read gives.

Where only a line's state and dates matter to the read, the test moves the line with one UPDATE
instead of the whole repair way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from app.db import Database
from app.models.org import Unit, UnitKind
from app.models.records import ReportKind
from app.models.returns import ReturnLine
from app.models.states import LineStatus
from app.models.workdays import DeadlineState
from app.services.kernel.context import command_line_actor
from app.services.kernel.views import BenchLine, ReportView
from app.services.oversight import inbox
from app.services.records.registry import issue_report
from app.services.repair import bench, scrapping
from tests.conftest import Org
from tests.support.statements import selects
from tests.unit.test_repair_way import accepted_lines

D = dt.date
TODAY = D(2026, 10, 20)
MAKER = "惯性导航研究所"
# (state, received, localized, repair accepted): every group of running clocks, and none.
SHAPES: tuple[tuple[LineStatus, bool, bool, bool], ...] = (
    (LineStatus.dispatched, False, False, False),
    (LineStatus.at_manufacturer, True, False, False),
    (LineStatus.localizing, True, False, False),
    (LineStatus.localized, True, True, False),
    (LineStatus.in_repair, True, True, False),
    (LineStatus.repaired, True, True, False),
    (LineStatus.no_fault_found, True, True, False),
    (LineStatus.unboxed, True, False, False),
)


def bench_store(db: Database, org: Org, n: int, tag: str) -> list[int]:
    """`n` lines on the inertial-navigation bench in every shape, received on days spread over
    two months (weekends and holidays among them, so due dates tie), one scrap request waiting."""
    lines = accepted_lines(db, org, [("GC-12A", f"{tag}-{i}") for i in range(n)], confirmed=TODAY)
    with db.transaction() as session:
        maker = session.query(Unit.id).filter(Unit.name == MAKER).one()[0]
        for i, line_id in enumerate(lines):
            state, received, localized, accepted = SHAPES[i % len(SHAPES)]
            day = D(2026, 8, 20) + dt.timedelta(days=(i * 3) % 17)
            values: dict[str, Any] = {
                "status": state,
                "manufacturer_unit_id": maker,
                "received_on": day if received else None,
                "localized_on": day + dt.timedelta(days=3) if localized else None,
                "repair_accepted_on": day + dt.timedelta(days=9) if accepted else None,
            }
            session.execute(update(ReturnLine).where(ReturnLine.id == line_id).values(**values))
    scrapping.request_scrap(db, org.engineer, lines[3], "主板烧毁", today=TODAY)
    return lines


def order(line: BenchLine) -> tuple[bool, dt.date, dt.date, int]:
    near = line.nearest
    if near is None or near.due is None or near.starts is None:
        return (True, dt.date.max, dt.date.max, line.line_id)
    return (False, near.due, near.starts, line.line_id)


def bench_read(db: Database, org: Org) -> list[str]:
    """What the bench page sends to show its counts and its first page."""
    with selects(db) as seen:
        bench.bench_counts(db, org.engineer, TODAY)
        bench.page_bench_lines(db, org.engineer, TODAY)
    return seen


def test_the_bench_reads_the_same_statements_for_5_lines_and_for_40(db: Database, org: Org) -> None:
    bench_store(db, org, 5, "S")
    bench.page_bench_lines(db, org.engineer, TODAY)  # the calendar and rules, cached a minute
    five = bench_read(db, org)
    assert len(bench.page_bench_lines(db, org.engineer, TODAY)) == 5

    bench_store(db, org, 40, "L")
    forty = bench_read(db, org)
    assert len(bench.page_bench_lines(db, org.engineer, TODAY)) == 45
    assert len(forty) == len(five), (five, forty)
    # The counts in one statement; a page's lines chosen in one per group of running clocks
    # and one for the lines with none, then their task, item, model, scrap request and
    # dispatch record in one more.
    assert len(five) <= 6

    # The next page after a line deep down: the same statements again.
    rows = bench.page_bench_lines(db, org.engineer, TODAY)
    with selects(db) as after:
        bench.page_bench_lines(db, org.engineer, TODAY, after=rows[20], limit=10)
    assert len(after) <= 5


def test_bench_pages_follow_the_nearest_deadline_and_count_in_sql(db: Database, org: Org) -> None:
    lines = bench_store(db, org, 24, "P")
    whole = bench.page_bench_lines(db, org.engineer, TODAY, limit=1000)
    assert sorted(b.line_id for b in whole) == sorted(lines)
    assert whole == sorted(whole, key=order)
    # Lines with no running clock (not yet received) come last.
    assert {b.line_id for b in whole if b.nearest is None} == set(lines[:: len(SHAPES)])
    assert whole[-1].nearest is None
    # Due dates tie (received on a weekend, or a working-day clock beside a calendar one):
    # the pages still meet end to end, nothing twice, nothing left out.
    dues = [b.nearest.due for b in whole if b.nearest]
    assert len(set(dues)) < len(dues)
    for size in (1, 3, 7):
        paged: list[BenchLine] = []
        while True:
            page = bench.page_bench_lines(
                db, org.engineer, TODAY, after=paged[-1] if paged else None, limit=size
            )
            paged += page
            if len(page) < size:
                break
        assert paged == whole, size

    waiting = next(b for b in whole if b.line_id == lines[3])
    assert waiting.next_step == bench.DECIDE_SCRAP
    overdue = sum(1 for b in whole if b.nearest and b.nearest.state == DeadlineState.overdue)
    assert 0 < overdue < len(whole)
    counts = bench.bench_counts(db, org.engineer, TODAY)
    assert (counts.total, counts.listed, counts.overdue, counts.waiting) == (
        24,
        24,
        overdue,
        1,
    )

    # 只看我能办理的, in SQL: a manager sees the scrap request waiting, nothing else.
    steps = frozenset({bench.DECIDE_SCRAP})
    assert [b.line_id for b in bench.page_bench_lines(db, org.manager, TODAY, steps=steps)] == [
        lines[3]
    ]
    assert bench.bench_counts(db, org.manager, TODAY, steps=steps).listed == 1
    mine = frozenset({"localize", "unbox"})
    listed = bench.page_bench_lines(db, org.engineer, TODAY, steps=mine)
    assert listed == [b for b in whole if b.next_step in mine]
    assert bench.bench_counts(db, org.engineer, TODAY, steps=mine).listed == len(listed)

    # Another unit's engineer sees none of them.
    assert bench.page_bench_lines(db, org.power, TODAY) == []


def reports_store(db: Database, org: Org, n: int, tag: str) -> None:
    """`n` overdue reports and escalations to the quality and competent departments, each about
    a line of a task of its own at the inertial-navigation bench; every third one acknowledged."""
    lines = bench_store(db, org, n, tag)
    system = command_line_actor()
    with db.transaction() as session:
        quality = session.query(Unit).filter(Unit.kind == UnitKind.quality_dept).one()
        competent = session.query(Unit).filter(Unit.kind == UnitKind.competent_dept).one()
        for i, line_id in enumerate(lines):
            kind = ReportKind.escalation if i % 4 == 3 else ReportKind.overdue_report
            line = session.get(ReturnLine, line_id)
            assert line is not None
            issue_report(
                session,
                system,
                prefix="SJ" if kind == ReportKind.escalation else "CQ",
                year=2026,
                kind=kind,
                recipients=[quality, competent] if i % 2 else [quality],
                title=f"超期报告 {tag}-{i}",
                body="故障定位超期",
                task_id=line.task_id,
                lines=[(line_id, "故障定位超期")],
                rule="localization",
            )
    numbers = [r.number for r in inbox.inbox(db, org.quality, limit=1000)]
    inbox.acknowledge_many(db, org.quality, numbers[::3])


def inbox_read(db: Database, org: Org) -> list[str]:
    """What 收件箱 and 超期与升级 send for their count, first page and a page further down."""
    with selects(db) as seen:
        inbox.unread_count(db, org.quality)
        first = inbox.inbox(db, org.quality, limit=4)
        inbox.inbox(db, org.quality, limit=4, after=first[-1].id, unread_only=True)
        followed = inbox.followed_reports(db, org.engineer, limit=4)
        inbox.followed_reports(db, org.engineer, limit=4, after=followed[-1].id)
    return seen


def every_page(read: Any) -> list[ReportView]:
    found: list[ReportView] = []
    while True:
        page = read(found[-1].id if found else None)
        found += page
        if len(page) < 3:
            return found


def test_the_inbox_reads_the_same_statements_for_8_reports_and_for_48(
    db: Database, org: Org
) -> None:
    reports_store(db, org, 8, "S")  # two pages of four, a signed report in each
    eight = inbox_read(db, org)
    reports_store(db, org, 40, "L")
    many = inbox_read(db, org)
    assert len(many) == len(eight), (eight, many)
    # A page: its reports, their recipients, tasks, units and who signed; the reader's units.
    assert len(eight) <= 1 + 2 * 6 + 2 * 7

    # Pages of three meet end to end, newest first, as one read gives them.
    whole = inbox.inbox(db, org.quality, limit=1000)
    assert len(whole) == 48
    assert every_page(lambda after: inbox.inbox(db, org.quality, limit=3, after=after)) == whole
    assert [r.id for r in whole] == sorted((r.id for r in whole), reverse=True)
    followed = inbox.followed_reports(db, org.engineer, limit=1000)
    assert len(followed) == 48 and not any(r.mine for r in followed)
    assert (
        every_page(lambda after: inbox.followed_reports(db, org.engineer, limit=3, after=after))
        == followed
    )
    unread = [r for r in whole if r.acknowledged_at is None]
    assert 0 < len(unread) < 48
    assert inbox.unread_count(db, org.quality) == len(unread)
