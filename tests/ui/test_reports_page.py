"""超期与升级 as the clerk sees it: the overdue report (CQ) their late dispatch just issued is
listed at once, though it is addressed to the prime unit (defect 13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.db import Database
from app.services.handover import returns
from app.services.kernel.context import local_today
from app.services.kernel.terms import Decision, DocumentKind, ReportKind
from app.services.oversight import inbox
from app.ui.dispatch.page import DispatchDialog, DispatchPage
from app.ui.oversight.reports_page import ReportsPage
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, type_text

REASON = "承制单位停产检修"


def accepted_ten_days_ago(db: Database, org: Org, serial: str) -> int:
    confirmed = local_today() - dt.timedelta(days=10)
    task = returns.create_task(db, org.clerk, "某部队修理所", today=confirmed)
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", serial, "通电后自检不通过")
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, line.id, kind, True, True)
    returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed)
    return line.id


def shown(qtbot: Any, page: Any) -> Any:
    qtbot.addWidget(page)
    page.resize(1152, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_clerk_sees_the_cq_their_late_dispatch_issued(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    late = accepted_ten_days_ago(sqlite_db, org, "GC12A-2026301")
    desk = make_desk(org.clerk)
    reports = shown(qtbot, ReportsPage(desk))
    assert reports.model.rowCount() == 0
    assert "物资管理部门发出" in reports.scope.text()
    reports.hide()  # the clerk goes to 分发

    dispatch = shown(qtbot, DispatchPage(desk))
    dispatch.refresh()
    click_row(qtbot, dispatch.groups_view, 0)
    click(qtbot, dispatch.select_all_button)

    def drive(dialog: DispatchDialog) -> bool:
        assert isinstance(dialog, DispatchDialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        type_text(qtbot, dialog.reasons[late], REASON)
        click(qtbot, dialog.ok_button)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        return dialog.result() == DispatchDialog.DialogCode.Accepted

    prompts.then(drive)
    prompts.answers.append(False)  # 稍后打印
    click(qtbot, dispatch.dispatch_button)
    cq = next(r for r in inbox.inbox(sqlite_db, org.manager) if r.number.startswith("CQ-"))

    # Back on 超期与升级: the CQ is there, addressed to the prime unit, for the clerk to read and
    # print, not to sign.
    reports.show()
    qtbot.waitExposed(reports)
    assert [r.number for r in reports.model.rows()] == [cq.number]
    assert cell(reports.view, 0, "类别") == "超期报告"
    assert REASON in cell(reports.view, 0, "原因")
    assert cell(reports.view, 0, "收件单位") == "总体设计部"
    assert cell(reports.view, 0, "签收") == "待对方签收"
    click_row(qtbot, reports.view, 0)
    assert REASON in reports.detail.toPlainText()
    assert reports.print_button.isEnabled()
    assert not reports.ack_button.isEnabled()
    assert "发给总体设计部，由对方签收" in reports.ack_button.toolTip()

    # Once the prime unit signs it, the clerk's list says who signed and when.
    inbox.acknowledge(sqlite_db, org.manager, cq.number)
    click(qtbot, reports.refresh_button)
    assert cell(reports.view, 0, "签收").startswith("赵总 ")
    click(qtbot, reports.unread_only)
    assert reports.model.rowCount() == 0
    assert prompts.errors == []


def test_whose_overdue_reports_each_desk_follows(sqlite_db: Database, org: Org) -> None:
    """The materials department follows every returned line (it owes each back to the user);
    a manufacturer the lines at its bench, not the dispatch that was late before they came."""
    from app.services.dispatch import dispatching
    from app.services.oversight import deadlines
    from app.services.repair import repairs

    line = accepted_ten_days_ago(sqlite_db, org, "GC12A-2026302")
    jj = dispatching.dispatch(sqlite_db, org.clerk, [line], late_reasons={line: REASON})
    assert jj.overdue_report_number
    received = local_today() - dt.timedelta(days=20)
    repairs.receive(sqlite_db, org.engineer, jj.handover_number, "陈工", today=received)
    (localization,) = deadlines.sweep(sqlite_db, local_today())
    assert localization.startswith("CQ-")
    kinds = (ReportKind.overdue_report, ReportKind.escalation)

    def followed(actor: Any) -> dict[str, bool]:
        return {r.number: r.mine for r in inbox.followed_reports(sqlite_db, actor, kinds)}

    assert followed(org.clerk) == {jj.overdue_report_number: False, localization: False}
    assert followed(org.engineer) == {localization: False}
    assert followed(org.quality) == {localization: True}  # addressed to the quality department
    assert followed(org.manager) == {jj.overdue_report_number: True, localization: True}
