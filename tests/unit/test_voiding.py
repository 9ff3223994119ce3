"""Voiding issued records (issue 9): a manager voids with a reason, the record stays and prints
with 作废, a re-issue takes the next number and names the voided one; the database refuses any
other change of an issued record on both backends."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.db import Database
from app.errors import DomainError, PermissionDenied, WrongState
from app.models.misc import AuditEvent
from app.models.records import (
    HandoverRecord,
    HandoverRecordLine,
    RecordCounter,
    Report,
    ReportLine,
)
from app.models.repair import AcceptanceInspection, AcceptanceResult, FaultLocalization
from app.models.returns import DocumentKind
from app.models.states import Decision
from app.services.admin import codelists
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.oversight import inbox, item_history
from app.services.records import printing, voiding
from app.services.repair import bench, repairs
from tests.pdf_tools import pdf_text
from tests.unit.test_repair_way import CONFIRMED, accepted_lines, at_bench

D = dt.date
REFUSED = "已出具的记录不能修改"


def flat(pdf: bytes) -> str:
    return "".join(pdf_text(pdf).split())


def _jj(db: Database, org) -> str:  # type: ignore[no-untyped-def]
    """A confirmed handover: two lines accepted, one rejected (so a JS is issued too)."""
    task = returns.create_task(db, org.clerk, "某部队修理所", today=CONFIRMED)
    for model, serial in (("GC-12A", "G-1"), ("DY-3", "D-1"), ("DY-3", "D-2")):
        line = returns.add_line(db, org.clerk, task.id, model, serial, "自检不通过")
        for kind in DocumentKind:
            returns.set_document(db, org.clerk, line.id, kind, True, True)
        if serial == "D-2":
            returns.decide_line(db, org.clerk, line.id, Decision.reject, "缺件")
        else:
            returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=CONFIRMED)
    with db.reading() as session:
        return session.scalars(select(HandoverRecord.number)).one()


def test_a_manager_voids_a_handover_record_and_it_is_issued_again(db, org) -> None:  # type: ignore[no-untyped-def]
    number = _jj(db, org)
    with pytest.raises(PermissionDenied, match="只有经理"):
        voiding.void_record(db, org.clerk, number, "签字人写错")
    with pytest.raises(DomainError, match="作废原因"):
        voiding.void_record(db, org.manager, number, "  ")
    with pytest.raises(DomainError, match="必须重新出具"):
        voiding.void_record(db, org.manager, number, "签字人写错", reissue=False)

    done = voiding.void_record(db, org.manager, number, "签字人写错", today=CONFIRMED)
    assert done.reissued == "JJ-2026-000002" and done.voided_by == "赵总"
    with db.reading() as session:
        old, new = session.scalars(select(HandoverRecord).order_by(HandoverRecord.id)).all()
        assert (old.number, old.voided, old.void_reason, old.voided_by) == (
            number,
            True,
            "签字人写错",
            "赵总",
        )
        assert old.voided_at is not None
        assert (new.number, new.voided, new.replaces) == (done.reissued, False, number)
        assert (new.kind, new.task_id, new.from_person, new.handover_date) == (
            old.kind,
            old.task_id,
            old.from_person,
            old.handover_date,
        )
        lines = [
            sorted(
                session.scalars(
                    select(HandoverRecordLine.line_id).where(HandoverRecordLine.record_id == r.id)
                )
            )
            for r in (old, new)
        ]
        assert lines[0] == lines[1] and len(lines[0]) == 3
        # Numbers stay gap-free: the voided one is kept, the next one is the re-issue.
        assert (
            session.scalar(select(RecordCounter.last_value).where(RecordCounter.prefix == "JJ"))
            == 2
        )
        events = session.execute(
            select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.reason)
            .where(AuditEvent.action.in_(("void", "reissue")))
            .order_by(AuditEvent.id)
        ).all()
        assert events == [("void", old.id, "签字人写错"), ("reissue", new.id, "")]
    with pytest.raises(WrongState, match="已经作废"):
        voiding.void_record(db, org.manager, number, "又错了")

    voided = flat(printing.render_record(db, number))
    assert "作废" in voided and "签字人写错" in voided and "作废人：赵总" in voided
    reissued = flat(printing.render_record(db, done.reissued))
    assert f"替代{number}（已作废）" in reissued and "作废原因" not in reissued
    # The task prints the record that stands.
    task = returns.get_task_by_number(db, "FX-2026-000001")
    assert done.reissued in flat(printing.render_record(db, task.number))


def test_what_can_be_voided_and_reissued_by_kind(db, org) -> None:  # type: ignore[no-untyped-def]
    _jj(db, org)
    with pytest.raises(WrongState, match="不能作废"):
        voiding.void_record(db, org.manager, "FX-2026-000001", "错")
    with pytest.raises(DomainError, match="不存在"):
        voiding.void_record(db, org.manager, "JJ-2026-000099", "错")
    assert voiding.void_rule(db, "JJ-2026-000001").reissue == "always"
    assert voiding.void_rule(db, "JS-2026-000001").reissue == "optional"
    (line,) = accepted_lines(db, org, [("GC-12A", "G-9")], confirmed=D(2026, 9, 1))
    from app.services.dispatch import dispatching

    late = dispatching.dispatch(
        db, org.clerk, [line], late_reasons={line: "等车"}, today=D(2026, 9, 30)
    )
    cq = late.overdue_report_number
    assert cq is not None and voiding.void_rule(db, cq).reissue == "never"
    with pytest.raises(DomainError, match="只能作废"):
        voiding.void_record(db, org.manager, cq, "误报", reissue=True)
    done = voiding.void_record(db, org.manager, cq, "误报")
    assert done.reissued == ""
    with db.reading() as session:
        report = session.scalars(select(Report).where(Report.number == cq)).one()
        assert report.voided and report.void_reason == "误报"
        cqs = select(func.count()).select_from(Report).where(Report.number.like("CQ-%"))
        assert session.scalar(cqs) == 1
    assert "误报" in flat(printing.render_record(db, cq))
    # The lists of reports say it: 已作废 and why.
    view = inbox.get_report(db, cq)
    assert (view.voided, view.void_reason) == (True, "误报")


def test_a_voided_repair_record_leaves_the_certificate_to_its_reissue(db, org) -> None:  # type: ignore[no-untyped-def]
    line = at_bench(db, org, "G-7")
    repairs.no_fault_found(db, org.engineer, line, "复测正常", today=D(2026, 9, 24))
    points = codelists.get_checklist(db, "GC-12A")
    done = repairs.inspect_acceptance(db, org.quality, line, {p.id: (True, "") for p in points})
    wx = done.repair_record_number
    assert item_history.item_history(db, "G-7").certificate_entries == (wx,)
    again = voiding.void_record(db, org.manager, wx, "维修人写错")
    assert item_history.item_history(db, "G-7").certificate_entries == (again.reissued,)
    assert f"替代{wx}" in flat(printing.render_record(db, again.reissued))
    # An acceptance record is issued again with its checklist results.
    ys = voiding.void_record(db, org.manager, done.number, "检验员签错")
    with db.reading() as session:
        old, new = session.scalars(
            select(AcceptanceInspection).order_by(AcceptanceInspection.id)
        ).all()
        results = [
            session.scalars(
                select(AcceptanceResult.checklist_item_id)
                .where(AcceptanceResult.inspection_id == x.id)
                .order_by(AcceptanceResult.id)
            ).all()
            for x in (old, new)
        ]
        assert (new.number, new.replaces, new.passed) == (ys.reissued, done.number, old.passed)
    assert results[0] == results[1] and len(results[0]) == len(points)


def test_a_voided_localization_is_issued_again_and_the_bench_goes_on(db, org) -> None:  # type: ignore[no-untyped-def]
    line = at_bench(db, org, "G-5")
    dw = repairs.localize(
        db,
        org.engineer,
        line,
        fault_mode="功能失效",
        cause_category="元器件",
        faulty_part="陀螺",
        conclusion="陀螺损坏",
        today=D(2026, 9, 24),
    )
    done = voiding.void_record(db, org.manager, dw, "定位结论写错了部件", today=D(2026, 9, 25))
    assert done.reissued == "DW-2026-000002"
    with db.reading() as session:
        old, new = session.scalars(select(FaultLocalization).order_by(FaultLocalization.id)).all()
        assert old.voided and not new.voided and new.replaces == dw
        assert new.conclusion == "陀螺损坏" and new.line_id == line
        # The report that carries a DW to the departments is voided and re-issued with it.
        reports = session.scalars(select(Report).order_by(Report.id)).all()
        assert [(r.number, r.voided) for r in reports] == [(dw, True), (done.reissued, False)]
    text_ = flat(printing.render_record(db, dw))
    assert "作废" in text_ and "定位结论写错了部件" in text_
    repairs.plan_repair(db, org.engineer, line, "更换陀螺", D(2026, 12, 1))
    # The bench lists both, the voided one said so.
    titles = [r.title for r in bench.line_detail(db, line).records if r.number.startswith("DW")]
    assert titles == [f"故障定位情况报告 {dw}（已作废）", f"故障定位情况报告 {done.reissued}"]


def _raw(db: Database, sql: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql))


def test_the_store_refuses_changing_an_issued_record_but_takes_its_voiding(db, org) -> None:  # type: ignore[no-untyped-def]
    number = _jj(db, org)
    for sql in (
        f"UPDATE handover_record SET anomalies = '无' WHERE number = '{number}'",
        f"UPDATE handover_record SET handover_date = '2026-01-01' WHERE number = '{number}'",
        "UPDATE handover_record_line SET accepted = false",
        "UPDATE report_line SET reason = '改过'",
        "UPDATE report SET title = '改过'",
    ):
        with pytest.raises(IntegrityError, match=REFUSED):
            _raw(db, sql)
    # Deleting an issued record is refused too (its retention runs).
    with pytest.raises(IntegrityError, match="保存期限"):
        _raw(db, f"DELETE FROM handover_record WHERE number = '{number}'")
    with pytest.raises(IntegrityError, match="保存期限"):
        _raw(db, "DELETE FROM handover_record_line")
    # What voiding writes goes through, once; a voided record cannot be brought back.
    _raw(
        db,
        "UPDATE handover_record SET voided = true, void_reason = '测试', voided_by = '赵总'"
        f" WHERE number = '{number}'",
    )
    with pytest.raises(IntegrityError, match=REFUSED):
        _raw(db, f"UPDATE handover_record SET voided = false WHERE number = '{number}'")
    with pytest.raises(IntegrityError, match=REFUSED):
        _raw(db, f"UPDATE handover_record SET void_reason = '另一个' WHERE number = '{number}'")
    with db.reading() as session:
        record = session.scalars(select(HandoverRecord)).one()
        assert (record.voided, record.void_reason, record.anomalies) == (True, "测试", "")


def test_a_voided_dispatch_record_is_received_under_its_reissue_only(db, org) -> None:  # type: ignore[no-untyped-def]
    (line,) = accepted_lines(db, org, [("GC-12A", "G-8")])
    sent = dispatching.dispatch(db, org.clerk, [line], today=CONFIRMED).handover_number
    again = voiding.void_record(db, org.manager, sent, "承制单位写错联系人", today=CONFIRMED)
    with pytest.raises(WrongState, match=f"已作废，请签收重新出具的 {again.reissued}"):
        repairs.receive(db, org.engineer, sent, "陈工", today=D(2026, 9, 22))
    # Past the service, the store refuses it too.
    with pytest.raises(IntegrityError, match=REFUSED):
        _raw(db, f"UPDATE handover_record SET countersigned_by_id = 1 WHERE number = '{sent}'")
    done = repairs.receive(db, org.engineer, again.reissued, "陈工", today=D(2026, 9, 22))
    assert done.received == 1


def test_a_rejection_notice_may_be_sent_again_to_be_acknowledged_again(db, org) -> None:  # type: ignore[no-untyped-def]
    _jj(db, org)
    js = next(r for r in inbox.inbox(db, org.manager) if r.number.startswith("JS-"))
    inbox.acknowledge(db, org.manager, js.number)
    done = voiding.void_record(db, org.manager, js.number, "收件单位写错", reissue=True)
    assert done.reissued == "JS-2026-000002"
    new = inbox.get_report(db, done.reissued)
    assert (new.voided, new.acknowledged_at, new.title) == (False, None, js.title)
    with db.reading() as session:
        old_id, new_id = (
            session.scalars(select(Report.id).where(Report.number == n)).one()
            for n in (js.number, done.reissued)
        )
        lines = [
            session.execute(
                select(ReportLine.line_id, ReportLine.reason).where(ReportLine.report_id == i)
            ).all()
            for i in (old_id, new_id)
        ]
        assert lines[0] == lines[1] and len(lines[0]) == 1
    assert f"替代{js.number}" in flat(printing.render_record(db, done.reissued))


def test_every_page_of_a_voided_record_is_stamped() -> None:
    from app.printing.documents import FormDocument, FormSection, FormTable, RecordMark
    from app.printing.forms import render_form
    from tests.pdf_tools import pdf_pages_text

    rows = tuple((str(i), f"零件{i}", "更换") for i in range(1, 120))
    doc = FormDocument(
        number="WX-2026-000009",
        title="维修记录",
        subtitle="",
        item_code="",
        fields=(),
        sections=(FormSection("更换零件", table=FormTable("", ("序号", "零件", "处理"), rows)),),
        signatures=("维修人",),
        printed_at="2026-11-29 10:00",
        mark=RecordMark(True, "内容重复", "赵总", "2026-11-29 09:30", replaces="WX-2026-000001"),
    )
    pages = ["".join(p.split()) for p in pdf_pages_text(render_form(doc))]
    assert len(pages) > 1
    for page in pages:
        assert "本记录已作废。作废原因：内容重复" in page
        assert "作废人：赵总" in page and "替代WX-2026-000001（已作废）" in page
    plain = [
        "".join(p.split()) for p in pdf_pages_text(render_form(replace(doc, mark=RecordMark())))
    ]
    assert not any("作废" in p for p in plain)


def test_a_voided_record_names_the_one_issued_again_in_its_place(db, org) -> None:  # type: ignore[no-untyped-def]
    number = _jj(db, org)
    done = voiding.void_record(db, org.manager, number, "签字人写错", today=CONFIRMED)
    voided = "".join(pdf_text(printing.render_record(db, number)).split())
    assert f"已重新出具为{done.reissued}" in voided
    reissued = "".join(pdf_text(printing.render_record(db, done.reissued)).split())
    assert f"替代{number}（已作废）" in reissued and "已重新出具" not in reissued
