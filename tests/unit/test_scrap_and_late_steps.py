"""Issue 7: scrapping by request and approval (BF), late steps that say why and close the
overdue report they answer, and the quality certificate's number on the repair record."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import DomainError, NotFound, PermissionDenied, WrongState
from app.models.states import LineStatus
from app.services.oversight import deadlines, inbox, item_history
from app.services.records import printing, registry
from app.services.repair import bench, repairs, scrapping
from tests.pdf_tools import pdf_text
from tests.unit.test_repair_way import RECEIVED, at_bench, status

D = dt.date


@pytest.fixture
def people(org):  # type: ignore[no-untyped-def]
    return org


# Five working days after 09-22 is 09-29; 10-13 is the first working day after the holidays.
LATE_DAY = D(2026, 10, 13)


def flat(pdf: bytes) -> str:
    return "".join(pdf_text(pdf).split())


def localized(db, people, serial):  # type: ignore[no-untyped-def]
    line = at_bench(db, people, serial)
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
    return line


def test_scrap_is_requested_then_refused_or_approved_with_a_numbered_record(db, people):
    line = localized(db, people, "S-1")
    eng, manager = people.engineer, people.manager
    with pytest.raises(DomainError, match="原因"):
        scrapping.request_scrap(db, eng, line, " ")
    with pytest.raises(PermissionDenied):
        scrapping.request_scrap(db, people.quality, line, "无修复价值")
    asked = scrapping.request_scrap(db, eng, line, "壳体断裂，无修复价值", today=D(2026, 9, 25))
    assert asked.decision == "pending" and asked.number == ""
    assert status(db, line) == LineStatus.localized  # nothing changes until a manager decides
    with pytest.raises(WrongState, match="待审批"):
        scrapping.request_scrap(db, eng, line, "再次申请")
    # The bench puts the manager's decision first.
    (row,) = [b for b in bench.bench_lines(db, manager) if b.line_id == line]
    assert row.next_step == bench.DECIDE_SCRAP
    detail = bench.line_detail(db, line)
    assert detail.scrap is not None and detail.blocked["request_scrap"]
    assert detail.blocked[bench.DECIDE_SCRAP] == ""

    # The engineer may not decide; a refusal needs a note and returns the line to the bench.
    with pytest.raises(PermissionDenied):
        scrapping.decide_scrap(db, eng, line, True)
    with pytest.raises(DomainError, match="意见"):
        scrapping.decide_scrap(db, manager, line, False, " ")
    refused = scrapping.decide_scrap(db, manager, line, False, "可更换壳体修复", D(2026, 9, 26))
    assert refused.decision == "refused" and refused.number == ""
    assert status(db, line) == LineStatus.localized
    (row,) = [b for b in bench.bench_lines(db, eng) if b.line_id == line]
    assert row.next_step == "start_repair"
    detail = bench.line_detail(db, line)
    assert detail.scrap is not None and detail.scrap.note == "可更换壳体修复"
    assert detail.blocked["request_scrap"] == ""
    with pytest.raises(NotFound):
        scrapping.decide_scrap(db, manager, line, True)

    # Asked again, approved: the line is scrapped and the BF record is issued and printable.
    scrapping.request_scrap(db, eng, line, "壳体断裂且内部受潮，修复代价过高", D(2026, 9, 28))
    approved = scrapping.decide_scrap(db, manager, line, True, "同意", D(2026, 9, 29))
    assert approved.number.startswith("BF-2026-")
    assert status(db, line) == LineStatus.scrapped
    assert approved.number in bench.line_records(db, line)
    ref = registry.find_record(db, approved.number)
    assert ref.kind == "scrap_approval" and ref.task_id is not None
    text = flat(printing.render_record(db, approved.number))
    for words in ("报废审批单", approved.number, "壳体断裂且内部受潮", "同意报废", "审批人签字"):
        assert words in text
    actions = [e.action for e in item_history.item_history(db, "GC-12A/S-1").events]
    assert actions.count("scrap_request") == 2
    assert "scrap_refuse" in actions and "scrap_approve" in actions and "scrap" in actions


def test_late_localization_asks_why_and_closes_the_overdue_report(db, people):
    line = at_bench(db, people, "L-1")
    (cq,) = deadlines.sweep(db, LATE_DAY)
    before = flat(printing.render_record(db, cq))
    assert "至今未定位" in before and "未关闭" in before
    late = bench.line_detail(db, line, LATE_DAY).lateness
    assert late is not None and late.reports == (cq,) and late.unit == "working_days"
    args = dict(fault_mode="功能失效", cause_category="元器件", faulty_part="陀螺", conclusion="x")
    with pytest.raises(DomainError, match="超期原因"):
        repairs.localize(db, people.engineer, line, **args, today=LATE_DAY)
    dw = repairs.localize(
        db, people.engineer, line, **args, late_reason="等待陀螺测试设备", today=LATE_DAY
    )
    # 09-30 … 10-13 across National Day: 10-09, 10-10 (make-up), 10-12, 10-13 are working days.
    days = late.late_by
    assert days >= 1
    dw_text = flat(printing.render_record(db, dw))
    assert f"超期{days}个工作日" in dw_text and "等待陀螺测试设备" in dw_text
    assert "超期" in inbox.get_report(db, dw).body
    after = flat(printing.render_record(db, cq))
    assert "至今未定位" not in after
    assert f"已关闭：{LATE_DAY.isoformat()}完成故障定位（{dw}）" in after
    assert deadlines.sweep(db, LATE_DAY + dt.timedelta(days=1)) == []


def test_repair_past_sixty_days_asks_why_and_answers_the_escalation(db, people):
    line = localized(db, people, "R-1")
    repairs.plan_repair(db, people.engineer, line, "更换壳体", D(2026, 10, 30), today=RECEIVED)
    late_day = RECEIVED + dt.timedelta(days=65)
    (sj,) = deadlines.sweep(db, late_day)
    assert sj.startswith("SJ-")
    with pytest.raises(DomainError, match="超期原因"):
        repairs.record_repair(
            db, people.engineer, line, "更换壳体", "陈工", today=late_day, certificate_no="ZM-1"
        )
    wx = repairs.record_repair(
        db,
        people.engineer,
        line,
        "更换壳体",
        "陈工",
        today=late_day,
        certificate_no="ZM-1",
        late_reason="壳体外协加工周期长",
    )
    text = flat(printing.render_record(db, wx))
    assert "超期5天" in text and "壳体外协加工周期长" in text
    assert f"已关闭：{late_day.isoformat()}完成维修（{wx}）" in flat(printing.render_record(db, sj))


def test_the_certificate_is_identified_and_printed_with_its_release(db, people):
    line = localized(db, people, "C-1")
    repairs.plan_repair(db, people.engineer, line, "更换壳体", D(2026, 10, 30), today=RECEIVED)
    wx = repairs.record_repair(
        db, people.engineer, line, "更换壳体", "陈工", today=D(2026, 10, 1), certificate_no="ZM-9"
    )
    assert repairs.certificate_number(db, line) == "ZM-9"
    before = flat(printing.render_record(db, wx))
    assert "ZM-9" in before and "不得放行" in before and "授权放行人" not in before
    from app.services.admin import codelists

    points = codelists.get_checklist(db, "GC-12A")
    results = {p.id: (True, "") for p in points}
    with pytest.raises(DomainError, match="不一致"):
        repairs.inspect_acceptance(db, people.quality, line, results, certificate_no="ZM-8")
    done = repairs.inspect_acceptance(
        db, people.quality, line, results, certificate_no="ZM-9", today=D(2026, 10, 2)
    )
    assert done.repair_record_number == wx
    text = flat(printing.render_record(db, wx))
    assert "质量证明文件编号ZM-9" in text
    assert "经检验，该产品修复合格，准予放行。" in text and "授权放行人签字" in text
