"""Item labels (产品标签) as PDF: one 60 x 40 mm label per page for a 203 dpi thermal printer, or
an A4 sheet of 3 x 7 labels of 70 x 42.3 mm (the common Avery-style sheet) with thin cut guides.

A label shows the model name and code, the serial number large, the task number, the unit it goes
to, one or two lines of the fault, and the item code as a barcode. The barcode is a vector Code128
with a 3-dot module (0.375 mm at 203 dpi, LABEL_MODULE) when it fits the label's width with its
quiet zones; otherwise a QR code (whole dots per module) with the item code as text under it. At
0.375 mm a Code128 of an item code like "GC-12A/GC12A-2026001" is 95 mm wide, so on both sizes
only short codes (up to about 8-10 characters) print as Code128, the usual ones as QR.

Every text is fitted to its line: shrunk down to a floor, then cut with "…"; nothing overflows.
Barcodes sit on the 203 dpi dot grid of the page, so a thermal printer draws every module with the
same number of dots.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.errors import DomainError
from app.printing.barcodes import LABEL_MODULE, Code128Mark, QrMark
from app.printing.documents import ItemLabel
from app.printing.fonts import printable
from app.printing.layout import (
    clip_lines,
    cut_to_width,
    draw_bold,
    fit_line,
    font_name,
    text_width,
    wrap_text,
)

__all__ = ["LABEL_SIZES", "render_labels"]

DPI = 203  # thermal label printers
DOT = 72.0 / DPI  # one printer dot, in points
BAR_MODULE = 3 * DOT  # 0.3754 mm: three whole dots, not below LABEL_MODULE
assert BAR_MODULE >= LABEL_MODULE
QR_MIN_DOTS = 3  # a QR module of at least 3 dots (0.375 mm)


@dataclass(frozen=True)
class _Geometry:
    page_w: float
    page_h: float
    label_w: float
    label_h: float
    cols: int
    rows: int
    left: float  # the grid's left edge on the page
    top: float  # the grid's top edge, from the bottom of the page
    pad: float  # text inset inside a label
    edge: float  # a barcode (quiet zones included) keeps this far from the label's edge
    guides: bool

    @property
    def per_page(self) -> int:
        return self.cols * self.rows


_SHEET_ROW_H = 42.3 * mm
LABEL_SIZES: dict[str, _Geometry] = {
    "60x40": _Geometry(
        page_w=60 * mm,
        page_h=40 * mm,
        label_w=60 * mm,
        label_h=40 * mm,
        cols=1,
        rows=1,
        left=0.0,
        top=40 * mm,
        pad=2 * mm,
        edge=1 * mm,
        guides=False,
    ),
    # 3 x 70 mm = 210 mm, 7 x 42.3 mm = 296.1 mm: the grid fills the sheet, 0.45 mm left top and
    # bottom. The 4 mm inset keeps the text inside a laser printer's printable area.
    "a4": _Geometry(
        page_w=A4[0],
        page_h=A4[1],
        label_w=70 * mm,
        label_h=_SHEET_ROW_H,
        cols=3,
        rows=7,
        left=0.0,
        top=A4[1] - (A4[1] - 7 * _SHEET_ROW_H) / 2,
        pad=4 * mm,
        edge=1 * mm,
        guides=True,
    ),
}

TITLE_SIZE = 8.5
SERIAL_SIZE = 13.0
SERIAL_MIN = 8.0
INFO_SIZE = 7.5
FAULT_SIZE = 7.0
CODE_TEXT_SIZE = 7.0
MIN_SIZE = 5.5  # text shrinks down to this, then is cut with "…"
BAR_H = 9 * mm
LEADING = 1.25  # line height / font size
QR_MAX_SHARE = 0.42  # of the content width


def _snap(v: float) -> float:
    """`v` on the printer's dot grid."""
    return round(v / DOT) * DOT


class _Label:
    """Draws one label with its bottom-left corner at (x, y)."""

    def __init__(self, c: Canvas, g: _Geometry, x: float, y: float) -> None:
        self.c = c
        self.g = g
        self.x0 = x + g.pad
        self.x1 = x + g.label_w - g.pad
        self.y0 = y + g.pad
        self.y1 = y + g.label_h - g.pad
        self.x = x
        self.y = y

    def text(self, s: str, x: float, top: float, size: float, *, bold: bool = False) -> float:
        """Draw one line whose line box starts at `top`; returns the line box's bottom."""
        base = top - size * (LEADING - 1) / 2 - size * 0.8
        if bold:
            draw_bold(self.c, x, base, s, size)
        else:
            self.c.setFont(font_name(), size)
            self.c.drawString(x, base, s)
        return top - size * LEADING

    def draw(self, label: ItemLabel) -> None:
        g = self.g
        width = self.x1 - self.x0
        code = label.item_code.strip()

        # Model name and code across the top, a rule under them.
        title = "  ".join(
            p for p in (printable(label.model_name), printable(label.model_code)) if p
        )
        s, size = fit_line(title, TITLE_SIZE, width, MIN_SIZE)
        top = self.text(s, self.x0, self.y1, size)
        self.c.setLineWidth(0.5)
        rule_y = top - 0.6 * mm
        self.c.line(self.x0, rule_y, self.x1, rule_y)
        top = rule_y - 0.8 * mm

        mark = _code128(code)
        if mark.width <= g.label_w - 2 * g.edge:
            # Code128 across the bottom, centred; the text block uses the full width above it.
            mx = _snap(self.x + (g.label_w - mark.width) / 2)
            mark.drawOn(self.c, mx, self.y0)
            self.lines(label, self.x0, width, top, self.y0 + mark.height + 1 * mm)
            return

        # QR on the right, the item code as text across the bottom, the text block on the left.
        code_s, code_size = fit_line(printable(code), CODE_TEXT_SIZE, width, MIN_SIZE)
        code_h = code_size * LEADING
        self.text(
            code_s,
            self.x0 + (width - text_width(code_s, code_size)) / 2,
            self.y0 + code_h,
            code_size,
        )
        room_h = top - (self.y0 + code_h + 0.5 * mm)
        # The QR's quiet border may lie in the label's inset (white too), up to `edge`.
        right = self.x + g.label_w - g.edge
        room_w = (right - self.x0) * QR_MAX_SHARE
        qr = _LabelQr(code, min(room_h, room_w))
        if qr.size > room_h + 1e-6 or qr.size > (right - self.x0) * 0.6:
            raise DomainError(f"产品编码“{code}”过长，标签上放不下它的二维码，无法打印。")
        qx = _snap(right - qr.size)
        q_top = top - max(0.0, room_h - qr.size) / 2  # centred between the rule and the code
        qy = g.page_h - _snap(g.page_h - q_top) - qr.size  # its top edge on the dot grid
        qr.drawOn(self.c, qx, qy)
        text_right = qx - 0.3 * mm  # never into the QR code's quiet border
        self.lines(label, self.x0, text_right - self.x0, top, self.y0 + code_h)

    def lines(self, label: ItemLabel, x: float, width: float, top: float, bottom: float) -> None:
        """Serial (large), task, destination and the fault, from `top` down to `bottom`."""
        # The serial identifies the item: rather two lines than a cut one.
        serial = " ".join(printable(label.serial_no).split())
        s, size = fit_line(serial, SERIAL_SIZE, width - 0.5, SERIAL_MIN)
        parts = [s]
        if s != serial:
            parts = wrap_text(serial, SERIAL_MIN, width - 0.5)
            if len(parts) > 2:
                s, size = fit_line(serial, SERIAL_MIN, width - 0.5, MIN_SIZE)
                parts = [s]
        for s in parts:
            top = self.text(s, x, top, size, bold=True)
        top -= 0.3 * mm
        for prefix, value in (("任务：", label.task_number), ("承制：", label.manufacturer)):
            if top - INFO_SIZE * LEADING < bottom - 1e-6:
                return
            value = printable(value).strip()
            if value:
                s, size = fit_line(prefix + value, INFO_SIZE, width, MIN_SIZE)
                top = self.text(s, x, top, size)
            else:  # not known yet: a line to write it in by hand
                end = self.text(prefix, x, top, INFO_SIZE)
                base = top - INFO_SIZE * (LEADING - 1) / 2 - INFO_SIZE * 0.8 - 1
                self.c.setLineWidth(0.4)
                self.c.line(x + text_width(prefix, INFO_SIZE), base, x + width, base)
                top = end
        fault = printable(label.fault_short).strip()
        if not fault:
            return
        room = int((top - bottom + 1e-6) // (FAULT_SIZE * LEADING))
        if room < 1:
            return
        wrapped = wrap_text("故障：" + " ".join(fault.split()), FAULT_SIZE, width)
        for s in clip_lines(wrapped, room, FAULT_SIZE, width):
            top = self.text(cut_to_width(s, FAULT_SIZE, width), x, top, FAULT_SIZE)


def _code128(code: str) -> Code128Mark:
    return Code128Mark(code, module=BAR_MODULE, bar_height=BAR_H, font_size=CODE_TEXT_SIZE)


class _LabelQr(QrMark):
    """The largest QR code for `value` no bigger than `room`, with a whole number of printer dots
    per module (at least QR_MIN_DOTS), drawn as one filled path from the matrix encoded once
    (QrMark's drawing encodes again and emits a shape per run: about 30 ms a label)."""

    def __init__(self, value: str, room: float) -> None:
        super().__init__(value, size=100.0)
        widget = self._drawing.contents[0]
        self._matrix = [[bool(v) for v in row] for row in widget.qr.modules]
        self._border = widget.barBorder
        count = len(self._matrix) + 2 * self._border  # quiet border included
        dots = max(QR_MIN_DOTS, int(room / (count * DOT) + 1e-9))
        self.module = dots * DOT
        self.size = self.width = self.height = count * self.module

    def draw(self) -> None:
        m = self.module
        parts = []
        for r, row in enumerate(self._matrix):
            y = self.size - (r + self._border + 1) * m
            col = 0
            for dark, run in itertools.groupby(row):
                n = len(list(run))
                if dark:
                    parts.append(f"{(col + self._border) * m:.4f} {y:.4f} {n * m:.4f} {m:.4f} re")
                col += n
        parts.append("f")
        self.canv.saveState()
        self.canv.setFillGray(0)
        self.canv.addLiteral("\n".join(parts))
        self.canv.restoreState()


def _guides(c: Canvas, g: _Geometry) -> None:
    """Thin dashed grey lines along every label edge, across the whole sheet."""
    c.saveState()
    c.setStrokeGray(0.6)
    c.setLineWidth(0.25)
    c.setDash(2, 2)
    bottom = g.top - g.rows * g.label_h
    for i in range(g.cols + 1):
        x = g.left + i * g.label_w
        c.line(x, 0, x, g.page_h)
    for j in range(g.rows + 1):
        y = bottom + j * g.label_h
        c.line(0, y, g.page_w, y)
    c.restoreState()


def render_labels(labels: Sequence[ItemLabel], size: str) -> bytes:
    """Item labels as PDF bytes. `size`: "60x40" (one 60 x 40 mm label per page, for a 203 dpi
    thermal printer) or "a4" (sheets of 3 x 7 labels of 70 x 42.3 mm, with cut guides)."""
    g = LABEL_SIZES.get(size.lower().replace("×", "x").replace(" ", ""))
    if g is None:
        raise ValueError(f"unknown label size {size!r}; expected one of {sorted(LABEL_SIZES)}")
    if not labels:
        raise DomainError("没有要打印的标签。")
    for label in labels:
        code = label.item_code.strip()
        if not code:
            raise DomainError(f"出厂编号“{label.serial_no}”的产品没有产品编码，无法打印标签。")
        if not (code.isascii() and code.isprintable()):
            # A QR code could hold it, but scanners (and zbar) read non-ASCII without an ECI
            # header as Shift-JIS garbage, and a keyboard-wedge scanner cannot type Chinese.
            raise DomainError(f"产品编码“{code}”含有条码不能表示的字符，无法打印标签。")

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(g.page_w, g.page_h), pageCompression=1, initialFontName=font_name())
    c.setTitle("产品标签")
    c.setAuthor("返修通 FanXiu")
    c.setCreator("返修通 FanXiu")
    for start in range(0, len(labels), g.per_page):
        if g.guides:
            _guides(c, g)
        c.setFillGray(0)
        c.setStrokeGray(0)
        for k, label in enumerate(labels[start : start + g.per_page]):
            row, col = divmod(k, g.cols)
            x = g.left + col * g.label_w
            y = g.top - (row + 1) * g.label_h
            _Label(c, g, x, y).draw(label)
        c.showPage()
    c.save()
    return buf.getvalue()
