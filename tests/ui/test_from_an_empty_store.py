"""Issue 8, done when: from an empty data directory, with no demo, the whole way through the
window: the first-start wizard (admin, units, the master list, logins), a clerk's handover of the
factory's own product, its dispatch to the manufacturer, and the manufacturer's receipt."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.services.admin import masterdata
from app.services.handover import returns
from app.services.kernel.terms import LineStatus, Role, UnitKind
from app.services.records import registry
from app.ui.dispatch.dispatch_dialog import DispatchDialog
from app.ui.handover.confirm_dialog import ConfirmHandoverDialog
from app.ui.handover.model_pick_dialog import ModelPickDialog
from app.ui.handover.new_task_dialog import NewTaskDialog
from app.ui.repair.receipt_steps import ReceiptDialog
from app.ui.shell.first_start_dialog import FirstStartDialog
from app.ui.shell.frame import ShellWindow
from app.ui.shell.login_dialog import LoginDialog
from app.ui.shell.main_window import MainWindow
from app.ui.shell.setup_wizard import LoginsStep, ModelsStep, UnitsStep
from app.ui.shell.startup import Startup
from tests.support.master_lists import write_master_list
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, scan, type_text
from tests.ui.test_setup_wizard import admin, fill

SERIAL = "DY3-2026101"

# The factory's own master list: the units it already typed in again (known, left as they are),
# its prime unit, and the one model it repairs, with its manufacturer.
UNITS = (
    ("主数据清单——单位",),
    ("单位名称", "单位类别"),
    ("某部队修理所", "用户单位"),
    ("电源分厂", "承制单位"),
    ("总体设计部", "总体单位"),
)
MODELS = (
    ("产品代号", "产品名称", "图号", "层级", "上级产品代号", "承制单位"),
    ("DY-3", "二次电源", "DY3-200", "单机", "", "电源分厂"),
)


def key(
    qtbot: Any, pressed: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key pressed where the keyboard is (a shortcut reaches the window through it)."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard"
    qtbot.keyClick(target, pressed, modifier)


def activate(qtbot: Any, window: Any) -> None:
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def the_master_list(qtbot: Any, prompts: ScriptedPrompts, path: Path) -> Any:
    """The models step: import the workbook, then go on with nothing typed by hand."""

    def handle(step: ModelsStep) -> bool:
        assert isinstance(step, ModelsStep)
        step.show()
        qtbot.waitExposed(step)
        prompts.files.append(str(path))
        click(qtbot, step.import_button)
        qtbot.waitUntil(lambda: "已导入" in step.import_result.text(), timeout=30_000)
        assert "1 个型号" in step.import_result.text(), step.import_result.text()
        click(qtbot, step.ok_button)
        qtbot.waitUntil(lambda: not step.isVisible(), timeout=30_000)
        return step.result() == step.DialogCode.Accepted

    return handle


def sign_in(login: str, password: str) -> Any:
    def typed(dialog: LoginDialog) -> None:
        dialog.login.setText(login)
        dialog.password.setText(password)

    return typed


def switch_to(
    qtbot: Any, flow: Startup, prompts: ScriptedPrompts, login: str, password: str
) -> MainWindow:
    """切换用户… on the status bar, the login dialog answered: the new person's window."""
    before = flow.window
    assert isinstance(before, MainWindow)
    prompts.expect(LoginDialog, sign_in(login, password))
    click(qtbot, before.switch_button)
    qtbot.waitUntil(lambda: flow.window not in (None, before), timeout=30_000)
    window = flow.window
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)  # closed after the test: its timers stop
    qtbot.waitExposed(window)
    return window


def test_from_an_empty_store_to_the_manufacturers_receipt(
    qtbot: Any, sqlite_url: str, tmp_path: Path
) -> None:
    master = write_master_list(tmp_path / "主数据.xlsx", ("型号", MODELS), ("单位", UNITS))
    prompts = ScriptedPrompts(qtbot)
    prompts.expect(FirstStartDialog, admin)
    prompts.expect(
        UnitsStep,
        fill([("某部队修理所", UnitKind.user_unit), ("电源分厂", UnitKind.manufacturer)]),
    )
    prompts.then(the_master_list(qtbot, prompts, master))
    prompts.expect(
        LoginsStep,
        fill(
            [
                ("wangmin", "王敏", "物资管理部门", Role.clerk, "Jiao-Jie-2026"),
                ("chengong", "陈工", "电源分厂", Role.engineer, "Wei-Xiu-2026"),
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
    assert {u.name: u.kind for u in masterdata.list_units(db)} == {
        "物资管理部门": UnitKind.materials_dept,
        "某部队修理所": UnitKind.user_unit,
        "电源分厂": UnitKind.manufacturer,
        "总体设计部": UnitKind.prime_unit,
    }
    (model,) = masterdata.list_models(db)
    assert (model.code, model.name, model.manufacturer) == ("DY-3", "二次电源", "电源分厂")

    # --- the clerk: a return task, a scanned serial placed by hand, accepted and confirmed ---
    window = switch_to(qtbot, flow, prompts, "wangmin", "Jiao-Jie-2026")
    assert window.actor.role == Role.clerk and window.actor.name == "王敏"
    window.go("desk")
    desk = window.desk
    activate(qtbot, window)

    def for_the_user_unit(dialog: NewTaskDialog) -> None:
        index = dialog.unit_box.findText("某部队修理所")
        assert index >= 0
        dialog.unit_box.setCurrentIndex(index)

    prompts.expect(NewTaskDialog, for_the_user_unit)
    click(qtbot, desk.new_task_button)
    assert desk.task is not None and desk.task.user_unit == "某部队修理所"
    task_number = desk.task.number

    # The bare serial: the program cannot tell its model, so it waits on the 待补登 bar.
    assert "待补登" in scan(qtbot, desk, SERIAL)
    assert desk.pending_bar.isVisible() and SERIAL in desk.pending_bar.label.text()
    assert returns.task_lines(db, desk.task.id) == []

    def pick_the_model(dialog: ModelPickDialog) -> None:
        assert dialog.serial.text() == SERIAL
        dialog.choose("DY-3")
        type_text(qtbot, dialog.fault, "无输出")

    prompts.expect(ModelPickDialog, pick_the_model)
    activate(qtbot, window)
    desk.scan_field.setFocus()
    key(qtbot, Qt.Key.Key_F9)
    assert "已补登第 1 行" in desk.feedback.text(), desk.feedback.text()
    assert not desk.pending_bar.isVisible()
    (line,) = returns.task_lines(db, desk.task.id)
    assert (line.model_code, line.serial_no, line.fault_description) == ("DY-3", SERIAL, "无输出")
    assert line.status == LineStatus.registered

    # F6: its three documents present and consistent; F7: accepted.
    click_row(qtbot, desk.lines_view, 0)
    key(qtbot, Qt.Key.Key_F6)
    assert cell(desk.lines_view, 0, "三证") == "齐全一致"
    key(qtbot, Qt.Key.Key_F7)
    assert cell(desk.lines_view, 0, "结论") == "接收"
    assert returns.get_line(db, line.id).documents_complete

    def confirm(dialog: ConfirmHandoverDialog) -> None:
        assert dialog.clerk.text() == "王敏"
        type_text(qtbot, dialog.user_rep, "李参谋")

    prompts.expect(ConfirmHandoverDialog, confirm)
    prompts.answers.append(False)  # 稍后打印
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "已确认交接" in desk.feedback.text(), timeout=30_000)
    assert "接收 1 件，拒收 0 件" in desk.feedback.text()
    task = returns.get_task_by_number(db, task_number)
    assert task.status == "confirmed" and (task.handover_number or "").startswith("JJ-")
    assert registry.find_record(db, task.handover_number).number == task.handover_number
    assert returns.get_line(db, line.id).status == LineStatus.accepted

    # 分发: the model has its manufacturer, so the item waits under 电源分厂, nothing held up.
    assert window.go("dispatch")
    page = window.dispatch_page
    qtbot.waitUntil(lambda: page.groups_model.rowCount() == 1, timeout=30_000)
    assert cell(page.groups_view, 0, "承制单位") == "电源分厂"
    assert not page.banner.isVisible()
    click_row(qtbot, page.groups_view, 0)
    assert [cell(page.lines_view, 0, "产品编码")] == [f"DY-3/{SERIAL}"]
    click(qtbot, page.select_all_button)

    def send(dialog: DispatchDialog) -> bool:
        assert isinstance(dialog, DispatchDialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.sender_name.text() == "王敏" and not dialog.reasons  # nothing late
        click(qtbot, dialog.ok_button)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
        return dialog.result() == DispatchDialog.DialogCode.Accepted

    prompts.then(send)
    prompts.answers.append(False)  # 稍后打印
    click(qtbot, page.dispatch_button)
    qtbot.waitUntil(lambda: bool(prompts.questions) and prompts.questions[-1][0] == "分发完成")
    found = re.search(r"JJ-\d{4}-\d+", prompts.questions[-1][1])
    assert found is not None, prompts.questions[-1][1]
    jj = found.group()
    assert jj != task.handover_number  # the dispatch's own handover record
    assert registry.find_record(db, jj).number == jj
    assert returns.get_line(db, line.id).status == LineStatus.dispatched
    assert page.groups_model.rowCount() == 0

    # --- the manufacturer's engineer: 签收 on the bench countersigns the record ---
    window = switch_to(qtbot, flow, prompts, "chengong", "Wei-Xiu-2026")
    assert window.actor.role == Role.engineer and window.actor.name == "陈工"
    assert window.go("bench")
    bench = window.bench
    qtbot.waitUntil(lambda: bench.model.rowCount() == 1, timeout=30_000)
    click_row(qtbot, bench.view, 0)
    assert bench.next_button.text() == "签收"
    assert jj in bench.handover_label.text()

    def countersign(dialog: ReceiptDialog) -> None:
        assert dialog.handover_number == jj and dialog.receiver.text() == "陈工"
        assert list(dialog.anomalies) == [line.id]

    prompts.expect(ReceiptDialog, countersign)
    click(qtbot, bench.next_button)
    qtbot.waitUntil(lambda: f"已签收交接记录单 {jj}" in bench.feedback.text(), timeout=30_000)
    assert returns.get_line(db, line.id).status == LineStatus.at_manufacturer
    assert bench.next_button.text() == "开箱检查"
    assert prompts.done() and not prompts.errors and codes == []
    flow.dispose()
