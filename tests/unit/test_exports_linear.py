"""Every export grows linearly with its lines (issue 10: "10,000 lines ≤ 10 s for Excel and
PDF"), shown without a clock: what an export reads from the store is a fixed number of
statements whatever the number of lines (counted with SQLAlchemy's `before_cursor_execute`
event), and what it draws is a fixed amount of work per line (Python function calls counted
with cProfile: twice the lines, at most a little over twice the calls).

The kitting report's workbook and PDF are shown linear in test_way_back_queries.py, the audit
export in the audit trail's tests."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.db import Database
from app.models.states import Decision
from app.printing.documents import HandoverDocument, ItemLabel, PrintLine
from app.printing.handover import render_handover, render_rejection_notice
from app.printing.item_labels import render_labels
from app.services.dispatch import item_labels
from app.services.handover import returns
from app.services.records.printing import render_record
from tests.conftest import Org
from tests.support.statements import selects

ACCEPTED: dict[str, list[int]] = {}


def handed_over(db: Database, org: Org, n: int, tag: str, confirm: bool = True) -> Any:
    """A task of `n` items, every third one refused, confirmed unless asked not to (the ids of
    the accepted lines are kept in ACCEPTED under the task's number)."""
    task = returns.create_task(db, org.clerk, "某部队修理所")
    accepted = ACCEPTED.setdefault(task.number, [])
    for i in range(n):
        line = returns.add_line(db, org.clerk, task.id, "GC-12A", f"{tag}-{i}", "自检不通过")
        returns.check_lines(db, org.clerk, [line.id])
        if i % 3 == 2:
            returns.decide_line(db, org.clerk, line.id, Decision.reject, "证明文件与实物不一致")
        else:
            returns.decide_line(db, org.clerk, line.id, Decision.accept)
            accepted.append(line.id)
    if not confirm:
        return task
    return returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏")


def statements(db: Database, export: Callable[[], object]) -> int:
    export()  # the calendar, the fonts and the like are read or loaded once
    with selects(db) as seen:
        export()
    return len(seen)


def test_the_handover_record_pdf_reads_the_same_statements_for_3_lines_and_for_12(
    db: Database, org: Org
) -> None:
    small = handed_over(db, org, 3, "S")
    big = handed_over(db, org, 12, "B")
    assert statements(db, lambda: render_record(db, small.handover_number)) == statements(
        db, lambda: render_record(db, big.handover_number)
    )


def test_the_rejection_notice_pdf_reads_the_same_statements_for_3_lines_and_for_12(
    db: Database, org: Org
) -> None:
    small = handed_over(db, org, 3, "S")
    big = handed_over(db, org, 12, "B")
    assert statements(db, lambda: render_record(db, small.rejection_notice_number)) == (
        statements(db, lambda: render_record(db, big.rejection_notice_number))
    )


def test_an_open_task_s_list_pdf_reads_the_same_statements_for_3_lines_and_for_12(
    db: Database, org: Org
) -> None:
    small = handed_over(db, org, 3, "S", confirm=False)
    big = handed_over(db, org, 12, "B", confirm=False)
    assert statements(db, lambda: render_record(db, small.number)) == statements(
        db, lambda: render_record(db, big.number)
    )


def test_selected_items_labels_read_the_same_statements_for_2_items_and_for_8(
    db: Database, org: Org
) -> None:
    small = handed_over(db, org, 3, "S")
    big = handed_over(db, org, 12, "B")
    few_ids = ACCEPTED[small.task_number][:2]
    many_ids = ACCEPTED[big.task_number][:8]
    assert len(many_ids) == 8
    assert statements(db, lambda: item_labels.render_line_labels(db, few_ids)) == statements(
        db, lambda: item_labels.render_line_labels(db, many_ids)
    )


def test_a_task_s_labels_read_the_same_statements_for_3_items_and_for_12(
    db: Database, org: Org
) -> None:
    small = handed_over(db, org, 3, "S")
    big = handed_over(db, org, 12, "B")
    assert statements(db, lambda: item_labels.render_task_labels(db, small.task_number)) == (
        statements(db, lambda: item_labels.render_task_labels(db, big.task_number))
    )


# --- drawing: a fixed amount of work per line ---------------------------------------------------


def calls(draw: Callable[[], object]) -> int:
    profile = cProfile.Profile()
    profile.enable()
    draw()
    profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def linear(draw: Callable[[int], object], n: int) -> tuple[int, int]:
    """Calls to draw n lines and 2n lines, after a first draw has loaded fonts and caches."""
    draw(n)
    return calls(lambda: draw(n)), calls(lambda: draw(2 * n))


def print_lines(n: int) -> tuple[PrintLine, ...]:
    return tuple(
        PrintLine(
            seq=i + 1,
            item_code=f"GC-12A/GC12A-{i:05d}",
            model_code="GC-12A",
            model_name="惯性测量组合",
            drawing_no="GC12A-100",
            serial_no=f"GC12A-{i:05d}",
            quantity=1,
            fault_description="自检不通过，通电后无输出" * (1 + i % 3),
            documents="合格证：一致\n履历本：一致\n故障单：一致",
            result="接收" if i % 5 else "拒收：证明文件与实物不一致",
            accepted=bool(i % 5),
        )
        for i in range(n)
    )


HANDOVER = HandoverDocument(
    number="JJ-2026-000001",
    title="返厂交接记录",
    task_number="FX-2026-000001",
    from_party="某部队修理所",
    to_party="物资管理部门",
    from_person="李参谋",
    to_person="王敏",
    handover_date="2026-10-01",
    node_date="2026-12-01",
    lines=(),
    anomalies="",
    printed_at="2026-10-01 10:00",
    confirmed=True,
)


def test_a_handover_record_draws_each_line_with_the_same_work() -> None:
    one, two = linear(lambda n: render_handover(replace(HANDOVER, lines=print_lines(n))), 150)
    assert 1.8 * one < two < 2.2 * one, (one, two)


def test_a_rejection_notice_draws_each_line_with_the_same_work() -> None:
    from tests.unit.test_printing import make_rejection

    base = make_rejection()
    one, two = linear(lambda n: render_rejection_notice(replace(base, lines=print_lines(n))), 150)
    assert 1.8 * one < two < 2.2 * one, (one, two)


def test_labels_draw_each_item_with_the_same_work() -> None:
    def labels(n: int) -> tuple[ItemLabel, ...]:
        return tuple(
            ItemLabel(
                item_code=f"GC-12A/GC12A-{i:05d}",
                model_code="GC-12A",
                model_name="惯性测量组合",
                serial_no=f"GC12A-{i:05d}",
                task_number="FX-2026-000001",
                fault_short="自检不通过",
                manufacturer="惯性导航研究所",
            )
            for i in range(n)
        )

    for size in ("60x40", "a4"):
        one, two = linear(lambda n, s=size: render_labels(labels(n), s), 120)  # type: ignore[misc]
        assert 1.8 * one < two < 2.2 * one, (size, one, two)
