"""Issue 7 at the bench, as people do it: scrapping by request and approval (defect 9), and a
late localization that says why and closes its overdue report (defect 8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from app.db import Database
from app.services.kernel.context import local_today
from app.services.kernel.terms import LineStatus
from app.services.oversight import deadlines
from app.services.repair import repairs
from app.ui.oversight.reports_page import ReportsPage
from app.ui.repair.plan_steps import LocalizeDialog
from app.ui.repair.scrap_steps import ScrapDecisionDialog, ScrapRequestDialog
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, type_text
from tests.ui.test_bench_page import (
    dispatched_lines,
    open_bench,
    save_preview_to,
    select,
    status,
)

ITEM = "DY-3/DY3-2026103"


def flat(path: Path) -> str:
    return "".join(pdf_tools.pdf_text(path).split())


def localized_line(db: Database, org: Org) -> int:
    (line,), (jj,) = dispatched_lines(db, org, [("DY-3", "DY3-2026103")], days_ago=2)
    power = org.power
    repairs.receive(db, power, jj, "孙工")
    repairs.record_unboxing(
        db, power, line, repairs.Unboxing(True, True, False, True, True, "李参谋", "壳体裂")
    )
    repairs.write_investigation_plan(db, power, line, "DY3-PC-01", "A", "孙工")
    repairs.localize(
        db,
        power,
        line,
        fault_mode="外观/结构损伤",
        cause_category="运输贮存",
        faulty_part="壳体",
        conclusion="壳体断裂",
    )
    return line


def test_scrap_is_requested_refused_then_approved_and_printed(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    line = localized_line(sqlite_db, org)
    engineer = open_bench(qtbot, make_desk, org.power)
    manager = open_bench(qtbot, make_desk, org.manager)
    # Nothing waits for the manager yet: their bench lists only what is theirs to decide.
    assert manager.mine_box.isChecked() and manager.rows() == ()

    # The engineer asks, with a reason.
    select(qtbot, engineer, ITEM)
    assert engineer.scrap_button.text() == "申请报废…" and engineer.scrap_button.isEnabled()

    def ask(dialog: ScrapRequestDialog) -> None:
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and "原因" in dialog.error_label.text()
        type_text(qtbot, dialog.reason, "壳体断裂，无修复价值")

    prompts.expect(ScrapRequestDialog, ask)
    click(qtbot, engineer.scrap_button)
    assert "报废申请已提交" in engineer.feedback.text()
    assert status(sqlite_db, line) == LineStatus.localized
    assert "待总体/主管审批" in engineer.scrap_label.text()
    assert engineer.next_button.text() == "审批报废" and not engineer.next_button.isEnabled()
    assert not engineer.scrap_button.isEnabled()

    # The manager sees it waiting and refuses it with a note: it goes back to the bench.
    click(qtbot, manager.refresh_button)
    assert [b.line_id for b in manager.rows()] == [line]
    assert cell(manager.view, 0, "状态") == "已定位（报废待批）"
    assert "报废待批 1 件" in manager.count_label.text()
    select(qtbot, manager, ITEM)
    assert manager.next_button.text() == "审批报废" and manager.next_button.isEnabled()

    def refuse(dialog: ScrapDecisionDialog) -> None:
        click(qtbot, dialog.refuse)
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and "意见" in dialog.error_label.text()
        type_text(qtbot, dialog.note, "可更换壳体，继续维修")

    prompts.expect(ScrapDecisionDialog, refuse)
    click(qtbot, manager.next_button)
    assert "不同意报废" in manager.feedback.text()
    assert status(sqlite_db, line) == LineStatus.localized
    click(qtbot, engineer.refresh_button)
    select(qtbot, engineer, ITEM)
    assert "已驳回" in engineer.scrap_label.text()
    assert "可更换壳体，继续维修" in engineer.scrap_label.text()
    assert engineer.next_button.text() == "制定维修方案" and engineer.next_button.isEnabled()

    # Asked again and approved: the BF record is offered for printing.
    prompts.expect(ScrapRequestDialog, lambda d: type_text(qtbot, d.reason, "壳体内部受潮"))
    click(qtbot, engineer.scrap_button)
    click(qtbot, manager.refresh_button)
    select(qtbot, manager, ITEM)
    prompts.expect(ScrapDecisionDialog, lambda d: click(qtbot, d.approve))
    pdf = tmp_path / "bf.pdf"
    titles: list[str] = []
    prompts.answers.append(True)  # 打印报废审批单
    prompts.then(save_preview_to(pdf, titles))
    click(qtbot, manager.next_button)
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    assert status(sqlite_db, line) == LineStatus.scrapped
    bf = next(w for w in manager.feedback.text().replace("）", " ").split() if "BF-" in w)
    bf = bf[bf.index("BF-") :]
    assert titles == [f"打印预览 — 报废审批单 {bf}"]
    text = flat(pdf)
    for words in ("报废审批单", bf, "壳体内部受潮", "同意报废", ITEM):
        assert words in text
    assert manager.model.find(lambda b: b.line_id == line) is None


def test_late_localization_asks_why_and_closes_the_overdue_report(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    make_desk: Any,
    tmp_path: Path,
) -> None:
    (line,), (jj,) = dispatched_lines(sqlite_db, org, [("GC-12A", "GC12A-2026108")])
    repairs.receive(sqlite_db, org.engineer, jj, "陈工", today=local_today() - dt.timedelta(21))
    repairs.record_unboxing(
        sqlite_db, org.engineer, line, repairs.Unboxing(True, True, True, True, True, "李参谋")
    )
    repairs.write_investigation_plan(sqlite_db, org.engineer, line, "GC12A-PC-08", "A", "陈工")
    (cq,) = deadlines.sweep(sqlite_db)
    reports = ReportsPage(make_desk(org.manager))
    qtbot.addWidget(reports)
    reports.resize(1200, 700)
    reports.show()
    qtbot.waitUntil(lambda: reports.model.rowCount() == 1)
    assert "至今未定位" in cell(reports.view, 0, "原因")

    bench = open_bench(qtbot, make_desk, org.engineer)
    select(qtbot, bench, "GC-12A/GC12A-2026108")
    nearest = cell(bench.view, 0, "最近时限")
    assert "超期" in nearest and "个工作日" in nearest  # a working-day clock (defect 14)

    def fill(dialog: LocalizeDialog) -> None:
        assert dialog.late.box is not None  # the form asks why
        dialog.fault_mode.setCurrentIndex(dialog.fault_mode.findText("功能失效"))
        dialog.cause_category.setCurrentIndex(dialog.cause_category.findText("元器件"))
        type_text(qtbot, dialog.faulty_part, "X 轴陀螺")
        type_text(qtbot, dialog.conclusion, "X 轴陀螺输出异常")
        click(qtbot, dialog.ok_button)
        assert dialog.isVisible() and "超期原因" in dialog.error_label.text()
        type_text(qtbot, dialog.late.box, "等待陀螺测试设备返厂")

    prompts.expect(LocalizeDialog, fill)
    click(qtbot, bench.next_button)
    assert status(sqlite_db, line) == LineStatus.localized
    dw = next(w for w in bench.feedback.text().split() if w.startswith("DW-"))

    # The DW says how late and why.
    pdf = tmp_path / "dw.pdf"
    prompts.then(save_preview_to(pdf, []))
    bench.print_record(dw)
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    text = flat(pdf)
    assert "超期" in text and "个工作日" in text and "等待陀螺测试设备返厂" in text

    # The overdue report is closed by it: on the list and on paper.
    qtbot.waitUntil(lambda: "已关闭" in cell(reports.view, 0, "原因"))
    assert dw in cell(reports.view, 0, "原因")
    cq_pdf = tmp_path / "cq.pdf"
    prompts.then(save_preview_to(cq_pdf, []))
    bench.print_record(cq)
    qtbot.waitUntil(cq_pdf.exists, timeout=20_000)
    closed = flat(cq_pdf)
    assert "至今未定位" not in closed and f"完成故障定位（{dw}）" in closed
