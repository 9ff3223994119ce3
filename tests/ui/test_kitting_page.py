"""齐套 through the window: the live status of a set, the QB report as PDF and Excel, the
handover to the user refused while an item is missing, the set completing, and the follow-up
closing the lines."""

from __future__ import annotations

import datetime as dt
import importlib.abc
import sys
import threading
from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtCore import QDate, Qt

from app.db import Database
from app.services import way_back as way_back_services
from app.services.admin import codelists
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import local_today
from app.services.kernel.terms import Decision, DocumentKind, LineStatus
from app.services.repair import repairs
from app.services.way_back import delivery, kitting
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.runner import Change, call
from app.ui.kit.style import Tone, foreground
from app.ui.way_back.delivery_dialogs import (
    DeliverDialog,
    FollowupDialog,
    KitDeadlineDialog,
    RegroupDialog,
)
from app.ui.way_back.kitting_page import KittingPage, KittingReportPreview
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, type_text

DAY = dt.timedelta(days=1)

# --- building the data through the services (shared with test_way_back_window.py) ----------------


def accepted_task(
    db: Database,
    org: Org,
    items: list[tuple[str, str]],
    confirmed: dt.date,
    kitting_deadline: dt.date | None = None,
) -> tuple[str, list[int]]:
    """A return task whose items are all accepted at a handover on `confirmed`."""
    task = returns.create_task(
        db, org.clerk, "某部队修理所", kitting_deadline=kitting_deadline, today=confirmed
    )
    ids = []
    for model, serial in items:
        line = returns.add_line(db, org.clerk, task.id, model, serial, "通电后无输出")
        for kind in DocumentKind:
            returns.set_document(db, org.clerk, line.id, kind, True, True)
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
        ids.append(line.id)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed)
    return task.number, ids


def repair(
    db: Database, org: Org, line_id: int, received: dt.date, stop: str = "accepted_after_repair"
) -> None:
    """The manufacturer's part of the way (not these pages): dispatch up to `stop`."""
    line = returns.get_line(db, line_id)
    engineer = org.engineer if line.model_code == "GC-12A" else org.power
    sent = dispatching.dispatch(db, org.clerk, [line_id], sender_name="王敏", today=received)
    repairs.receive(db, engineer, sent.handover_number, engineer.name, today=received)
    repairs.record_unboxing(
        db,
        engineer,
        line_id,
        repairs.Unboxing(True, True, True, True, True, "李参谋", "包装完好"),
        today=received,
    )
    repairs.write_investigation_plan(
        db, engineer, line_id, f"PC-{line_id}", "A", engineer.name, "排查方案", today=received
    )
    repairs.localize(
        db,
        engineer,
        line_id,
        fault_mode="功能失效",
        cause_category="元器件",
        faulty_part="电源模块",
        conclusion="故障复现，器件失效",
        today=min(received + DAY, local_today()),
    )
    if stop == "localized":
        return
    repairs.plan_repair(db, engineer, line_id, "更换器件", local_today() + 20 * DAY, today=received)
    if stop == "in_repair":
        return
    repairs.record_repair(db, engineer, line_id, "更换器件并标定", engineer.name, "测试合格")
    points = codelists.get_checklist(db, line.model_code)
    repairs.inspect_acceptance(
        db,
        org.quality,
        line_id,
        {p.id: (True, "") for p in points},
        inspector="刘检",
        passed=None if points else True,
    )


def bring_back(db: Database, org: Org, line_id: int) -> str:
    result = delivery.receive_back(
        db, org.clerk, {line_id: delivery.BackCheck(True, True, True)}, "陈工", "王敏"
    )
    return result.handover_number


def half_back(db: Database, org: Org) -> tuple[str, str, list[int]]:
    """A set of two: the GC-12A back at the materials department, the DY-3 still in repair."""
    start = local_today() - 30 * DAY
    task, ids = accepted_task(
        db,
        org,
        [("GC-12A", "GC12A-2026301"), ("DY-3", "DY3-2026302")],
        start,
        local_today() + 10 * DAY,
    )
    repair(db, org, ids[0], start + DAY)
    repair(db, org, ids[1], start + DAY, stop="in_repair")
    bring_back(db, org, ids[0])
    kit = kitting.kit_of_line(db, ids[0])
    assert kit is not None
    return task, kit, ids


def kitting_page(qtbot: Any, desk: Desk) -> KittingPage:
    page = KittingPage(desk)
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


# --- the tests --------------------------------------------------------------------------------


def test_a_missing_item_blocks_the_set_and_the_report_names_it(
    qtbot: Any,
    qtmodeltester: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    _task, kit, _ids = half_back(sqlite_db, org)
    page = kitting_page(qtbot, make_desk(org.clerk))
    assert page.kits_model.rowCount() == 1
    qtmodeltester.check(page.kits_model)
    assert page.kit is not None and page.kit.number == kit  # the first set is open at once
    assert cell(page.kits_view, 0, "已返回/共") == "1/2"
    assert cell(page.kits_view, 0, "状态") == "齐套中"
    assert page.items_model.rowCount() == 2
    qtmodeltester.check(page.items_model)
    # The missing item first, where it is and who has to act.
    assert cell(page.items_view, 0, "产品编码") == "DY-3/DY3-2026302"
    assert cell(page.items_view, 0, "状态") == "维修中"
    assert cell(page.items_view, 0, "所在单位") == "电源分厂"
    assert cell(page.items_view, 1, "状态") == "已返回物资部门"
    assert "还缺 1 件：DY-3/DY3-2026302（维修中）" in page.summary.text()

    # 确认齐套 is refused by the service, with the missing item named.
    assert "还缺 1 件" in page.complete_button.toolTip()
    click(qtbot, page.complete_button)
    assert page.feedback.tone == Tone.bad
    assert "DY-3/DY3-2026302" in page.feedback.text() and "还缺 1 件" in page.feedback.text()

    # 交付用户 waits for 确认齐套 (the kit set's rule): greyed, the missing item named.
    assert not page.deliver_button.isEnabled()
    assert "DY-3/DY3-2026302" in page.deliver_button.toolTip()
    assert "确认齐套后才能交付用户" in page.deliver_button.toolTip()
    assert not page.followup_button.isEnabled() and "交付用户后" in page.followup_button.toolTip()

    # 上报齐套情况: the QB report is issued, its PDF previewed, the workbook saved.
    pdf, xlsx = tmp_path / "qb.pdf", tmp_path / "qb.xlsx"
    seen: list[str] = []

    def save_both(dialog: KittingReportPreview) -> bool:
        assert isinstance(dialog, KittingReportPreview)
        seen.append(dialog.windowTitle())
        dialog.save_pdf(pdf)
        dialog.save_xlsx(xlsx)
        prompts.files.append(str(tmp_path / "从按钮另存"))
        click(qtbot, dialog.excel_button)
        return False

    prompts.then(save_both)
    click(qtbot, page.report_button)
    # The report issued is said at once; its PDF is rendered in the event loop's next turn.
    assert "已上报齐套情况报告 QB-" in page.feedback.text() and not seen
    qtbot.waitUntil(lambda: pdf.exists() and bool(prompts.infos), timeout=20_000)
    assert page.feedback.tone == Tone.ok
    number = page.feedback.text().split("报告 ")[1].split("（")[0]
    assert number.startswith("QB-")
    assert seen == [f"打印预览 — 齐套情况报告 {number}"]
    assert cell(page.kits_view, 0, "上报情况") == f"已上报 {number}"
    text = pdf_tools.pdf_text(pdf)
    assert number in text and "DY-3/DY3-2026302" in text

    saved = tmp_path / "从按钮另存.xlsx"
    assert saved.exists() and prompts.infos[-1][0] == "已保存"
    assert saved.read_bytes() == xlsx.read_bytes()
    book = openpyxl.load_workbook(xlsx)
    sheet = book["齐套情况"]
    values = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any(kit in v for v in values)
    assert "DY-3/DY3-2026302" in values and "GC-12A/GC12A-2026301" in values
    assert prompts.done()


def test_the_reports_workbook_is_imported_off_the_gui_thread(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    monkeypatch: Any,
) -> None:
    """The QB report's module loads openpyxl (~0.2 s): the first report shown imports it in the
    worker thread with the call; on the GUI thread it blocked the window (issue 10)."""
    _task, kit, _ids = half_back(sqlite_db, org)
    page = kitting_page(qtbot, make_desk(org.clerk))
    name = "app.services.way_back.kitting_report"
    monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.delattr(way_back_services, "kitting_report", raising=False)
    on_gui_thread: list[bool] = []

    class Watch(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
            if fullname == name:
                on_gui_thread.append(threading.current_thread() is threading.main_thread())

    monkeypatch.setattr(sys, "meta_path", [Watch(), *sys.meta_path])
    shown: list[str] = []
    prompts.then(lambda dialog: bool(shown.append(type(dialog).__name__)))
    click(qtbot, page.preview_button)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert shown == ["KittingReportPreview"] and page.kit is not None and page.kit.number == kit
    assert on_gui_thread == [False]


def test_the_set_completes_is_delivered_and_the_followup_closes_it(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    task, kit, ids = half_back(sqlite_db, org)
    repairs.record_repair(sqlite_db, org.power, ids[1], "更换电源模块", "孙工", "测试合格")
    repairs.inspect_acceptance(sqlite_db, org.quality, ids[1], {}, inspector="刘检", passed=True)
    bring_back(sqlite_db, org, ids[1])
    page = kitting_page(qtbot, make_desk(org.clerk))
    assert cell(page.kits_view, 0, "状态") == "可确认齐套"
    assert not page.deliver_button.toolTip().startswith("与用户代表")  # not kitted yet

    click(qtbot, page.complete_button)
    assert page.feedback.tone == Tone.ok and "已齐套" in page.feedback.text()
    assert cell(page.kits_view, 0, "状态") == "已齐套"
    assert not page.complete_button.isEnabled()
    assert all(returns.get_line(sqlite_db, i).status == LineStatus.kitted for i in ids)

    def fill(dialog: DeliverDialog) -> None:
        assert dialog.clerk.text() == "王敏"
        assert not dialog.ok_button.isEnabled()  # the user representative is required
        type_text(qtbot, dialog.user_rep, "李参谋")

    prompts.expect(DeliverDialog, fill)
    prompts.answers.append(True)  # 打印交接单
    handover = tmp_path / "jj.pdf"

    def save(dialog: PrintPreviewDialog) -> bool:
        dialog.save_pdf(handover)
        return False

    prompts.then(save)
    click(qtbot, page.deliver_button)
    qtbot.waitUntil(handover.exists, timeout=20_000)
    number = page.feedback.text().split("交接记录单 ")[1].split("。")[0]
    assert number.startswith("JJ-") and number in prompts.questions[-1][1]
    assert number in pdf_tools.pdf_text(handover)
    assert cell(page.kits_view, 0, "状态") == "已交付，待回访"
    assert all(returns.get_line(sqlite_db, i).status == LineStatus.delivered for i in ids)

    def follow_up(dialog: FollowupDialog) -> None:
        assert not dialog.ok_button.isEnabled()  # no score yet
        dialog.score.setValue(95)
        type_text(qtbot, dialog.note, "电话回访")

    prompts.expect(FollowupDialog, follow_up)
    click(qtbot, page.followup_button)
    assert page.feedback.tone == Tone.ok and "2 件产品流程关闭" in page.feedback.text()
    assert all(returns.get_line(sqlite_db, i).status == LineStatus.closed for i in ids)
    assert returns.get_task_by_number(sqlite_db, task).status == "closed"
    # The closed set stays in view while it is the one open here; others list it on request.
    assert cell(page.kits_view, 0, "状态") == "已关闭"
    assert not page.followup_button.isEnabled() and "已回访" in page.followup_button.toolTip()
    other = kitting_page(qtbot, make_desk(org.clerk))
    assert other.kits_model.find(lambda k: k.number == kit) is None
    click(qtbot, other.show_closed)
    assert other.kits_model.find(lambda k: k.number == kit) is not None
    assert prompts.done()


def test_a_scrapped_item_leaves_the_set_greyed(
    qtbot: Any,
    qtmodeltester: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
) -> None:
    _task, kit, ids = half_back(sqlite_db, org)
    repairs.scrap(sqlite_db, org.manager, ids[1], "壳体断裂，无修复价值")
    page = kitting_page(qtbot, make_desk(org.clerk))
    assert cell(page.kits_view, 0, "已返回/共") == "1/1（报废 1）"
    assert cell(page.kits_view, 0, "状态") == "可确认齐套"
    row = page.items_model.find(lambda i: i.scrapped)
    assert row is not None
    assert cell(page.items_view, row, "状态") == "已报废退出"
    code = page.items_model.index(row, 0)
    assert code.data(Qt.ItemDataRole.ForegroundRole) == foreground(Tone.muted)
    assert "报废退出 1 件" in page.summary.text()
    qtmodeltester.check(page.items_model)
    click(qtbot, page.complete_button)
    assert page.feedback.tone == Tone.ok and "1 件，可以交付用户" in page.feedback.text()
    assert kitting.kit_status(sqlite_db, kit).status == "kitted"


def test_who_may_do_what_on_the_kitting_page(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    half_back(sqlite_db, org)
    engineer = kitting_page(qtbot, make_desk(org.engineer))
    for button in (engineer.report_button, engineer.complete_button, engineer.deliver_button):
        assert not button.isEnabled() and "维修/设计工程师不能" in button.toolTip()
    assert engineer.preview_button.isEnabled()  # reading is for everyone
    clerk = kitting_page(qtbot, make_desk(org.clerk))
    assert clerk.report_button.isEnabled()
    assert not clerk.regroup_button.isEnabled()
    assert "只有总体/主管可以操作" in clerk.regroup_button.toolTip()
    assert not clerk.deadline_button.isEnabled()


def test_manager_regroups_and_moves_the_deadline(
    qtbot: Any,
    qtmodeltester: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
) -> None:
    _task, kit, ids = half_back(sqlite_db, org)
    page = kitting_page(qtbot, make_desk(org.manager))
    new_day = local_today() + 40 * DAY

    def move_missing(dialog: RegroupDialog) -> None:
        qtmodeltester.check(dialog.model)
        assert dialog.into_new.isChecked()  # no other open set to join
        assert not dialog.ok_button.isEnabled()
        row = next(i for i, r in enumerate(dialog.model.rows()) if r.item.line_id == ids[1])
        index = dialog.model.index(row, 0)
        dialog.model.setData(index, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
        dialog.deadline.setDate(dialog.deadline.date().addDays(10))

    prompts.expect(RegroupDialog, move_missing)
    click(qtbot, page.regroup_button)
    assert page.feedback.tone == Tone.ok, page.feedback.text()
    target = page.feedback.text().split("组成新的齐套 ")[1].rstrip("。")
    assert target.startswith("QT-") and target != kit
    assert page.kit is not None and page.kit.number == target
    assert [i.line_id for i in page.kit.items] == [ids[1]]
    row = page.kits_model.find(lambda k: k.number == target)
    assert row is not None and cell(page.kits_view, row, "返厂任务") == "（调整后的齐套）"
    # The set left behind is complete now.
    assert kitting.kit_status(sqlite_db, kit).complete

    def set_day(dialog: KitDeadlineDialog) -> None:
        dialog.deadline.setDate(QDate(new_day.year, new_day.month, new_day.day))

    prompts.expect(KitDeadlineDialog, set_day)
    click(qtbot, page.deadline_button)
    assert page.feedback.tone == Tone.ok and new_day.isoformat() in page.feedback.text()
    assert kitting.kit_status(sqlite_db, target).deadline == new_day
    assert prompts.done()


def test_double_clicks_open_the_item_and_the_set(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    _task, kit, _ids = half_back(sqlite_db, org)
    page = kitting_page(qtbot, make_desk(org.clerk))
    click_row(qtbot, page.kits_view, 0)
    with qtbot.waitSignal(page.open_record) as opened:
        rect = page.kits_view.visualRect(page.kits_model.index(0, 0))
        qtbot.mouseDClick(page.kits_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [kit]
    click_row(qtbot, page.items_view, 0)
    with qtbot.waitSignal(page.open_item) as item:
        rect = page.items_view.visualRect(page.items_model.index(0, 0))
        qtbot.mouseDClick(page.items_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert item.args == ["DY-3/DY3-2026302"]


def test_the_page_follows_items_coming_back_at_another_page(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any, runner: Any
) -> None:
    """Kitting watches WAY_BACK: an item received back elsewhere shows here without 刷新."""
    start = local_today() - 30 * DAY
    _task, ids = accepted_task(
        sqlite_db, org, [("GC-12A", "GC12A-2026331")], start, local_today() + 10 * DAY
    )
    repair(sqlite_db, org, ids[0], start + DAY)
    page = kitting_page(qtbot, make_desk(org.clerk))
    assert cell(page.kits_view, 0, "已返回/共") == "0/1"
    assert not page.complete_button.toolTip().startswith("全部产品已返回")
    # The receive-back page's write, through the window's one runner.
    runner.run(
        None,
        call(
            delivery.receive_back,
            sqlite_db,
            org.clerk,
            {ids[0]: delivery.BackCheck(True, True, True)},
            "陈工",
            "王敏",
        ),
        changes=Change.WAY_BACK | Change.LINES,
    )
    assert cell(page.kits_view, 0, "已返回/共") == "1/1"
    assert cell(page.kits_view, 0, "状态") == "可确认齐套"
    assert page.complete_button.isEnabled()


def test_the_page_reads_the_same_statements_for_3_sets_and_for_30(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """刷新 reads a page of sets counted in SQL and the selected set's items: the statements
    sent do not grow with the number of sets (a set's lines are never read one by one)."""
    from tests.support.statements import selects

    start = local_today() - 30 * DAY
    _task, ids = accepted_task(
        sqlite_db,
        org,
        [("GC-12A", f"GC12A-20265{i:02d}") for i in range(30)],
        start,
        local_today() + 10 * DAY,
    )

    def split(lines: list[int]) -> None:
        for n, line in enumerate(lines):
            day = local_today() + (11 + n) * DAY
            kitting.regroup(sqlite_db, org.manager, [line], None, day)

    split(ids[:2])
    page = kitting_page(qtbot, make_desk(org.clerk))
    assert page.kits_model.rowCount() == 3
    with selects(sqlite_db) as three:
        click(qtbot, page.refresh_button)
    split(ids[2:29])
    with selects(sqlite_db) as thirty:
        click(qtbot, page.refresh_button)
    assert page.kits_model.rowCount() == 30
    assert len(thirty) == len(three), (three, thirty)
    # The set open before 刷新 stays open, its items read again.
    assert page.kit is not None and [i.line_id for i in page.kit.items] == [ids[29]]
    assert cell(page.kits_view, 0, "已返回/共") == "0/1"


def _eleven_closed_sets(qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any) -> Any:
    """Eleven closed sets and the task's live one (its deadline last), on a page of 3 rows."""
    from sqlalchemy import update

    from app.models.delivery import KitSet, KitSetStatus

    start = local_today() - 30 * DAY
    _task, ids = accepted_task(
        sqlite_db,
        org,
        [("GC-12A", f"GC12A-20266{i:02d}") for i in range(12)],
        start,
        local_today() + 30 * DAY,  # the live set comes after the closed ones
    )
    for line in ids[:11]:
        kitting.regroup(sqlite_db, org.manager, [line], None, local_today() + 20 * DAY)
    with sqlite_db.transaction() as session:
        session.execute(
            update(KitSet).where(KitSet.task_id.is_(None)).values(status=KitSetStatus.closed)
        )
    page = KittingPage(make_desk(org.clerk), page_size=3)
    qtbot.addWidget(page)
    page.resize(1160, 300)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_list_read_again_starts_at_its_top_and_reads_one_page(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any, monkeypatch: Any
) -> None:
    """Issue 10: after a step the sets are read again from the first page. The view went
    back to its top: left at the bottom of the rows read before, it showed the new first
    page's end and Qt read the next page at once, on the GUI thread."""
    page = _eleven_closed_sets(qtbot, sqlite_db, org, make_desk)
    click(qtbot, page.show_closed)
    while not page.kits_model.exhausted:  # the person scrolls down to the last set
        qtbot.keyClick(page.kits_view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(10)
    reads: list[object] = []
    page_kit_sets = kitting.page_kit_sets

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("after"))
        return page_kit_sets(*args, **kwargs)

    monkeypatch.setattr(kitting, "page_kit_sets", counted)
    page.refresh()
    qtbot.wait(100)  # Qt's own look for more rows comes in a later turn of the event loop
    assert reads == [None] and page.kits_model.rowCount() == 3
    assert page.kits_view.verticalScrollBar().value() == 0


def test_closed_sets_are_read_page_by_page(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """显示已关闭 lists every set ever made: the list reads them a page at a time as it scrolls,
    and the set open here stays open even when its row is pages down."""
    page = _eleven_closed_sets(qtbot, sqlite_db, org, make_desk)
    assert page.kits_model.rowCount() == 1  # only the task's own set is live
    assert page.kit is not None
    live = page.kit.number
    click(qtbot, page.show_closed)
    # The first pages only (as many as the view has room for), the live set still open.
    assert 3 <= page.kits_model.rowCount() < 12
    assert not page.kits_model.exhausted
    assert page.kit is not None and page.kit.number == live and len(page.kit.items) == 1
    assert page.complete_button.toolTip().startswith("还缺 1 件")
    for _ in range(12):  # the person goes down the list: each Ctrl+End reads the next page
        qtbot.keyClick(page.kits_view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(10)
        if page.kits_model.exhausted:
            break
    assert page.kits_model.exhausted
    assert page.kits_model.rowCount() == 12
    assert page.kits_model.row(11).number == live
    click_row(qtbot, page.kits_view, 0)
    assert page.kit is not None and page.kit.status == "closed"
    opened = page.kit.number
    click(qtbot, page.show_closed)
    # The live set, and the closed one still open here (nobody loses what they look at).
    assert page.kits_model.rowCount() == 2
    assert page.kit is not None and page.kit.number == opened


def test_a_set_read_late_shows_its_number_and_no_other_sets_items(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    live_runner: Any,
    monkeypatch: Any,
) -> None:
    """With the program's own grace: a set's items that take long to read (another desk's
    lock) come back later; meanwhile its title says so and no step acts on the set before."""
    import time

    _task, first, ids = half_back(sqlite_db, org)
    second = kitting.regroup(sqlite_db, org.manager, [ids[1]], None, local_today() + 40 * DAY)
    page = kitting_page(qtbot, Desk(sqlite_db, org.clerk, prompts, live_runner))
    qtbot.waitUntil(lambda: page.kit is not None and page.kit.number == first)
    read = kitting.kit_status

    def slow(*args: Any) -> Any:
        time.sleep(0.5)
        return read(*args)

    monkeypatch.setattr(kitting, "kit_status", slow)
    row = page.kits_model.find(lambda k: k.number == second)
    assert row is not None
    click_row(qtbot, page.kits_view, row)
    assert page.kit is None and page.kit_title.text() == f"{second}　正在读取…"
    assert page.items_model.rowCount() == 0 and not page.complete_button.isEnabled()
    qtbot.waitUntil(lambda: page.kit is not None, timeout=10_000)
    assert page.kit is not None and page.kit.number == second
    assert [i.line_id for i in page.kit.items] == [ids[1]]
