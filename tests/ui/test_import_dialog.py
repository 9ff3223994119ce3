"""导入清单: the preview is built off the GUI thread; bad rows are red; import all or nothing."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.db import Database
from app.errors import DomainError
from app.services.admin import masterdata
from app.services.admin.master_list import preview_master_list
from app.services.handover import list_import, returns
from app.ui.admin.master_import_dialog import MasterImportDialog
from app.ui.handover.import_dialog import ImportDialog
from app.ui.kit.page import Desk, Page
from app.ui.kit.runner import Runner
from app.ui.kit.style import Tone, foreground
from tests.conftest import Org
from tests.support.messy_lists import (
    DEFAULT_ROWS,
    write_far_cell_list,
    write_messy_list,
    write_rows,
)
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, type_text
from tests.unit.test_hostile_lists import FLAGGED_ROWS
from tests.unit.test_hostile_lists import HEADER as FLAGGED_HEADER


def rows_in_red(dialog: ImportDialog) -> list[int]:
    model = dialog.model
    model.fetch_all()
    return [
        int(model.index(r, 0).data())
        for r in range(model.rowCount())
        if model.index(r, 0).data(Qt.ItemDataRole.ForegroundRole) == foreground(Tone.bad)
    ]


def test_import_a_messy_list(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    open_window: Any,
    tmp_path: Path,
) -> None:
    busy_task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    returns.add_line(sqlite_db, org.clerk, busy_task.id, "GC-12A", "GC12A-2026001")
    rows = [
        *DEFAULT_ROWS,
        {"seq": 12, "product_name": "惯性测量组合", "model_code": "GC-12A",
         "serial_no": "GC12A-2026001", "fault_description": "自检不过"},
    ]  # fmt: skip
    built = write_messy_list(tmp_path / "清单.xlsx", rows)
    window = open_window(org.clerk)
    desk = window.desk
    prompts.files.append(str(built.path))

    def drive(dialog: ImportDialog) -> bool:
        assert isinstance(dialog, ImportDialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.preview is not None, timeout=30_000)
        preview = dialog.preview
        assert preview is not None
        bad = len(preview.rejected)
        assert bad == 6 and len(preview.good_rows) == 6
        red = rows_in_red(dialog)
        assert len(red) == bad
        busy_row = built.data_rows[-1]
        assert busy_row in red
        shown = [cell(dialog.table, r, "行号") for r in range(dialog.model.rowCount())]
        assert shown.index(str(busy_row)) >= 0
        problem = cell(dialog.table, shown.index(str(busy_row)), "问题 / 备注")
        assert busy_task.number in problem
        flagged = {
            cell(dialog.table, r, "型号")
            for r in range(dialog.model.rowCount())
            if "新型号" in cell(dialog.table, r, "型号")
        }
        assert flagged == {"DY-12A（新型号）", "XK-3（新型号）", "JS-9（新型号）"}
        assert "有问题 6 行" in dialog.summary.text()
        assert dialog.import_button.text() == "仅导入无误的行（跳过 6 行）"
        assert not dialog.import_button.isEnabled()
        assert "用户单位" in dialog.import_button.toolTip()
        type_text(qtbot, dialog.unit_box.lineEdit(), "某部队修理所")
        click(qtbot, dialog.import_button)
        qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=30_000)
        return dialog.result() == QDialog.DialogCode.Accepted

    prompts.then(drive)
    click(qtbot, desk.import_button)
    assert desk.task is not None and desk.task.id != busy_task.id
    assert desk.task.line_count == 6 and desk.lines_model.rowCount() == 6
    assert "导入：清单.xlsx" in desk.header.details.text()
    assert "已从清单导入 6 件" in desk.feedback.text() and "跳过 6 行" in desk.feedback.text()
    assert "DY-12A" in desk.feedback.text()
    assert cell(desk.tasks_view, 0, "件数") == "6"
    assert [cell(desk.lines_view, r, "出厂编号") for r in range(6)][:2] == ["2301", "2302"]


def page_for(qtbot: Any, desk: Desk) -> Page:
    page = Page(desk)
    qtbot.addWidget(page)
    return page


def test_a_file_that_is_not_a_list(qtbot: Any, org: Org, make_desk: Any, tmp_path: Path) -> None:
    path = tmp_path / "损坏.xlsx"
    path.write_bytes(b"this is not a workbook")
    dialog = ImportDialog(page_for(qtbot, make_desk(org.clerk)), str(path), ["某部队修理所"])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=30_000)
    assert "损坏" in dialog.error_label.text() or "无法读取" in dialog.error_label.text()
    assert dialog.preview is None and not dialog.import_button.isEnabled()


def test_reading_can_be_cancelled(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, monkeypatch: Any
) -> None:
    """取消读取 stops the worker through its progress callback; nothing is left running."""
    started = threading.Event()

    def slow_preview(db: Database, path: str, progress: Any) -> Any:
        done = 0
        started.set()
        while progress(done, 1_000_000):
            done += 1
            threading.Event().wait(0.001)
        raise DomainError("导入已取消")

    monkeypatch.setattr("app.services.handover.list_import.preview_list", slow_preview)
    # A runner that hands a lasting call over at once (the test runner waits a minute).
    desk = Desk(sqlite_db, org.clerk, prompts, Runner(prompts, grace_ms=10))
    dialog = ImportDialog(page_for(qtbot, desk), "/nowhere/清单.xlsx", [])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(started.is_set)
    qtbot.waitUntil(lambda: dialog.progress.maximum() == 1_000_000)
    assert dialog.stop_button.isVisible()
    click(qtbot, dialog.stop_button)
    qtbot.waitUntil(lambda: dialog.error_label.text() == "导入已取消", timeout=10_000)
    assert dialog.preview is None and not dialog.stop_button.isVisible()
    desk.runner.shutdown()


def test_the_clerk_names_a_new_models_manufacturer_while_importing(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any, tmp_path: Path
) -> None:
    """A model the list brings in need not hold its lines up until an admin comes by."""
    rows = [
        {"seq": 1, "product_name": "电源模块", "model_code": "DY-12A", "drawing_no": "DY1.234",
         "serial_no": "DY12A-0001", "quantity": 1, "fault_description": "无输出"},
        {"seq": 2, "product_name": "陀螺组件", "model_code": "XK-3", "drawing_no": "XK3.100",
         "serial_no": "XK3-0002", "quantity": 1, "fault_description": "零漂超差"},
    ]  # fmt: skip
    built = write_messy_list(tmp_path / "新型号.xlsx", rows)
    dialog = ImportDialog(page_for(qtbot, make_desk(org.clerk)), str(built.path), ["某部队修理所"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=30_000)
    assert dialog.makers_box.isVisible() and set(dialog.maker_boxes) == {"DY-12A", "XK-3"}
    box = dialog.maker_boxes["DY-12A"]
    assert box.findText("电源分厂") >= 0 and box.findText("某部队修理所") < 0  # manufacturers only
    box.setCurrentIndex(box.findText("电源分厂"))  # XK-3 left for the admin
    type_text(qtbot, dialog.unit_box.lineEdit(), "某部队修理所")
    click(qtbot, dialog.import_button)
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=30_000)
    made = {m.code: m.manufacturer for m in masterdata.list_models(sqlite_db)}
    assert made["DY-12A"] == "电源分厂" and not made["XK-3"]
    waiting = [m.code for m in masterdata.models_to_complete(sqlite_db, org.manager)]
    assert waiting == ["XK-3"]


def test_an_unknown_manufacturer_is_refused_and_nothing_written(
    sqlite_db: Database, org: Org, tmp_path: Path
) -> None:
    rows = [{"seq": 1, "product_name": "电源模块", "model_code": "DY-12A",
             "serial_no": "DY12A-0001", "quantity": 1, "fault_description": "无输出"}]  # fmt: skip
    built = write_messy_list(tmp_path / "新型号.xlsx", rows)
    with pytest.raises(DomainError, match="某部队修理所"):
        list_import.import_list(
            sqlite_db, org.clerk, built.path, user_unit="某部队修理所",
            manufacturers={"DY-12A": "某部队修理所"},  # a user unit, not a manufacturer
        )  # fmt: skip
    assert "DY-12A" not in {m.code for m in masterdata.list_models(sqlite_db)}


def rows_in(dialog: ImportDialog, tone: Tone) -> list[int]:
    model = dialog.model
    model.fetch_all()
    return [
        int(model.index(r, 0).data())
        for r in range(model.rowCount())
        if model.index(r, 0).data(Qt.ItemDataRole.ForegroundRole) == foreground(tone)
    ]


def test_the_preview_lists_rows_to_check_by_sheet_row(
    qtbot: Any, org: Org, make_desk: Any, tmp_path: Path
) -> None:
    """A formula without result, an error value, a date serial, a logical value: each row named."""
    path = write_rows(tmp_path / "公式.xlsx", [FLAGGED_HEADER, *FLAGGED_ROWS])
    dialog = ImportDialog(page_for(qtbot, make_desk(org.clerk)), str(path), ["某部队修理所"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=30_000)
    assert rows_in(dialog, Tone.bad) == [2, 3, 4, 5]
    assert rows_in(dialog, Tone.warn) == [6, 7, 8, 9]
    shown = [cell(dialog.table, r, "行号") for r in range(dialog.model.rowCount())]
    remark = cell(dialog.table, shown.index("6"), "问题 / 备注")
    assert "“故障现象”是公式" in remark and "已按空白导入" in remark
    assert "需核对 4 行" in dialog.summary.text()
    assert dialog.warnings.isVisible()
    listed = dialog.warnings.text()
    assert "第 6 行：“故障现象”是公式" in listed and "第 7 行：“备注”是错误值 #N/A" in listed
    assert "第 9 行：“备注”是逻辑值 FALSE" in listed


def test_the_master_preview_lists_rows_to_check(
    qtbot: Any, org: Org, make_desk: Any, sqlite_db: Database, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "主数据.xlsx",
        [["型号", "名称", "图号"], ["XK-3", "控制盒", "#N/A"], ["JS-9", "=B2", "JS1"]],
    )
    preview = preview_master_list(sqlite_db, org.admin, path)
    dialog = MasterImportDialog(make_desk(org.admin), str(path), preview)
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.warnings_table
    assert table.isVisible() and table.rowCount() == 2
    assert [table.item(0, c).text() for c in range(3)] == [
        "Sheet1", "2", "“图号”是错误值 #N/A，已按空白导入"
    ]  # fmt: skip
    assert table.item(1, 1).text() == "3" and "公式" in table.item(1, 2).text()
    assert dialog.ok_button.isEnabled()


def test_a_file_that_would_crash_the_reader_is_a_message_in_the_window(
    qtbot: Any, org: Org, make_desk: Any, tmp_path: Path
) -> None:
    """A far cell hidden behind a small declared range: the reader dies in its child process,
    off the GUI thread; the window says so in one line and goes on."""
    path = write_far_cell_list(tmp_path / "远.xlsx", honest_dimension=False)
    dialog = ImportDialog(page_for(qtbot, make_desk(org.clerk)), str(path), ["某部队修理所"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=30_000)
    assert dialog.error_label.text().startswith("文件无法读取：")
    assert dialog.preview is None and not dialog.import_button.isEnabled()
    assert dialog.summary.text() == "清单无法导入。"
