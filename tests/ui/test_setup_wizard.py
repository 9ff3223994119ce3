"""The first start on an empty store, with no demo: admin, units, a model, a clerk, then work."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QPushButton

from app.db import Database
from app.services.admin import masterdata
from app.services.handover import returns
from app.services.kernel import auth
from app.services.kernel.terms import Role, UnitKind
from app.ui.handover.new_task_dialog import NewTaskDialog
from app.ui.kit.runner import Runner
from app.ui.kit.style import Tone
from app.ui.shell.first_start_dialog import FirstStartDialog
from app.ui.shell.frame import ShellWindow
from app.ui.shell.login_dialog import LoginDialog
from app.ui.shell.main_window import MainWindow
from app.ui.shell.setup_wizard import LoginsStep, ModelsStep, StepDialog, UnitsStep
from app.ui.shell.startup import Startup
from tests.support.master_lists import MODELS, UNITS, write_master_list
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import click, scan


def admin(dialog: FirstStartDialog) -> None:
    dialog.login.setText("chief")
    dialog.name.setText("张主任")
    dialog.password.setText("Guan-Li-2026")
    dialog.password_again.setText("Guan-Li-2026")


def fill(rows: list[tuple[str, ...]]) -> Any:
    """Type `rows` over the step's prefilled rows (adding rows as needed)."""

    def typed(step: StepDialog) -> None:
        table = step.table
        while table.rowCount() < len(rows):
            (add,) = [b for b in step.findChildren(QPushButton) if b.text() == "添加一行"]
            add.click()
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.set_text(r, c, value)

    return typed


def units_with_a_bad_row_first(qtbot: Any) -> Any:
    """The same unit twice: refused, nothing written, the row named; then put right."""

    def handle(step: UnitsStep) -> bool:
        step.show()
        qtbot.waitExposed(step)
        fill([("某部队修理所", UnitKind.user_unit), ("某部队修理所", UnitKind.manufacturer)])(step)
        click(qtbot, step.ok_button)
        qtbot.waitUntil(lambda: "第 2 行" in step.error_label.text())
        assert step.isVisible()
        fill(
            [
                ("某部队修理所", UnitKind.user_unit),
                ("电源分厂", UnitKind.manufacturer),
                ("", UnitKind.manufacturer),
            ]
        )(step)
        click(qtbot, step.ok_button)
        qtbot.waitUntil(lambda: not step.isVisible(), timeout=30_000)
        return step.result() == step.DialogCode.Accepted

    return handle


def test_from_an_empty_store_to_a_clerks_first_task(qtbot: Any, sqlite_url: str) -> None:
    prompts = ScriptedPrompts(qtbot)
    prompts.expect(FirstStartDialog, admin)
    prompts.then(units_with_a_bad_row_first(qtbot))
    prompts.expect(ModelsStep, fill([("DY-3", "二次电源", "DY3-200", "unit", "电源分厂")]))
    prompts.expect(
        LoginsStep,
        fill(
            [
                ("wangmin", "王敏", "物资管理部门", Role.clerk, "Jiao-Jie-2026"),
                ("", "", "", Role.engineer, ""),
            ]
        ),
    )
    prompts.expect(LoginDialog, lambda d: d.password.setText("Guan-Li-2026"))
    codes: list[int] = []
    shell = ShellWindow()
    qtbot.addWidget(shell)
    flow = Startup(sqlite_url, shell, prompts, codes.append)
    shell.show()
    flow.begin()
    qtbot.waitUntil(lambda: flow.window is not None, timeout=60_000)
    assert prompts.infos[-1][0] == "设置完成"
    db = flow.db
    assert db is not None
    units = {u.name: u.kind for u in masterdata.list_units(db)}
    assert units == {
        "物资管理部门": UnitKind.materials_dept,
        "某部队修理所": UnitKind.user_unit,
        "电源分厂": UnitKind.manufacturer,
    }
    (model,) = masterdata.list_models(db)
    assert (model.code, model.manufacturer) == ("DY-3", "电源分厂")

    # The admin hands the desk to the clerk, who opens a return task for the user unit.
    def clerk(dialog: LoginDialog) -> None:
        dialog.login.setText("wangmin")
        dialog.password.setText("Jiao-Jie-2026")

    prompts.expect(LoginDialog, clerk)
    admin_window = flow.window
    assert isinstance(admin_window, MainWindow)
    click(qtbot, admin_window.switch_button)
    qtbot.waitUntil(lambda: flow.window not in (None, admin_window), timeout=30_000)
    window = flow.window
    assert isinstance(window, MainWindow) and window.actor.role == Role.clerk
    qtbot.addWidget(window)  # closed after the test: its timers stop
    assert auth.login(db, "wangmin", "Jiao-Jie-2026").name == "王敏"

    def for_the_user_unit(dialog: NewTaskDialog) -> None:
        assert dialog.unit_box.findText("某部队修理所") >= 0
        dialog.unit_box.setCurrentIndex(dialog.unit_box.findText("某部队修理所"))

    prompts.expect(NewTaskDialog, for_the_user_unit)
    window.go("desk")
    window.desk.new_task()
    qtbot.waitUntil(lambda: "已新建任务" in window.desk.feedback.text(), timeout=30_000)
    number = re.search(r"FX-[\w-]+", window.desk.feedback.text())
    assert number is not None
    task = returns.get_task_by_number(db, number.group())
    assert task.user_unit == "某部队修理所"
    # The first product of the factory's own model is scanned in.
    scan(qtbot, window.desk, "DY-3/DY3-2026001")
    qtbot.waitUntil(lambda: window.desk.feedback.tone == Tone.ok, timeout=30_000)
    lines = returns.task_lines(db, task.id)
    assert [line.item_code for line in lines] == ["DY-3/DY3-2026001"]
    flow.dispose()


def test_the_models_step_imports_the_master_list(
    qtbot: Any, sqlite_db: Database, live_runner: Runner, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    chief = auth.create_first_admin(sqlite_db, "chief", "张主任", "Guan-Li-2026")
    step = ModelsStep(sqlite_db, chief, live_runner, prompts)
    qtbot.addWidget(step)
    step.show()
    assert step.import_button.isEnabled()
    bad_units = (*UNITS, (6, "某协作厂", "外协单位"))
    prompts.files.append(str(write_master_list(tmp_path / "bad.xlsx", ("单位", bad_units))))
    click(qtbot, step.import_button)
    qtbot.waitUntil(lambda: "什么都没有导入" in step.error_label.text(), timeout=30_000)
    assert "单位 第 9 行" in step.error_label.text() and masterdata.list_models(sqlite_db) == []

    good = write_master_list(tmp_path / "good.xlsx", ("型号", MODELS), ("单位", UNITS))
    prompts.files.append(str(good))
    click(qtbot, step.import_button)
    qtbot.waitUntil(lambda: "已导入" in step.import_result.text(), timeout=30_000)
    assert "4 个型号" in step.import_result.text() and not step.import_button.isEnabled()
    tree = {m.code: m.manufacturer for m in masterdata.list_models(sqlite_db)}
    assert tree["GC-12A"] == "惯性导航研究所"
    # The manufacturers the list brought are offered for models typed in by hand.
    step.table.set_text(0, 4, "伺服机构厂")
    assert step.table.text(0, 4) == "伺服机构厂"
    click(qtbot, step.ok_button)  # nothing typed in the table: on to the next step
    assert step.result() == step.DialogCode.Accepted
