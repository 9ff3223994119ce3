"""Delivery, kitting and the dashboard: partial returns, a set completing, a late set, scrapping,
the final handover refused while an item is missing, and the follow-up closing the lines."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from app.errors import DomainError, PermissionDenied, WrongState
from app.models.states import LineStatus
from app.services.admin import codelists
from app.services.handover import returns
from app.services.kernel.context import command_line_actor
from app.services.kernel.terms import kit_step_refusal
from app.services.oversight import dashboard, inbox
from app.services.records import printing
from app.services.repair import repairs
from app.services.way_back import delivery, kitting, kitting_report
from tests.pdf_tools import pdf_text
from tests.unit.test_repair_way import accepted_lines, send

D = dt.date
SYS = command_line_actor()
OK = delivery.BackCheck(True, True, True)


def repaired(db, people, line, received):  # type: ignore[no-untyped-def]
    """Take a dispatched-ready line through the bench to accepted after repair."""
    repairs.receive(db, SYS, send(db, people, line, received), "陈工", today=received)
    repairs.record_unboxing(
        db, SYS, line, repairs.Unboxing(True, True, True, True, True, "李参谋"), today=received
    )
    repairs.write_investigation_plan(db, SYS, line, "PC-1", "A", "陈工", today=received)
    repairs.no_fault_found(db, SYS, line, "复测正常", today=received)
    model = returns.get_line(db, line).model_code
    points = codelists.get_checklist(db, model)
    repairs.inspect_acceptance(
        db,
        SYS,
        line,
        {p.id: (True, "") for p in points},
        passed=None if points else True,
        today=received,
    )


@pytest.fixture
def kit(db, org):  # type: ignore[no-untyped-def]
    """A task of three items confirmed 2026-10-01 with a kitting deadline 2026-12-01."""
    task = returns.create_task(
        db, org.clerk, "某部队修理所", kitting_deadline=D(2026, 12, 1), today=D(2026, 10, 1)
    )
    del task
    lines = accepted_lines(
        db, org, [("GC-12A", "K-1"), ("GC-12A", "K-2"), ("DY-3", "K-3")], confirmed=D(2026, 10, 1)
    )
    number = kitting.kit_of_line(db, lines[0])
    assert number is not None
    kitting.set_deadline(db, org.manager, number, D(2026, 12, 1))
    return number, lines


def test_confirmation_makes_the_default_kit_set(db, org, kit):
    number, lines = kit
    status = kitting.kit_status(db, number, D(2026, 10, 2))
    assert [i.line_id for i in status.items] == lines
    assert not status.complete and len(status.missing) == 3
    assert {i.note for i in status.items} == {"待分发"}
    assert status.report_deadline.due == D(2026, 11, 28)


def test_partial_returns_then_complete_deliver_and_close(db, org, kit):
    number, (a, b, c) = kit
    for line in (a, b, c):
        repaired(db, org, line, D(2026, 10, 5))
    first = delivery.receive_back(
        db, org.clerk, {a: OK, b: OK}, "陈工", "王敏", today=D(2026, 10, 20)
    )
    assert first.received == 2 and returns.get_line(db, a).status == LineStatus.back_at_materials
    status = kitting.kit_status(db, number, D(2026, 10, 21))
    assert [i.item_code for i in status.missing] == ["DY-3/K-3"]
    assert status.missing[0].where == "电源分厂" and "待交付" in status.missing[0].note
    with pytest.raises(DomainError, match="还缺 1 件"):
        kitting.complete(db, org.clerk, number, D(2026, 10, 21))
    with pytest.raises(WrongState, match="还缺 1 件"):
        delivery.deliver(db, org.clerk, number, "李参谋", "王敏")
    # The second batch: refused once for a missing packing list, then received.
    bad = delivery.BackCheck(True, False, True, "装箱清单缺失")
    second = delivery.receive_back(db, org.clerk, {c: bad}, "孙工", "王敏", today=D(2026, 10, 22))
    assert second.received == 0 and second.refused == (("DY-3/K-3", "装箱清单缺失"),)
    assert returns.get_line(db, c).status == LineStatus.accepted_after_repair
    delivery.receive_back(db, org.clerk, {c: OK}, "孙工", "王敏", today=D(2026, 10, 23))
    done = kitting.complete(db, org.clerk, number, D(2026, 10, 24))
    assert done.complete and done.status == "kitted"
    assert {returns.get_line(db, x).status for x in (a, b, c)} == {LineStatus.kitted}
    record = delivery.deliver(db, org.clerk, number, "李参谋", "王敏", today=D(2026, 10, 25))
    text = "".join(pdf_text(printing.render_record(db, record)).split())
    assert "修复产品交付用户交接记录单" in text and "K-3" in text
    assert {returns.get_line(db, x).status for x in (a, b, c)} == {LineStatus.delivered}
    with pytest.raises(DomainError, match="满意度"):
        delivery.record_followup(db, org.clerk, number, None)
    assert delivery.record_followup(db, org.clerk, number, 92, "满意") == 3
    assert {returns.get_line(db, x).status for x in (a, b, c)} == {LineStatus.closed}
    task = returns.get_task_by_number(db, returns.get_line(db, a).task_number)
    assert task.status == "closed"
    with pytest.raises(WrongState):
        delivery.record_followup(db, org.clerk, number, 92)


def test_scrapped_item_leaves_the_set_and_is_named(db, org, kit):
    number, (a, b, c) = kit
    repaired(db, org, a, D(2026, 10, 5))
    repaired(db, org, b, D(2026, 10, 5))
    repairs.receive(db, SYS, send(db, org, c, D(2026, 10, 5)), "孙工", today=D(2026, 10, 5))
    repairs.record_unboxing(db, SYS, c, repairs.Unboxing(True, True, False, True, True, "李参谋"))
    repairs.write_investigation_plan(db, SYS, c, "PC-9", "A", "孙工")
    repairs.localize(
        db,
        SYS,
        c,
        fault_mode="外观/结构损伤",
        cause_category="运输贮存",
        faulty_part="壳体",
        conclusion="壳体断裂",
        late_reason="等待壳体检测",
    )
    repairs.scrap(db, org.manager, c, "无修复价值")
    delivery.receive_back(db, org.clerk, {a: OK, b: OK}, "陈工", "王敏", today=D(2026, 10, 20))
    status = kitting.kit_status(db, number, D(2026, 10, 21))
    assert status.complete and [i.item_code for i in status.items if i.scrapped] == ["DY-3/K-3"]
    report = kitting.issue_status_report(db, org.clerk, number, D(2026, 10, 21))
    view = inbox.get_report(db, report)
    assert "报废退出 1 件" in view.body and view.addressed_to == "总体设计部"
    assert "DY-3/K-3" in "".join(pdf_text(printing.render_record(db, report)).split())
    kitting.complete(db, org.clerk, number, D(2026, 10, 22))


def test_late_kit_set_report_on_a_holiday_counts_calendar_days(db, org, kit):
    number, (a, _b, _c) = kit
    # Deadline 2026-10-04 (National Day): the report is due 2026-10-01, a holiday, all the same.
    kitting.set_deadline(db, org.manager, number, D(2026, 10, 4))
    late = kitting.kit_status(db, number, D(2026, 10, 2))
    assert late.report_deadline.due == D(2026, 10, 1)
    assert late.report_deadline.state == "overdue"
    assert late.report_deadline.days_left == -1
    rows = {r.line: r for r in kitting.kit_deadline_rows(db, D(2026, 10, 2))}
    assert rows[number].deadline.state == "overdue"
    report = kitting.issue_status_report(db, org.clerk, number, D(2026, 10, 2))
    met = kitting.kit_status(db, number, D(2026, 10, 3))
    assert met.report_deadline.state == "met_late" and met.report_number == report
    assert number not in {r.line for r in kitting.kit_deadline_rows(db, D(2026, 10, 3))}


def test_kitting_report_as_a_workbook(db, org, kit, tmp_path):
    number, _lines = kit
    data = kitting_report.kitting_report_xlsx(db, number, D(2026, 11, 27))
    path = tmp_path / "k.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path).active
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert values[0] == [f"齐套情况报告  {number}"]
    header = next(i for i, row in enumerate(values) if row and row[0] == "产品编码")
    assert {row[0] for row in values[header + 1 :]} == {"GC-12A/K-1", "GC-12A/K-2", "DY-3/K-3"}
    assert ["上报时限", "2026-11-28（即将到期）"] in values


def test_regroup_needs_a_manager(db, org, kit):
    number, (a, b, c) = kit
    with pytest.raises(PermissionDenied):
        kitting.regroup(db, org.clerk, [c], None, D(2026, 12, 20))
    other = kitting.regroup(db, org.manager, [c], None, D(2026, 12, 20), today=D(2026, 10, 2))
    assert other != number
    assert [i.line_id for i in kitting.kit_status(db, number, D(2026, 10, 2)).items] == [a, b]
    assert [i.line_id for i in kitting.kit_status(db, other, D(2026, 10, 2)).items] == [c]


def test_delivery_plan(db, org, kit):
    _number, (a, _b, _c) = kit
    with pytest.raises(WrongState, match="在承制单位"):
        delivery.create_delivery_plan(db, org.manager, [a], D(2026, 11, 1), today=D(2026, 10, 2))
    send(db, org, a, D(2026, 10, 2))
    with pytest.raises(PermissionDenied):
        delivery.create_delivery_plan(db, org.clerk, [a], D(2026, 11, 1), today=D(2026, 10, 2))
    plan = delivery.create_delivery_plan(db, org.manager, [a], D(2026, 11, 1), today=D(2026, 10, 2))
    assert plan.startswith("JF-2026-")


def test_dashboard_counts_and_scope(db, org, kit):
    _number, (a, b, _c) = kit
    send(db, org, a, D(2026, 10, 2))
    board = dashboard.dashboard(db, org.clerk, D(2026, 10, 9))
    stages = dict(board.by_stage)
    assert stages == {"accepted": 2, "dispatched": 1}
    assert dict(board.by_unit) == {"物资管理部门": 2, "惯性导航研究所": 1}
    assert {r.item for r in board.overdue} == {"GC-12A/K-2", "DY-3/K-3"}
    assert any(r.deadline.rule == "kitting_report" for r in board.running)
    mine = dashboard.dashboard(db, org.engineer, D(2026, 10, 9))
    assert dict(mine.by_stage) == {"dispatched": 1}
    assert not mine.overdue and not any(r.deadline.rule == "kitting_report" for r in mine.running)


def test_a_kit_sets_steps_follow_its_state(db, org, kit):
    """KIT_STEPS: one rule for the services and the window's grey buttons."""
    number, (a, b, c) = kit
    assert kit_step_refusal("deliver", "open") == "确认齐套后才能交付用户。"
    assert kit_step_refusal("deliver", "kitted") == ""
    assert kit_step_refusal("followup", "closed") == "已回访，流程已关闭。"
    for line in (a, b, c):
        repaired(db, org, line, D(2026, 10, 5))
    delivery.receive_back(db, org.clerk, {a: OK, b: OK}, "陈工", "王敏", D(2026, 10, 20))
    delivery.receive_back(db, org.clerk, {c: OK}, "孙工", "王敏", D(2026, 10, 20))
    kitting.complete(db, org.clerk, number, D(2026, 10, 21))
    with pytest.raises(WrongState, match="已经确认齐套"):
        kitting.complete(db, org.clerk, number, D(2026, 10, 21))
    delivery.deliver(db, org.clerk, number, "李参谋", "王敏", today=D(2026, 10, 22))
    # A set gone to the user is no longer reported on, nor its deadline moved.
    with pytest.raises(WrongState, match="不再上报齐套情况"):
        kitting.issue_status_report(db, org.clerk, number, D(2026, 10, 23))
    with pytest.raises(WrongState, match="不能修改时间节点"):
        kitting.set_deadline(db, org.manager, number, D(2026, 12, 30))
    delivery.record_followup(db, org.clerk, number, 95)
    assert number not in {k.number for k in kitting.list_kit_sets(db, D(2026, 10, 23))}
    # The set a person has open stays listed after it closed.
    kept = kitting.list_kit_sets(db, D(2026, 10, 23), also=number)
    assert [k.number for k in kept if k.status == "closed"] == [number]


def test_plannable_lines_are_those_at_their_manufacturers(db, org, kit):
    number, (a, b, _c) = kit
    assert delivery.plannable_lines(db) == []
    send(db, org, a, D(2026, 10, 2))
    repaired(db, org, b, D(2026, 10, 3))
    delivery.receive_back(db, org.clerk, {b: OK}, "陈工", "王敏", D(2026, 10, 20))
    (line,) = delivery.plannable_lines(db)  # b is back: only a is still out
    assert (line.line_id, line.item_code, line.manufacturer) == (a, "GC-12A/K-1", "惯性导航研究所")
    assert (line.kit_number, line.kit_deadline, line.status) == (
        number,
        D(2026, 12, 1),
        "dispatched",
    )
