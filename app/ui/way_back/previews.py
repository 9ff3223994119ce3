"""Print previews of the way back and of dispatch: a record by its number, the kitting report
with its workbook, any PDF a page has rendered. The PDF is rendered through the page's runner
(off the GUI thread, "请稍候" only when it lasts); the preview opens once it is there."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.services.kernel.terms import record_title
from app.ui.kit.page import Page
from app.ui.kit.print_preview import PdfLoadError, PrintPreviewDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Operation, call

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"


class MakePreview(Protocol):
    def __call__(self, parent: QWidget) -> PrintPreviewDialog: ...


def show_preview(page: Page, make: MakePreview) -> None:
    """Open a preview built by `make(parent)` modally over `page`; a PDF Qt cannot read is said."""
    try:
        dialog = make(page)
    except PdfLoadError as exc:
        page.prompts.error(page, "无法预览", str(exc))
        return
    page.prompts.run(dialog)
    dialog.deleteLater()


def show_pdf(page: Page, pdf: bytes, title: str, file_stem: str) -> None:
    show_preview(
        page, lambda parent: PrintPreviewDialog(pdf, title, file_stem, page.prompts, parent)
    )


def print_record(page: Page, number: str) -> Operation:
    """Render any issued record by its number, then preview it (打印… / 另存为 PDF…)."""
    # Printing loads reportlab and every form (~0.25 s): only when a record is printed.
    from app.services.records import printing

    title = record_title(number)
    return page.run(
        call(printing.render_record, page.db, number),
        done=lambda pdf: show_pdf(page, pdf, title, number),
        label=f"正在生成 {title}…",
        title="无法打印",
    )


class KittingReportPreview(PrintPreviewDialog):
    """The QB report's PDF, with 另存为 Excel… for the same report as a workbook."""

    def __init__(
        self,
        pdf: bytes,
        xlsx: bytes,
        title: str,
        file_stem: str,
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(pdf, title, file_stem, prompts, parent)
        self.xlsx = xlsx
        self.excel_button = QPushButton("另存为 Excel…")
        self.excel_button.setToolTip("同一份齐套情况报告的 Excel 工作簿，便于总体单位汇总")
        self.excel_button.clicked.connect(self.save_excel_with_dialog)
        # Beside 另存为 PDF… in the button bar PrintPreviewDialog builds (its first layout item).
        outer = self.layout()
        first = outer.itemAt(0) if outer is not None else None
        bar = first.layout() if first is not None else None
        if isinstance(bar, QHBoxLayout):
            bar.insertWidget(bar.indexOf(self.close_button), self.excel_button)
        else:
            self.excel_button.setParent(self)

    def save_xlsx(self, path: str | Path) -> Path:
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        target.write_bytes(self.xlsx)
        return target

    def save_excel_with_dialog(self) -> None:
        path = self.prompts.save_file(self, "另存为 Excel", f"{self.file_stem}.xlsx", XLSX_FILTER)
        if not path:
            return
        try:
            saved = self.save_xlsx(path)
        except OSError as exc:
            self.prompts.error(self, "保存失败", f"无法保存到 {path}：{exc.strerror or exc}")
            return
        self.prompts.info(self, "已保存", f"已保存到 {saved}")
