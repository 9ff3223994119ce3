"""A clerk dispatches accepted items to their manufacturers from the 分发 page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.db import Database
from app.services.admin import masterdata
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import command_line_actor, local_today
from app.services.kernel.terms import Decision, DocumentKind, LineStatus
from app.services.oversight import inbox
from app.ui.dispatch.page import (
    NO_MAKER,
    NO_MAKER_REASON,
    NO_SELECTION,
    DispatchDialog,
    DispatchPage,
)
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.runner import Change, Runner, call
from app.ui.kit.style import Tone, foreground
from tests import pdf_tools
from tests.conftest import Org
from tests.support.statements import selects
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, type_text


def accepted_lines(
    db: Database, org: Org, items: list[tuple[str, str]], days_ago: int = 0
) -> list[int]:
    """A return task confirmed `days_ago` days ago with every item accepted; the line ids."""
    confirmed = local_today() - dt.timedelta(days=days_ago)
    task = returns.create_task(db, org.clerk, "某部队修理所", today=confirmed)
    ids = []
    for model, serial in items:
        line = returns.add_line(db, org.clerk, task.id, model, serial, "通电后自检不通过")
        for kind in DocumentKind:
            returns.set_document(db, org.clerk, line.id, kind, True, True)
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
        ids.append(line.id)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed)
    return ids


def open_page(qtbot: Any, desk: Desk) -> DispatchPage:
    page = DispatchPage(desk)
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()  # the main window refreshes a page when it is shown
    return page


def group_row(page: DispatchPage, name: str) -> int:
    row = page.groups_model.find(lambda g: (g.manufacturer or NO_MAKER) == name)
    assert row is not None, f"no group {name}"
    return row


def save_preview_to(path: Path, titles: list[str]) -> Any:
    def handle(dialog: PrintPreviewDialog) -> bool:
        assert isinstance(dialog, PrintPreviewDialog)
        titles.append(dialog.windowTitle())
        dialog.save_pdf(path)
        return False

    return handle


def test_clerk_dispatches_a_group_and_a_late_line_needs_a_reason(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    (late,) = accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026001")], days_ago=10)
    fresh, power = accepted_lines(
        sqlite_db, org, [("GC-12A", "GC12A-2026002"), ("DY-3", "DY3-2026001")]
    )
    page = open_page(qtbot, make_desk(org.clerk))

    assert [cell(page.groups_view, r, "承制单位") for r in range(2)] == [
        "惯性导航研究所",
        "电源分厂",
    ]
    row = group_row(page, "惯性导航研究所")
    assert cell(page.groups_view, row, "件数") == "2" and cell(page.groups_view, row, "超期") == "1"
    click_row(qtbot, page.groups_view, row)
    assert page.group_title.text() == "惯性导航研究所：2 件待分发，其中 1 件已超过分发时限"

    # The lines: task, item, route in the kit tree, and the deadline, red when overdue.
    codes = [cell(page.lines_view, r, "产品编码") for r in range(page.lines_model.rowCount())]
    assert codes == ["GC-12A/GC12A-2026001", "GC-12A/GC12A-2026002"]
    assert cell(page.lines_view, 0, "齐套路线") == "ZT-1 › GC-12A"
    assert "超期 3 天" in cell(page.lines_view, 0, "分发时限")
    assert "剩 7 天" in cell(page.lines_view, 1, "分发时限")
    deadline = page.lines_model.index(0, 4)
    assert deadline.data(Qt.ItemDataRole.ForegroundRole) == foreground(Tone.bad)

    # Nothing selected: 分发… says why it is grey.
    assert not page.dispatch_button.isEnabled()
    assert page.dispatch_button.toolTip() == NO_SELECTION
    click(qtbot, page.select_all_button)
    assert page.selection_label.text() == "已选 2 件（1 件超期）"
    assert page.dispatch_button.isEnabled()

    def drive(dialog: DispatchDialog) -> bool:
        assert isinstance(dialog, DispatchDialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.sender_name.text() == "王敏"
        assert list(dialog.reasons) == [late]  # one reason field, for the overdue line only
        type_text(qtbot, dialog.anomalies, "包装箱一角破损")
        # Without the reason the dialog refuses and stays open; nothing is sent.
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and dialog.error_label.isVisible()
        assert "GC-12A/GC12A-2026001 已超过分发时限" in dialog.error_label.text()
        assert returns.get_line(sqlite_db, late).status == LineStatus.accepted
        assert dialog.anomalies.toPlainText() == "包装箱一角破损"  # what was typed stays
        type_text(qtbot, dialog.reasons[late], "承制单位停产检修")
        click(qtbot, dialog.ok_button)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        return dialog.result() == DispatchDialog.DialogCode.Accepted

    pdf = tmp_path / "jj.pdf"
    titles: list[str] = []
    prompts.then(drive)
    prompts.answers.append(True)  # 打印交接单
    prompts.then(save_preview_to(pdf, titles))
    click(qtbot, page.dispatch_button)
    qtbot.waitUntil(pdf.exists, timeout=20_000)

    for line in (late, fresh):
        assert returns.get_line(sqlite_db, line).status == LineStatus.dispatched
    assert returns.get_line(sqlite_db, power).status == LineStatus.accepted
    title, question = prompts.questions[-1]
    assert title == "分发完成"
    jj = next(w for w in question.split() if w.startswith("JJ-"))
    cq = next(w for w in question.replace("（", " ").split() if w.startswith("CQ-"))
    assert f"超期报告 {cq}" in page.feedback.text() and jj in page.feedback.text()
    assert page.feedback.tone == Tone.ok
    report = next(r for r in inbox.inbox(sqlite_db, org.manager) if r.number == cq)
    assert "承制单位停产检修" in report.body

    # The handover record printed from the question, with the anomaly written on it.
    assert titles == [f"打印预览 — 交接记录单 {jj}"]
    text = pdf_tools.pdf_text(pdf)
    assert jj in text and "GC12A-2026001" in text and "包装箱一角破损" in text

    # The dispatched group is gone; the other stays, selected.
    assert page.groups_model.rowCount() == 1
    assert cell(page.groups_view, 0, "承制单位") == "电源分厂"
    assert page.group is not None and page.group.manufacturer == "电源分厂"


def test_group_without_manufacturer_cannot_be_dispatched(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    masterdata.add_model(sqlite_db, command_line_actor(), "NEW-1", "新产品")
    accepted_lines(sqlite_db, org, [("NEW-1", "N-0001"), ("GC-12A", "GC12A-2026003")])
    page = open_page(qtbot, make_desk(org.clerk))
    row = group_row(page, NO_MAKER)
    assert row == page.groups_model.rowCount() - 1  # listed last
    click_row(qtbot, page.groups_view, row)
    assert page.group_title.text().startswith("型号未指定承制单位：1 件待分发")
    assert page.banner.isVisible()
    click(qtbot, page.select_all_button)
    assert not page.dispatch_button.isEnabled()
    assert page.dispatch_button.toolTip() == NO_MAKER_REASON

    # Once an admin names the manufacturer, the line joins that group.
    masterdata.set_model_manufacturer(sqlite_db, command_line_actor(), "NEW-1", "电源分厂")
    click(qtbot, page.refresh_button)
    assert page.groups_model.find(lambda g: g.manufacturer_id is None) is None
    row = group_row(page, "电源分厂")
    click_row(qtbot, page.groups_view, row)
    assert not page.banner.isVisible()
    assert cell(page.lines_view, 0, "产品编码") == "NEW-1/N-0001"
    click_row(qtbot, page.lines_view, 0)
    assert page.dispatch_button.isEnabled()


def ctrl_click_row(qtbot: Any, view: Any, row: int) -> None:
    """Add a row to the selection, as a clerk does with Ctrl held."""
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        view.visualRect(index).center(),
    )


def test_labels_print_for_exactly_the_selected_items_of_several_tasks(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    """Defect 4: 打印标签 printed the first task's labels, not the selected items'."""
    accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026004"), ("GC-12A", "GC12A-2026005")])
    accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026014"), ("GC-12A", "GC12A-2026015")])
    page = open_page(qtbot, make_desk(org.clerk))
    assert not page.labels_button.isEnabled()
    codes = [cell(page.lines_view, r, "产品编码") for r in range(page.lines_model.rowCount())]
    first, second = codes.index("GC-12A/GC12A-2026005"), codes.index("GC-12A/GC12A-2026014")
    tasks = {cell(page.lines_view, r, "任务编号") for r in (first, second)}
    assert len(tasks) == 2  # one item of each task
    click_row(qtbot, page.lines_view, first)
    ctrl_click_row(qtbot, page.lines_view, second)
    assert page.selection_label.text() == "已选 2 件"
    assert page.labels_button.isEnabled()
    assert "2 件" in page.labels_button.toolTip()
    page.label_size_box.setCurrentIndex(page.label_size_box.findData("a4"))
    pdf = tmp_path / "labels.pdf"
    titles: list[str] = []
    prompts.then(save_preview_to(pdf, titles))
    click(qtbot, page.labels_button)
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    assert titles == ["打印预览 — 产品标签 2 件（2 个任务，A4 标签页）"]
    # Labels print the item code under a QR code where Code128 does not fit: read the text.
    text = pdf_tools.pdf_text(pdf)
    printed = {serial for serial in re.findall(r"GC12A-\d{7}", text)}
    assert printed == {"GC12A-2026005", "GC12A-2026014"}
    assert all(task in text for task in tasks)
    assert prompts.done() and not prompts.errors


def test_new_lines_appear_when_a_handover_is_confirmed_elsewhere(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    runner: Runner,
) -> None:
    """The page watches TASKS: a handover confirmed at the desk shows its lines here at once
    while the page is shown, and when it is next shown while hidden; no 刷新 pressed."""
    accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026017")])
    page = open_page(qtbot, make_desk(org.clerk))
    assert page.lines_model.rowCount() == 1

    def handover(serial: str) -> None:
        task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
        line = returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", serial, "无输出")
        for kind in DocumentKind:
            returns.set_document(sqlite_db, org.clerk, line.id, kind, True, True)
        returns.decide_line(sqlite_db, org.clerk, line.id, Decision.accept)
        # The desk confirms through the window's one runner and says what it changed.
        runner.run(
            None,
            call(returns.confirm_handover, sqlite_db, org.clerk, task.id, "李参谋", "王敏"),
            changes=Change.TASKS,
        )

    handover("GC12A-2026018")
    codes = [cell(page.lines_view, r, "产品编码") for r in range(page.lines_model.rowCount())]
    assert codes == ["GC-12A/GC12A-2026017", "GC-12A/GC12A-2026018"]

    page.hide()
    handover("GC12A-2026019")
    assert page.lines_model.rowCount() == 2  # hidden: not read while nobody looks
    page.show()
    qtbot.waitExposed(page)
    assert page.lines_model.rowCount() == 3


def test_an_engineer_may_not_dispatch_or_print_labels(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026006")])
    page = open_page(qtbot, make_desk(org.engineer))
    click_row(qtbot, page.lines_view, 0)
    assert not page.dispatch_button.isEnabled()
    assert "不能分发产品" in page.dispatch_button.toolTip()
    assert "物资交接员" in page.dispatch_button.toolTip()
    assert not page.labels_button.isEnabled()
    assert "不能打印产品标签" in page.labels_button.toolTip()


def test_a_refusal_from_the_service_is_shown_in_the_dialog(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    (line,) = accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026007")])
    page = open_page(qtbot, make_desk(org.clerk))
    click(qtbot, page.select_all_button)
    # Another desk sends the line meanwhile: this window's dispatch is refused, not crashed.
    dispatching.dispatch(sqlite_db, org.clerk, [line])

    def drive(dialog: DispatchDialog) -> bool:
        dialog.show()
        qtbot.waitExposed(dialog)
        click(qtbot, dialog.ok_button)
        # The line's version this window showed no longer holds (issue 9): said, with what
        # the line is now.
        text = dialog.error_label.text()
        assert dialog.isVisible() and "已被其他工位修改，现在为：已分发" in text, text
        click(qtbot, dialog.cancel_button)
        return False

    prompts.then(drive)
    click(qtbot, page.dispatch_button)
    assert prompts.done() and not prompts.questions
    # Behind the dialog the page read the shelf again: the line sent elsewhere is gone.
    qtbot.waitUntil(lambda: page.lines_model.rowCount() == 0)


def test_dispatch_models_pass_qt_checks(
    qtmodeltester: Any,
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
) -> None:
    accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026008"), ("DY-3", "DY3-2026008")], 9)
    accepted_lines(sqlite_db, org, [("GC-12A", "GC12A-2026009")])
    page = open_page(qtbot, make_desk(org.clerk))
    qtmodeltester.check(page.groups_model)
    qtmodeltester.check(page.lines_model)
    assert page.lines_model.rowCount() == 2


def test_a_big_group_is_read_page_by_page_and_select_all_reads_the_rest(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """A manufacturer with many items waiting: its lines come a page at a time as the table
    scrolls, the counts in the list are SQL's; 全选 reads the rest first, so 分发… sends them
    all (each with the version shown)."""
    old = accepted_lines(sqlite_db, org, [("GC-12A", f"GC12A-20263{i:02d}") for i in range(3)], 9)
    new = accepted_lines(sqlite_db, org, [("GC-12A", f"GC12A-20264{i:02d}") for i in range(2)])
    desk = make_desk(org.clerk)
    page = DispatchPage(desk, page_size=2)
    qtbot.addWidget(page)
    page.resize(1160, 220)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    row = group_row(page, "惯性导航研究所")
    assert cell(page.groups_view, row, "件数") == "5" and cell(page.groups_view, row, "超期") == "3"
    assert page.group_title.text() == "惯性导航研究所：5 件待分发，其中 3 件已超过分发时限"
    assert 2 <= page.lines_model.rowCount() < 5 and not page.lines_model.exhausted
    assert cell(page.lines_view, 0, "产品编码") == "GC-12A/GC12A-2026300"  # longest waiting first
    click(qtbot, page.select_all_button)
    assert page.lines_model.rowCount() == 5
    assert page.selection_label.text() == "已选 5 件（3 件超期）"
    assert [x.line_id for x in page.selected_lines()] == old + new

    def look(dialog: DispatchDialog) -> bool:
        assert isinstance(dialog, DispatchDialog)
        assert [x.line_id for x in dialog.lines] == old + new
        assert sorted(dialog.reasons) == sorted(old)
        return False

    prompts.then(look)
    click(qtbot, page.dispatch_button)
    assert prompts.done() and not prompts.errors

    # 刷新 reads the groups and the selected group's first page: three statements, once each.
    with selects(sqlite_db) as seen:
        click(qtbot, page.refresh_button)
        qtbot.waitUntil(lambda: page.lines_model.rowCount() >= 2)
    assert len(seen) == 3, seen
    assert page.group is not None and page.group.manufacturer == "惯性导航研究所"
