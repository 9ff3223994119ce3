"""审计日志 and the start's audit check (issue 9): the page filters and exports what a person
asks for; a broken chain is shown to admins and managers at start, not to a clerk."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.services.handover import returns
from app.services.kernel.terms import Decision, DocumentKind
from app.services.oversight import audit_trail
from app.services.oversight.audit_trail import AuditFilter
from app.ui.shell.main_window import visible_pages
from tests.conftest import Org

LEFT = Qt.MouseButton.LeftButton


def _work(db: Any, org: Org) -> tuple[Any, Any, Any]:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    first = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-77", "自检不通过")
    returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-5", "纹波大")
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, first.id, kind, True, True)
    returns.decide_line(db, org.clerk, first.id, Decision.accept)
    other = returns.create_task(db, org.manager, "某部队修理所")
    return task, first, other


def _open_audit(qtbot: Any, open_window: Any, actor: Any) -> Any:
    window = open_window(actor)
    assert window.go("audit")
    page = window.pages.currentWidget()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10_000)
    return page


def _shown(page: Any) -> list[Any]:
    page.model.fetch_all()
    return list(page.model.rows())


def test_the_audit_page_is_for_admins_managers_and_quality(org: Org) -> None:
    for who, sees in (("admin", True), ("manager", True), ("quality", True), ("clerk", False)):
        assert ("audit" in dict(visible_pages(getattr(org, who)))) is sees, who
        assert ("审计日志" in dict(visible_pages(getattr(org, who))).values()) is sees


def test_filters_by_record_person_item_action_and_time(
    qtbot: Any, open_window: Any, sqlite_db: Any, org: Org
) -> None:
    task, first, other = _work(sqlite_db, org)
    page = _open_audit(qtbot, open_window, org.quality)
    everything = _shown(page)
    assert everything[0].id > everything[-1].id  # newest first
    assert {r.actor for r in everything} >= {"王敏", "赵总"}

    qtbot.keyClicks(page.record_field, task.number)
    qtbot.mouseClick(page.search_button, LEFT)
    about_task = _shown(page)
    assert about_task and len(about_task) < len(everything)
    assert {(r.entity, r.entity_id) for r in about_task} <= {
        ("return_task", task.id),
        ("return_line", first.id),
        *(("return_line", line.id) for line in returns.task_lines(sqlite_db, task.id)),
    }
    assert not any(r.entity_id == other.id and r.entity == "return_task" for r in about_task)
    # Action words are Chinese, and a task's creation is not an item's (建立产品档案).
    assert "登记返厂" in {r.action_text for r in about_task}
    (made,) = [r for r in about_task if r.entity == "return_task" and r.action == "create"]
    assert made.action_text == "新建" and made.entity_text
    items = [r for r in everything if r.entity == "item" and r.action == "create"]
    assert items and {r.action_text for r in items} == {"建立产品档案"}

    page.record_field.clear()
    qtbot.keyClicks(page.item_field, "GC-12A/GC12A-77")
    qtbot.mouseClick(page.search_button, LEFT)
    about_item = _shown(page)
    assert about_item and {(r.entity, r.entity_id) for r in about_item} <= {
        ("return_line", first.id),
        ("item", first.item_id),
    }
    page.item_field.clear()

    # Chinese is typed through an input method, which QTest cannot drive: the text is set.
    page.person_box.setCurrentText("赵总")
    qtbot.keyClick(page.person_box.lineEdit(), Qt.Key.Key_Return)
    by_manager = _shown(page)
    assert by_manager and {r.actor for r in by_manager} == {"赵总"}

    page.person_box.setCurrentText("全部人员")
    page.action_box.setCurrentIndex(page.action_box.findText("标记接收/拒收"))
    decided = _shown(page)
    assert [(r.entity_id, r.action) for r in decided] == [(first.id, "decide")]
    assert decided[0].state_text == ""  # deciding moves no state; confirming does

    page.action_box.setCurrentIndex(0)
    page.since_edit.enabled_box.setChecked(True)
    page.since_edit.date_edit.setDate(page.since_edit.date_edit.date().addDays(1))
    qtbot.mouseClick(page.search_button, LEFT)
    assert _shown(page) == []


def test_a_record_that_does_not_exist_is_said_in_words(
    qtbot: Any, open_window: Any, sqlite_db: Any, org: Org
) -> None:
    _work(sqlite_db, org)
    page = _open_audit(qtbot, open_window, org.manager)
    qtbot.keyClicks(page.record_field, "JJ-2026-999999")
    qtbot.mouseClick(page.search_button, LEFT)
    assert page.feedback.isVisible() and "JJ-2026-999999 不存在" in page.feedback.text()


def test_the_export_writes_every_matching_event(
    qtbot: Any, open_window: Any, sqlite_db: Any, org: Org, prompts: Any, tmp_path: Path
) -> None:
    task, _first, _other = _work(sqlite_db, org)
    page = _open_audit(qtbot, open_window, org.admin)
    qtbot.keyClicks(page.record_field, task.number)
    qtbot.mouseClick(page.search_button, LEFT)
    target = tmp_path / "审计"
    prompts.files.append(str(target))
    qtbot.mouseClick(page.export_button, LEFT)
    qtbot.waitUntil(lambda: "已导出" in page.feedback.text(), timeout=20_000)
    written = load_workbook(tmp_path / "审计.xlsx", read_only=True).active
    rows = list(written.iter_rows(values_only=True))
    assert rows[0] == audit_trail.HEADERS
    expected = audit_trail.count_events(sqlite_db, org.admin, AuditFilter(record=task.number))
    assert len(rows) - 1 == expected == len(_shown(page))
    assert {r[2] for r in rows[1:]} == {"王敏"}
    assert "登记返厂" in {r[5] for r in rows[1:]}
    assert f"已导出 {expected} 条" in page.feedback.text()


def _break_the_chain(db: Any) -> None:
    """With plain sqlite3: an event deleted, past the store's own guard."""
    path = db.engine.url.database
    con = sqlite3.connect(path)
    with con:
        con.execute("DROP TRIGGER audit_event_no_delete")
        con.execute("DELETE FROM audit_event WHERE seq = 3")
    con.close()


def test_a_broken_chain_warns_a_manager_at_start_and_not_a_clerk(
    qtbot: Any, open_window: Any, sqlite_db: Any, org: Org
) -> None:
    _work(sqlite_db, org)
    whole = open_window(org.manager)
    qtbot.wait(200)
    assert not whole.chain_banner.isVisible()
    _break_the_chain(sqlite_db)
    manager = open_window(org.manager)
    qtbot.waitUntil(manager.chain_banner.isVisible, timeout=10_000)
    assert "审计记录校验未通过" in manager.chain_banner.text()
    assert "第 3 号审计事件缺失" in manager.chain_banner.text()
    clerk = open_window(org.clerk)
    qtbot.wait(300)
    assert not clerk.chain_banner.isVisible()
