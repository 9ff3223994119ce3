"""Vector barcodes for printed records and labels.

Code128 comes from reportlab's own vector encoder: with a module (narrowest bar) of 0.33 mm it
decodes with zbarimg at every resolution from 150 dpi; 0.19-0.25 mm modules fail once the printer
spreads the ink (FIELD_NOTES.md). Label printers at 203 dpi want 0.375-0.5 mm. The human-readable
line is drawn by us, in the embedded font, below the bars and inside the mark's own height
(reportlab's `humanReadable` draws below the origin, outside the space it claims).
"""

from __future__ import annotations

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.flowables import Flowable

from app.printing.fonts import register_fonts

MIN_MODULE = 0.33 * mm  # laser printers; use LABEL_MODULE on 203 dpi thermal printers
LABEL_MODULE = 0.375 * mm
QUIET_MODULES = 10  # Code128 wants a quiet zone of at least 10 modules on each side


class Code128Mark(Flowable):
    """A Code128 symbol with its quiet zones and, optionally, its text below.

    Usable as a platypus flowable or drawn straight on a canvas with `drawOn(canvas, x, y)`,
    where (x, y) is the bottom-left corner of `width` x `height` (quiet zones included).
    """

    def __init__(
        self,
        value: str,
        *,
        module: float = MIN_MODULE,
        bar_height: float = 8 * mm,
        show_text: bool = True,
        font_size: float = 7.5,
        text_gap: float = 0.8 * mm,
    ) -> None:
        super().__init__()
        if module < MIN_MODULE - 1e-9:
            raise ValueError(f"Code128 module {module / mm:.3f} mm is below 0.33 mm")
        if not value or not value.isascii():
            raise ValueError(f"Code128 needs printable ASCII, got {value!r}")
        self.value = value
        self.module = module
        self.bar_height = bar_height
        self.show_text = show_text
        self.font_size = font_size
        self.text_gap = text_gap
        quiet = QUIET_MODULES * module
        self._symbol = Code128(
            value,
            barWidth=module,
            barHeight=bar_height,
            quiet=1,
            lquiet=quiet,
            rquiet=quiet,
            humanReadable=0,
        )
        self.width = self._symbol.width
        if show_text:
            self._font = register_fonts()
            face = pdfmetrics.getFont(self._font).face
            self._ascent = face.ascent * font_size / 1000.0
            self._descent = -face.descent * font_size / 1000.0  # positive
            self._text_height = self._ascent + self._descent + text_gap
        else:
            self._text_height = 0.0
        self.height = bar_height + self._text_height

    @property
    def quiet_zone(self) -> float:
        return QUIET_MODULES * self.module

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def _bars_operators(self, x0: float, y0: float) -> str:
        """The bars as one filled PDF path ("x y w h re" per bar, then "f").

        Same geometry as reportlab's `MultiWidthBarcode.draw` (upper-case letters of the
        decomposed symbol are bars, lower-case are spaces, the letter is the width in modules),
        written in one piece: a rect call per bar costs a third of a 30-line record's time.
        """
        module = self.module
        x = x0 + self.quiet_zone
        h = self.bar_height
        parts = []
        for ch in self._symbol.decomposed:
            if "A" <= ch <= "Z":
                w = (ord(ch) - 64) * module
                parts.append(f"{x:.3f} {y0:.3f} {w:.3f} {h:.3f} re")
                x += w
            else:
                x += (ord(ch) - 96) * module
        parts.append("f")
        return "\n".join(parts)

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFillColorRGB(0, 0, 0)
        canv.addLiteral(self._bars_operators(0.0, self._text_height))
        canv.restoreState()
        if self.show_text:
            canv.saveState()
            canv.setFillColorRGB(0, 0, 0)
            size = self.font_size
            inner = self.width - 2 * self.quiet_zone
            text_width = pdfmetrics.stringWidth(self.value, self._font, size)
            if text_width > inner:  # never wider than the bars
                size *= inner / text_width
            canv.setFont(self._font, size)
            canv.drawCentredString(
                self.width / 2.0, self._descent * size / self.font_size, self.value
            )
            canv.restoreState()


def code128_width(value: str, module: float = MIN_MODULE) -> float:
    """Width in points of the Code128 symbol for `value`, quiet zones included."""
    return Code128Mark(value, module=module, show_text=False).width


def draw_code128(canvas: Canvas, value: str, x: float, y: float, **kwargs: float) -> Code128Mark:
    """Draw a Code128 mark with its bottom-left corner at (x, y); returns the mark (for its size)."""
    mark = Code128Mark(value, **kwargs)  # type: ignore[arg-type]
    mark.drawOn(canvas, x, y)
    return mark


class QrMark(Flowable):
    """A QR code `size` points square, its 4-module quiet border included (for labels)."""

    def __init__(self, value: str, *, size: float = 20 * mm, level: str = "M") -> None:
        super().__init__()
        self.value = value
        self.size = size
        self.width = self.height = size
        widget = QrCodeWidget(value, barLevel=level, barBorder=4)
        widget.barWidth = widget.barHeight = size
        self._drawing = Drawing(size, size)
        self._drawing.add(widget)
        widget.qr.make()
        modules = widget.qr.getModuleCount() + 2 * widget.barBorder
        self.module = size / modules

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def draw(self) -> None:
        renderPDF.draw(self._drawing, self.canv, 0, 0)


def qr_drawing(value: str, *, size: float = 20 * mm, level: str = "M") -> Drawing:
    """A reportlab Drawing holding a QR code `size` points square (quiet border included)."""
    return QrMark(value, size=size, level=level)._drawing
