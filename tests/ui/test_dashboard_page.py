"""工作台 on the demo data (built for a fixed day), the reminders it shows, and the list of
overdue reports and escalations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.db import Database
from app.services.admin import demo
from app.services.handover import returns
from app.services.kernel import auth
from app.services.kernel.context import Actor, command_line_actor
from app.services.kernel.terms import (
    DeadlineState,
    Decision,
    DocumentKind,
    LineStatus,
    ReportKind,
    Role,
    RuleCode,
    line_status_label,
)
from app.services.kernel.views import Dashboard
from app.services.oversight import deadlines, inbox
from app.services.way_back import kitting
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.runner import Runner
from app.ui.kit.style import Tone
from app.ui.oversight.dashboard_page import DEADLINE_COLUMNS, DashboardPage
from app.ui.oversight.reminders import Reminder, Reminders, ReminderStatus
from app.ui.oversight.reports_page import ReportsPage
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row

TODAY = dt.date(2026, 11, 22)
STATES = (DeadlineState.overdue, DeadlineState.due_soon, DeadlineState.running)


def demo_login(db: Database, login: str) -> Actor:
    demo.load_demo(db, today=TODAY)
    return auth.login(db, login, demo.DEMO_PASSWORD)


def loaded_page(qtbot: Any, desk: Desk) -> DashboardPage:
    page = DashboardPage(desk, today=TODAY)
    qtbot.addWidget(page)
    page.resize(1160, 760)
    with qtbot.waitSignal(page.board_shown, timeout=20_000):
        page.show()  # the first showing reads the dashboard, through the runner
    return page


def expected_counts(rows: list[Any]) -> dict[str, int]:
    found = Counter(str(r.deadline.state) for r in rows)
    return {str(s): found.get(str(s), 0) for s in STATES}


def test_dashboard_counts_match_the_demo_data(
    qtbot: Any, qtmodeltester: Any, sqlite_db: Database, make_desk: Any
) -> None:
    manager = demo_login(sqlite_db, "zhaozong")
    page = loaded_page(qtbot, make_desk(manager))

    # Independently: every line deadline and every kit set's report deadline, by state.
    rows = deadlines.list_deadlines(sqlite_db, TODAY) + kitting.kit_deadline_rows(sqlite_db, TODAY)
    expected = expected_counts(rows)
    assert expected[DeadlineState.overdue] >= 4 and expected[DeadlineState.due_soon] >= 1
    counts = page.counts()
    for state in STATES:
        assert page.models[state].rowCount() == expected[state], state
        assert counts[state] == expected[state], state
        assert f"（{expected[state]}）" in page.section_labels[state].text()
        qtmodeltester.check(page.models[state])
    assert counts["unread"] == inbox.unread_count(sqlite_db, manager) > 0
    assert page.unread_model.rowCount() == min(counts["unread"], 50)
    qtmodeltester.check(page.unread_model)

    # Per stage: the open lines in each state, counted through the line list.
    for status in LineStatus:
        n = len(returns.page_lines(sqlite_db, status=status, limit=10_000))
        if status in (LineStatus.rejected, LineStatus.closed, LineStatus.scrapped) or not n:
            assert line_status_label(status) not in page.stages.counts
        else:
            assert page.stages.counts[line_status_label(status)] == n, status
    assert sum(page.units.counts.values()) == sum(page.stages.counts.values())

    # The overdue section in Chinese: the kit set's report, the time in repair, the dispatch.
    view = page.views[DeadlineState.overdue]
    rules = {cell(view, r, "时限") for r in range(view.model().rowCount())}
    assert {"在修时间", "故障定位", "分发", "齐套情况报告"} <= rules
    first = page.models[DeadlineState.overdue].row(0)
    assert cell(view, 0, "剩余/超期") == f"超期 {-first.deadline.days_left} 天"  # 在修: calendar
    # A localization clock counts working days, and says so.
    local = next(
        r
        for r in range(view.model().rowCount())
        if page.models[DeadlineState.overdue].row(r).deadline.rule == RuleCode.localization
    )
    late = page.models[DeadlineState.overdue].row(local).deadline
    assert cell(view, local, "剩余/超期") == f"超期 {-late.left} 个工作日"
    assert cell(view, 0, "所在单位") == first.unit
    assert "星期日" in page.date_label.text() and "2026-11-22" in page.date_label.text()

    # A double-click on an overdue line opens the item; on the kit set row, its report.
    # (Qt 6's QTest double click carries no press of its own: click first, as a hand does.)
    click_row(qtbot, view, 0, 1)
    rect = view.visualRect(page.models[DeadlineState.overdue].index(0, 1))
    with qtbot.waitSignal(page.open_item) as opened:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [first.item]
    kit_row = page.models[DeadlineState.overdue].find(lambda r: r.line_id == 0)
    assert kit_row is not None
    kit = page.models[DeadlineState.overdue].row(kit_row)
    click_row(qtbot, view, kit_row)
    rect = view.visualRect(page.models[DeadlineState.overdue].index(kit_row, 0))
    with qtbot.waitSignal(page.open_record) as record:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert record.args == [kit.line] and kit.line.startswith("QT-")

    with qtbot.waitSignal(page.open_inbox):
        click(qtbot, page.inbox_button)


def test_an_engineer_sees_the_deadlines_of_their_own_unit(
    qtbot: Any, sqlite_db: Database, make_desk: Any
) -> None:
    engineer = demo_login(sqlite_db, "chengong")
    page = loaded_page(qtbot, make_desk(engineer))
    rows = deadlines.list_deadlines(sqlite_db, TODAY, unit_id=engineer.unit_id)
    expected = expected_counts(rows)
    assert sum(expected.values()) > 0
    assert {k: page.counts()[k] for k in expected} == expected
    assert "惯性导航研究所的产品" in page.date_label.text()
    shown = page.models[DeadlineState.running].rows()
    assert all(r.line_id for r in shown)  # no kit sets: they are the materials department's


def test_a_provisional_date_is_marked(qtbot: Any, sqlite_db: Database, make_desk: Any) -> None:
    manager = demo_login(sqlite_db, "zhaozong")
    page = loaded_page(qtbot, make_desk(manager))
    assert page.board is not None
    row = page.board.running[0]
    guess = dataclasses.replace(row, deadline=dataclasses.replace(row.deadline, provisional=True))
    page.show_dashboard(dataclasses.replace(page.board, running=(guess, *page.board.running[1:])))
    column = [c.title for c in DEADLINE_COLUMNS].index("到期日")
    index = page.models[DeadlineState.running].index(0, column)
    assert index.data().endswith("△")
    assert "临时日历" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert index.data(Qt.ItemDataRole.ForegroundRole) is not None
    plain = page.models[DeadlineState.running].index(1, column)
    assert "△" not in plain.data()


# --- reminders ------------------------------------------------------------------------------


def accepted_on(db: Database, org: Org, day: dt.date, serial: str) -> None:
    task = returns.create_task(db, org.clerk, "某部队修理所", today=day)
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", serial, "无输出")
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, line.id, kind, True, True)
    returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=day)


def test_reminders_fire_once_when_a_deadline_turns_overdue(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    confirmed = dt.date(2026, 11, 2)  # dispatch due 7 days later, on Monday 11-09
    accepted_on(sqlite_db, org, confirmed, "GC12A-2026501")
    clock = [dt.date(2026, 11, 3)]
    desk = make_desk(org.manager)
    reminders = Reminders(desk, interval_ms=3_600_000, clock=lambda: clock[0])
    page = DashboardPage(desk)
    qtbot.addWidget(page)
    page.attach(reminders)
    status = ReminderStatus()
    qtbot.addWidget(status)
    reminders.reminded.connect(status.show_reminder)
    fired: list[Reminder] = []
    reminders.reminded.connect(fired.append)

    def read_on(day: dt.date) -> Dashboard:
        clock[0] = day
        with qtbot.waitSignal(reminders.updated, timeout=20_000) as done:
            reminders.check_now()
        return done.args[0]

    # At start: the baseline, announced nowhere (no dialog, no banner).
    with qtbot.waitSignal(reminders.updated, timeout=20_000):
        reminders.start()
    # The first reading shows what is there; the sweep and a second reading follow it.
    qtbot.waitUntil(lambda: not reminders.busy, timeout=20_000)
    assert reminders.timer.isActive()
    assert fired == [] and page.banner.isHidden()
    assert page.counts()[DeadlineState.running] == 1

    board = read_on(dt.date(2026, 11, 10))
    assert len(board.overdue) == 1
    assert len(fired) == 1 and fired[0].overdue[0].item == "GC-12A/GC12A-2026501"
    assert fired[0].due_soon == () and fired[0].tone == Tone.bad
    assert not page.banner.isHidden() and "GC-12A/GC12A-2026501" in page.banner.label.text()
    assert "1 项时限已超期" in page.banner.label.text()
    assert not status.isHidden() and "查看" in status.text()
    assert page.counts()[DeadlineState.overdue] == 1
    # 查看 picks out the row the reminder named; the notice goes away.
    click(qtbot, page.banner.view_button)
    assert page.banner.isHidden()
    assert page.views[DeadlineState.overdue].selectionModel().currentIndex().row() == 0
    with qtbot.waitSignal(status.view_requested):
        status.linkActivated.emit("view")
    assert status.isHidden()

    # Later readings, the same day and the next: nothing new, nothing said again.
    read_on(dt.date(2026, 11, 10))
    read_on(dt.date(2026, 11, 11))
    assert len(fired) == 1

    # A report arriving in the manager's inbox is news; 查看 on the banner leads to the inbox.
    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    line = returns.add_line(sqlite_db, org.clerk, task.id, "DY-3", "DY3-2026509")
    returns.decide_line(sqlite_db, org.clerk, line.id, Decision.reject, "装箱清单缺失")
    returns.confirm_handover(sqlite_db, org.clerk, task.id, "李参谋", "王敏")
    read_on(dt.date(2026, 11, 11))
    assert len(fired) == 2 and [r.title for r in fired[1].reports][0].startswith("拒收通知")
    assert fired[1].overdue == () and "收到 1 份新报告" in page.banner.label.text()
    with qtbot.waitSignal(page.open_inbox):
        click(qtbot, page.banner.view_button)
    assert page.banner.isHidden()
    reminders.stop()
    assert prompts.done() and prompts.seen == []


def test_reminders_say_when_a_deadline_comes_due_soon_and_run_on_their_timer(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    accepted_on(sqlite_db, org, dt.date(2026, 11, 2), "GC12A-2026502")
    clock = [dt.date(2026, 11, 3)]
    reminders = Reminders(make_desk(org.clerk), interval_ms=50, clock=lambda: clock[0])
    fired: list[Reminder] = []
    reminders.reminded.connect(fired.append)
    with qtbot.waitSignal(reminders.updated, timeout=20_000):
        reminders.start()
    clock[0] = dt.date(2026, 11, 8)  # Sunday; due Monday
    qtbot.waitUntil(lambda: bool(fired), timeout=20_000)
    reminders.stop()
    assert len(fired) == 1 and len(fired[0].due_soon) == 1 and fired[0].overdue == ()
    assert fired[0].tone == Tone.warn and "1 项时限即将到期" in fired[0].text
    qtbot.waitUntil(lambda: not reminders.busy, timeout=20_000)


# --- 超期与升级 ---------------------------------------------------------------------------------


def test_reports_page_lists_overdue_reports_and_escalations(
    qtbot: Any,
    qtmodeltester: Any,
    sqlite_db: Database,
    prompts: ScriptedPrompts,
    tmp_path: Path,
    make_desk: Any,
) -> None:
    manager = demo_login(sqlite_db, "zhaozong")
    page = ReportsPage(make_desk(manager))
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    expected = {
        r.number
        for kind in (ReportKind.overdue_report, ReportKind.escalation)
        for r in inbox.inbox(sqlite_db, manager, kind=kind)
    }
    shown = {r.number for r in page.model.rows()}
    assert shown == expected and any(n.startswith("CQ-") for n in shown)
    assert any(n.startswith("SJ-") for n in shown)
    qtmodeltester.check(page.model)
    row = page.model.find(lambda r: r.number.startswith("SJ-"))
    assert row is not None
    assert cell(page.view, row, "类别") == "升级报告"
    assert "60 天" in cell(page.view, row, "原因")
    assert cell(page.view, row, "签收") == "未签收"
    click_row(qtbot, page.view, row)
    assert "原因：在修时间已超过 60 天" in page.detail.toPlainText()
    click(qtbot, page.ack_button)
    assert page.feedback.tone == Tone.ok
    assert cell(page.view, row, "签收").startswith("赵总 ")
    assert not page.ack_button.isEnabled()

    pdf = tmp_path / "sj.pdf"

    def save(dialog: PrintPreviewDialog) -> bool:
        dialog.save_pdf(pdf)
        return False

    prompts.then(save)
    click(qtbot, page.print_button)
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    number = page.model.row(row).number
    assert number in pdf_tools.pdf_text(pdf)

    # Filters: escalations only, then unread only.
    page.kind_box.setCurrentIndex(page.kind_box.findData(ReportKind.escalation))
    assert {r.number[:2] for r in page.model.rows()} == {"SJ"}
    page.kind_box.setCurrentIndex(0)
    click(qtbot, page.unread_only)
    assert number not in {r.number for r in page.model.rows()}


def test_only_a_manager_acknowledges_an_escalation(
    qtbot: Any, sqlite_db: Database, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """A clerk of the prime unit reads its escalations but may not acknowledge them."""
    quality = demo_login(sqlite_db, "liujian")
    clerk = auth.create_user(
        sqlite_db, command_line_actor(), "qian", "钱文", "secret1", Role.clerk, "总体设计部"
    )
    pages = {}
    for actor in (quality, clerk):
        page = ReportsPage(make_desk(actor))
        qtbot.addWidget(page)
        page.show()
        qtbot.waitExposed(page)
        pages[actor.name] = page
    seen = [r.number for r in pages[quality.name].model.rows()]
    assert seen and all(n.startswith("CQ-") for n in seen)  # sent to the quality department
    assert "质量部" in pages[quality.name].scope.text()
    click_row(qtbot, pages[quality.name].view, 0)
    assert pages[quality.name].ack_button.isEnabled()

    page = pages[clerk.name]
    assert [r.number[:2] for r in page.model.rows()] == ["SJ"]
    click_row(qtbot, page.view, 0)
    assert not page.ack_button.isEnabled()
    assert "只有总体/主管可以操作" in page.ack_button.toolTip()
    assert page.print_button.isEnabled()


def test_the_dashboard_and_reminders_read_off_the_gui_thread(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts
) -> None:
    """With no grace at all every reading is handed over: the page stays usable meanwhile and
    the answer arrives through the event loop."""
    accepted_on(sqlite_db, org, dt.date(2026, 11, 2), "GC12A-2026503")
    runner = Runner(prompts, grace_ms=0)
    desk = Desk(sqlite_db, org.manager, prompts, runner)
    clock = [dt.date(2026, 11, 10)]
    reminders = Reminders(desk, interval_ms=3_600_000, clock=lambda: clock[0])
    page = DashboardPage(desk)
    qtbot.addWidget(page)
    page.attach(reminders)
    try:
        reminders.start()
        assert reminders.busy and page.board is None  # not answered in place
        qtbot.waitUntil(lambda: not reminders.busy and page.board is not None, timeout=20_000)
        assert page.counts()[DeadlineState.overdue] == 1
        assert inbox.unread_count(sqlite_db, org.manager) == 0  # the sweep issues no CQ here
        with qtbot.waitSignal(page.board_shown, timeout=20_000):
            click(qtbot, page.refresh_button)  # 刷新: sweep and read again
        reminders.stop()
    finally:
        runner.shutdown()
