"""代码表与验收细则: an admin adds, rewords, retires and orders code list entries and checklist
points by clicking; the bench's lists and the acceptance step follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.errors import DomainError
from app.models.misc import AuditEvent
from app.services.admin import checklists, codelists
from app.services.repair import bench, repairs
from app.ui.admin.codelist_dialogs import CodeDialog, PointDialog
from app.ui.admin.codelists_page import CodeListsPage
from tests.ui.helpers import cell, click, click_row
from tests.unit.test_repair_way import at_bench


def _page(qtbot, make_desk, actor):  # type: ignore[no-untyped-def]
    page = CodeListsPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.ensure_loaded()
    return page


def _names(tab: Any) -> list[str]:
    return [
        cell(tab.view, i, tab.view.model().headerData(1, Qt.Orientation.Horizontal))
        for i in range(tab.model.rowCount())
    ]


def _row_of(tab: Any, name: str) -> int:
    return _names(tab).index(name)


def _typed(field: str, text: str):  # type: ignore[no-untyped-def]
    def fill(dialog: Any) -> None:
        getattr(dialog, field).setText(text)

    return fill


def test_a_fault_mode_added_renamed_moved_and_retired(qtbot, make_desk, org, prompts, sqlite_db):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    tab = page.codes
    assert tab.chooser.currentText() == "故障模式"
    prompts.expect(CodeDialog, _typed("label", "  绝缘击穿 "))
    click(qtbot, tab.new_button)
    assert _names(tab)[-1] == "绝缘击穿" and "已新增“绝缘击穿”" in page.feedback.text()
    # A name already in the list is refused in the dialog itself.
    said: list[str] = []

    def twice(dialog: Any) -> bool:
        dialog.show()
        dialog.label.setText("功能失效")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        said.append(dialog.error_label.text())
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        return False

    prompts.then(twice)
    click(qtbot, tab.new_button)
    assert "已有“功能失效”" in said[0]
    click_row(qtbot, tab.view, _row_of(tab, "绝缘击穿"))
    prompts.expect(CodeDialog, _typed("label", "绝缘击穿/漏电"))
    click(qtbot, tab.edit_button)
    click(qtbot, tab.up_button)
    names = _names(tab)
    assert names.index("绝缘击穿/漏电") == len(names) - 2
    click_row(qtbot, tab.view, _row_of(tab, "软件故障"))
    click(qtbot, tab.retire_button)
    assert cell(tab.view, _row_of(tab, "软件故障"), "状态") == "已停用"
    # The bench offers what is in use, in the admin's order; a retired mode is refused.
    offered = [c.label for c in codelists.list_codes(sqlite_db, codelists.FAULT_MODE)]
    assert offered[-2:] == ["接口/连接故障", "绝缘击穿/漏电"] and "软件故障" not in offered
    with sqlite_db.reading() as session:
        with pytest.raises(DomainError, match="不在故障模式列表中"):
            codelists.check_code(session, codelists.FAULT_MODE, "软件故障", "故障模式")
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "code_list_entry")
                .order_by(AuditEvent.id)
            )
        )
    assert actions == ["create", "rename", "move", "retire"]
    # Taken back into use.
    click(qtbot, tab.retire_button)
    assert cell(tab.view, _row_of(tab, "软件故障"), "状态") == "在用"


def test_reject_reasons_are_a_list_of_their_own(qtbot, make_desk, org):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    tab = page.codes
    tab.chooser.setCurrentIndex(tab.chooser.findData(codelists.REJECT_REASON))
    assert "装箱清单缺失" in _names(tab)


def test_a_checklist_point_with_a_measured_value(qtbot, make_desk, org, prompts, sqlite_db):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    page.tabs.setCurrentWidget(page.checklist)
    tab = page.checklist
    tab.chooser.setCurrentIndex(tab.chooser.findData("GC-12A"))
    assert _names(tab) == ["外观检查", "通电自检", "性能测试"]

    def new_point(dialog: Any) -> None:
        dialog.text.setText("输出电压")
        dialog.criterion.setText("27±0.5 V")
        dialog.how.setCurrentIndex(1)

    prompts.expect(PointDialog, new_point)
    click(qtbot, tab.new_button)
    last = tab.model.rowCount() - 1
    assert cell(tab.view, last, "合格判据") == "27±0.5 V"
    assert cell(tab.view, last, "记录方式") == "记录实测值"
    click_row(qtbot, tab.view, last)
    click(qtbot, tab.up_button)
    click(qtbot, tab.up_button)
    assert _names(tab) == ["外观检查", "输出电压", "通电自检", "性能测试"]
    click_row(qtbot, tab.view, _row_of(tab, "外观检查"))
    click(qtbot, tab.retire_button)
    points = bench.acceptance_points(sqlite_db, at_bench(sqlite_db, org, "G-9"))
    assert [p.text for p in points] == ["输出电压", "通电自检", "性能测试"]
    assert points[0].criterion == "27±0.5 V" and points[0].measured
    assert [p.position for p in points] == [1, 2, 3]
    assert "GC-12A" in tab.chooser.currentText() and "（3 项）" not in tab.chooser.currentText()


def test_a_used_point_is_replaced_not_rewritten(org, sqlite_db):  # type: ignore[no-untyped-def]
    line = at_bench(sqlite_db, org, "G-8")
    repairs.no_fault_found(sqlite_db, org.engineer, line, "复测正常", today=dt.date(2026, 9, 24))
    points = bench.acceptance_points(sqlite_db, line)
    repairs.inspect_acceptance(
        sqlite_db,
        org.quality,
        line,
        {p.id: (True, "") for p in points},
        inspector="刘检",
        today=dt.date(2026, 9, 25),
    )
    old = points[1]
    new = checklists.edit_point(sqlite_db, org.admin, old.id, "通电自检（常温）", "", False)
    assert new.id != old.id and new.position == 2 and not new.used
    rows = checklists.list_points(sqlite_db, "GC-12A")
    assert [r.text for r in rows if r.active] == ["外观检查", "通电自检（常温）", "性能测试"]
    retired = [r for r in rows if not r.active]
    assert [r.text for r in retired] == ["通电自检"] and retired[0].used


def test_the_desk_offers_the_admins_reject_reasons(qtbot, make_desk, org, prompts, sqlite_db):  # type: ignore[no-untyped-def]
    from app.services.handover import returns
    from app.ui.handover.desk import HandoverDesk
    from app.ui.handover.reject_dialog import RejectDialog

    codelists.add_code(sqlite_db, org.admin, codelists.REJECT_REASON, "铅封破损")
    (retired,) = [
        e
        for e in codelists.list_entries(sqlite_db, codelists.REJECT_REASON)
        if e.label == "故障单缺失"
    ]
    codelists.set_code_active(sqlite_db, org.admin, retired.id, False)
    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", "GC12A-2026009")
    desk = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(desk)
    desk.show()
    desk.show_task_by_id(task.id)
    click_row(qtbot, desk.lines_view, 0)
    offered: list[str] = []

    def pick(dialog: RejectDialog) -> None:
        box = dialog.reason_box
        offered.extend(box.itemText(i) for i in range(box.count()))
        box.setCurrentIndex(box.findText("铅封破损"))

    prompts.expect(RejectDialog, pick)
    click(qtbot, desk.detail.reject_button)
    assert "铅封破损" in offered and "故障单缺失" not in offered
    assert cell(desk.lines_view, 0, "结论") == "拒收"


def test_render(qtbot, make_desk, org):  # type: ignore[no-untyped-def]
    import os

    page = _page(qtbot, make_desk, org.admin)
    out = os.environ.get("FANXIU_SHOT")
    if out:
        page.grab().save(out + "-codes.png")
        page.tabs.setCurrentWidget(page.checklist)
        page.grab().save(out + "-checklist.png")


def test_a_whole_checklist_replaced_after_use_is_numbered_from_one(org, sqlite_db):  # type: ignore[no-untyped-def]
    line = at_bench(sqlite_db, org, "G-5")
    repairs.no_fault_found(sqlite_db, org.engineer, line, "复测正常", today=dt.date(2026, 9, 24))
    points = bench.acceptance_points(sqlite_db, line)
    repairs.inspect_acceptance(
        sqlite_db,
        org.quality,
        line,
        {p.id: (True, "") for p in points},
        inspector="刘检",
        today=dt.date(2026, 9, 25),
    )
    codelists.set_checklist(sqlite_db, org.admin, "GC-12A", ["外观", "功能"])
    live = [r for r in checklists.list_points(sqlite_db, "GC-12A") if r.active]
    assert [(r.position, r.text) for r in live] == [(1, "外观"), (2, "功能")]
