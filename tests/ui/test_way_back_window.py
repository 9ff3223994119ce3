"""The whole way of one return task, registration to closed, through the window: the desk, then
the repaired items coming back (in two batches), the kit set, the handover to the user and the
follow-up. The manufacturer's bench steps go through the services (their pages are not here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget

from app.db import Database
from app.services.handover import returns
from app.services.kernel.context import local_today
from app.services.kernel.terms import DocumentVerdict, LineStatus
from app.services.way_back import delivery, kitting
from app.ui.handover.confirm_dialog import ConfirmHandoverDialog
from app.ui.handover.new_task_dialog import NewTaskDialog
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.style import Tone
from app.ui.oversight.dashboard_page import DashboardPage
from app.ui.shell.main_window import MainWindow
from app.ui.way_back.delivery_dialogs import (
    DeliverDialog,
    DeliveryPlanDialog,
    FollowupDialog,
    ReceiveBackDialog,
)
from app.ui.way_back.receive_back_page import ReceiveBackPage
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, scan, type_text
from tests.ui.test_kitting_page import accepted_task, repair

DAY = dt.timedelta(days=1)


def show_in(window: MainWindow, page: QWidget) -> None:
    """Put one of these pages into the window's page stack and show it (as the lead wires it)."""
    if window.pages.indexOf(page) < 0:
        window.pages.addWidget(page)
    window.pages.setCurrentWidget(page)


def test_one_return_task_from_registration_to_closed(
    qtbot: Any,
    qtmodeltester: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    open_window: Any,
) -> None:
    db = sqlite_db
    window = open_window(org.clerk)
    desk = window.desk

    # --- 返厂交接: registration, documents, acceptance, the handover confirmed ----------------
    def fill_new_task(dialog: NewTaskDialog) -> None:
        type_text(qtbot, dialog.unit_box.lineEdit(), "某部队修理所")
        click(qtbot, dialog.kitting_deadline.enabled_box)

    prompts.expect(NewTaskDialog, fill_new_task)
    click(qtbot, desk.new_task_button)
    assert desk.task is not None
    task_number = desk.task.number
    for code in ("GC-12A/GC12A-2026401", "DY-3/DY3-2026402"):
        assert "已登记" in scan(qtbot, desk, code)
    for row in range(2):
        click_row(qtbot, desk.lines_view, row)
        for doc in desk.detail.doc_rows.values():
            click(qtbot, doc.buttons[DocumentVerdict.consistent])
        click(qtbot, desk.detail.accept_button)
        assert cell(desk.lines_view, row, "结论") == "接收"

    def fill_confirm(dialog: ConfirmHandoverDialog) -> None:
        type_text(qtbot, dialog.user_rep, "李参谋")

    prompts.expect(ConfirmHandoverDialog, fill_confirm)
    prompts.answers.append(False)  # print the handover record later
    click(qtbot, desk.header.confirm_button)
    assert desk.task.status == "confirmed"
    lines = [r.id for r in desk.lines_model.rows()]
    kit = kitting.kit_of_line(db, lines[0])
    assert kit is not None and kitting.kit_of_line(db, lines[1]) == kit

    # --- at the manufacturers (services: the bench pages are another engineer's) ------------
    for line_id in lines:
        repair(db, org, line_id, local_today())
        assert returns.get_line(db, line_id).status == LineStatus.accepted_after_repair

    # --- 修复产品交回: the GC-12A comes back; the DY-3's packing list is missing -----------------
    assert window.go("back")
    back = window.back_page
    assert back.groups_model.rowCount() == 2
    qtmodeltester.check(back.groups_model)
    qtmodeltester.check(back.lines_model)
    assert back.select_manufacturer("惯性导航研究所")
    assert not back.receive_button.isEnabled() and "勾选" in back.receive_button.toolTip()
    click(qtbot, back.all_button)
    assert back.receive_button.text() == "接收交回（1 件）…"

    def all_fine(dialog: ReceiveBackDialog) -> None:
        qtmodeltester.check(dialog.model)
        assert dialog.receiver.text() == "王敏"
        click(qtbot, dialog.all_button)
        assert not dialog.ok_button.isEnabled()  # the deliverer's name is required
        type_text(qtbot, dialog.deliverer, "陈工")

    prompts.expect(ReceiveBackDialog, all_fine)
    prompts.answers.append(False)
    click(qtbot, back.receive_button)
    assert back.feedback.tone == Tone.ok, back.feedback.text()
    assert "已接收 惯性导航研究所 交回的 1 件" in back.feedback.text()
    assert returns.get_line(db, lines[0]).status == LineStatus.back_at_materials
    assert back.groups_model.rowCount() == 1  # only the power supply plant's item waits

    def packing_list_missing(dialog: ReceiveBackDialog) -> None:
        dialog.set_row(0, True, False, True)
        assert not dialog.ok_button.isEnabled()  # not fully checked: the anomaly is required
        assert "请勾选或写明异常" in dialog.summary.text()
        anomaly = dialog.model.index(0, dialog.model.column_of("异常情况"))
        dialog.model.setData(anomaly, "装箱清单缺失", Qt.ItemDataRole.EditRole)
        assert cell(dialog.view, 0, "结论") == "退回承制单位"
        type_text(qtbot, dialog.deliverer, "孙工")

    click(qtbot, back.all_button)
    prompts.expect(ReceiveBackDialog, packing_list_missing)
    prompts.answers.append(False)
    click(qtbot, back.receive_button)
    assert back.feedback.tone == Tone.warn
    assert "退回承制单位 1 件：DY-3/DY3-2026402（装箱清单缺失）" in back.feedback.text()
    assert returns.get_line(db, lines[1]).status == LineStatus.accepted_after_repair

    # --- 齐套: one item back, one still out: the set cannot complete or go to the user -------
    assert window.go("kitting")
    kits = window.kitting
    assert kits.select_kit(kit)
    assert cell(kits.kits_view, kits.kits_model.find(lambda k: k.number == kit), "已返回/共") == (
        "1/2"
    )
    assert not kits.deliver_button.isEnabled()
    assert "DY-3/DY3-2026402" in kits.deliver_button.toolTip()

    # The second batch: the packing list found, the DY-3 comes back.
    window.go("back")
    click(qtbot, back.all_button)

    def second_batch(dialog: ReceiveBackDialog) -> None:
        click(qtbot, dialog.all_button)
        type_text(qtbot, dialog.deliverer, "孙工")

    prompts.expect(ReceiveBackDialog, second_batch)
    prompts.answers.append(False)
    click(qtbot, back.receive_button)
    assert back.feedback.tone == Tone.ok and back.groups_model.rowCount() == 0

    # --- 确认齐套, 交付用户, 回访 ---------------------------------------------------------------
    # The kitting page was hidden when the item came back: it reads again when shown.
    window.go("kitting")
    assert cell(kits.kits_view, kits.kits_model.find(lambda k: k.number == kit), "已返回/共") == (
        "2/2"
    )
    assert kits.select_kit(kit)
    click(qtbot, kits.complete_button)
    assert kits.feedback.tone == Tone.ok and "已齐套" in kits.feedback.text()

    def to_the_user(dialog: DeliverDialog) -> None:
        type_text(qtbot, dialog.user_rep, "李参谋")

    prompts.expect(DeliverDialog, to_the_user)
    prompts.answers.append(False)
    click(qtbot, kits.deliver_button)
    assert kits.feedback.tone == Tone.ok and "已交付用户" in kits.feedback.text()

    def satisfied(dialog: FollowupDialog) -> None:
        dialog.score.setValue(98)

    prompts.expect(FollowupDialog, satisfied)
    click(qtbot, kits.followup_button)
    assert kits.feedback.tone == Tone.ok and "流程关闭" in kits.feedback.text()

    # --- closed: every line, the task, and the desk says so ---------------------------------
    assert all(returns.get_line(db, i).status == LineStatus.closed for i in lines)
    assert returns.get_task_by_number(db, task_number).status == "closed"
    window.go("desk")
    desk.refresh_task()
    assert desk.header.status.text() == "已关闭"
    board = DashboardPage(window.ctx)
    show_in(window, board)
    qtbot.waitUntil(lambda: board.board is not None, timeout=20_000)
    shown = [r.line for s in board.models.values() for r in s.rows()]
    assert not any(x.startswith(task_number) for x in shown) and kit not in shown
    assert prompts.done()


def test_the_returned_items_handover_prints_and_a_manager_plans_delivery(
    qtbot: Any,
    qtmodeltester: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    db = sqlite_db
    start = local_today() - 20 * DAY
    _task, ids = accepted_task(
        db, org, [("GC-12A", "GC12A-2026411"), ("GC-12A", "GC12A-2026412")], start
    )
    repair(db, org, ids[0], start + DAY)
    repair(db, org, ids[1], start + DAY, stop="in_repair")

    # A clerk may receive but not plan.
    clerk = ReceiveBackPage(make_desk(org.clerk))
    qtbot.addWidget(clerk)
    clerk.show()
    qtbot.waitExposed(clerk)
    assert not clerk.plan_button.isEnabled()
    assert "只有总体/主管可以操作" in clerk.plan_button.toolTip()

    # The manager plans both items to come back within five days.
    page = ReceiveBackPage(make_desk(org.manager))
    qtbot.addWidget(page)
    page.resize(1160, 700)
    page.show()
    qtbot.waitExposed(page)
    assert cell(page.lines_view, 0, "交付计划") == "未列入"
    page.check_line("GC-12A/GC12A-2026411")
    due = local_today() + 5 * DAY

    def plan(dialog: DeliveryPlanDialog) -> None:
        qtmodeltester.check(dialog.model)
        assert [r.item.line_id for r in dialog.model.checked_rows()] == [ids[0]]
        assert {r.item.line_id for r in dialog.model.rows()} == set(ids)
        dialog.choose(ids[1])
        dialog.due.setDate(QDate(due.year, due.month, due.day))
        type_text(qtbot, dialog.note, "随齐套一并交付")

    prompts.expect(DeliveryPlanDialog, plan)
    click(qtbot, page.plan_button)
    assert page.feedback.tone == Tone.ok, page.feedback.text()
    assert "交付计划 JF-" in page.feedback.text() and "2 件" in page.feedback.text()
    assert cell(page.lines_view, 0, "交付计划") == due.isoformat()
    assert cell(page.groups_view, 0, "最早计划") == due.isoformat()
    assert delivery.awaiting_return(db)[0].lines[0].dispatch_deadline.due == due

    # The clerk receives it and prints the handover record.
    clerk.refresh()
    click(qtbot, clerk.all_button)

    def receive(dialog: ReceiveBackDialog) -> None:
        click(qtbot, dialog.all_button)
        type_text(qtbot, dialog.deliverer, "陈工")

    pdf = tmp_path / "back.pdf"

    def save(dialog: PrintPreviewDialog) -> bool:
        dialog.save_pdf(pdf)
        return False

    prompts.expect(ReceiveBackDialog, receive)
    prompts.answers.append(True)
    prompts.then(save)
    click(qtbot, clerk.receive_button)
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    number = clerk.feedback.text().split("交接记录单 ")[1].split("。")[0]
    assert number.startswith("JJ-") and number in prompts.questions[-1][1]
    text = pdf_tools.pdf_text(pdf)
    assert number in text and "GC12A-2026411" in text
    assert clerk.groups_model.rowCount() == 0
    assert prompts.done()


def test_receiving_back_is_refused_with_the_reason_when_the_state_moved(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """Another desk took the item in meanwhile: the service's refusal is shown, nothing crashes."""
    db = sqlite_db
    start = local_today() - 20 * DAY
    _task, ids = accepted_task(db, org, [("GC-12A", "GC12A-2026421")], start)
    repair(db, org, ids[0], start + DAY)
    page = ReceiveBackPage(make_desk(org.clerk))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    click(qtbot, page.all_button)
    delivery.receive_back(
        db, org.clerk, {ids[0]: delivery.BackCheck(True, True, True)}, "陈工", "王敏"
    )

    def receive(dialog: ReceiveBackDialog) -> None:
        click(qtbot, dialog.all_button)
        type_text(qtbot, dialog.deliverer, "陈工")

    prompts.expect(ReceiveBackDialog, receive)
    click(qtbot, page.receive_button)
    assert page.feedback.tone == Tone.bad
    assert "当前状态为“已返回物资部门”" in page.feedback.text()
    assert prompts.done()


def test_lines_awaiting_return_are_read_page_by_page(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """A manufacturer with many items to hand back: its lines come a page at a time as the
    table scrolls; 全选 reads the rest first, so the whole batch is ticked."""
    db = sqlite_db
    start = local_today() - 20 * DAY
    _task, ids = accepted_task(
        db, org, [("GC-12A", f"GC12A-20264{i:02d}") for i in range(5)], start
    )
    for line_id in ids:
        repair(db, org, line_id, start + DAY)
    page = ReceiveBackPage(make_desk(org.clerk), page_size=2)
    qtbot.addWidget(page)
    page.resize(1160, 220)
    page.show()
    qtbot.waitExposed(page)
    assert cell(page.groups_view, 0, "待交回") == "5 件"  # counted in SQL, not from the rows read
    assert page.lines_title.text() == "惯性导航研究所：5 件待交回"
    assert 2 <= page.lines_model.rowCount() < 5 and not page.lines_model.exhausted
    click(qtbot, page.all_button)
    assert page.lines_model.rowCount() == 5
    assert page.receive_button.text() == "接收交回（5 件）…"
    assert [x.line_id for x in page.checked_lines()] == ids
