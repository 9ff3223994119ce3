"""时限规则: the admin changes a rule on the page; deadlines move and the texts follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.db import Database
from app.models.misc import AuditEvent
from app.models.repair import FaultLocalization
from app.models.workdays import RuleCode
from app.services.admin import rules
from app.services.kernel.context import command_line_actor
from app.services.oversight import deadlines, inbox
from app.services.records import repair_forms
from app.services.repair import repairs
from app.ui.admin.rules_page import RulesPage
from app.ui.repair.receipt_steps import ReceiptDialog
from tests.conftest import Org
from tests.unit.test_repair_way import at_bench

D = dt.date


def _page(qtbot, make_desk, actor):  # type: ignore[no-untyped-def]
    page = RulesPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.ensure_loaded()
    return page


def _pick(page, code):  # type: ignore[no-untyped-def]
    row = page.model.find(lambda r: r.code == code)
    page.view.selectRow(row)
    assert page.selected().code == code


def test_every_rule_of_the_domain_is_listed(qtbot, make_desk, org):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    shown = [page.model.row(i) for i in range(page.model.rowCount())]
    assert [r.code for r in shown] == list(RuleCode)
    by = {r.code: r for r in shown}
    assert by[RuleCode.localization].span == "5 个工作日"
    assert by[RuleCode.repair].span == "60 天"
    assert by[RuleCode.kitting_report].span == "提前 3 天"
    assert by[RuleCode.adhoc_reply].units == ("hours",)


def test_seven_working_days_moves_the_deadline_and_the_texts(qtbot, make_desk, org, sqlite_db):  # type: ignore[no-untyped-def]
    line = at_bench(sqlite_db, org, "G-7", received=D(2026, 9, 29))
    page = _page(qtbot, make_desk, org.admin)
    _pick(page, RuleCode.localization)
    page.length.selectAll()
    qtbot.keyClicks(page.length, "7")
    assert page.unit.currentData() == "working_days"
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "7 个工作日" in page.feedback.text()
    assert page.selected().span == "7 个工作日"
    # Five working days after 09-29 was 10-12; seven is 10-14: no overdue report on 10-13.
    assert deadlines.sweep(sqlite_db, D(2026, 10, 13)) == []
    (cq,) = deadlines.sweep(sqlite_db, D(2026, 10, 15))
    assert "7 个工作日" in inbox.get_report(sqlite_db, cq).body
    dw = repairs.localize(
        sqlite_db,
        org.engineer,
        line,
        fault_mode="功能失效",
        cause_category="元器件",
        faulty_part="陀螺",
        conclusion="陀螺损坏",
        late_reason="等待备件",
        today=D(2026, 10, 15),
    )
    with sqlite_db.reading() as session:
        loc = session.scalar(select(FaultLocalization).where(FaultLocalization.number == dw))
        form = repair_forms.localization_form(session, loc)
    time = next(f.value for f in form.fields if f.label == "定位时限")
    assert "时限 7 个工作日" in time and "超期 1 个工作日" in time
    with sqlite_db.reading() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "deadline_rule"))
        assert event is not None and event.actor_user_id == org.admin.user_id
        assert event.new_value.startswith("localization 7 working_days")


def test_dispatch_counted_in_working_days_and_a_length_too_long(qtbot, make_desk, org):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    _pick(page, RuleCode.dispatch)
    page.unit.setCurrentIndex(page.unit.findData("working_days"))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.selected().unit == "working_days" and page.selected().span == "7 个工作日"
    page.unit.setCurrentIndex(page.unit.findData("calendar_days"))
    page.length.setValue(400)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "1 到 365 天之间" in page.feedback.text()
    assert page.selected().span == "7 个工作日"


def test_only_the_calendar_keeper_changes_a_rule(org, sqlite_db):  # type: ignore[no-untyped-def]
    from app.errors import PermissionDenied

    try:
        rules.set_rule(sqlite_db, org.clerk, RuleCode.dispatch, 10, "calendar_days", 2)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a clerk changed a deadline rule")
    assert next(r for r in rules.list_rules(sqlite_db) if r.code == "dispatch").length == 7


def test_render(qtbot, make_desk, org, tmp_path):  # type: ignore[no-untyped-def]
    import os

    page = _page(qtbot, make_desk, org.admin)
    out = os.environ.get("FANXIU_SHOT")
    if out:
        page.grab().save(out)


def test_the_receipt_says_the_rules_as_the_admin_set_them(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    """The engineer signing for items reads the clocks that will run, not numbers in the code."""

    def texts(dialog: ReceiptDialog) -> str:
        return "".join(label.text() for label in dialog.findChildren(QLabel))

    before = ReceiptDialog(make_desk(org.engineer), "JJ-2026-000001", [])
    qtbot.addWidget(before)
    assert "故障定位时限（5 个工作日）" in texts(before) and "在修时间（60 天）" in texts(before)
    rules.set_rule(sqlite_db, command_line_actor(), "localization", 7, "working_days", 2)
    after = ReceiptDialog(make_desk(org.engineer), "JJ-2026-000001", [])
    qtbot.addWidget(after)
    assert "故障定位时限（7 个工作日）" in texts(after)
