"""The inbox: a manager of the prime unit sees the rejection notice and acknowledges it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import Decision, DocumentKind
from app.services.kernel.views import ConfirmResult
from app.services.oversight import inbox as reports_inbox
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.style import Tone
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
    assert nav.text() == "收件箱(1)"

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


def test_the_desk_tells_the_inbox_about_a_new_notice(
    qtbot: Any, sqlite_db: Database, org: Org, open_window: Any
) -> None:
    """A manager may also receive returns: confirming one with a rejection updates the count."""
    window = open_window(org.manager)
    assert window.nav.item(window.nav_row("inbox")).text() == "收件箱"
    confirm_with_a_rejection(sqlite_db, org)
    window.desk.records_changed.emit()
    assert window.nav.item(window.nav_row("inbox")).text() == "收件箱(1)"


def test_clerk_does_not_see_reports_of_other_units(
    sqlite_db: Database, org: Org, open_window: Any
) -> None:
    confirm_with_a_rejection(sqlite_db, org)
    window = open_window(org.clerk)
    window.go("inbox")
    assert window.inbox.model.rowCount() == 0
    assert window.nav.item(window.nav_row("inbox")).text() == "收件箱"
    assert "物资管理部门" in window.inbox.scope.text()
