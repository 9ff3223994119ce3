"""The admin's 单位 page (issue 8): list by kind, add, rename, retire and bring back, driven by
clicks with the dialogs answered by a script; a retired unit leaves the choices, not the records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.db import Database
from app.services.admin import masterdata
from app.services.kernel.context import Actor
from app.services.kernel.terms import UnitKind
from app.ui.admin.master_dialogs import NewUnitDialog, RenameUnitDialog
from app.ui.admin.units_page import UnitsPage
from app.ui.kit.page import Desk
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, type_text


def _page(qtbot: Any, make_desk: Callable[..., Desk], actor: Actor) -> UnitsPage:
    page = UnitsPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    page.ensure_loaded()
    return page


def _pick(qtbot: Any, page: UnitsPage, name: str) -> int:
    found = page.model.find(lambda r: r.name == name)
    assert found is not None, name
    click_row(qtbot, page.view, found)
    return found


def test_units_listed_by_kind_and_a_new_one_added(
    qtbot: Any, org: Org, make_desk: Callable[..., Desk], prompts: ScriptedPrompts
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    assert {"惯性导航研究所", "某部队修理所"} <= {r.name for r in page.model.rows()}
    page.kind_filter.setCurrentIndex(page.kind_filter.findText("承制单位"))
    assert {r.name for r in page.model.rows()} == {"惯性导航研究所", "电源分厂"}
    row = page.model.find(lambda r: r.name == "电源分厂")
    assert row is not None and cell(page.view, row, "类别") == "承制单位"

    def fill(dialog: NewUnitDialog) -> None:
        assert dialog.kind.currentText() == "承制单位"  # the kind being looked at
        type_text(qtbot, dialog.name, " 伺服机构厂 ")

    prompts.expect(NewUnitDialog, fill)
    click(qtbot, page.new_button)
    assert "伺服机构厂" in {r.name for r in page.model.rows()}
    assert "已新增单位“伺服机构厂”" in page.feedback.text()

    def taken(dialog: NewUnitDialog) -> bool:
        dialog.show()
        type_text(qtbot, dialog.name, "电源分厂")
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and "已存在" in dialog.error_label.text()
        click(qtbot, dialog.cancel_button)
        return False

    prompts.then(taken)
    click(qtbot, page.new_button)
    assert prompts.done()


def test_rename_and_retire_keep_the_unit_and_take_it_out_of_the_choices(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    _pick(qtbot, page, "某部队修理所")

    def rename(dialog: RenameUnitDialog) -> None:
        dialog.name.clear()
        type_text(qtbot, dialog.name, "某部队第二修理所")

    prompts.expect(RenameUnitDialog, rename)
    click(qtbot, page.rename_button)
    row = page.selected()
    assert row is not None and row.name == "某部队第二修理所"

    prompts.answers.append(True)
    click(qtbot, page.retire_button)
    row = page.selected()
    assert row is not None and not row.active
    assert cell(page.view, page.model.find(lambda r: r.id == row.id) or 0, "状态") == "已停用"
    assert page.retire_button.text() == "重新启用"
    choices = {u.name for u in masterdata.list_units(sqlite_db)}
    assert "某部队第二修理所" not in choices and "电源分厂" in choices

    click(qtbot, page.retire_button)  # bring it back: no question
    assert "某部队第二修理所" in {u.name for u in masterdata.list_units(sqlite_db)}
    assert prompts.done()


def test_a_unit_still_in_use_is_not_retired_and_the_page_says_why(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    masterdata.add_unit(sqlite_db, org.admin, "伺服机构厂", UnitKind.manufacturer)
    masterdata.add_model(sqlite_db, org.admin, "SF-3", "舵机", manufacturer="伺服机构厂")
    page = _page(qtbot, make_desk, org.admin)
    _pick(qtbot, page, "质量部")
    prompts.answers.append(True)
    click(qtbot, page.retire_button)
    assert "在用的登录" in page.feedback.text()
    _pick(qtbot, page, "伺服机构厂")
    prompts.answers.append(True)
    click(qtbot, page.retire_button)
    assert "型号的承制单位" in page.feedback.text()
    assert all(r.active for r in page.model.rows())
