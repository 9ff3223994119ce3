"""记录保存期限 on the admin's rules page (issue 9): at least 5 years, longer when the admin says."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.models.workdays import RuleCode
from app.services.admin import rules
from app.ui.admin.rules_page import RulesPage
from tests.conftest import Org


def test_the_admin_lengthens_the_retention_but_never_below_five_years(
    qtbot: Any, make_desk: Any, org: Org, sqlite_db: Any
) -> None:
    page = RulesPage(make_desk(org.admin))
    qtbot.addWidget(page)
    page.show()
    page.ensure_loaded()
    page.view.selectRow(page.model.find(lambda r: r.code == RuleCode.retention))
    assert page.selected().code == RuleCode.retention
    assert (page.length.minimum(), page.length.value()) == (5, 5)
    assert page.unit.currentData() == "years"
    page.length.selectAll()
    qtbot.keyClicks(page.length, "3")  # below the floor: the box does not take it
    page.length.interpretText()
    assert page.length.value() >= 5
    page.length.selectAll()
    qtbot.keyClicks(page.length, "8")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "8 年" in page.feedback.text()
    (row,) = [r for r in rules.list_rules(sqlite_db) if r.code == RuleCode.retention]
    assert row.length == 8
    # Another rule keeps its own floor of 1.
    page.view.selectRow(page.model.find(lambda r: r.code == RuleCode.dispatch))
    assert page.length.minimum() == 1
