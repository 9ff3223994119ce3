"""The labels of the items a clerk selected (defect 4): exactly those, from any tasks."""

from __future__ import annotations

import pytest

from app.errors import DomainError, NotFound
from app.services.dispatch import item_labels
from app.services.handover import returns
from tests.pdf_tools import pdf_text
from tests.unit.test_repair_way import accepted_lines


def test_labels_of_the_selected_lines_of_two_tasks(db, org):  # type: ignore[no-untyped-def]
    a, b = accepted_lines(db, org, [("GC-12A", "L-1"), ("GC-12A", "L-2")])
    c, d = accepted_lines(db, org, [("DY-3", "L-3"), ("GC-12A", "L-4")])
    labels = item_labels.line_labels(db, [d, b, d])  # as selected; a repeat prints once
    assert [x.item_code for x in labels] == ["GC-12A/L-4", "GC-12A/L-2"]
    tasks = {returns.get_line(db, i).task_number for i in (b, d)}
    assert {x.task_number for x in labels} == tasks and len(tasks) == 2
    assert {x.manufacturer for x in labels} == {"惯性导航研究所"}
    text = pdf_text(item_labels.render_line_labels(db, [b, c], "a4"))
    assert "L-2" in text and "L-3" in text and "L-1" not in text and "L-4" not in text
    del a


def test_lines_without_a_label_are_refused(db, org):  # type: ignore[no-untyped-def]
    task = returns.create_task(db, org.clerk, "某部队修理所")
    registered = returns.add_line(db, org.clerk, task.id, "GC-12A", "L-9", "无输出")
    with pytest.raises(DomainError, match="未接收的产品没有标签"):
        item_labels.line_labels(db, [registered.id])
    with pytest.raises(DomainError, match="请先选择"):
        item_labels.line_labels(db, [])
    with pytest.raises(NotFound):
        item_labels.line_labels(db, [987654])
    with pytest.raises(DomainError, match="标签尺寸"):
        item_labels.render_line_labels(db, [registered.id], "a5")
