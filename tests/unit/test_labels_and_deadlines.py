"""Item labels of a task, the deadline list and the working-day answer, as the CLI uses them."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import DomainError
from app.services.admin import demo
from app.services.dispatch import item_labels
from app.services.kernel.bootstrap import open_store
from app.services.oversight import deadlines
from tests.pdf_tools import decode_barcodes, pdf_text, render_pages

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One demo store for the module: these tests only read it."""
    db = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    result = demo.load_demo(db, TODAY)
    yield db, result
    db.dispose()


def test_labels_of_accepted_items_scan_at_203_dpi(demo_db, tmp_path):
    db, result = demo_db
    task = result.tasks[0]  # two accepted items and one rejected
    items = item_labels.task_labels(db, task)
    assert len(items) == 2
    pdf = item_labels.render_task_labels(db, task, "60x40")
    decoded = set()
    for page in render_pages(pdf, tmp_path, dpi=203):
        decoded.update(decode_barcodes(page, symbology="qrcode") + decode_barcodes(page))
    assert {label.item_code for label in items} <= decoded
    assert task in pdf_text(pdf)
    with pytest.raises(DomainError, match="没有已接收"):
        item_labels.render_task_labels(db, result.tasks[-1])


def test_deadline_list_covers_every_rule_with_states(demo_db):
    db, _ = demo_db
    rows = deadlines.list_deadlines(db, TODAY)
    seen = {(r.deadline.rule, r.deadline.state) for r in rows}
    assert ("dispatch", "overdue") in seen and ("dispatch", "due_soon") in seen
    assert ("localization", "overdue") in seen and ("repair", "overdue") in seen
    assert ("localization", "running") in seen
    assert all(r.deadline.state not in ("met", "met_late") for r in rows)
    everything = deadlines.list_deadlines(db, TODAY, include_met=True)
    assert {r.deadline.state for r in everything} >= {"met"}
    dues = [r.deadline.due for r in rows]
    assert dues == sorted(dues)


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("unboxing_inspection", "开箱检查记录"),
        ("investigation_plan", "故障排查方案"),
        ("localization_report", "故障定位情况报告"),
        ("repair_record", "维修记录"),
        ("acceptance_inspection", "验收记录"),
        ("overdue_report", "超期报告"),
        ("escalation", "升级报告"),
    ],
)
def test_every_bench_record_prints_with_its_number(demo_db, tmp_path, kind, title):
    from app.services.records import printing

    db, result = demo_db
    number = result.records[kind][0]
    pdf = printing.render_record(db, number)
    text = "".join(pdf_text(pdf).split())
    assert title in text and number in text
    codes = decode_barcodes(render_pages(pdf, tmp_path, dpi=300)[0])
    assert number in codes
