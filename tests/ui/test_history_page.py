"""产品履历: scanning an item's label shows its whole way, across returns, in order."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt

from app.db import Database
from app.services.admin import codelists
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import local_today
from app.services.kernel.terms import Decision, DocumentKind
from app.services.repair import repairs
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.style import Tone
from app.ui.oversight.history_page import REASON_COLUMN, HistoryPage
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row, type_text

ITEM = "GC-12A/GC12A-2026201"
SERIAL = "GC12A-2026201"


def repaired_and_accepted(
    db: Database, org: Org, serial: str = SERIAL, anomaly: str = "铅封松动"
) -> tuple[str, str]:
    """One item's way through the services up to its certificate page; (task, WX number)."""
    today = local_today()
    task = returns.create_task(db, org.clerk, "某部队修理所", today=today)
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", serial, "通电后自检不通过").id
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, line, kind, True, True)
    returns.decide_line(db, org.clerk, line, Decision.accept)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=today)
    jj = dispatching.dispatch(db, org.clerk, [line], late_reasons={}).handover_number
    eng = org.engineer
    repairs.receive(db, eng, jj, "陈工", anomalies={line: anomaly})
    repairs.record_unboxing(
        db, eng, line, repairs.Unboxing(True, False, True, True, True, "李参谋", "铅封松动")
    )
    repairs.write_investigation_plan(db, eng, line, "GC12A-PC-01", "A", "陈工")
    repairs.localize(
        db,
        eng,
        line,
        fault_mode="功能失效",
        cause_category="元器件",
        faulty_part="X 轴陀螺",
        conclusion="陀螺失效",
    )
    repairs.plan_repair(db, eng, line, "更换陀螺", today + dt.timedelta(days=10))
    repairs.record_repair(db, eng, line, "更换陀螺", "陈工", parts=[repairs.Part("GY-100")])
    points = codelists.get_checklist(db, "GC-12A")
    outcome = repairs.inspect_acceptance(
        db, org.quality, line, {p.id: (True, "") for p in points}, inspector="刘检"
    )
    assert outcome.repair_record_number
    return task.number, outcome.repair_record_number


def open_history(qtbot: Any, desk: Desk) -> HistoryPage:
    page = HistoryPage(desk)
    qtbot.addWidget(page)
    page.resize(1160, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def scan(qtbot: Any, page: HistoryPage, text: str) -> str:
    page.scan_field.setFocus()
    qtbot.keyClicks(page.scan_field, text)
    qtbot.keyClick(page.scan_field, Qt.Key.Key_Return)
    return page.feedback.text()


def column(page: HistoryPage, title: str) -> list[str]:
    return [cell(page.view, r, title) for r in range(page.model.rowCount())]


def in_order(wanted: list[str], seen: list[str]) -> bool:
    """`wanted` appear in `seen` in this order (other events may come between)."""
    rest = iter(seen)
    return all(any(x == w for x in rest) for w in wanted)


def test_scanning_a_label_shows_the_items_whole_way_in_order(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    tmp_path: Path,
    make_desk: Any,
) -> None:
    task, wx = repaired_and_accepted(sqlite_db, org)
    page = open_history(qtbot, make_desk(org.engineer))
    assert page.scan_field.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled) is False
    assert not page.info.isVisible()

    message = scan(qtbot, page, ITEM)
    assert page.feedback.tone == Tone.ok and "返修 1 次" in message
    assert page.item_label.text() == ITEM and page.model_label.text() == "惯性测量组合"
    assert task in page.returns_label.text()
    assert list(page.entry_buttons) == [wx]

    what = column(page, "事项")
    assert what[0] == "建立产品档案" and what[1] == "登记返厂"
    assert in_order(
        [
            "登记返厂",
            "交接接收",
            "分发至承制单位",
            "承制单位签收",
            "开箱检查",
            "开箱检查记录",
            "编写排查方案",
            "故障排查方案",
            "故障定位",
            "开始维修",
            "维修方案与计划",
            "维修完成",
            "维修记录",
            "验收合格",
            "写入质量证明文件",
        ],
        what,
    ), what
    # Every event in the factory's local time, oldest first, with who did it.
    times = column(page, "时间")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", t) for t in times)
    assert times == sorted(times)
    receipt = what.index("承制单位签收")
    assert cell(page.view, receipt, "操作人") == "陈工"
    assert cell(page.view, receipt, "内容") == "在承制单位"
    assert cell(page.view, receipt, "原因/说明") == "铅封松动"
    assert cell(page.view, receipt, "返修任务") == task
    assert cell(page.view, what.index("验收合格"), "操作人") == "刘检"
    assert cell(page.view, what.index("写入质量证明文件"), "内容") == wx
    assert page.count_label.text() == f"共 {len(what)} 条记录（按时间先后）"

    # The certificate page prints from its button.
    pdf = tmp_path / "wx.pdf"
    titles: list[str] = []

    def save(dialog: PrintPreviewDialog) -> bool:
        titles.append(dialog.windowTitle())
        dialog.save_pdf(pdf)
        return False

    prompts.then(save)
    click(qtbot, page.entry_buttons[wx])
    qtbot.waitUntil(pdf.exists, timeout=20_000)
    assert titles == [f"打印预览 — 维修记录 {wx}"]
    text = pdf_tools.pdf_text(pdf)
    assert wx in text and ITEM in text


def rejected_return(db: Database, org: Org, serial: str = SERIAL) -> str:
    """The item came back once before with its packing list missing, and was refused."""
    task = returns.create_task(db, org.clerk, "某部队修理所")
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", serial, "无输出").id
    returns.set_document(db, org.clerk, line, DocumentKind.packing_list, False, False)
    returns.decide_line(db, org.clerk, line, Decision.reject, "装箱清单缺失")
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏")
    return task.number


def test_every_return_of_the_item_is_on_one_timeline(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    refused = rejected_return(sqlite_db, org)
    task, wx = repaired_and_accepted(sqlite_db, org)
    page = open_history(qtbot, make_desk(org.engineer))
    page.show_item(SERIAL)  # a bare serial finds the item too
    assert page.item_label.text() == ITEM
    assert "返修 2 次" in page.feedback.text()
    assert page.returns_label.text().index(refused) < page.returns_label.text().index(task)
    assert list(page.entry_buttons) == [wx]
    tasks = column(page, "返修任务")
    what = column(page, "事项")
    assert tasks.index(refused) < tasks.index(task)
    rejected = what.index("交接拒收")
    assert tasks[rejected] == refused
    assert cell(page.view, rejected, "内容") == "已拒收"
    assert cell(page.view, rejected, "原因/说明") == "装箱清单缺失"
    assert page.model.index(rejected, 3).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert in_order(["交接拒收", "登记返厂", "验收合格"], what)


def test_unknown_codes_and_record_numbers(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    task, wx = repaired_and_accepted(sqlite_db, org)
    page = open_history(qtbot, make_desk(org.engineer))

    message = scan(qtbot, page, "GC-12A/NOPE-1")
    assert page.feedback.tone == Tone.bad and "找不到产品" in message
    assert not page.info.isVisible()

    # Full-width characters from an input method are read as the same code.
    page.scan_field.setFocus()
    type_text(qtbot, page.scan_field, "ＧＣ－１２Ａ/ＧＣ１２Ａ－２０２６２０１")
    qtbot.keyClick(page.scan_field, Qt.Key.Key_Return)
    assert page.feedback.tone == Tone.ok and page.item_label.text() == ITEM

    # A record number, or a task number clicked in 返修任务, goes to the window to open.
    with qtbot.waitSignal(page.open_record) as opened:
        scan(qtbot, page, wx)
    assert opened.args == [wx]
    with qtbot.waitSignal(page.open_record) as opened:
        page.returns_label.linkActivated.emit(task)
    assert opened.args == [task]


def test_history_model_passes_qt_checks(
    qtmodeltester: Any, qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any
) -> None:
    repaired_and_accepted(sqlite_db, org)
    page = open_history(qtbot, make_desk(org.engineer))
    page.show_item(ITEM)
    assert page.history is not None and page.history.item_code == ITEM
    qtmodeltester.check(page.model)


# --- a row opens the record it names; its text is read whole (defect 12) -------------------------

LONG = (
    "铅封松动，外包装箱右下角有明显撞击凹痕，箱内防震泡沫破碎，产品表面有两处划痕，"
    "开箱时须重点检查电连接器插针和四个安装脚是否变形"
)


def double_click(qtbot: Any, view: Any, row: int, column: int = 0) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    center = view.visualRect(index).center()
    # Qt 6's QTest double click carries no press of its own: click first, as a hand does.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)


def test_a_row_opens_the_record_it_names_and_its_text_is_read_whole(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    task, wx = repaired_and_accepted(sqlite_db, org, anomaly=LONG)
    page = open_history(qtbot, make_desk(org.engineer))
    page.resize(1150, 760)  # the page's share of a 1280×800 window
    opened: list[str] = []
    page.open_record.connect(opened.append)
    scan(qtbot, page, ITEM)
    what = column(page, "事项")

    # The unboxing record's row opens it with a double-click.
    unboxing = what.index("开箱检查记录")
    kx = cell(page.view, unboxing, "记录")
    assert kx.startswith("KX-")
    double_click(qtbot, page.view, unboxing, 1)
    assert opened == [kx]
    # The repair record's row, by the keyboard: Enter on the selected row.
    repaired = what.index("维修记录")
    click_row(qtbot, page.view, repaired)
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert opened[-1] == wx
    # A row naming no record of its own opens its return task.
    receipt = what.index("承制单位签收")
    assert cell(page.view, receipt, "记录") == task
    double_click(qtbot, page.view, receipt, 3)
    assert opened[-1] == task
    assert "双击或回车打开" in page.model.index(receipt, 0).data(Qt.ItemDataRole.ToolTipRole)

    # The long reason is shown whole: it wraps in its cell, the row grows to hold it, and the
    # tooltip carries it too.
    index = page.model.index(receipt, REASON_COLUMN)
    assert cell(page.view, receipt, "原因/说明") == LONG
    assert LONG in index.data(Qt.ItemDataRole.ToolTipRole)
    rect = page.view.visualRect(index)
    metrics = page.view.fontMetrics()
    assert metrics.horizontalAdvance(LONG) > rect.width()  # one line would cut it off
    needed = metrics.boundingRect(
        QRect(0, 0, rect.width() - 8, 10_000), Qt.TextFlag.TextWordWrap, LONG
    ).height()
    assert page.view.wordWrap() and rect.height() >= needed


def test_in_the_window_a_task_row_opens_the_desk_and_a_record_row_its_preview(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, open_window: Any
) -> None:
    task, wx = repaired_and_accepted(sqlite_db, org)
    window = open_window(org.clerk)
    window.open_item(ITEM)
    page = window.history
    qtbot.waitUntil(lambda: page.history is not None, timeout=10_000)
    what = column(page, "事项")

    titles: list[str] = []

    def look(dialog: PrintPreviewDialog) -> bool:
        titles.append(dialog.windowTitle())
        return False

    prompts.then(look)
    double_click(qtbot, page.view, what.index("维修记录"))
    qtbot.waitUntil(lambda: bool(titles), timeout=20_000)
    assert titles == [f"打印预览 — 维修记录 {wx}"]

    double_click(qtbot, page.view, what.index("承制单位签收"))
    assert window.pages.currentWidget() is window.desk
    qtbot.waitUntil(lambda: window.desk.task is not None, timeout=10_000)
    assert window.desk.task.number == task
