"""Dispatch and the repair bench: every step, and every refused step."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import DomainError, PermissionDenied, WrongState
from app.models.returns import DocumentKind
from app.models.states import Decision, LineStatus
from app.services.admin import codelists, masterdata
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import command_line_actor
from app.services.oversight import deadlines, inbox, item_history
from app.services.repair import bench, repairs

D = dt.date
CONFIRMED = D(2026, 9, 21)


@pytest.fixture
def people(org):  # type: ignore[no-untyped-def]
    """The org of tests/conftest.py: with quality, competent dept and a second manufacturer."""
    return org


def accepted_lines(db, org, serials, confirmed=CONFIRMED):  # type: ignore[no-untyped-def]
    task = returns.create_task(db, org.clerk, "某部队修理所", today=confirmed)
    ids = []
    for model, serial in serials:
        line = returns.add_line(db, org.clerk, task.id, model, serial, "自检不通过")
        for kind in DocumentKind:
            returns.set_document(db, org.clerk, line.id, kind, True, True)
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
        ids.append(line.id)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed)
    return ids


def status(db, line_id):  # type: ignore[no-untyped-def]
    return returns.get_line(db, line_id).status


def test_dispatch_groups_by_manufacturer_with_route(db, people):
    gc, dy = accepted_lines(db, people, [("GC-12A", "G-1"), ("DY-3", "D-1")])
    groups = dispatching.dispatch_groups(db, today=CONFIRMED)
    by_maker = {g.manufacturer: g for g in groups}
    assert set(by_maker) == {"惯性导航研究所", "电源分厂"}
    assert by_maker["惯性导航研究所"].lines[0].route == "ZT-1 › GC-12A"
    with pytest.raises(DomainError, match="一个承制单位"):
        dispatching.dispatch(db, people.clerk, [gc, dy], today=CONFIRMED)
    result = dispatching.dispatch(db, people.clerk, [gc], today=D(2026, 9, 25))
    assert result.handover_number.startswith("JJ-2026-") and result.overdue_report_number is None
    assert status(db, gc) == LineStatus.dispatched
    assert status(db, dy) == LineStatus.accepted


def test_late_dispatch_needs_a_reason_and_reports_it(db, people):
    (gc,) = accepted_lines(db, people, [("GC-12A", "G-1")])
    late_day = CONFIRMED + dt.timedelta(days=9)
    with pytest.raises(DomainError, match="超期原因"):
        dispatching.dispatch(db, people.clerk, [gc], today=late_day)
    assert status(db, gc) == LineStatus.accepted
    result = dispatching.dispatch(
        db, people.clerk, [gc], late_reasons={gc: "承制单位停产检修"}, today=late_day
    )
    assert result.overdue_report_number is not None
    received = inbox.inbox(db, people.manager)
    report = next(r for r in received if r.number == result.overdue_report_number)
    assert report.kind == "overdue_report" and "承制单位停产检修" in report.body


def test_model_without_manufacturer_cannot_be_dispatched(db, people):
    s = command_line_actor()
    masterdata.add_model(db, s, "NEW-1", "新产品")
    (line,) = accepted_lines(db, people, [("NEW-1", "N-1")])
    with pytest.raises(DomainError, match="没有指定承制单位"):
        dispatching.dispatch(db, people.clerk, [line], today=CONFIRMED)
    masterdata.set_model_manufacturer(db, s, "NEW-1", "电源分厂")
    dispatching.dispatch(db, people.clerk, [line], today=CONFIRMED)


def send(db, people, line, day=CONFIRMED):  # type: ignore[no-untyped-def]
    return dispatching.dispatch(db, people.clerk, [line], today=day).handover_number


def test_whole_way_to_the_certificate(db, people):
    (line,) = accepted_lines(db, people, [("GC-12A", "G-1")])
    number = send(db, people, line)
    eng = people.engineer
    # Another manufacturer's engineer cannot countersign it.
    with pytest.raises(PermissionDenied):
        repairs.receive(db, people.power, number, "孙工", today=D(2026, 9, 22))
    received = repairs.receive(
        db, eng, number, "陈工", anomalies={line: "铅封松动"}, today=D(2026, 9, 22)
    )
    assert received.received == 1 and status(db, line) == LineStatus.at_manufacturer
    with pytest.raises(WrongState, match="已经签收"):
        repairs.receive(db, eng, number, "陈工")
    # No step may be skipped.
    with pytest.raises(WrongState, match="在承制单位"):
        repairs.localize(
            db,
            eng,
            line,
            fault_mode="功能失效",
            cause_category="元器件",
            faulty_part="陀螺",
            conclusion="x",
        )
    kx = repairs.record_unboxing(
        db,
        eng,
        line,
        repairs.Unboxing(True, False, True, True, True, "李参谋", "铅封松动，已拍照"),
        photos=[("seal.png", b"\x89PNG fake image bytes")],
        today=D(2026, 9, 22),
    )
    assert kx.startswith("KX-2026-")
    pc1 = repairs.write_investigation_plan(
        db, eng, line, "GC12A-PC-01", "A", "陈工", today=D(2026, 9, 23)
    )
    assert status(db, line) == LineStatus.localizing
    pc2 = repairs.write_investigation_plan(db, eng, line, "GC12A-PC-01", "B", "陈工")
    assert pc1 != pc2
    with pytest.raises(DomainError, match="已存在"):
        repairs.write_investigation_plan(db, eng, line, "GC12A-PC-01", "B", "陈工")
    with pytest.raises(DomainError, match="故障模式"):
        repairs.localize(
            db,
            eng,
            line,
            fault_mode="不存在的模式",
            cause_category="元器件",
            faulty_part="陀螺",
            conclusion="x",
        )
    dw = repairs.localize(
        db,
        eng,
        line,
        fault_mode="功能失效",
        cause_category="元器件",
        faulty_part="X 轴陀螺",
        conclusion="X 轴陀螺输出为零，更换陀螺后恢复",
        today=D(2026, 9, 29),
    )
    # The localization report reaches both the competent and the quality department.
    report = inbox.get_report(db, dw)
    assert report.kind == "localization_report"
    assert report.addressed_to == "科研生产部、质量部"
    assert [r.number for r in inbox.inbox(db, people.quality)] == [dw]
    with pytest.raises(DomainError, match="维修方案"):
        repairs.record_repair(db, eng, line, "更换陀螺", "陈工")
    repairs.plan_repair(
        db,
        eng,
        line,
        "更换 X 轴陀螺并标定",
        D(2026, 10, 30),
        "GC12A-WF-01",
        "A",
        today=D(2026, 9, 29),
    )
    assert status(db, line) == LineStatus.in_repair
    wx = repairs.record_repair(
        db,
        eng,
        line,
        "更换 X 轴陀螺，重新标定",
        "陈工",
        tests="全温标定合格",
        parts=[repairs.Part("GY-100", "光纤陀螺", "GY-2023-11", "GY-2026-40")],
        today=D(2026, 10, 15),
    )
    points = codelists.get_checklist(db, "GC-12A")
    with pytest.raises(PermissionDenied):
        repairs.inspect_acceptance(db, eng, line, {p.id: (True, "") for p in points})
    with pytest.raises(DomainError, match="未全部填写"):
        repairs.inspect_acceptance(db, people.quality, line, {points[0].id: (True, "")})
    failed = repairs.inspect_acceptance(
        db,
        people.quality,
        line,
        {p.id: (p.position != 3, "零偏超差" if p.position == 3 else "") for p in points},
        findings="零偏超差 0.08°/h",
        today=D(2026, 10, 16),
    )
    assert not failed.passed and status(db, line) == LineStatus.in_repair
    wx2 = repairs.record_repair(db, eng, line, "重新标定零偏", "陈工", today=D(2026, 10, 18))
    passed = repairs.inspect_acceptance(
        db, people.quality, line, {p.id: (True, "") for p in points}, today=D(2026, 10, 19)
    )
    assert passed.passed and passed.repair_record_number == wx2 and wx != wx2
    assert status(db, line) == LineStatus.accepted_after_repair
    history = item_history.item_history(db, "GC-12A/G-1")
    assert history.certificate_entries == (wx2,)
    # Each plan version is named with its letter in the item's history (issue 7, defect 14).
    plans = [e.detail for e in history.events if e.action == "investigation_plan"]
    assert plans == [f"{pc1}（GC12A-PC-01，A 版）", f"{pc2}（GC12A-PC-01，B 版）"]
    actions = [e.action for e in history.events]
    for step in (
        "register",
        "accept",
        "dispatch",
        "receive_at_manufacturer",
        "unbox",
        "write_plan",
        "localize",
        "start_repair",
        "finish_repair",
        "fail_acceptance",
        "accept_repair",
        "certificate_entry",
    ):
        assert step in actions
    # Every deadline of this line is met now; none is listed as open.
    assert not [r for r in deadlines.list_deadlines(db, D(2026, 10, 20)) if r.line_id == line]
    met = [r for r in deadlines.list_deadlines(db, D(2026, 10, 20), True) if r.line_id == line]
    assert {(r.deadline.rule, r.deadline.state) for r in met} == {
        ("dispatch", "met"),
        ("localization", "met"),
        ("repair", "met"),
    }


RECEIVED = D(2026, 9, 22)


def at_bench(db, people, serial, received=RECEIVED):  # type: ignore[no-untyped-def]
    (line,) = accepted_lines(db, people, [("GC-12A", serial)])
    repairs.receive(db, people.engineer, send(db, people, line), "陈工", today=received)
    repairs.record_unboxing(
        db,
        people.engineer,
        line,
        repairs.Unboxing(True, True, True, True, True, "李参谋"),
        today=received,
    )
    repairs.write_investigation_plan(db, people.engineer, line, "PC-1", "A", "陈工", today=received)
    return line


def test_no_fault_found_skips_repair_not_acceptance(db, people):
    line = at_bench(db, people, "G-2")
    repairs.no_fault_found(
        db, people.engineer, line, "常温、高低温复测均正常", today=D(2026, 9, 24)
    )
    with pytest.raises(WrongState):
        repairs.plan_repair(db, people.engineer, line, "x", D(2026, 12, 1))
    points = codelists.get_checklist(db, "GC-12A")
    done = repairs.inspect_acceptance(db, people.quality, line, {p.id: (True, "") for p in points})
    assert done.passed and done.repair_record_number
    history = item_history.item_history(db, "G-2")
    assert history.certificate_entries == (done.repair_record_number,)


def test_scrap_needs_a_manager_and_a_reason(db, people):
    line = at_bench(db, people, "G-3")
    with pytest.raises(WrongState, match="报废"):
        repairs.scrap(db, people.manager, line, "无修复价值")
    repairs.localize(
        db,
        people.engineer,
        line,
        fault_mode="外观/结构损伤",
        cause_category="运输贮存",
        faulty_part="壳体",
        conclusion="壳体断裂",
        today=RECEIVED + dt.timedelta(days=2),
    )
    with pytest.raises(PermissionDenied):
        repairs.scrap(db, people.engineer, line, "无修复价值")
    with pytest.raises(DomainError, match="原因"):
        repairs.scrap(db, people.manager, line, " ")
    repairs.scrap(db, people.manager, line, "壳体断裂，无修复价值")
    assert status(db, line) == LineStatus.scrapped
    # Its set held only this item: nothing is left to deliver, the set and its task close.
    from app.services.way_back import kitting

    kit = kitting.kit_of_line(db, line)
    assert kit is not None and kitting.kit_status(db, kit).status == "closed"
    task = returns.get_task_by_number(db, returns.get_line(db, line).task_number)
    assert task.status == "closed"


def test_overdue_localization_and_escalation_are_reported_once(db, people):
    at_bench(db, people, "G-4", received=D(2026, 9, 29))
    # Five working days after 09-29 across National Day is 10-12.
    assert deadlines.sweep(db, D(2026, 10, 12)) == []
    issued = deadlines.sweep(db, D(2026, 10, 13))
    assert len(issued) == 1 and issued[0].startswith("CQ-")
    assert deadlines.sweep(db, D(2026, 10, 14)) == []
    assert [r.number for r in inbox.inbox(db, people.quality)] == issued
    # 60 calendar days in repair: escalated to the prime unit, acknowledged by a manager only.
    escalated = deadlines.sweep(db, D(2026, 11, 29))
    assert len(escalated) == 1 and escalated[0].startswith("SJ-")
    with pytest.raises(PermissionDenied):
        inbox.acknowledge(db, people.clerk, escalated[0])
    inbox.acknowledge(db, people.manager, escalated[0])
    assert deadlines.sweep(db, D(2026, 12, 1)) == []


def test_engineer_bench_lists_own_lines_by_nearest_deadline(db, people):
    early = at_bench(db, people, "G-5", received=D(2026, 9, 22))
    late = at_bench(db, people, "G-6", received=D(2026, 9, 29))
    (power_line,) = accepted_lines(db, people, [("DY-3", "D-9")])
    send(db, people, power_line)
    mine = bench.bench_lines(db, people.engineer, today=D(2026, 9, 30))
    assert [b.line_id for b in mine] == [early, late]
    assert all(b.next_step == "localize" for b in mine)
    theirs = bench.bench_lines(db, people.power, today=D(2026, 9, 30))
    assert [(b.line_id, b.next_step) for b in theirs] == [(power_line, "receive_at_manufacturer")]
    assert theirs[0].handover_number.startswith("JJ-")
    with pytest.raises(PermissionDenied):
        repairs.record_unboxing(
            db, people.power, early, repairs.Unboxing(True, True, True, True, True, "李参谋")
        )


def test_a_lines_records_and_plans_in_order(db, people):
    line = at_bench(db, people, "G-9")
    repairs.write_investigation_plan(db, people.engineer, line, "PC-1", "B", "陈工")
    dw = repairs.localize(
        db,
        people.engineer,
        line,
        fault_mode="功能失效",
        cause_category="元器件",
        faulty_part="陀螺",
        conclusion="陀螺失效",
        today=RECEIVED + dt.timedelta(days=2),
    )
    numbers = bench.line_records(db, line)
    assert [n[:2] for n in numbers] == ["JJ", "JJ", "KX", "PC", "PC", "DW"]
    assert numbers[-1] == dw
    assert [(d, v) for d, v, _n in bench.line_plans(db, line)] == [("PC-1", "A"), ("PC-1", "B")]
