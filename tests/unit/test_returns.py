"""The handover desk's services: scanning in, document checks, decisions, confirmation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from app.errors import Conflict, DomainError, NotFound, PermissionDenied, WrongState
from app.models.misc import AuditEvent
from app.models.records import HandoverRecord, Report
from app.models.returns import DocumentKind, DocumentVerdict, ReturnLine
from app.models.states import Decision, LineStatus, TaskStatus
from app.models.workdays import DeadlineState
from app.services.handover import returns
from app.services.oversight import inbox

TODAY = dt.date(2026, 11, 20)


def check_all(db, actor, line_id, ok=True):  # type: ignore[no-untyped-def]
    for kind in DocumentKind:
        returns.set_document(db, actor, line_id, kind, True, ok)


@pytest.fixture
def task(db, org):  # type: ignore[no-untyped-def]
    return returns.create_task(db, org.clerk, "某部队修理所", node_date=TODAY, today=TODAY)


def test_task_numbers_follow_prefix_and_year(db, org):
    first = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    second = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    next_year = returns.create_task(db, org.clerk, "某部队修理所", today=dt.date(2027, 1, 2))
    assert (first.number, second.number) == ("FX-2026-000001", "FX-2026-000002")
    assert next_year.number == "FX-2027-000001"


def test_scan_item_code_adds_a_line_then_selects_it(db, org, task):
    added = returns.scan(db, org.clerk, task.id, "GC-12A/GC12A-2026001")
    assert added.kind == "added"
    assert added.line is not None and added.line.seq == 1
    assert added.line.item_code == "GC-12A/GC12A-2026001"
    assert added.line.manufacturer == "惯性导航研究所"
    again = returns.scan(db, org.clerk, task.id, "GC-12A/GC12A-2026001")
    assert again.kind == "line" and again.line is not None and again.line.id == added.line.id
    by_serial = returns.scan(db, org.clerk, task.id, "GC12A-2026001")
    assert by_serial.kind == "line" and by_serial.line is not None
    assert by_serial.line.id == added.line.id


def test_full_width_scan_from_an_input_method_is_normalised(db, org, task):
    result = returns.scan(db, org.clerk, task.id, "ＧＣ－１２Ａ／ＧＣ１２Ａ－００７ ")
    assert result.kind == "added"
    assert result.line is not None and result.line.serial_no == "GC12A-007"


def test_unknown_serial_asks_for_the_model(db, org, task):
    result = returns.scan(db, org.clerk, task.id, "NEW-0001")
    assert result.kind == "needs_model" and result.serial_no == "NEW-0001"
    line = returns.add_line(db, org.clerk, task.id, "DY-3", "NEW-0001", "输出电压偏低")
    assert line.model_code == "DY-3" and line.fault_description == "输出电压偏低"
    # Known now, and unique: the bare serial selects the line.
    assert returns.scan(db, org.clerk, task.id, "NEW-0001").kind == "line"


def test_unknown_model_in_item_code_asks_for_the_model(db, org, task):
    result = returns.scan(db, org.clerk, task.id, "XX-9/XX9-001")
    assert result.kind == "needs_model" and result.model_code == "XX-9"
    with pytest.raises(NotFound, match="XX-9"):
        returns.add_line(db, org.clerk, task.id, "XX-9", "XX9-001")


def test_serial_on_two_models_asks_which(db, org, task):
    other = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    returns.add_line(db, org.clerk, other.id, "GC-12A", "S-100")
    returns.add_line(db, org.clerk, other.id, "DY-3", "S-100")
    result = returns.scan(db, org.clerk, task.id, "S-100")
    assert result.kind == "needs_model" and "多个型号" in result.message


@pytest.mark.parametrize("junk", ["你好", "ab", "GC-12A/", "/X", "a b/c d/e", "!!!!"])
def test_a_scan_that_is_no_code_is_refused_with_the_reason(db, org, task, junk):
    with pytest.raises(DomainError) as err:
        returns.scan(db, org.clerk, task.id, junk)
    assert "不是" in str(err.value) or "无法识别" in str(err.value)
    assert returns.get_task(db, task.id).line_count == 0


def test_a_scanned_record_number_is_found(db, org, task):
    result = returns.scan(db, org.clerk, task.id, task.number)
    assert result.kind == "record" and result.record_number == task.number
    with pytest.raises(NotFound):
        returns.scan(db, org.clerk, task.id, "JJ-2026-000999")


def test_the_same_serial_twice_in_one_task_is_refused(db, org, task):
    returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    with pytest.raises(DomainError, match="第 1 行"):
        returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")


def test_an_item_in_another_open_return_is_refused(db, org, task):
    returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    other = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    with pytest.raises(DomainError, match=task.number):
        returns.scan(db, org.clerk, other.id, "GC-12A/GC12A-1")
    assert returns.get_task(db, other.id).line_count == 0


def test_accepting_needs_every_document_checked_and_none_missing(db, org, task):
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    returns.set_verdict(
        db, org.clerk, line.id, DocumentKind.certificate, DocumentVerdict.consistent
    )
    with pytest.raises(DomainError, match="故障单、装箱清单还未核对"):
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.set_verdict(
        db, org.clerk, line.id, DocumentKind.fault_report, DocumentVerdict.consistent
    )
    returns.set_verdict(db, org.clerk, line.id, DocumentKind.packing_list, DocumentVerdict.missing)
    with pytest.raises(DomainError, match="装箱清单缺失"):
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
    check_all(db, org.clerk, line.id)
    assert returns.decide_line(db, org.clerk, line.id, Decision.accept).decision == Decision.accept
    # A document found wanting afterwards withdraws the acceptance.
    changed = returns.set_document(db, org.clerk, line.id, DocumentKind.packing_list, False, None)
    assert changed.decision is None
    assert changed.documents[2].verdict == DocumentVerdict.missing


def test_a_document_not_matching_the_item_is_recorded_and_may_be_accepted_with_a_note(
    db, org, task
):
    """Defect 3: checked and found wrong is 不一致, never 未核; the clerk decides."""
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    check_all(db, org.clerk, line.id)
    view = returns.set_verdict(
        db, org.clerk, line.id, DocumentKind.certificate, DocumentVerdict.inconsistent
    )
    cert = view.documents[0]
    assert (cert.verdict, cert.present, cert.consistent) == ("inconsistent", True, False)
    rows = returns.page_lines(db, task_id=task.id)
    assert rows[0].documents == ((True, False), (True, True), (True, True))
    with pytest.raises(DomainError, match="产品证明文件与实物不一致：请在备注中写明"):
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.set_verdict(
        db, org.clerk, line.id, DocumentKind.certificate, DocumentVerdict.inconsistent,
        "证明文件编号末位手写更正，已电话核实",
    )  # fmt: skip
    accepted = returns.decide_line(db, org.clerk, line.id, Decision.accept)
    assert accepted.decision == Decision.accept
    assert accepted.documents[0].note == "证明文件编号末位手写更正，已电话核实"
    # The verdict and the note are in the line's history.
    last = [h for h in returns.line_history(db, line.id) if h[2] == "document_certificate"][-1]
    assert (last[3], last[4], last[5]) == (
        "inconsistent",
        "inconsistent",
        "证明文件编号末位手写更正，已电话核实",
    )


def test_the_store_refuses_a_verdict_outside_the_closed_set(db, org, task):
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    with pytest.raises(DomainError) as err, db.transaction() as session:
        session.execute(
            text("UPDATE document_check SET verdict = 'perhaps' WHERE line_id = :id"),
            {"id": line.id},
        )
    assert "ck_document_check_verdict" in str(err.value.__cause__)
    assert {d.verdict for d in returns.get_line(db, line.id).documents} == {"unchecked"}


def test_several_lines_checked_and_accepted_at_once_all_or_none(db, org, task):
    lines = [returns.add_line(db, org.clerk, task.id, "GC-12A", f"GC12A-{i}") for i in range(3)]
    ids = [line.id for line in lines]
    with pytest.raises(DomainError, match="所选 3 件都没有标记") as err:
        returns.decide_lines(db, org.clerk, ids, Decision.accept)
    assert all(f"GC12A-{i}" in str(err.value) for i in range(3))
    checked = returns.check_lines(db, org.clerk, ids[:2])
    assert all(d.verdict == "consistent" for line in checked for d in line.documents)
    with pytest.raises(DomainError, match="GC12A-2 的产品证明文件、故障单、装箱清单还未核对"):
        returns.decide_lines(db, org.clerk, ids, Decision.accept)
    assert [returns.get_line(db, i).decision for i in ids] == [None, None, None]
    done = returns.decide_lines(db, org.clerk, ids[:2], Decision.accept)
    assert [line.decision for line in done] == [Decision.accept, Decision.accept]
    rejected = returns.decide_lines(db, org.clerk, ids[1:], Decision.reject, "外观破损")
    assert [(r.decision, r.reject_reason) for r in rejected] == [
        (Decision.reject, "外观破损"),
        (Decision.reject, "外观破损"),
    ]


def test_scanning_an_item_already_on_the_task_says_so(db, org, task):
    """Defect 6: a second scan is no fresh success."""
    returns.scan(db, org.clerk, task.id, "GC-12A/GC12A-2026001")
    again = returns.scan(db, org.clerk, task.id, "GC12A-2026001")
    assert again.kind == "line" and "已在本任务第 1 行" in again.message
    assert returns.get_task(db, task.id).line_count == 1


def test_missing_document_cannot_be_consistent(db, org, task):
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    with pytest.raises(DomainError, match="缺失"):
        returns.set_document(db, org.clerk, line.id, DocumentKind.certificate, False, True)


def test_rejecting_needs_a_reason(db, org, task):
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    with pytest.raises(DomainError, match="原因"):
        returns.decide_line(db, org.clerk, line.id, Decision.reject, "  ")


def prepare(db, org, task):  # type: ignore[no-untyped-def]
    good = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1", "自检不通过")
    bad = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-9", "纹波大")
    check_all(db, org.clerk, good.id)
    returns.decide_line(db, org.clerk, good.id, Decision.accept)
    returns.decide_line(db, org.clerk, bad.id, Decision.reject, "装箱清单缺失")
    return good, bad


def test_confirm_issues_handover_record_and_rejection_notice(db, org, task):
    good, bad = prepare(db, org, task)
    result = returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    assert result.handover_number == "JJ-2026-000001"
    assert result.rejection_notice_number == "JS-2026-000001"
    assert (result.accepted, result.rejected) == (1, 1)
    accepted = returns.get_line(db, good.id)
    assert accepted.status == LineStatus.accepted
    deadline = accepted.dispatch_deadline
    assert deadline.starts == TODAY and deadline.due == TODAY + dt.timedelta(days=7)
    assert returns.get_line(db, bad.id).status == LineStatus.rejected
    view = returns.get_task(db, task.id)
    assert view.status == TaskStatus.confirmed
    assert (view.handover_number, view.rejection_notice_number) == (
        "JJ-2026-000001",
        "JS-2026-000001",
    )
    # The prime unit's logins see the notice in their inbox; the clerk's unit does not.
    received = inbox.inbox(db, org.manager)
    assert [r.number for r in received] == ["JS-2026-000001"]
    assert received[0].addressed_to == "总体设计部" and "DY-3/DY3-9" in received[0].body
    assert inbox.unread_count(db, org.engineer) == 0


def test_confirmed_task_refuses_changes(db, org, task):
    good, _bad = prepare(db, org, task)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    with pytest.raises(WrongState, match="已确认"):
        returns.decide_line(db, org.clerk, good.id, Decision.reject, "x")
    with pytest.raises(WrongState):
        returns.scan(db, org.clerk, task.id, "GC-12A/GC12A-2")
    with pytest.raises(WrongState):
        returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)


def test_confirm_refuses_undecided_lines_and_writes_nothing(db, org, task):
    prepare(db, org, task)
    returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-3")
    with pytest.raises(DomainError, match="第 3 行"):
        returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(HandoverRecord)) == 0
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        statuses = set(session.scalars(select(ReturnLine.status)))
    assert statuses == {LineStatus.registered}
    assert returns.get_task(db, task.id).status == TaskStatus.open


def test_confirm_needs_both_names(db, org, task):
    prepare(db, org, task)
    with pytest.raises(DomainError, match="姓名"):
        returns.confirm_handover(db, org.clerk, task.id, "", "王敏", today=TODAY)


def test_all_rejected_closes_the_task(db, org, task):
    bad = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-9")
    returns.decide_line(db, org.clerk, bad.id, Decision.reject, "故障单缺失")
    result = returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    assert result.accepted == 0
    assert returns.get_task(db, task.id).status == TaskStatus.closed


def test_rejected_item_can_be_returned_again_later(db, org, task):
    bad = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-9")
    returns.decide_line(db, org.clerk, bad.id, Decision.reject, "故障单缺失")
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    again = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    assert returns.scan(db, org.clerk, again.id, "DY-3/DY3-9").kind == "added"


def test_engineer_may_not_work_the_handover_desk(db, org, task):
    with pytest.raises(PermissionDenied, match="无权"):
        returns.create_task(db, org.engineer, "某部队修理所")
    with pytest.raises(PermissionDenied):
        returns.scan(db, org.engineer, task.id, "GC-12A/GC12A-1")
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    with pytest.raises(PermissionDenied):
        returns.decide_line(db, org.engineer, line.id, Decision.reject, "x")
    with pytest.raises(PermissionDenied):
        returns.confirm_handover(db, org.engineer, task.id, "a", "b")


def test_every_change_is_audited_with_who_and_why(db, org, task):
    good, bad = prepare(db, org, task)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    history = returns.line_history(db, bad.id)
    actions = [h[2] for h in history]
    assert actions[0] == "register" and "decide" in actions and actions[-1] == "reject"
    assert all(h[1] == "王敏" for h in history)
    assert history[-1][5] == "装箱清单缺失"
    with db.reading() as session:
        confirm = session.scalar(select(AuditEvent).where(AuditEvent.action == "confirm"))
        assert confirm is not None and confirm.old_value == "open"
        assert confirm.new_value == "confirmed" and confirm.reason == "JJ-2026-000001"


def test_dispatch_deadline_states_over_time(db, org, task):
    good, _ = prepare(db, org, task)
    confirmed_on = dt.date(2026, 11, 2)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed_on)

    def state(today: dt.date) -> DeadlineState:
        rows = returns.page_lines(db, task_id=task.id, today=today)
        return next(r for r in rows if r.id == good.id).dispatch_deadline.state

    assert state(dt.date(2026, 11, 3)) == DeadlineState.running
    assert state(dt.date(2026, 11, 6)) == DeadlineState.due_soon
    assert state(dt.date(2026, 11, 9)) == DeadlineState.due_soon
    assert state(dt.date(2026, 11, 10)) == DeadlineState.overdue


def test_pages_of_lines_are_keyset_pages(db, org, task):
    for i in range(7):
        returns.add_line(db, org.clerk, task.id, "GC-12A", f"GC12A-{i:03d}")
    first = returns.page_lines(db, task_id=task.id, limit=3)
    second = returns.page_lines(db, task_id=task.id, after=first[-1].seq, limit=3)
    third = returns.page_lines(db, task_id=task.id, after=second[-1].seq, limit=3)
    assert [r.seq for r in first + second + third] == list(range(1, 8))
    everything = returns.page_lines(db, limit=4)
    more = returns.page_lines(db, after=everything[-1].id, limit=4)
    assert len(everything) == 4 and len(more) == 3
    assert [r.id for r in everything + more] == sorted(
        (r.id for r in everything + more), reverse=True
    )
    tasks = returns.list_tasks(db, limit=10)
    assert tasks[0].line_count == 7


def test_stale_write_is_refused_not_lost(db, org, task):
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1")
    returns.set_fault_description(db, org.clerk, line.id, "第一次")
    with pytest.raises(Conflict, match="已被其他工位修改"), db.transaction() as session:
        row = session.get_one(ReturnLine, line.id)
        # Another desk writes the row between this desk's read and its write.
        session.execute(
            text("UPDATE return_line SET version = version + 1 WHERE id = :id"), {"id": line.id}
        )
        row.fault_description = "第二次"
    assert returns.get_line(db, line.id).fault_description == "第一次"
