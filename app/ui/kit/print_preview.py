"""打印预览: a record's PDF shown in the window, printed page by page, or saved as a file."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.settings import setting_or_default
from app.ui.kit.prompts import Prompts

# Pages are rasterised for the printer at this resolution at most: a 0.33 mm barcode module is
# ~4 px, and an A4 page stays ~35 MB instead of ~560 MB at a printer's 1200 dpi.
MAX_PRINT_DPI = 300
POINTS_PER_INCH = 72


class PdfLoadError(Exception):
    pass


class PrintPreviewDialog(QDialog):
    """Shows `pdf`; 打印… sends it to a printer, 另存为 PDF… writes the same bytes to a file."""

    def __init__(
        self,
        pdf: bytes,
        title: str,
        file_stem: str = "",
        prompts: Prompts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.file_stem = file_stem or "记录"
        self.prompts = prompts or Prompts()
        self.setWindowTitle(f"打印预览 — {title}")
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            raise PdfLoadError(f"无法显示 PDF：{self.document.error().name}")

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)

        self.pages_label = QLabel(f"共 {self.document.pageCount()} 页")
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为 PDF…")
        self.close_button = QPushButton("关闭")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self.save_with_dialog)
        self.close_button.clicked.connect(self.reject)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(title))
        bar.addSpacing(16)
        bar.addWidget(self.pages_label)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.resize(900, 760)

    # --- saving -------------------------------------------------------------------------------

    def save_pdf(self, path: str | Path) -> Path:
        """Write the PDF to `path` (used by 另存为 PDF… and by tests)."""
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        target.write_bytes(self.pdf)
        return target

    def save_with_dialog(self) -> None:
        path = self.prompts.save_file(
            self, "另存为 PDF", f"{self.file_stem}.pdf", "PDF 文件 (*.pdf)"
        )
        if not path:
            return
        try:
            saved = self.save_pdf(path)
        except OSError as exc:
            self.prompts.error(self, "保存失败", f"无法保存到 {path}：{exc.strerror or exc}")
            return
        self.prompts.info(self, "已保存", f"已保存到 {saved}")

    # --- printing -----------------------------------------------------------------------------

    def print_with_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.file_stem)
        chosen = setting_or_default("printer_name")  # the admin's settings page: 打印机
        if chosen:
            printer.setPrinterName(chosen)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        dialog.setMinMax(1, self.document.pageCount())
        if not self.prompts.run(dialog):
            return
        problem = self.print_to(printer)
        if problem:
            self.prompts.error(self, "打印失败", problem)

    def print_to(self, printer: QPrinter) -> str:
        """Render each page onto `printer`; returns "" or what went wrong."""
        first, last = printer.fromPage(), printer.toPage()
        count = self.document.pageCount()
        pages = range(first - 1, last) if first > 0 and last >= first else range(count)
        painter = QPainter()
        if not painter.begin(printer):
            return "无法开始打印：打印机不可用。"
        try:
            for n, page in enumerate(p for p in pages if 0 <= p < count):
                if n:
                    printer.newPage()
                self._paint_page(painter, printer, page)
        finally:
            painter.end()
        return ""

    def _paint_page(self, painter: QPainter, printer: QPrinter, page: int) -> None:
        target = painter.viewport()
        size_pt = self.document.pagePointSize(page)
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        pixels = QSize(
            max(1, math.ceil(size_pt.width() * dpi / POINTS_PER_INCH)),
            max(1, math.ceil(size_pt.height() * dpi / POINTS_PER_INCH)),
        )
        image: QImage = self.document.render(page, pixels)
        # Fit the page into the printable area, keeping its proportions.
        scaled = pixels.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(QRect(target.topLeft(), scaled), image)
