"""The print preview shows a record's PDF, saves it, and prints pages a scanner can still read."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import record_title
from app.services.records import printing
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.kit.runner import Runner
from app.ui.records.record_previews import Previewer
from app.ui.records.record_printer import RecordPrinter
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import click


def unconfirmed_list(db: Database, org: Org) -> tuple[str, bytes]:
    task = returns.create_task(db, org.clerk, "某部队修理所")
    returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-2026001", "无输出")
    return task.number, printing.render_record(db, task.number)


def test_preview_saves_and_prints(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    number, pdf = unconfirmed_list(sqlite_db, org)
    dialog = PrintPreviewDialog(pdf, record_title(number), number, prompts)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == f"打印预览 — 返厂交接任务 {number}"
    assert dialog.document.pageCount() == 1 and dialog.pages_label.text() == "共 1 页"

    saved = dialog.save_pdf(tmp_path / "清单")
    assert saved.name == "清单.pdf" and saved.read_bytes() == pdf

    # 另存为 PDF… through the (scripted) file dialog.
    prompts.files.append(str(tmp_path / "另存.pdf"))
    click(qtbot, dialog.save_button)
    assert (tmp_path / "另存.pdf").read_bytes() == pdf
    assert prompts.infos and "另存.pdf" in prompts.infos[-1][1]

    # Printing renders each page onto the printer: here a PDF printer, read back by zbarimg.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == ""
    pages = pdf_tools.render_pages(tmp_path / "printed.pdf", tmp_path / "pages", dpi=300)
    assert len(pages) == 1
    assert {number, "GC-12A/GC12A-2026001"} <= set(pdf_tools.decode_barcodes(pages[0]))


def test_bytes_that_are_not_a_pdf_are_refused(qtbot: Any) -> None:
    from app.ui.kit.print_preview import PdfLoadError

    try:
        PrintPreviewDialog(b"%PDF-1.4 broken", "坏文件")
    except PdfLoadError as exc:
        assert "无法显示" in str(exc)
    else:
        raise AssertionError("a broken PDF was shown")


def _visible_progress_boxes() -> list[QWidget]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QProgressDialog) and w.isVisible()
    ]


@pytest.mark.parametrize(
    ("open_preview", "render_s"),
    [
        # Past the 400 ms after which the runner shows "正在生成…".
        (lambda desk, number, parent: Previewer(desk).show_record(number, parent), 0.7),
        # Handed over, but done before the box shows: Qt's own show-timer must not show it.
        (lambda desk, number, parent: RecordPrinter(desk).show(number, parent), 0.15),
    ],
    ids=["bench-history-dispatch", "desk-inbox-scan"],
)
def test_a_slow_render_leaves_no_progress_box_over_the_preview(
    qtbot: Any,
    sqlite_db: Database,
    org: Org,
    prompts: ScriptedPrompts,
    monkeypatch: pytest.MonkeyPatch,
    open_preview: Callable[[Desk, str, QWidget], object],
    render_s: float,
) -> None:
    """Issue 7, defect 1: a render that lasts shows "正在生成…"; the box is gone before the
    preview opens, so the preview's buttons answer at once."""
    number, pdf = unconfirmed_list(sqlite_db, org)

    def slow_render(db: Database, wanted: str) -> bytes:
        time.sleep(render_s)
        assert wanted == number
        return pdf

    monkeypatch.setattr(printing, "render_record", slow_render)
    runner = Runner(prompts, grace_ms=20)  # a desk's short grace: the render is handed over
    desk = Desk(sqlite_db, org.clerk, prompts, runner)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    seen: dict[str, Any] = {}

    def preview(dialog: PrintPreviewDialog) -> bool:
        # As a person at the preview: it is open (modal, its own event loop) for a while;
        # Qt shows a progress dialog it was never stopped from showing ~4 s after it was made.
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.wait(4_500)
        seen["title"] = dialog.windowTitle()
        seen["boxes"] = _visible_progress_boxes()
        dialog.close()
        return False

    prompts.then(preview)
    open_preview(desk, number, parent)
    # While the render runs, the person sees the box (and may cancel it).
    qtbot.waitUntil(lambda: bool(_visible_progress_boxes()) or "title" in seen, timeout=5_000)
    assert [b.labelText() for b in _visible_progress_boxes()] in ([], ["正在生成…"])
    qtbot.waitUntil(lambda: "title" in seen, timeout=15_000)
    assert seen["title"] == f"打印预览 — {record_title(number)}"
    assert seen["boxes"] == []
    qtbot.waitUntil(lambda: runner.pending == 0)
    runner.shutdown()
