"""A clerk receives a return at the handover desk, start to finish, through the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import Decision, DocumentKind, DocumentVerdict
from app.ui.handover.confirm_dialog import ConfirmHandoverDialog
from app.ui.handover.model_pick_dialog import ModelPickDialog
from app.ui.handover.new_task_dialog import NewTaskDialog
from app.ui.handover.reject_dialog import RejectDialog
from app.ui.kit.gates import READ_ONLY
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.style import Tone
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, scan, selected_row, type_text


def save_preview_to(path: Path, seen: list[str]) -> Any:
    """A handler for the print preview: save the PDF to `path`, then close it."""

    def handle(dialog: PrintPreviewDialog) -> bool:
        assert isinstance(dialog, PrintPreviewDialog)
        seen.append(dialog.windowTitle())
        dialog.save_pdf(path)
        return False

    return handle


def check_all_documents(qtbot: Any, desk: Any) -> None:
    for row in desk.detail.doc_rows.values():
        click(qtbot, row.buttons[DocumentVerdict.consistent])


def barcodes_of(pdf: Path, workdir: Path) -> set[str]:
    found: set[str] = set()
    for page in pdf_tools.render_pages(pdf, workdir, dpi=300):
        found.update(pdf_tools.decode_barcodes(page))
    return found


def test_clerk_receives_a_return(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    open_window: Any,
    tmp_path: Path,
) -> None:
    window = open_window(org.clerk)
    desk = window.desk
    assert window.windowTitle() == "返修通 FanXiu"
    assert "王敏" in window.user_label.text() and "物资交接员" in window.user_label.text()
    assert "SQLite" in window.store_label.text()

    # 新建任务: the unit typed into the editable combo, a kitting deadline set.
    def fill_new_task(dialog: NewTaskDialog) -> None:
        type_text(qtbot, dialog.unit_box.lineEdit(), "某部队修理所")
        click(qtbot, dialog.kitting_deadline.enabled_box)

    prompts.expect(NewTaskDialog, fill_new_task)
    click(qtbot, desk.new_task_button)
    assert desk.task is not None and desk.task.number.startswith("FX-")
    assert desk.task.user_unit == "某部队修理所"
    assert desk.task.kitting_deadline is not None
    assert desk.tasks_model.rowCount() == 1 and selected_row(desk.tasks_view) == 0
    assert desk.scan_field.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled) is False

    # An item code: registered as line 1, selected.
    assert "已登记第 1 行" in scan(qtbot, desk, "GC-12A/GC12A-2026001")
    assert desk.feedback.tone == Tone.ok
    assert desk.lines_model.rowCount() == 1 and selected_row(desk.lines_view) == 0
    assert desk.detail.line is not None and desk.detail.line.serial_no == "GC12A-2026001"

    # Full-width characters from an input method: the same code, normalised.
    message = scan(qtbot, desk, "ＤＹ－３/ＤＹ３－２０２６００９")
    assert "已登记第 2 行" in message and "DY-3/DY3-2026009" in message
    assert selected_row(desk.lines_view) == 1

    # The bare serial of a line on the task finds that line, and says it was there (defect 6).
    assert "已在本任务第 1 行" in scan(qtbot, desk, "GC12A-2026001")
    assert desk.feedback.tone == Tone.warn and selected_row(desk.lines_view) == 0
    assert desk.sounds.played[-1].text == "已在本任务"

    # Junk is refused with the reason, and nothing is added.
    message = scan(qtbot, desk, "@@##!!")
    assert desk.feedback.tone == Tone.bad and "无法识别" in message
    assert desk.lines_model.rowCount() == 2

    # A serial the program cannot place: set aside; then pick the model and write the fault.
    def pick_model(dialog: ModelPickDialog) -> None:
        assert dialog.serial.text() == "XK3-0005"
        dialog.choose("DY-3")
        type_text(qtbot, dialog.fault, "无输出")

    message = scan(qtbot, desk, "XK3-0005")
    assert "待补登" in message and desk.feedback.tone == Tone.warn
    assert desk.pending_bar.isVisible() and "XK3-0005" in desk.pending_bar.label.text()
    prompts.expect(ModelPickDialog, pick_model)
    click(qtbot, desk.pending_bar.button)
    assert "已补登第 3 行" in desk.feedback.text() and desk.feedback.tone == Tone.ok
    assert not desk.pending_bar.isVisible()
    assert cell(desk.lines_view, 2, "故障现象") == "无输出"
    assert selected_row(desk.lines_view) == 2
    assert "3 件" in desk.header.details.text()

    # Line 1: fault described, every document present and consistent, accepted.
    click_row(qtbot, desk.lines_view, 0)
    fault = desk.detail.fault
    fault.setFocus()
    type_text(qtbot, fault, "通电后自检不通过")
    qtbot.keyClick(fault, Qt.Key.Key_Return)
    assert returns.get_line(sqlite_db, desk.detail.line.id).fault_description == "通电后自检不通过"
    assert cell(desk.lines_view, 0, "故障现象") == "通电后自检不通过"
    check_all_documents(qtbot, desk)
    assert cell(desk.lines_view, 0, "三证") == "齐全一致"
    click(qtbot, desk.detail.accept_button)
    assert cell(desk.lines_view, 0, "结论") == "接收"
    assert window.focusWidget() is desk.scan_field  # the next scan lands in the scan field

    # Line 2: the packing list is missing. Accepting is refused with the reason; rejected instead.
    click_row(qtbot, desk.lines_view, 1)
    rows = desk.detail.doc_rows
    click(qtbot, rows[DocumentKind.certificate].buttons[DocumentVerdict.consistent])
    click(qtbot, rows[DocumentKind.fault_report].buttons[DocumentVerdict.consistent])
    click(qtbot, rows[DocumentKind.packing_list].buttons[DocumentVerdict.consistent])
    click(qtbot, rows[DocumentKind.packing_list].buttons[DocumentVerdict.missing])  # not there
    assert rows[DocumentKind.packing_list].buttons[DocumentVerdict.missing].isChecked()
    assert not rows[DocumentKind.packing_list].buttons[DocumentVerdict.consistent].isChecked()
    assert cell(desk.lines_view, 1, "三证") == "缺装箱清单"
    click(qtbot, desk.detail.accept_button)
    assert desk.feedback.tone == Tone.bad and "不能接收" in desk.feedback.text()
    assert cell(desk.lines_view, 1, "结论") == "待定"

    def give_reason(dialog: RejectDialog) -> None:
        assert dialog.reason() == "装箱清单缺失"  # suggested from the documents
        edit = dialog.reason_box.lineEdit()
        qtbot.keyClick(edit, Qt.Key.Key_End)  # the suggestion is selected, ready to overwrite
        type_text(qtbot, edit, "，文物无法核对")

    prompts.expect(RejectDialog, give_reason)
    click(qtbot, desk.detail.reject_button)
    assert cell(desk.lines_view, 1, "结论") == "拒收"
    assert "装箱清单缺失，文物无法核对" in desk.detail.reason.text()

    # Line 3: accepted with every document.
    click_row(qtbot, desk.lines_view, 2)
    check_all_documents(qtbot, desk)
    click(qtbot, desk.detail.accept_button)

    # 确认交接 through the dialog; print the handover record from the question that follows.
    def fill_confirm(dialog: ConfirmHandoverDialog) -> None:
        assert dialog.clerk.text() == "王敏"
        assert not dialog.ok_button.isEnabled()  # the user representative's name is required
        type_text(qtbot, dialog.user_rep, "李参谋")
        type_text(qtbot, dialog.anomalies, "外包装受潮")

    titles: list[str] = []
    jj_pdf = tmp_path / "jj.pdf"
    prompts.expect(ConfirmHandoverDialog, fill_confirm)
    prompts.answers.append(True)
    prompts.then(save_preview_to(jj_pdf, titles))
    click(qtbot, desk.header.confirm_button)
    qtbot.waitUntil(jj_pdf.exists, timeout=15_000)

    task = desk.task
    assert task.status == "confirmed" and task.handover_number and task.rejection_notice_number
    assert task.handover_number in prompts.questions[0][1]
    assert task.rejection_notice_number in prompts.questions[0][1]
    assert task.handover_number in desk.feedback.text()
    assert desk.header.banner.isVisible() and "只读" in desk.header.banner.text()
    assert cell(desk.tasks_view, 0, "状态") == "已交接"
    assert cell(desk.lines_view, 0, "结论") == "已接收"
    assert cell(desk.lines_view, 1, "结论") == "已拒收"
    assert "剩 7 天" in cell(desk.lines_view, 0, "分发时限")
    assert titles and task.handover_number in titles[0]

    text = pdf_tools.pdf_text(jj_pdf)
    assert task.handover_number in text
    for serial in ("GC12A-2026001", "DY3-2026009", "XK3-0005"):
        assert serial in text
    assert "李参谋" in text and "王敏" in text
    codes = barcodes_of(jj_pdf, tmp_path / "jj")
    assert task.handover_number in codes
    assert {"GC-12A/GC12A-2026001", "DY-3/XK3-0005"} <= codes

    # The rejection notice, from its button on the task.
    js_pdf = tmp_path / "js.pdf"
    assert desk.header.print_notice_button.isVisible()
    prompts.then(save_preview_to(js_pdf, titles))
    click(qtbot, desk.header.print_notice_button)
    qtbot.waitUntil(js_pdf.exists, timeout=15_000)
    text = pdf_tools.pdf_text(js_pdf)
    assert task.rejection_notice_number in text and "DY3-2026009" in text
    flat = "".join(text.split())
    assert "装箱清单缺失，文物无法核对" in flat and "装箱清单：缺失" in flat
    codes = barcodes_of(js_pdf, tmp_path / "js")
    assert task.rejection_notice_number in codes

    # Read-only now: the boxes are greyed with the reason; a scan only finds the line.
    click_row(qtbot, desk.lines_view, 0)
    box = desk.detail.doc_rows[DocumentKind.certificate].buttons[DocumentVerdict.consistent]
    assert not box.isEnabled() and box.toolTip() == READ_ONLY
    assert not desk.detail.accept_button.isEnabled()
    assert not desk.header.confirm_button.isVisible()
    message = scan(qtbot, desk, "XK3-0005")
    assert desk.feedback.tone == Tone.ok and "第 3 行" in message and "只读" in message
    assert selected_row(desk.lines_view) == 2
    message = scan(qtbot, desk, "SF3-2026017")
    assert desk.feedback.tone == Tone.bad and "不能再登记" in message
    assert desk.lines_model.rowCount() == 3
    assert prompts.done() and not prompts.errors


def test_scanning_record_numbers(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    open_window: Any,
    tmp_path: Path,
) -> None:
    """A task's number opens the task; a handover record's number opens its print preview."""
    first = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    second = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    line = returns.add_line(sqlite_db, org.clerk, first.id, "GC-12A", "GC12A-2026001")
    for kind in returns.DOCUMENT_KINDS:
        returns.set_document(sqlite_db, org.clerk, line.id, kind, True, True)
    returns.decide_line(sqlite_db, org.clerk, line.id, Decision.accept)
    done = returns.confirm_handover(sqlite_db, org.clerk, first.id, "李参谋", "王敏")

    window = open_window(org.clerk)
    desk = window.desk
    assert desk.task is None
    assert "请先" in scan(qtbot, desk, "GC12A-2026001") and desk.feedback.tone == Tone.bad

    scan(qtbot, desk, second.number.lower())
    assert desk.task is not None and desk.task.id == second.id
    scan(qtbot, desk, first.number)
    assert desk.task.id == first.id and selected_row(desk.tasks_view) == 1

    pdf = tmp_path / "jj.pdf"
    prompts.then(save_preview_to(pdf, []))
    message = scan(qtbot, desk, done.handover_number)
    assert "打印预览" in message
    qtbot.waitUntil(pdf.exists, timeout=15_000)
    assert done.handover_number in pdf_tools.pdf_text(pdf)

    message = scan(qtbot, desk, "JJ-2026-009999")
    assert desk.feedback.tone == Tone.bad and "不存在" in message


def test_task_list_is_read_page_by_page(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    from app.ui.handover.desk import HandoverDesk

    for _ in range(12):
        returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    desk = HandoverDesk(make_desk(org.clerk), page_size=5)
    qtbot.addWidget(desk)
    model = desk.tasks_model
    assert model.rowCount() == 5 and model.canFetchMore()
    numbers = [model.row(i).number for i in range(5)]
    assert numbers == sorted(numbers, reverse=True)  # newest first
    model.fetch_all()
    assert model.rowCount() == 12 and not model.canFetchMore()


def activate(qtbot: Any, window: Any) -> None:
    """The window manager gives `window` the keyboard (offscreen, it must be asked)."""
    from PySide6.QtWidgets import QApplication

    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def key(
    qtbot: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key pressed where the keyboard is now (as a person presses it: on the focus widget)."""
    from PySide6.QtWidgets import QApplication

    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard"
    qtbot.keyClick(target, key, modifier)


def test_a_whole_handover_by_keyboard_alone(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """Defect 5: new task, scans, documents, accept several at once, confirm: keys only."""
    from PySide6.QtWidgets import QApplication, QDialog

    from app.ui.handover.desk import HandoverDesk

    # A person's pace between keys: nothing typed here is taken for a scanner's burst.
    desk = HandoverDesk(make_desk(org.clerk), clock=iter(range(0, 10**6, 1)).__next__)
    qtbot.addWidget(desk)
    desk.resize(1280, 800)
    desk.show()
    qtbot.waitExposed(desk)
    activate(qtbot, desk)
    assert "(Ctrl+N)" in desk.new_task_button.text()
    assert "F7" in desk.detail.accept_button.text() and "F6" in desk.detail.check_button.text()
    assert "Ctrl+Enter" in desk.header.confirm_button.text()

    def new_task(dialog: NewTaskDialog) -> bool:
        dialog.show()
        qtbot.waitExposed(dialog)
        activate(qtbot, dialog)
        box = dialog.unit_box  # the first field has the keyboard
        qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
        type_text(qtbot, box, "某部队修理所")
        key(qtbot, Qt.Key.Key_Return)
        return dialog.result() == QDialog.DialogCode.Accepted

    prompts.then(new_task)
    key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert desk.task is not None and desk.task.user_unit == "某部队修理所"
    activate(qtbot, desk)
    assert QApplication.focusWidget() is desk.scan_field
    for code in ("GC-12A/GC12A-2026001", "DY-3/DY3-2026009", "GC-12A/GC12A-2026017"):
        type_text(qtbot, desk.scan_field, code)
        key(qtbot, Qt.Key.Key_Return)
    assert desk.lines_model.rowCount() == 3

    # The third line by hand: Tab to its documents, Space picks; the keyboard stays there.
    key(qtbot, Qt.Key.Key_F3)
    assert QApplication.focusWidget() is desk.lines_view and selected_row(desk.lines_view) == 2
    key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is desk.detail.fault
    type_text(qtbot, desk.detail.fault, "no output")
    rows = list(desk.detail.doc_rows.values())
    for row in rows:
        for _ in range(2):  # past 未核 to 一致
            key(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is row.buttons[DocumentVerdict.consistent]
        key(qtbot, Qt.Key.Key_Space)
        assert row.buttons[DocumentVerdict.consistent].isChecked()
        assert QApplication.focusWidget() is row.buttons[DocumentVerdict.consistent]
        # The next key must not move the line selection: an arrow walks the answers.
        key(qtbot, Qt.Key.Key_Down)
        assert selected_row(desk.lines_view) == 2
        assert QApplication.focusWidget() is row.buttons[DocumentVerdict.inconsistent]
        assert row.buttons[DocumentVerdict.consistent].isChecked()  # walking picks nothing
        for _ in range(2):  # 缺失, the note
            key(qtbot, Qt.Key.Key_Tab)
    line3 = returns.get_line(sqlite_db, desk.detail.line.id)  # type: ignore[union-attr]
    assert line3.fault_description == "no output" and line3.documents_complete

    # Lines 1 and 2 together: select both, F6 marks their documents, F7 accepts all three.
    key(qtbot, Qt.Key.Key_F3)
    key(qtbot, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, Qt.Key.Key_F6)
    assert [cell(desk.lines_view, r, "三证") for r in range(3)] == ["齐全一致"] * 3
    key(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(desk.selected_ids()) == 3
    key(qtbot, Qt.Key.Key_F7)
    assert [cell(desk.lines_view, r, "结论") for r in range(3)] == ["接收"] * 3
    assert "第 1、2、3 行：标记为接收" in desk.feedback.text()

    def confirm(dialog: ConfirmHandoverDialog) -> bool:
        dialog.show()
        qtbot.waitExposed(dialog)
        activate(qtbot, dialog)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.user_rep)
        type_text(qtbot, dialog.user_rep, "李参谋")
        key(qtbot, Qt.Key.Key_Return)
        return dialog.result() == QDialog.DialogCode.Accepted

    prompts.then(confirm)
    prompts.answers.append(False)  # 稍后打印
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert desk.task.status == "confirmed" and desk.task.handover_number
    assert "接收 3 件，拒收 0 件" in desk.feedback.text()
    assert prompts.done() and not prompts.errors


def test_a_document_not_matching_is_recorded_and_the_rejection_says_so(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """Defect 3 at the window: 不一致 with a note; accepting needs the note; 拒收 suggests it."""
    from app.ui.handover.desk import HandoverDesk

    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    line = returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", "GC12A-2026001")
    desk = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(desk)
    desk.show()
    desk.show_task_by_id(task.id)
    click_row(qtbot, desk.lines_view, 0)
    rows = desk.detail.doc_rows
    click(qtbot, rows[DocumentKind.fault_report].buttons[DocumentVerdict.consistent])
    click(qtbot, rows[DocumentKind.packing_list].buttons[DocumentVerdict.consistent])
    cert = rows[DocumentKind.certificate]
    click(qtbot, cert.buttons[DocumentVerdict.inconsistent])
    assert cert.buttons[DocumentVerdict.inconsistent].isChecked()
    assert cell(desk.lines_view, 0, "三证") == "不一致：证明文件"
    click(qtbot, desk.detail.accept_button)
    assert desk.feedback.tone == Tone.bad and "请在备注中写明" in desk.feedback.text()
    cert.note.setFocus()
    type_text(qtbot, cert.note, "编号末位不符")
    qtbot.keyClick(cert.note, Qt.Key.Key_Return)
    saved = returns.get_line(sqlite_db, line.id).documents[0]
    assert (saved.verdict, saved.note) == ("inconsistent", "编号末位不符")

    def reject(dialog: RejectDialog) -> None:
        assert dialog.reason() == "产品证明文件与实物不一致（编号末位不符）"

    prompts.expect(RejectDialog, reject)
    click(qtbot, desk.detail.reject_button)
    assert cell(desk.lines_view, 0, "结论") == "拒收"
    assert prompts.done()


def test_the_desk_reopens_the_task_it_had_open(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    """Defect 14: started again, the desk shows the task the clerk was counting."""
    from app.settings import Settings
    from app.ui.handover.desk import HandoverDesk

    first = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    before = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(before)
    assert before.task is None
    before.show_task_by_id(first.id)
    assert Settings().get("desk_open_tasks")  # written to this test's own settings file

    again = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.task is not None)  # the next turn: the list shows first
    assert again.task is not None and again.task.id == first.id
    assert selected_row(again.tasks_view) == 1
    assert "上次的任务" in again.feedback.text()
    # Another login at the same machine has its own; a confirmed task is not reopened.
    engineers = HandoverDesk(make_desk(org.engineer))
    qtbot.addWidget(engineers)
    line = returns.add_line(sqlite_db, org.clerk, first.id, "GC-12A", "GC12A-1")
    returns.decide_line(sqlite_db, org.clerk, line.id, Decision.reject, "故障单缺失")
    returns.confirm_handover(sqlite_db, org.clerk, first.id, "李参谋", "王敏")
    later = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(later)
    qtbot.wait(50)  # the turn in which a remembered task would be reopened
    assert engineers.task is None and later.task is None
    # A task opened before that turn (the window routing a task number here) stays open.
    routed = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(routed)
    second = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    routed.show_task_by_id(second.id)
    qtbot.wait(50)
    assert routed.task is not None and routed.task.id == second.id


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_product_names_are_not_cut_off(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    open_window: Any,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    """Defect 14: 产品名称 fits its column at the usual window sizes (screenshot kept)."""
    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    for model, serial in (("GC-12A", "GC12A-2026001"), ("DY-3", "DY3-2026009")):
        returns.add_line(sqlite_db, org.clerk, task.id, model, serial, "通电后自检不通过，报 E-07")
    window = open_window(org.clerk)
    window.resize(*size)
    desk = window.desk
    desk.show_task_by_id(task.id)
    qtbot.wait(50)
    view = desk.lines_view
    titles = [view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    column = titles.index("产品名称")
    from PySide6.QtWidgets import QStyle

    metrics = view.fontMetrics()
    # The delegate's text margin on each side (QCommonStyle: the focus frame's margin + 1).
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    for row in range(view.model().rowCount()):
        name = view.model().index(row, column).data()
        assert metrics.horizontalAdvance(name) + 2 * margin <= view.columnWidth(column), name
    # Every column shows whole within the table (no horizontal scrolling needed to read it).
    assert view.horizontalHeader().length() <= view.viewport().width() + 1
    window.grab().save(str(tmp_path / f"desk-{size[0]}.png"))


def test_a_second_scan_far_down_a_long_task_reads_the_rows_up_to_it_off_the_gui_thread(
    qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: counting a list of thousands by scanning, a scan of an item far past the rows
    read shows the item at once and reads the rows up to it in the runner's worker (10,000
    rows cost 0.4 s whether in pages or in one read), then selects its row."""
    import threading

    from app.ui.handover.desk import HandoverDesk

    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    for k in range(23):
        returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", f"DEEP-{k:02d}")
    desk = HandoverDesk(make_desk(org.clerk), page_size=5)
    qtbot.addWidget(desk)
    click_row(qtbot, desk.tasks_view, desk.tasks_model.find(lambda t: t.id == task.id))
    qtbot.waitUntil(lambda: desk.task is not None and desk.lines_model.rowCount() == 5)
    reads: list[tuple[int, bool]] = []
    page_lines = returns.page_lines

    def counted(*args: Any, **kwargs: Any) -> Any:
        on_gui = threading.current_thread() is threading.main_thread()
        reads.append((kwargs["limit"], on_gui))
        return page_lines(*args, **kwargs)

    monkeypatch.setattr(returns, "page_lines", counted)
    message = scan(qtbot, desk, "GC-12A/DEEP-22")
    assert "已" in message and desk.feedback.tone == Tone.warn, message
    assert desk.detail.line is not None and desk.detail.line.serial_no == "DEEP-22"
    qtbot.waitUntil(lambda: selected_row(desk.lines_view) == 22)
    assert reads == [(18, False)]  # rows 6–23 in one read, in the worker
    assert desk.lines_model.rowCount() == 23 and desk.lines_model.row(22).serial_no == "DEEP-22"
    # A scan within the rows read selects at once, reading nothing.
    scan(qtbot, desk, "GC-12A/DEEP-03")
    assert selected_row(desk.lines_view) == 3 and len(reads) == 1
