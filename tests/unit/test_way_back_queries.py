"""Why the way back stays fast at a million lines, shown without a clock: the kit-set list, a
set's items and the lines awaiting return are read with a fixed number of statements whatever
the number of sets or lines (counted with SQLAlchemy's `before_cursor_execute` event), and the
kitting report's workbook touches each row once.

The stores are built through the services (a handover, regrouping); where only a line's state
matters to the read, the test moves it with one UPDATE instead of the whole repair way."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import update

from app.db import Database
from app.models.delivery import KitSet, KitSetStatus
from app.models.org import Unit
from app.models.returns import ReturnLine
from app.models.states import LineStatus
from app.models.workdays import Deadline, DeadlineState
from app.printing.forms import render_form
from app.services.kernel.views import KitItem, KitStatus
from app.services.way_back import delivery, kitting, kitting_report
from tests.conftest import Org
from tests.pdf_tools import pdf_text
from tests.support.statements import selects
from tests.unit.test_repair_way import accepted_lines

D = dt.date
TODAY = D(2026, 10, 20)


def move(db: Database, line_ids: list[int], status: LineStatus, maker: str | None = None) -> None:
    """Put lines in a state the read cares about (the repair way is tested elsewhere)."""
    with db.transaction() as session:
        values: dict[str, Any] = {"status": status}
        if maker is not None:
            values["manufacturer_unit_id"] = (
                session.query(Unit.id).filter(Unit.name == maker).one()[0]
            )
        session.execute(update(ReturnLine).where(ReturnLine.id.in_(line_ids)).values(**values))


def split(db: Database, org: Org, line_ids: list[int]) -> list[str]:
    """Each line into a kit set of its own (a manager's 调整齐套)."""
    return [
        kitting.regroup(db, org.manager, [i], None, D(2026, 12, 1) + dt.timedelta(days=n), TODAY)
        for n, i in enumerate(line_ids)
    ]


def list_read(db: Database) -> list[str]:
    """What the kitting page sends to show its list and open the first set."""
    with selects(db) as seen:
        rows = kitting.page_kit_sets(db, TODAY, include_closed=True)
        kitting.kit_status(db, rows[0].number, TODAY)
    return seen


def test_the_kit_list_reads_the_same_statements_for_3_sets_and_for_30(
    db: Database, org: Org
) -> None:
    lines = accepted_lines(db, org, [("GC-12A", f"Q-{i}") for i in range(40)], confirmed=TODAY)
    (first,) = {kitting.kit_of_line(db, i) for i in lines}
    assert first is not None
    move(db, lines[:6], LineStatus.back_at_materials)
    move(db, lines[6:8], LineStatus.scrapped, "惯性导航研究所")
    move(db, lines[8:12], LineStatus.in_repair, "惯性导航研究所")
    split(db, org, lines[-2:])
    kitting.page_kit_sets(db, TODAY)  # the calendar and rules are cached once a minute
    three = list_read(db)

    rows = kitting.page_kit_sets(db, TODAY, include_closed=True)
    assert len(rows) == 3
    big = next(r for r in rows if r.number == first)
    # Counted per state in SQL: 38 lines, 2 scrapped out of the set, 6 of the 36 back.
    assert (big.total, big.scrapped, big.back, big.n_missing) == (38, 2, 6, 30)
    assert not big.complete

    split(db, org, lines[11:38])
    thirty = list_read(db)
    assert len(kitting.page_kit_sets(db, TODAY, include_closed=True)) == 30
    assert len(thirty) == len(three), (three, thirty)
    assert len(three) <= 8  # the sets, their counts, one set's header and items, a unit

    # A set's items: the same statements for one line as for eleven.
    status = kitting.kit_status(db, first, TODAY)
    assert len(status.items) == 11 and len(status.missing) == 3
    with selects(db) as big_set:
        kitting.kit_status(db, first, TODAY)
    small = kitting.kit_of_line(db, lines[11])
    assert small is not None
    with selects(db) as small_set:
        assert len(kitting.kit_status(db, small, TODAY).items) == 1
    assert len(big_set) == len(small_set)


def test_kit_sets_page_by_deadline_and_keep_the_one_open(db: Database, org: Org) -> None:
    lines = accepted_lines(db, org, [("GC-12A", f"P-{i}") for i in range(7)], confirmed=TODAY)
    made = split(db, org, lines[:6])  # deadlines 12-01 … 12-06
    (default,) = {kitting.kit_of_line(db, lines[6])}
    assert default is not None  # the task's set has no deadline of its own: listed last
    pages: list[list[str]] = []
    last = None
    with selects(db) as seen:
        while True:
            page = kitting.page_kit_sets(db, TODAY, after=last, limit=3)
            if not page:
                break
            pages.append([r.number for r in page])
            last = page[-1]
    assert [n for p in pages for n in p] == [*made, default]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert len(seen) == 2 * 3 + 1  # two statements a page, one for the empty last page

    # A closed set is listed only when asked, or when it is the one a person has open.
    move(db, [lines[0]], LineStatus.closed)
    with db.transaction() as session:
        session.execute(
            update(KitSet).where(KitSet.number == made[0]).values(status=KitSetStatus.closed)
        )
    assert made[0] not in [r.number for r in kitting.page_kit_sets(db, TODAY)]
    assert made[0] in [r.number for r in kitting.page_kit_sets(db, TODAY, also=made[0])]
    closed = kitting.page_kit_sets(db, TODAY, include_closed=True)[0]
    assert (closed.number, closed.status, closed.back, closed.complete) == (
        made[0],
        "closed",
        1,
        True,
    )


def test_lines_awaiting_return_read_the_same_statements_for_5_and_for_50(
    db: Database, org: Org
) -> None:
    lines = accepted_lines(db, org, [("GC-12A", f"R-{i}") for i in range(50)], confirmed=TODAY)
    dy = accepted_lines(db, org, [("DY-3", "R-DY")], confirmed=TODAY)
    move(db, dy, LineStatus.accepted_after_repair, "电源分厂")

    def read(limit: int = 200) -> tuple[int, list[delivery.AwaitingGroup], list[int]]:
        with selects(db) as seen:
            groups = delivery.awaiting_groups(db)
            mine = next(g for g in groups if g.manufacturer == "惯性导航研究所")
            got: list[int] = []
            while True:
                page = delivery.page_awaiting(
                    db, mine.manufacturer_id, got[-1] if got else None, limit
                )
                got.extend(x.line_id for x in page)
                if len(page) < limit:
                    break
        return len(seen), groups, got

    move(db, lines[:5], LineStatus.in_repair, "惯性导航研究所")
    delivery.create_delivery_plan(db, org.manager, lines[3:5], D(2026, 11, 5), today=TODAY)
    delivery.create_delivery_plan(db, org.manager, lines[4:5], D(2026, 11, 2), today=TODAY)
    move(db, lines[:5], LineStatus.accepted_after_repair)
    five, groups, got = read()
    assert got == lines[:5]
    assert [(g.manufacturer, g.count, g.earliest_plan) for g in groups] == [
        ("惯性导航研究所", 5, D(2026, 11, 2)),
        ("电源分厂", 1, None),
    ]
    first = delivery.page_awaiting(db, groups[0].manufacturer_id, None, 3)
    assert [x.dispatch_deadline.due for x in first] == [None, None, None]
    assert delivery.page_awaiting(db, groups[0].manufacturer_id, lines[3], 3)[
        0
    ].dispatch_deadline.due == D(2026, 11, 2)
    assert first[0].route == "ZT-1 › GC-12A" and first[0].item_code == "GC-12A/R-0"

    move(db, lines[5:], LineStatus.accepted_after_repair, "惯性导航研究所")
    fifty, groups, got = read()
    assert got == lines and groups[0].count == 50
    assert fifty == five, (five, fifty)
    # Paged 20 at a time: three pages, the same statements each.
    paged, _groups, got = read(limit=20)
    assert got == lines and paged == fifty + 2 * (fifty - 2)
    # The whole list for scripts, grouped as before.
    whole = delivery.awaiting_return(db)
    assert [len(g.lines) for g in whole] == [50, 1]
    # 制定交付计划 lists every line at its manufacturer in one statement.
    with selects(db) as planning:
        assert len(delivery.plannable_lines(db)) == 51
    assert len(planning) == 1


def _status(n: int) -> KitStatus:
    items = tuple(
        KitItem(
            i,
            "RT-1",
            f"GC-12A/S-{i}",
            "惯性测量组合",
            "in_repair",
            "惯导所",
            "惯导所",
            i % 2 == 0,
            False,
            i % 5,
            "维修中",
        )
        for i in range(n)
    )
    deadline = Deadline("kitting_report", None, None, DeadlineState.not_started, None, False)
    return KitStatus(
        "QT-2026-0001", "RT-1", "某部队修理所", D(2026, 12, 1), "open", deadline, None, items
    )


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_report_workbook_touches_each_row_once(db: Database, monkeypatch: Any) -> None:
    """`ws.max_row` walks the sheet: read per row it made 2,000 lines take 16 s. The writer
    keeps its own row number, and writes each cell once."""
    calls = {"max_row": 0, "cell": 0}
    max_row = Worksheet.max_row
    cell = Worksheet.cell

    def counted_max_row(ws: Worksheet) -> int:
        calls["max_row"] += 1
        return max_row.fget(ws)  # type: ignore[attr-defined,no-any-return]

    def counted_cell(ws: Worksheet, *args: Any, **kwargs: Any) -> Any:
        calls["cell"] += 1
        return cell(ws, *args, **kwargs)

    monkeypatch.setattr(Worksheet, "max_row", property(counted_max_row))
    monkeypatch.setattr(Worksheet, "cell", counted_cell)
    seen = {}
    for n in (20, 2_000):
        calls.update(max_row=0, cell=0)
        data = kitting_report.status_workbook(_status(n), TODAY)
        seen[n] = dict(calls)
        assert calls["cell"] <= 8 * n + 40
    assert seen[20]["max_row"] == seen[2_000]["max_row"]  # none per row (saving reads it once)
    monkeypatch.undo()
    sheet = openpyxl.load_workbook(io.BytesIO(data))["齐套情况"]
    assert sheet.max_row == 9 + 2_000
    assert sheet.cell(10, 1).value == "GC-12A/S-9"  # not back and the latest first
    assert sheet["A1"].value == "齐套情况报告  QT-2026-0001"


def test_the_report_pdf_draws_barcodes_only_for_the_missing() -> None:
    """A barcode costs as much to draw as the rest of its row: the PDF gives one to each item
    still missing (someone has to fetch it) and prints the returned and scrapped as text."""
    status = _status(40)  # even items back, odd ones missing
    scrapped = dataclasses.replace(status.items[1], scrapped=True, note="已报废，退出齐套")
    status = dataclasses.replace(status, items=(*status.items[:1], scrapped, *status.items[2:]))
    form = kitting_report.status_form(status, "QB-2026-000001", TODAY)
    missing, rest = form.sections
    assert missing.title == "未返回的产品（19 件）" and missing.table is not None
    assert missing.table.barcode_column == 0
    assert {r[0] for r in missing.table.rows} == {f"GC-12A/S-{i}" for i in range(3, 40, 2)}
    assert rest.title == "已返回及报废退出的产品（21 件）" and rest.table is not None
    assert rest.table.barcode_column is None
    assert rest.table.rows[0][0] == "GC-12A/S-1"  # out of the set, before those back
    text = pdf_text(render_form(form))
    assert "未返回的产品（19 件）" in text and "GC-12A/S-38" in text
