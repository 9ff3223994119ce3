"""The 型号与配套 page (issue 8): the kit tree, add / edit / move (a loop refused), the master
list's preview and import, and the models an imported handover list left without a
manufacturer, with the lines they hold up; driven by clicks, dialogs answered by a script."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt

from app.db import Database
from app.errors import PermissionDenied
from app.services.admin import masterdata
from app.services.handover.list_import import import_list
from app.services.kernel.context import Actor
from app.ui.admin.master_dialogs import ModelDialog, MoveModelDialog
from app.ui.admin.master_import_dialog import MasterImportDialog
from app.ui.admin.models_page import CODE_ROLE, ModelsPage
from app.ui.kit.page import Desk
from tests.conftest import Org
from tests.support.master_lists import MODELS, UNITS, write_master_list
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import click, click_row, type_text


def _page(qtbot: Any, make_desk: Callable[..., Desk], actor: Actor) -> ModelsPage:
    page = ModelsPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.ensure_loaded()
    return page


def _parent_in_tree(page: ModelsPage, code: str) -> str:
    index = page._index_of(code)
    assert index is not None, code
    parent = index.parent()
    return str(parent.data(CODE_ROLE)) if parent.isValid() else ""


def _pick(qtbot: Any, page: ModelsPage, code: str) -> None:
    index = page._index_of(code)
    assert index is not None, code
    rect = page.tree.visualRect(index)
    qtbot.mouseClick(page.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected_code() == code


def test_the_tree_shows_the_kit_and_a_model_is_added_under_the_selected_one(
    qtbot: Any, org: Org, make_desk: Callable[..., Desk], prompts: ScriptedPrompts
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    assert _parent_in_tree(page, "GC-12A") == "ZT-1" and _parent_in_tree(page, "ZT-1") == ""
    _pick(qtbot, page, "ZT-1")

    def fill(dialog: ModelDialog) -> None:
        assert dialog.parent_code.currentData() == "ZT-1"
        type_text(qtbot, dialog.code, "SF-3")
        type_text(qtbot, dialog.name, "舵机")
        type_text(qtbot, dialog.drawing, "SF3-2000")
        dialog.level.setCurrentIndex(dialog.level.findText("分系统"))
        dialog.maker.setCurrentIndex(dialog.maker.findText("电源分厂"))

    prompts.expect(ModelDialog, fill)
    click(qtbot, page.child_button)
    assert _parent_in_tree(page, "SF-3") == "ZT-1"
    assert page.selected_code() == "SF-3"
    sf3 = page.selected()
    assert sf3 is not None and (sf3.level, sf3.manufacturer) == ("subsystem", "电源分厂")
    assert "已新增型号 SF-3" in page.feedback.text()


def test_edit_and_move_and_a_loop_in_the_tree_is_refused(
    qtbot: Any, org: Org, make_desk: Callable[..., Desk], prompts: ScriptedPrompts
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    _pick(qtbot, page, "ZT-1")

    def into_own_child(dialog: MoveModelDialog) -> bool:
        dialog.show()
        dialog.parent_code.setCurrentIndex(dialog.parent_code.findData("GC-12A"))
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and "本身就在" in dialog.error_label.text()
        click(qtbot, dialog.cancel_button)
        return False

    prompts.then(into_own_child)
    click(qtbot, page.move_button)
    assert _parent_in_tree(page, "ZT-1") == ""

    _pick(qtbot, page, "DY-3")
    prompts.expect(
        MoveModelDialog,
        lambda d: d.parent_code.setCurrentIndex(d.parent_code.findData("GC-12A")),
    )
    click(qtbot, page.move_button)
    assert _parent_in_tree(page, "DY-3") == "GC-12A"

    def edit(dialog: ModelDialog) -> None:
        assert dialog.code.isReadOnly()
        dialog.drawing.clear()
        type_text(qtbot, dialog.drawing, "DY3-201")

    prompts.expect(ModelDialog, edit)
    click(qtbot, page.edit_button)
    dy3 = page.selected()
    assert dy3 is not None and dy3.drawing_no == "DY3-201" and dy3.parent_code == "GC-12A"
    assert prompts.done()


def test_the_master_list_is_previewed_then_imported(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    tmp_path: Path,
) -> None:
    page = _page(qtbot, make_desk, org.admin)
    bad = write_master_list(
        tmp_path / "bad.xlsx", ("单位", UNITS), ("型号", (*MODELS, ("X-1", "某件", "", "", "NOPE")))
    )
    prompts.files.append(str(bad))

    def refused(dialog: MasterImportDialog) -> None:
        assert not dialog.ok_button.isEnabled()
        table = dialog.rejected_table
        assert [table.item(0, c).text() for c in range(3)] == ["型号", "7", "上级型号 NOPE 不存在"]

    prompts.expect(MasterImportDialog, refused, accept=False)
    click(qtbot, page.import_button)
    assert page._index_of("SF-3") is None

    good = write_master_list(tmp_path / "good.xlsx", ("型号", MODELS), ("单位", UNITS))
    prompts.files.append(str(good))

    def shown(dialog: MasterImportDialog) -> None:
        codes = {
            dialog.created_table.item(r, 3).text() for r in range(dialog.created_table.rowCount())
        }
        assert {"SF-3", "GC-12A-G", "伺服机构厂"} <= codes
        assert dialog.ok_button.isEnabled()

    prompts.expect(MasterImportDialog, shown)
    click(qtbot, page.import_button)
    assert _parent_in_tree(page, "GC-12A-G") == "GC-12A"
    assert _parent_in_tree(page, "SF-3") == "ZT-1"
    assert "已导入主数据清单" in page.feedback.text()
    assert prompts.done()


def _handover_list(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "产品名称", "型号", "出厂编号", "数量"])
    sheet.append([1, "新接收机", "XJ-9", "X001", 1])
    sheet.append([2, "新接收机", "XJ-9", "X002", 1])
    sheet.append([3, "惯性测量组合", "GC-12A", "G001", 1])
    book.save(path)
    return path


def test_models_an_import_left_without_a_manufacturer_are_listed_and_completed(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    sqlite_db: Database,
    tmp_path: Path,
) -> None:
    import_list(sqlite_db, org.clerk, _handover_list(tmp_path / "l.xlsx"), user_unit="某部队修理所")
    with pytest.raises(PermissionDenied):
        masterdata.models_to_complete(sqlite_db, org.clerk)

    looking = _page(qtbot, make_desk, org.manager)
    rows = looking.todo_model.rows()
    assert [(r.code, r.lines_held) for r in rows] == [("XJ-9", 2)]
    assert "卡住 2 件" in looking.todo_title.text()
    click_row(qtbot, looking.todo_view, 0)
    assert not looking.complete_button.isEnabled()  # a manager looks; an admin completes
    assert "系统管理员" in looking.complete_button.toolTip()

    page = _page(qtbot, make_desk, org.admin)
    click_row(qtbot, page.todo_view, 0)
    prompts.expect(ModelDialog, lambda d: d.maker.setCurrentIndex(d.maker.findText("电源分厂")))
    click(qtbot, page.complete_button)
    assert page.todo_model.rowCount() == 0
    assert "没有" in page.todo_title.text()
    assert "可以分发" in page.feedback.text()


def test_admins_and_managers_find_the_pages_in_the_window(
    org: Org, open_window: Callable[[Actor], Any]
) -> None:
    admin = open_window(org.admin)
    assert admin.go("units") and admin.go("models")
    assert isinstance(admin.pages.currentWidget(), ModelsPage)
    manager = open_window(org.manager)
    assert manager.nav_row("models") != -1 and manager.nav_row("units") == -1
    clerk = open_window(org.clerk)
    assert clerk.nav_row("models") == -1


def test_the_dashboard_of_a_manager_says_which_models_hold_up_dispatch(
    qtbot: Any,
    org: Org,
    make_desk: Callable[..., Desk],
    prompts: ScriptedPrompts,
    sqlite_db: Database,
    tmp_path: Path,
) -> None:
    from app.ui.oversight.dashboard_page import DashboardPage

    board = DashboardPage(make_desk(org.manager))
    qtbot.addWidget(board)
    board.resize(1160, 760)
    with qtbot.waitSignal(board.board_shown, timeout=20_000):
        board.show()
    note = board.calendar_note
    assert not note.isVisible() or "尚未指定承制单位" not in note.text()
    import_list(sqlite_db, org.clerk, _handover_list(tmp_path / "l.xlsx"), user_unit="某部队修理所")
    with qtbot.waitSignal(board.board_shown, timeout=20_000):
        board.refresh()
    assert note.isVisible()
    assert "有 1 个型号尚未指定承制单位，2 件产品因此不能分发" in note.text()

    page = _page(qtbot, make_desk, org.admin)  # the admin completes it: the dashboard follows
    click_row(qtbot, page.todo_view, 0)
    prompts.expect(ModelDialog, lambda d: d.maker.setCurrentIndex(d.maker.findText("电源分厂")))
    with qtbot.waitSignal(board.board_shown, timeout=20_000):
        click(qtbot, page.complete_button)
    note = board.calendar_note
    assert not note.isVisible() or "尚未指定承制单位" not in note.text()
