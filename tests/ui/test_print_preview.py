"""The print preview shows a record's PDF, saves it, and prints pages a scanner can still read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtPrintSupport import QPrinter

from app.db import Database
from app.services.handover import returns
from app.services.records import printing
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.records.record_printer import record_title
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
    assert dialog.windowTitle() == f"打印预览 — 返厂交接清单 {number}"
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
