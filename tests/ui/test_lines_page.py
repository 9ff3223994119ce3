"""返修产品: every line newest first, filtered by state; a double click opens its task."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import Decision
from tests.conftest import Org
from tests.ui.helpers import cell


def test_filter_and_open(qtbot: Any, sqlite_db: Database, org: Org, open_window: Any) -> None:
    first = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    second = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    for n in range(3):
        returns.add_line(sqlite_db, org.clerk, first.id, "GC-12A", f"GC12A-10{n}")
    rejected = returns.add_line(sqlite_db, org.clerk, second.id, "DY-3", "DY3-2026009")
    returns.decide_line(sqlite_db, org.clerk, rejected.id, Decision.reject, "故障单缺失")
    returns.confirm_handover(sqlite_db, org.clerk, second.id, "李参谋", "王敏")

    window = open_window(org.clerk)
    window.go("lines")
    page = window.lines_page
    assert page.model.rowCount() == 4
    assert cell(page.view, 0, "出厂编号") == "DY3-2026009"  # newest first
    assert cell(page.view, 0, "状态") == "已拒收"
    assert "故障单缺失" in page.model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole)

    page.status_box.setCurrentIndex(page.status_box.findText("已登记"))
    assert page.model.rowCount() == 3
    assert {cell(page.view, r, "任务编号") for r in range(3)} == {first.number}

    # A double-click on a line opens its task at the desk.
    center = page.view.visualRect(page.model.index(1, 0)).center()
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert window.nav.currentRow() == window.nav_row("desk")
    assert window.desk.task is not None and window.desk.task.id == first.id
