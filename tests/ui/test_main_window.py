"""The main window: each role's pages, the dashboard first, pages opening each other."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.services.handover import returns
from app.services.kernel.terms import Decision, DocumentKind
from app.ui.shell.main_window import MainWindow
from tests.conftest import Org


def labels(window: MainWindow) -> list[str]:
    return [window.nav.item(row).text().split("(")[0] for row in range(window.nav.count())]


def test_each_role_sees_its_pages_with_the_dashboard_first(
    qtbot: Any, sqlite_db: Any, org: Org, prompts: Any
) -> None:
    seen = {}
    for who in ("clerk", "engineer", "quality", "manager"):
        window = MainWindow(sqlite_db, getattr(org, who), prompts)
        qtbot.addWidget(window)
        assert window.pages.currentWidget() is window.dashboard
        seen[who] = labels(window)
        window.close()
    assert seen["clerk"][0] == "工作台" and "返厂交接" in seen["clerk"]
    assert "维修工作台" not in seen["clerk"]
    assert seen["engineer"] == ["工作台", "维修工作台", "返修产品", "产品履历", "收件箱"]
    assert "维修工作台" in seen["quality"] and "返厂交接" not in seen["quality"]
    assert set(seen["manager"]) >= set(seen["clerk"]) | {"维修工作台"}


def test_an_item_code_opens_its_history_and_a_task_number_its_task(
    qtbot: Any, open_window: Any, sqlite_db: Any, org: Org
) -> None:
    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    line = returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", "GC12A-77", "自检不通过")
    for kind in DocumentKind:
        returns.set_document(sqlite_db, org.clerk, line.id, kind, True, True)
    returns.decide_line(sqlite_db, org.clerk, line.id, Decision.accept)
    window = open_window(org.clerk)
    window.open_item("GC-12A/GC12A-77")
    assert window.pages.currentWidget() is window.history
    qtbot.waitUntil(lambda: window.history.history is not None, timeout=10_000)
    assert window.history.history.item_code == "GC-12A/GC12A-77"
    window.go("dashboard")
    window.open_record(task.number)
    assert window.pages.currentWidget() is window.desk
    qtbot.waitUntil(lambda: window.desk.task is not None and window.desk.task.id == task.id)
    assert window.nav.currentItem().text() == "返厂交接"
    assert window.nav.currentItem().flags() & Qt.ItemFlag.ItemIsSelectable


def test_every_step_has_words_for_a_greyed_button() -> None:
    from app.services.kernel.context import PERMISSIONS
    from app.services.kernel.terms import PERMISSION_LABELS, Permission
    from app.ui.kit.gates import denial

    steps = set().union(*PERMISSIONS.values())
    assert steps <= set(PERMISSION_LABELS)
    from app.services.kernel.context import Actor, command_line_actor
    from app.services.kernel.terms import Role

    engineer = Actor(1, "陈工", Role.engineer, 1, "惯性导航研究所")
    assert (
        denial(engineer, Permission.dispatch)
        == "维修/设计工程师不能分发产品：只有物资交接员、总体/主管可以操作。"
    )
    assert denial(command_line_actor(), Permission.dispatch) == ""


def test_sign_in_builds_the_start_page_only_and_each_other_page_when_first_shown(
    qtbot: Any, sqlite_db: Any, org: Org, prompts: Any
) -> None:
    """Building every page at sign-in cost the start a quarter of a second at 1M lines
    (issue 10): a page is built the first time the person opens it, in its navigation place,
    and the inbox's unread count is in the navigation before the inbox is built."""
    from tests.ui.test_inbox import confirm_with_a_rejection

    confirm_with_a_rejection(sqlite_db, org)
    window = MainWindow(sqlite_db, org.manager, prompts)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert [key for key in window.keys if window.pages.is_built(key)] == ["dashboard"]
    # The start's own checks (sweep, audit check, the pages' imports) wait for the first data.
    assert not window.checks_begun
    qtbot.waitUntil(lambda: labels_with_counts(window)[window.nav_row("inbox")] == "收件箱(1)")
    assert window.dashboard.board is not None
    qtbot.waitUntil(lambda: window.checks_begun)
    assert not window.pages.is_built("inbox")
    for key in window.keys[1:]:
        row = window.nav_row(key)
        item = window.nav.item(row)
        qtbot.mouseClick(
            window.nav.viewport(),
            Qt.MouseButton.LeftButton,
            pos=window.nav.visualItemRect(item).center(),
        )
        assert window.pages.is_built(key)
        assert window.pages.currentIndex() == row
        assert window.pages.currentWidget() is window.pages.page(key)
        assert window.pages.count() == len(window.keys)
    assert window.pages.currentWidget().isVisible()
    window.go("dashboard")
    assert window.pages.currentWidget() is window.dashboard
    window.close()


def labels_with_counts(window: MainWindow) -> list[str]:
    return [window.nav.item(row).text() for row in range(window.nav.count())]
