"""The inbox: a manager of the prime unit sees the rejection notice and acknowledges it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QTableView

from app.db import Database
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import local_today
from app.services.kernel.terms import Decision, DocumentKind
from app.services.kernel.views import ConfirmResult
from app.services.oversight import inbox as reports_inbox
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.runner import Change, call
from app.ui.kit.style import Tone
from app.ui.oversight.inbox_page import InboxPage
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row


def confirm_with_a_rejection(db: Database, org: Org) -> ConfirmResult:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    good = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-2026001")
    bad = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-2026009")
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, good.id, kind, True, True)
    returns.decide_line(db, org.clerk, good.id, Decision.accept)
    returns.decide_line(db, org.clerk, bad.id, Decision.reject, "装箱清单缺失")
    return returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏")


def test_manager_acknowledges_the_rejection_notice(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    open_window: Any,
    tmp_path: Path,
) -> None:
    done = confirm_with_a_rejection(sqlite_db, org)
    assert done.rejection_notice_number
    window = open_window(org.manager)
    nav = window.nav.item(window.nav_row("inbox"))
    # Counted with the dashboard's first reading, which the window does not wait for.
    qtbot.waitUntil(lambda: nav.text() == "收件箱(1)")

    window.go("inbox")
    inbox = window.inbox
    assert window.pages.currentWidget() is inbox
    assert inbox.model.rowCount() == 1
    assert cell(inbox.view, 0, "编号") == done.rejection_notice_number
    assert cell(inbox.view, 0, "类别") == "拒收通知"
    assert "1 件产品被拒收" in cell(inbox.view, 0, "标题")
    assert cell(inbox.view, 0, "签收") == "未签收"
    assert not inbox.ack_button.isEnabled()  # nothing selected yet

    click_row(qtbot, inbox.view, 0)
    click(qtbot, inbox.ack_button)
    assert cell(inbox.view, 0, "签收").startswith("赵总 ")
    assert inbox.feedback.tone == Tone.ok
    assert nav.text() == "收件箱"
    assert reports_inbox.unread_count(sqlite_db, org.manager) == 0
    assert not inbox.ack_button.isEnabled() and "已经签收" in inbox.ack_button.toolTip()

    pdf = tmp_path / "js.pdf"

    def save(dialog: PrintPreviewDialog) -> bool:
        dialog.save_pdf(pdf)
        return False

    prompts.then(save)
    click(qtbot, inbox.print_button)
    qtbot.waitUntil(pdf.exists, timeout=15_000)
    assert done.rejection_notice_number in pdf_tools.pdf_text(pdf)


def test_an_action_that_issues_a_report_counts_in_the_inbox_at_once(
    qtbot: Any, sqlite_db: Database, org: Org, open_window: Any
) -> None:
    """A manager may also receive returns: a confirmation with a rejection, done through the
    runner on another page, updates the inbox's count in the navigation while it is hidden."""
    window = open_window(org.manager)
    assert window.nav.item(window.nav_row("inbox")).text() == "收件箱"
    assert not window.inbox.isVisible()
    window.runner.run(
        None,
        call(confirm_with_a_rejection, sqlite_db, org),
        changes=Change.TASKS | Change.REPORTS,
    )
    assert window.nav.item(window.nav_row("inbox")).text() == "收件箱(1)"
    window.go("inbox")
    assert window.inbox.model.rowCount() == 1


def test_clerk_does_not_see_reports_of_other_units(
    sqlite_db: Database, org: Org, open_window: Any
) -> None:
    confirm_with_a_rejection(sqlite_db, org)
    window = open_window(org.clerk)
    window.go("inbox")
    assert window.inbox.model.rowCount() == 0
    assert window.nav.item(window.nav_row("inbox")).text() == "收件箱"
    assert "物资管理部门" in window.inbox.scope.text()


# --- several reports at once, by kind and by unread (defect 10) ----------------------------------


def choose(qtbot: Any, combo: QComboBox, text: str) -> None:
    """Open the drop-down and click the entry, as a hand does."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    index = view.model().index(combo.findText(text), 0)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentText() == text


def ctrl_click_row(qtbot: Any, view: QTableView, row: int) -> None:
    index = view.model().index(row, 0)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        view.visualRect(index).center(),
    )


def rejected(db: Database, org: Org, serial: str) -> str:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    line = returns.add_line(db, org.clerk, task.id, "DY-3", serial)
    returns.decide_line(db, org.clerk, line.id, Decision.reject, "装箱清单缺失")
    number = returns.confirm_handover(
        db, org.clerk, task.id, "李参谋", "王敏"
    ).rejection_notice_number
    assert number
    return number


def dispatched_late(db: Database, org: Org, serial: str) -> str:
    """An item accepted ten days ago, dispatched today with a reason: a CQ to the prime unit."""
    confirmed = local_today() - dt.timedelta(days=10)
    task = returns.create_task(db, org.clerk, "某部队修理所", today=confirmed)
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", serial, "无输出")
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, line.id, kind, True, True)
    returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed)
    done = dispatching.dispatch(
        db, org.clerk, [line.id], late_reasons={line.id: "承制单位停产检修"}
    )
    assert done.overdue_report_number
    return done.overdue_report_number


# The offscreen platform cannot raise a drop-down or grab the keyboard for it; it says so.
@pytest.mark.qt_log_ignore("does not support raise", "grabbing the keyboard")
def test_a_manager_signs_several_reports_at_once_by_kind_and_unread(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    notices = [rejected(sqlite_db, org, f"DY3-20269{n}") for n in range(3)]
    cq = dispatched_late(sqlite_db, org, "GC12A-2026901")
    page = InboxPage(make_desk(org.manager))
    qtbot.addWidget(page)
    counts: list[int] = []
    page.unread_changed.connect(counts.append)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    assert [r.number for r in page.model.rows()] == [cq, *reversed(notices)]  # newest first
    assert page.view.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection

    # Only the rejection notices.
    choose(qtbot, page.kind_box, "拒收通知")
    assert page.model.rowCount() == 3
    assert {cell(page.view, r, "类别") for r in range(3)} == {"拒收通知"}

    # Two of them picked with Ctrl and signed in one action.
    click_row(qtbot, page.view, 0)
    ctrl_click_row(qtbot, page.view, 2)
    assert page.ack_button.text() == "签收（2）"
    click(qtbot, page.ack_button)
    assert page.feedback.tone == Tone.ok and "已签收 2 份报告" in page.feedback.text()
    assert cell(page.view, 0, "签收").startswith("赵总 ") and cell(page.view, 2, "签收") != "未签收"
    assert cell(page.view, 1, "签收") == "未签收"
    assert reports_inbox.unread_count(sqlite_db, org.manager) == 2 and counts[-1] == 2

    # Unread only: the notice left, then every kind again: the notice and the CQ.
    click(qtbot, page.unread_only)
    assert [r.number for r in page.model.rows()] == [notices[1]]
    choose(qtbot, page.kind_box, "全部类别")
    assert [r.number for r in page.model.rows()] == [cq, notices[1]]

    # Both selected (Ctrl+A); another desk signs the CQ meanwhile: Ctrl+Enter signs the notice
    # and says which one it could not, and why.
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert page.ack_button.text() == "签收（2）"
    reports_inbox.acknowledge(sqlite_db, org.manager, cq)
    qtbot.keyClick(page.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.feedback.tone == Tone.warn
    text = page.feedback.text()
    assert f"已签收 {notices[1]}" in text and f"1 份未能签收：报告 {cq} 已经签收过了" in text
    assert reports_inbox.unread_count(sqlite_db, org.manager) == 0 and counts[-1] == 0
    assert prompts.errors == []


def test_nothing_signable_is_refused_with_the_reason(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """A report signed at another desk after it was selected: the refusal says so."""
    number = rejected(sqlite_db, org, "DY3-2026951")
    page = InboxPage(make_desk(org.manager))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    click_row(qtbot, page.view, 0)
    reports_inbox.acknowledge(sqlite_db, org.manager, number)
    click(qtbot, page.ack_button)
    assert page.feedback.tone == Tone.bad and "已经签收过了" in page.feedback.text()


def test_a_refresh_from_another_desk_keeps_the_selection(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    """The reminders' sweep (every few minutes) refreshes a visible inbox: what the person had
    picked stays picked, and a report that arrived meanwhile joins the list."""
    first, second = (rejected(sqlite_db, org, f"DY3-20269{n}1") for n in range(2))
    desk = make_desk(org.manager)
    page = InboxPage(desk)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    click_row(qtbot, page.view, 0)
    ctrl_click_row(qtbot, page.view, 1)
    third = rejected(sqlite_db, org, "DY3-2026993")
    desk.runner.changed.emit(Change.REPORTS | Change.DEADLINES, None)
    assert [r.number for r in page.model.rows()] == [third, second, first]
    assert {r.number for r in page.selected_reports()} == {first, second}
    assert page.ack_button.text() == "签收（2）"


def test_the_inbox_is_read_page_by_page_as_the_table_scrolls(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """Many reports: the unread count comes from SQL, the rows a page at a time as the person
    scrolls down (Ctrl+End), newest first; Ctrl+A then signs every one read."""
    notices = [rejected(sqlite_db, org, f"DY3-20268{n}") for n in range(5)]
    page = InboxPage(make_desk(org.manager), page_size=2)
    qtbot.addWidget(page)
    counts: list[int] = []
    page.unread_changed.connect(counts.append)
    page.resize(1280, 300)
    page.show()
    qtbot.waitExposed(page)
    page.update_unread()
    qtbot.waitUntil(lambda: counts[-1:] == [5])
    assert 2 <= page.model.rowCount() < 5 and not page.model.exhausted
    click_row(qtbot, page.view, 0)
    while page.model.rowCount() < 5:
        before = page.model.rowCount()
        qtbot.keyClick(page.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda n=before: page.model.rowCount() > n)  # type: ignore[misc]
    assert [r.number for r in page.model.rows()] == list(reversed(notices))
    qtbot.keyClick(page.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert page.ack_button.text() == "签收（5）"
    click(qtbot, page.ack_button)
    qtbot.waitUntil(lambda: counts[-1:] == [0])
    assert reports_inbox.unread_count(sqlite_db, org.manager) == 0 and prompts.errors == []
