"""The repair bench: an engineer's whole way from receipt to an accepted repair, in the window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView

from app.db import Database
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import local_today
from app.services.kernel.terms import Decision, DocumentKind, LineStatus
from app.services.repair import repairs
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.style import Tone
from app.ui.repair.bench_page import BenchPage
from app.ui.repair.plan_steps import LocalizeDialog, NoFaultDialog, PlanDialog
from app.ui.repair.receipt_steps import ReceiptDialog, UnboxingDialog
from app.ui.repair.repair_steps import AcceptanceDialog, RepairPlanDialog, RepairRecordDialog
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, selected_row, type_text

ITEM = "GC-12A/GC12A-2026101"


def dispatched_lines(
    db: Database, org: Org, items: list[tuple[str, str]], days_ago: int = 0
) -> tuple[list[int], list[str]]:
    """Items accepted `days_ago` days ago and dispatched today, one handover per manufacturer."""
    confirmed = local_today() - dt.timedelta(days=days_ago)
    task = returns.create_task(db, org.clerk, "某部队修理所", today=confirmed)
    ids = []
    for model, serial in items:
        line = returns.add_line(db, org.clerk, task.id, model, serial, "通电后自检不通过")
        for kind in DocumentKind:
            returns.set_document(db, org.clerk, line.id, kind, True, True)
        returns.decide_line(db, org.clerk, line.id, Decision.accept)
        ids.append(line.id)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=confirmed)
    numbers = []
    for group in dispatching.dispatch_groups(db):
        ids_here = [x.line_id for x in group.lines if x.line_id in ids]
        if ids_here:
            numbers.append(dispatching.dispatch(db, org.clerk, ids_here).handover_number)
    return ids, numbers


def open_bench(qtbot: Any, make_desk: Any, actor: Any) -> BenchPage:
    page = BenchPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def row_of(page: BenchPage, item_code: str) -> int:
    row = page.model.find(lambda b: b.item_code == item_code)
    assert row is not None, f"{item_code} is not on the bench"
    return row


def select(qtbot: Any, page: BenchPage, item_code: str) -> None:
    click_row(qtbot, page.view, row_of(page, item_code))
    selected = page.selected()
    assert selected is not None and selected.item_code == item_code


def status(db: Database, line: int) -> str:
    return returns.get_line(db, line).status


def edit_cell(qtbot: Any, view: QTableView, row: int, column: int, text: str) -> None:
    """Double-click a cell, type into the editor that opens, press Enter."""
    index = view.model().index(row, column)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    type_text(qtbot, editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model().index(row, column).data() == text)


def save_preview_to(path: Path, titles: list[str]) -> Any:
    def handle(dialog: PrintPreviewDialog) -> bool:
        assert isinstance(dialog, PrintPreviewDialog)
        titles.append(dialog.windowTitle())
        dialog.save_pdf(path)
        return False

    return handle


def photo_file(tmp_path: Path) -> Path:
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor("#88aacc"))
    path = tmp_path / "铅封.png"
    assert image.save(str(path))
    return path


def test_engineer_whole_way_from_receipt_to_accepted_repair(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    (line, other), (jj, _power_jj) = dispatched_lines(
        sqlite_db, org, [("GC-12A", "GC12A-2026101"), ("DY-3", "DY3-2026101")]
    )
    bench = open_bench(qtbot, make_desk, org.engineer)
    assert [b.item_code for b in bench.rows()] == [ITEM]
    assert "惯性导航研究所" in bench.scope.text()

    # Another unit's engineer sees only their own line, none of this one.
    power = open_bench(qtbot, make_desk, org.power)
    assert [b.line_id for b in power.rows()] == [other]

    # Nothing selected: the step button says why it is grey.
    assert not bench.next_button.isEnabled() and "选择" in bench.next_button.toolTip()

    # 签收: countersign the handover record, with an anomaly for the item.
    select(qtbot, bench, ITEM)
    assert bench.next_button.text() == "签收"
    assert cell(bench.view, 0, "下一步") == "签收" and cell(bench.view, 0, "状态") == "已分发"
    assert jj in bench.handover_label.text()

    def fill_receipt(dialog: ReceiptDialog) -> None:
        assert dialog.handover_number == jj and dialog.receiver.text() == "陈工"
        assert list(dialog.anomalies) == [line]
        type_text(qtbot, dialog.anomalies[line], "铅封松动")

    prompts.expect(ReceiptDialog, fill_receipt)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.at_manufacturer
    assert selected_row(bench.view) == row_of(bench, ITEM)  # still selected
    assert f"已签收交接记录单 {jj}" in bench.feedback.text()
    assert bench.next_button.text() == "开箱检查"
    nearest = cell(bench.view, 0, "最近时限")
    # The localization clock counts working days and says so (issue 7, defect 14).
    assert nearest.startswith("故障定位 ") and "（剩 5 个工作日）" in nearest
    assert (
        "在修时间：" in bench.deadlines_label.text() and "剩 60 天" in bench.deadlines_label.text()
    )

    # 开箱检查 with the user representative; one item not in order, explained; a photo.
    photo = photo_file(tmp_path)

    def fill_unboxing(dialog: UnboxingDialog) -> None:
        for key, box in dialog.checks.items():
            if key != "seals_ok":
                click(qtbot, box)
        type_text(qtbot, dialog.user_rep, "李参谋")
        click(qtbot, dialog.ok_button)  # the unticked seal needs a note first
        assert dialog.isVisible() and "铅封完好" in dialog.error_label.text()
        type_text(qtbot, dialog.notes, "铅封松动，已拍照")
        prompts.files.append(str(photo))
        click(qtbot, dialog.photos.add_button)
        assert dialog.photos.model.rowCount() == 1
        thumb = dialog.photos.model.index(0).data(Qt.ItemDataRole.DecorationRole)
        assert not thumb.isNull() and thumb.width() <= 120

    prompts.expect(UnboxingDialog, fill_unboxing)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.unboxed
    kx = bench.records[-1]
    assert kx.startswith("KX-") and kx in bench.feedback.text()
    assert bench.next_button.text() == "编写排查方案"

    # 编写排查方案 with its document attached.
    plan_file = tmp_path / "排查方案.txt"
    plan_file.write_text("故障树分析", encoding="utf-8")

    def fill_plan(dialog: PlanDialog) -> None:
        assert dialog.author.text() == "陈工" and dialog.version.text() == "A"
        type_text(qtbot, dialog.document_no, "GC12A-PC-01")
        type_text(qtbot, dialog.plan_title, "陀螺通道故障排查")
        prompts.files.append(str(plan_file))
        click(qtbot, dialog.attach_button)
        assert "排查方案.txt" in dialog.attachment_label.text()

    prompts.expect(PlanDialog, fill_plan)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.localizing
    assert bench.next_button.text() == "故障定位"
    assert bench.nff_button.isEnabled() and bench.new_plan_button.isEnabled()

    # 故障定位 from the code lists.
    def fill_localize(dialog: LocalizeDialog) -> None:
        click(qtbot, dialog.ok_button)
        assert "故障模式、原因类别、故障部位、定位结论" in dialog.error_label.text()
        dialog.fault_mode.setCurrentIndex(dialog.fault_mode.findText("功能失效"))
        dialog.cause_category.setCurrentIndex(dialog.cause_category.findText("元器件"))
        type_text(qtbot, dialog.faulty_part, "X 轴陀螺")
        type_text(qtbot, dialog.conclusion, "故障复现，X 轴陀螺输出异常")

    prompts.expect(LocalizeDialog, fill_localize)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.localized
    dw = next(w for w in bench.feedback.text().split() if w.startswith("DW-"))
    assert bench.next_button.text() == "制定维修方案"

    # 制定维修方案.
    def fill_repair_plan(dialog: RepairPlanDialog) -> None:
        assert dialog.planned_date() >= local_today()
        type_text(qtbot, dialog.measures, "更换 X 轴陀螺并重新标定")

    prompts.expect(RepairPlanDialog, fill_repair_plan)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.in_repair
    assert bench.next_button.text() == "记录维修"

    # 记录维修 with one replaced part typed into the table.
    def fill_record(dialog: RepairRecordDialog) -> None:
        assert dialog.repaired_by.text() == "陈工"
        assert dialog.certificate.number() == ""  # the item's certificate is not yet identified
        type_text(qtbot, dialog.work_done, "更换 X 轴陀螺，重新标定")
        type_text(qtbot, dialog.tests, "全温性能测试合格")
        click(qtbot, dialog.add_part_button)
        click(qtbot, dialog.add_part_button)
        view = dialog.parts_view
        edit_cell(qtbot, view, 0, 0, "光纤陀螺")
        edit_cell(qtbot, view, 0, 2, "GY-2023-11")
        click(qtbot, dialog.ok_button)  # the certificate's number is required
        assert "产品质量证明文件编号" in dialog.error_label.text()
        type_text(qtbot, dialog.certificate.edit, "ZM-GC12A-2026101")
        click(qtbot, dialog.ok_button)  # a part without its part number is refused
        assert "第 1 行缺少零件号" in dialog.error_label.text()
        edit_cell(qtbot, view, 0, 1, "GY-100")
        edit_cell(qtbot, view, 0, 3, "GY-2026-40")
        click_row(qtbot, view, 1)
        click(qtbot, dialog.remove_part_button)  # the empty second row goes
        assert dialog.parts_model.rowCount() == 1
        assert dialog.parts_model.parts() == [
            repairs.Part("GY-100", "光纤陀螺", "GY-2023-11", "GY-2026-40")
        ]

    prompts.expect(RepairRecordDialog, fill_record)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.repaired
    first_wx = bench.records[-1]
    assert first_wx.startswith("WX-") and first_wx in bench.feedback.text()

    # Acceptance is the quality inspector's: greyed out for the engineer, with the reason.
    assert bench.next_button.text() == "验收" and not bench.next_button.isEnabled()
    assert "质量检验员" in bench.next_button.toolTip()

    # 验收 by the quality login: one point fails → back in repair.
    quality = open_bench(qtbot, make_desk, org.quality)
    assert quality.mine_box.isChecked()
    assert [b.item_code for b in quality.rows()] == [ITEM]  # only what waits for acceptance
    select(qtbot, quality, ITEM)
    assert quality.next_button.text() == "验收"

    def fail_one(dialog: AcceptanceDialog) -> None:
        assert [r.point.text for r in dialog.rows] == ["外观检查", "通电自检", "性能测试"]
        assert dialog.inspector.text() == "刘检"
        click(qtbot, dialog.rows[0].passed)
        click(qtbot, dialog.rows[1].passed)
        click(qtbot, dialog.rows[2].failed)
        type_text(qtbot, dialog.rows[2].note, "零偏超差")
        click(qtbot, dialog.ok_button)  # findings are required when a point fails
        assert dialog.isVisible() and "性能测试" in dialog.error_label.text()
        type_text(qtbot, dialog.findings, "性能测试零偏超差，需重新标定")

    prompts.expect(AcceptanceDialog, fail_one)
    click(qtbot, quality.next_button)
    assert status(sqlite_db, line) == LineStatus.in_repair
    assert "验收不合格" in quality.feedback.text() and quality.feedback.tone == Tone.warn
    assert "已离开工作台" in quality.feedback.text()  # no longer waiting for the inspector

    # Back at the engineer's bench: record the repair again.
    click(qtbot, bench.refresh_button)
    select(qtbot, bench, ITEM)
    assert bench.next_button.text() == "记录维修"

    def again(dialog: RepairRecordDialog) -> None:
        # The certificate is identified now: its number is shown, not typed again.
        assert dialog.certificate.number() == "ZM-GC12A-2026101"
        assert dialog.certificate.edit.isReadOnly()
        type_text(qtbot, dialog.work_done, "重新标定零偏")

    prompts.expect(RepairRecordDialog, again)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.repaired

    # The inspector accepts; the certificate page (WX) is offered for printing.
    click(qtbot, quality.refresh_button)
    select(qtbot, quality, ITEM)
    prompts.expect(AcceptanceDialog, lambda d: click(qtbot, d.all_pass_button))
    pdf = tmp_path / "wx.pdf"
    titles: list[str] = []
    prompts.answers.append(True)  # 打印维修记录
    prompts.then(save_preview_to(pdf, titles))
    click(qtbot, quality.next_button)
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    assert status(sqlite_db, line) == LineStatus.accepted_after_repair
    title, question = prompts.questions[-1]
    ys = next(w for w in question.replace("：", " ").split() if w.startswith("YS-"))
    wx = next(w for w in question.replace("：", " ").split() if w.startswith("WX-"))
    assert wx != first_wx  # the second repair record is the one accepted
    assert ys in quality.feedback.text() and wx in quality.feedback.text()
    assert quality.model.find(lambda b: b.line_id == line) is None  # off the bench
    assert titles == [f"打印预览 — 维修记录 {wx}"]

    text = pdf_tools.pdf_text(pdf)
    assert ITEM in text and wx in text
    flat = "".join(text.split())
    assert "ZM-GC12A-2026101" in flat and "经检验，该产品修复合格，准予放行。" in flat
    assert "授权放行人签字" in flat
    pages = pdf_tools.render_pages(pdf, tmp_path / "wx", dpi=300)
    found = {code for page in pages for code in pdf_tools.decode_barcodes(page)}
    assert wx in found
    assert dw and kx


def test_refusal_keeps_what_was_typed_and_new_plan_versions(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    (line,), (jj,) = dispatched_lines(sqlite_db, org, [("GC-12A", "GC12A-2026102")])
    eng = org.engineer
    repairs.receive(sqlite_db, eng, jj, "陈工")
    repairs.record_unboxing(
        sqlite_db, eng, line, repairs.Unboxing(True, True, True, True, True, "李参谋")
    )
    repairs.write_investigation_plan(sqlite_db, eng, line, "GC12A-PC-02", "A", "陈工")
    bench = open_bench(qtbot, make_desk, eng)
    select(qtbot, bench, "GC-12A/GC12A-2026102")

    # 新版排查方案: prefilled from the last plan; the service refuses a version that exists,
    # the dialog shows why and keeps what was typed.
    def same_version(dialog: PlanDialog) -> bool:
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.windowTitle() == "新版排查方案"
        assert dialog.document_no.text() == "GC12A-PC-02" and dialog.version.text() == "B"
        dialog.version.clear()
        type_text(qtbot, dialog.version, "A")
        type_text(qtbot, dialog.plan_title, "补充振动试验")
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and "已存在" in dialog.error_label.text()
        assert dialog.plan_title.text() == "补充振动试验"
        dialog.version.clear()
        type_text(qtbot, dialog.version, "B")
        click(qtbot, dialog.ok_button)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        return dialog.result() == PlanDialog.DialogCode.Accepted

    prompts.then(same_version)
    click(qtbot, bench.new_plan_button)
    assert "故障排查方案 PC-" in bench.feedback.text()
    assert status(sqlite_db, line) == LineStatus.localizing
    # Both versions are printable from the 打印 menu, after the two handover records.
    assert [n[:2] for n in bench.records] == ["JJ", "JJ", "KX", "PC", "PC"]
    titles = [a.text() for a in bench.print_menu.actions()]
    assert len(titles) == 5
    # Each version of the plan is listed with its letter (issue 7, defect 14).
    assert titles[0].endswith("（B 版）") and titles[1].endswith("（A 版）")

    # 复测无故障: the line goes to acceptance without repair.
    prompts.expect(NoFaultDialog, lambda d: type_text(qtbot, d.conclusion, "高低温复测 3 次均正常"))
    click(qtbot, bench.nff_button)
    assert status(sqlite_db, line) == LineStatus.no_fault_found
    assert "复测无故障" in bench.feedback.text()
    assert bench.next_button.text() == "验收" and not bench.nff_button.isEnabled()


def test_bench_lists_nearest_deadline_first_and_opens_history(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    (old, new), (jj,) = dispatched_lines(
        sqlite_db, org, [("GC-12A", "GC12A-2026104"), ("GC-12A", "GC12A-2026105")]
    )
    eng = org.engineer
    # Received twelve days ago and still not localized: overdue, first on the bench.
    repairs.receive(sqlite_db, eng, jj, "陈工", today=local_today() - dt.timedelta(days=12))
    bench = open_bench(qtbot, make_desk, eng)
    assert len(bench.rows()) == 2
    deadline = cell(bench.view, 0, "最近时限")
    assert deadline.startswith("故障定位 ") and "超期" in deadline
    index = bench.model.index(0, 4)
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "超期 2 件" in bench.count_label.text()

    with qtbot.waitSignal(bench.open_item) as opened:
        select(qtbot, bench, "GC-12A/GC12A-2026105")
        click(qtbot, bench.history_button)
    assert opened.args == ["GC-12A/GC12A-2026105"]
    assert {old, new} == {b.line_id for b in bench.rows()}


def test_bench_model_passes_qt_checks(
    qtmodeltester: Any, qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    dispatched_lines(
        sqlite_db, org, [("GC-12A", "GC12A-2026106"), ("GC-12A", "GC12A-2026107")], days_ago=3
    )
    bench = open_bench(qtbot, make_desk, org.engineer)
    assert bench.model.rowCount() == 2
    qtmodeltester.check(bench.model)


def test_the_bench_is_read_page_by_page_as_the_table_scrolls(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    """Many items at the bench: counted in SQL, their rows read a page at a time as the person
    scrolls down, nearest deadline first; only-mine reads its own pages."""
    items = [("GC-12A", f"GC12A-20266{i:02d}") for i in range(7)]
    ids, (jj,) = dispatched_lines(sqlite_db, org, items)
    page = BenchPage(make_desk(org.engineer), page_size=2)
    qtbot.addWidget(page)
    page.resize(1160, 420)
    page.show()
    qtbot.waitExposed(page)
    assert page.count_label.text() == "共 7 件"  # counted in SQL, not from the rows read
    assert 2 <= page.model.rowCount() < 7 and not page.model.exhausted
    click_row(qtbot, page.view, 0)
    while page.model.rowCount() < 7:
        before = page.model.rowCount()
        qtbot.keyClick(page.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda n=before: page.model.rowCount() > n)  # type: ignore[misc]
    assert [b.line_id for b in page.rows()] == ids
    assert {b.handover_number for b in page.rows()} == {jj}

    # 签收 lists every item of the record, read when it is countersigned, not the rows shown.
    # (The selected line stays selected through 刷新: the first one, on the first page.)
    select(qtbot, page, "GC-12A/GC12A-2026600")
    click(qtbot, page.refresh_button)
    assert page.model.rowCount() < 7
    seen: list[int] = []
    prompts.expect(
        ReceiptDialog, lambda d: seen.extend(line.line_id for line in d.lines), accept=False
    )
    select(qtbot, page, "GC-12A/GC12A-2026600")
    click(qtbot, page.next_button)
    assert seen == ids and prompts.done()
