"""What every printed A4 record shares: page geometry, text measuring and wrapping, drawing steps,
and a page builder with the record's frame.

Records are drawn on a bare reportlab canvas in two steps: every page is laid out as a list of
drawing steps (so the page count is known), then the steps are drawn with the footer
"第 N 页 共 M 页". A4 portrait, 15 mm margins, the embedded CJK font for every string, the record
number as a vector Code128 (0.33 mm) top-right on every page. `handover.py` and `forms.py` build
on `PageBuilder`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.printing.barcodes import Code128Mark
from app.printing.documents import RecordMark
from app.printing.fonts import printable, register_fonts

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
LEFT = MARGIN
RIGHT = PAGE_W - MARGIN
TOP = PAGE_H - MARGIN
CONTENT_W = RIGHT - LEFT
FOOTER_H = 8 * mm  # footer text sits inside this band at the bottom margin
BOTTOM = MARGIN + FOOTER_H  # lowest y for content

TITLE_SIZE = 16.0
TITLE_MIN_SIZE = 12.0
INFO_SIZE = 10.0
INFO_LEADING = 15.0
BODY_SIZE = 10.0
BODY_LEADING = 16.0
CELL_SIZE = 9.0
CELL_LEADING = 11.5
HEAD_SIZE = 9.0
FOOT_SIZE = 8.0
PAD_X = 1.5 * mm
PAD_Y = 1.2 * mm
RULE = 0.6  # table line width, points
NUMBER_BAR_H = 9 * mm
MARK_SIZE = 10.0  # the voided / replaces band under the title
MARK_LEADING = 14.0
STAMP_SIZE = 120.0  # the diagonal 作废 across a voided record's every page
STAMP_RED = (0.8, 0.05, 0.05)

ELLIPSIS = "…"

Op = Callable[[Canvas], None]


# ----------------------------------------------------------------------------- text measure/wrap

_widths: dict[str, float] = {}


def font_name() -> str:
    return register_fonts()


def _char_width(ch: str) -> float:
    w = _widths.get(ch)
    if w is None:
        w = pdfmetrics.stringWidth(ch, font_name(), 1.0)
        _widths[ch] = w
    return w


def text_width(text: str, size: float) -> float:
    return sum(_char_width(ch) for ch in text) * size


_TOKEN = re.compile(r"[0-9A-Za-z]+[-/.:_]?|\n|.", re.S)
_NO_LINE_START = set("，。、；：！？）》」』】〕…,.;:!?)]}%·’”")
_NO_LINE_END = set("（《「『【〔([{‘“")


def wrap_text(text: str, size: float, width: float) -> list[str]:
    """Break `text` into lines no wider than `width` at `size` points.

    Chinese breaks between any two characters (not before closing or after opening punctuation);
    Latin words and numbers stay whole unless a word alone is wider than the line. A newline in
    the text forces a break. Returns at least one line.
    """
    limit = width / size  # compare in 1-point units
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0.0
    soft_break = False  # the current line began because the previous one was full

    def flush() -> None:
        lines.append("".join(cur).rstrip(" "))

    for tok in _TOKEN.findall(text):
        if tok == "\n":
            flush()
            cur, cur_w, soft_break = [], 0.0, False
            continue
        if tok == " " and not cur and soft_break:
            continue  # no leading space on a wrapped line
        tw = sum(_char_width(ch) for ch in tok)
        if cur_w + tw <= limit + 1e-9:
            cur.append(tok)
            cur_w += tw
            continue
        if tok == " ":
            flush()
            cur, cur_w, soft_break = [], 0.0, True
            continue
        if tw > limit:  # a word longer than a line: cut it by characters
            for ch in tok:
                cw = _char_width(ch)
                if cur and cur_w + cw > limit + 1e-9:
                    flush()
                    cur, cur_w, soft_break = [], 0.0, True
                cur.append(ch)
                cur_w += cw
            continue
        carry: list[str] = []
        if tok[0] in _NO_LINE_START and len(cur) > 1:
            carry.append(cur.pop())
        while len(cur) > 1 and cur[-1] and cur[-1][-1] in _NO_LINE_END:
            carry.insert(0, cur.pop())
        carry_w = sum(_char_width(ch) for t in carry for ch in t)
        if carry and carry_w + tw > limit:  # moving them would overflow the next line
            cur.extend(carry)
            carry, carry_w = [], 0.0
        if cur:
            flush()
        cur = [*carry, tok]
        cur_w = carry_w + tw
        soft_break = True
    if cur or not lines:
        flush()
    return lines


def cut_to_width(text: str, size: float, width: float) -> str:
    """`text` on one line no wider than `width`: as it is when it fits, else cut with "…"."""
    text = " ".join(text.split())  # one line: newlines and runs of spaces become one space
    if text_width(text, size) <= width + 1e-9:
        return text
    limit = width / size - _char_width(ELLIPSIS)
    used = 0.0
    for i, ch in enumerate(text):
        used += _char_width(ch)
        if used > limit + 1e-9:
            return text[:i].rstrip(" ，、；：,;:") + ELLIPSIS
    return text  # not reached


def fit_line(text: str, size: float, width: float, min_size: float) -> tuple[str, float]:
    """One line of `text` in `width`: shrunk from `size` down to `min_size` at most, then cut
    with "…". Returns the text to draw and its size."""
    text = " ".join(text.split())
    w = text_width(text, size)
    if w <= width + 1e-9:
        return text, size
    shrunk = max(min_size, size * width / w)
    return cut_to_width(text, shrunk, width), shrunk


def clip_lines(lines: list[str], count: int, size: float, width: float) -> list[str]:
    """At most `count` of `lines`; when some are left out, the last kept one ends with "…"."""
    if len(lines) <= count:
        return lines
    kept = lines[:count]
    if count:
        last = kept[-1]
        room = width - text_width(ELLIPSIS, size)
        while last and text_width(last, size) > room + 1e-9:
            last = last[:-1]
        kept[-1] = last.rstrip(" ，、；：,;:") + ELLIPSIS
    return kept


# ----------------------------------------------------------------------------- drawing steps


def text_op(x: float, y: float, s: str, size: float, align: str = "left") -> Op:
    def op(c: Canvas) -> None:
        c.setFont(font_name(), size)
        if align == "centre":
            c.drawCentredString(x, y, s)
        elif align == "right":
            c.drawRightString(x, y, s)
        else:
            c.drawString(x, y, s)

    return op


def draw_bold(c: Canvas, x: float, y: float, s: str, size: float) -> None:
    """`s` from (x, y): the font has one weight, a fill + thin stroke render makes it look bold."""
    c.saveState()
    c.setLineWidth(size * 0.035)
    t = c.beginText(x, y)
    t.setTextRenderMode(2)
    t.setFont(font_name(), size)
    t.textOut(s)
    c.drawText(t)
    c.restoreState()


def bold_text_op(x: float, y: float, s: str, size: float, align: str = "centre") -> Op:
    def op(c: Canvas) -> None:
        start = x - text_width(s, size) / 2 if align == "centre" else x
        draw_bold(c, start, y, s, size)

    return op


def line_op(x1: float, y1: float, x2: float, y2: float, width: float = RULE) -> Op:
    def op(c: Canvas) -> None:
        c.setLineWidth(width)
        c.line(x1, y1, x2, y2)

    return op


def fill_rect_op(x: float, y: float, w: float, h: float, grey: float) -> Op:
    def op(c: Canvas) -> None:
        c.saveState()
        c.setFillGray(grey)
        c.rect(x, y, w, h, stroke=0, fill=1)
        c.restoreState()

    return op


def rect_op(x: float, y: float, w: float, h: float, width: float = RULE) -> Op:
    def op(c: Canvas) -> None:
        c.setLineWidth(width)
        c.rect(x, y, w, h, stroke=1, fill=0)

    return op


def red_text_op(x: float, y: float, s: str, size: float = MARK_SIZE) -> Op:
    def op(c: Canvas) -> None:
        c.saveState()
        c.setFillColorRGB(*STAMP_RED)
        c.setFont(font_name(), size)
        c.drawString(x, y, s)
        c.restoreState()

    return op


def draw_void_stamp(c: Canvas) -> None:
    """A large hollow red 作废 across the page's middle, at 35°, over the content but letting it
    show through: no page of a voided record can be taken for a valid one."""
    c.saveState()
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(35)
    c.setStrokeColorRGB(*STAMP_RED)
    c.setFillColorRGB(*STAMP_RED)
    c.setFillAlpha(0.18)
    c.setStrokeAlpha(0.7)
    c.setLineWidth(2.5)
    word = "作废"
    w = text_width(word, STAMP_SIZE)
    t = c.beginText(-w / 2, -STAMP_SIZE * 0.35)
    t.setTextRenderMode(2)  # fill and stroke
    t.setFont(font_name(), STAMP_SIZE)
    t.textOut(word)
    c.drawText(t)
    pad = 6 * mm
    c.setLineWidth(4)
    c.roundRect(-w / 2 - pad, -STAMP_SIZE * 0.55, w + 2 * pad, STAMP_SIZE * 1.15, 4 * mm)
    c.restoreState()


def mark_op(mark: Code128Mark, x: float, y: float) -> Op:
    def op(c: Canvas) -> None:
        mark.drawOn(c, x, y)

    return op


def first_baseline(top: float, size: float = CELL_SIZE, leading: float = CELL_LEADING) -> float:
    """Baseline of the first line of a text whose area starts at `top`: the em box (ascent
    0.8 em, descent 0.2 em) is centred in the line's leading."""
    return top - (leading - size) / 2 - size * 0.8


# ----------------------------------------------------------------------------- page builder


class PageBuilder:
    """Pages of drawing steps under a record's frame: the record number's Code128 top-right and
    the title centred on every page; footer "<label>  <number>", "第 N 页 共 M 页" and the
    printing time added when rendering. `y` is where the next content starts."""

    def __init__(self, *, number: str, title: str, footer_label: str, printed_at: str) -> None:
        self.number = printable(number)
        self.title = printable(title)
        self.footer_label = printable(footer_label)
        self.printed_at = printable(printed_at)
        self.pages: list[list[Op]] = []
        self.y = TOP
        self.number_mark = Code128Mark(number, bar_height=NUMBER_BAR_H, font_size=8.5)
        self.body_top = TOP - self.number_mark.height - 3 * mm  # under the title band
        self.body_height = self.body_top - BOTTOM  # room on an empty page
        self.mark = RecordMark()
        self.mark_lines: list[str] = []

    def set_mark(self, mark: RecordMark) -> None:
        """Print the record as voided and/or as replacing a voided one (before the first page):
        a band under the title on every page, and the diagonal stamp when voided."""
        self.mark = mark
        self.mark_lines = [
            s for line in mark.lines for s in wrap_text(printable(line), MARK_SIZE, CONTENT_W)
        ]
        self.body_top -= len(self.mark_lines) * MARK_LEADING + (2 * mm if self.mark_lines else 0)
        self.body_height = self.body_top - BOTTOM

    # -- pages

    @property
    def ops(self) -> list[Op]:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append([])
        mark = self.number_mark
        mx = RIGHT - mark.width
        my = TOP - mark.height
        self.ops.append(mark_op(mark, mx, my))
        # Title centred on the page, shrunk (down to 12 pt) to stay clear of the barcode's quiet
        # zone; a longer one is centred in the space left of the barcode, shrunk to fit it.
        free_right = mx - 2 * mm
        room = 2 * (free_right - (LEFT + CONTENT_W / 2))
        size = TITLE_SIZE
        w = text_width(self.title, size)
        cx = LEFT + CONTENT_W / 2
        if w > room:
            size = max(TITLE_MIN_SIZE, size * room / w)
            w = text_width(self.title, size)
            if w > room:
                cx = LEFT + (free_right - LEFT) / 2
                size = min(size, size * (free_right - LEFT) / w)
        self.ops.append(bold_text_op(cx, TOP - mark.height / 2 - size * 0.3, self.title, size))
        top = TOP - mark.height - 3 * mm
        for k, s in enumerate(self.mark_lines):
            self.ops.append(red_text_op(LEFT, top - MARK_SIZE * 0.9 - k * MARK_LEADING, s))
        self.y = self.body_top

    def space(self) -> float:
        return self.y - BOTTOM

    def ensure(self, height: float) -> None:
        if not self.pages or self.space() < height:
            self.new_page()

    def gap(self, height: float) -> None:
        self.y -= height

    def keep_together(self, height: float) -> None:
        """Start a new page unless `height` fits on this one (when it fits on a page at all)."""
        if height <= self.body_height:
            self.ensure(height)

    # -- simple text

    def info_grid(self, rows: Sequence[Sequence[tuple[str, str]]]) -> None:
        """Label: value pairs, two per row, values wrapped inside their half."""
        half = CONTENT_W / 2
        for row in rows:
            cells = []
            height = 0.0
            for j, (label, value) in enumerate(row):
                label = printable(label)
                lw = text_width(label, INFO_SIZE)
                width = (half if len(row) > 1 else CONTENT_W) - lw - 3 * mm
                lines = wrap_text(printable(value), INFO_SIZE, width)
                cells.append((LEFT + j * half, label, lw, lines))
                height = max(height, len(lines) * INFO_LEADING)
            self.ensure(height)
            base = self.y - INFO_SIZE * 0.9
            for x, label, lw, lines in cells:
                self.ops.append(text_op(x, base, label, INFO_SIZE))
                for k, s in enumerate(lines):
                    self.ops.append(text_op(x + lw, base - k * INFO_LEADING, s, INFO_SIZE))
            self.y -= height

    def paragraph(
        self, text: str, *, size: float = BODY_SIZE, leading: float = BODY_LEADING, indent: str = ""
    ) -> None:
        """Wrapped text over the full width; may continue on the next page."""
        text = printable(text)
        lines = wrap_text(indent + text, size, CONTENT_W)
        for s in lines:
            self.ensure(leading)
            self.ops.append(text_op(LEFT, self.y - size * 0.9, s, size))
            self.y -= leading

    def label_paragraph(self, label: str, text: str) -> None:
        """ "异常情况：…" with the text wrapped under itself, not under the label."""
        label = printable(label)
        lw = text_width(label, BODY_SIZE)
        lines = wrap_text(printable(text), BODY_SIZE, CONTENT_W - lw)
        for k, s in enumerate(lines):
            self.ensure(BODY_LEADING)
            base = self.y - BODY_SIZE * 0.9
            if k == 0:
                self.ops.append(text_op(LEFT, base, label, BODY_SIZE))
            self.ops.append(text_op(LEFT + lw, base, s, BODY_SIZE))
            self.y -= BODY_LEADING

    def paragraph_height(self, text: str, *, label: str = "") -> float:
        lw = text_width(printable(label), BODY_SIZE)
        return len(wrap_text(printable(text), BODY_SIZE, CONTENT_W - lw)) * BODY_LEADING

    def signatures(self, rows: Sequence[tuple[str, str]]) -> None:
        """Signature lines "label ______ 日期：______", the printed name small under the line."""
        if not rows:
            return
        row_h = 15 * mm
        self.ensure(row_h * len(rows) + 4 * mm)
        self.y -= 4 * mm
        date_label = "日期："
        date_line = 38 * mm
        date_lw = text_width(date_label, BODY_SIZE)
        date_x = RIGHT - date_line - date_lw
        labels = [(printable(label), printable(name)) for label, name in rows]
        x0 = LEFT + max(text_width(label, BODY_SIZE) for label, _ in labels) + 1 * mm
        x1 = date_x - 8 * mm
        for label, name in labels:
            base = self.y - row_h + 6 * mm
            self.ops.append(text_op(LEFT, base, label, BODY_SIZE))
            self.ops.append(line_op(x0, base - 1.5, x1, base - 1.5, 0.5))
            self.ops.append(text_op(date_x, base, date_label, BODY_SIZE))
            self.ops.append(line_op(date_x + date_lw + 1 * mm, base - 1.5, RIGHT, base - 1.5, 0.5))
            if name:
                self.ops.append(
                    text_op(
                        (x0 + x1) / 2, base - 1.5 - 3.6 * mm, f"（{name}）", FOOT_SIZE, "centre"
                    )
                )
            self.y -= row_h

    def signatures_height(self, rows: int) -> float:
        return 15 * mm * rows + 4 * mm if rows else 0.0

    # -- output

    def _footer_left(self, centre_text: str) -> str:
        """ "<label>  <number>", the label cut with "…" where it would run into the centred page
        count (a long title); the number is always whole."""
        number = f"  {self.number}"
        room = CONTENT_W / 2 - text_width(centre_text, FOOT_SIZE) / 2 - 4 * mm
        label = self.footer_label
        if text_width(label + number, FOOT_SIZE) > room:
            label = cut_to_width(label, FOOT_SIZE, max(0.0, room - text_width(number, FOOT_SIZE)))
        return label + number

    def render(self, *, pdf_title: str, subject: str) -> bytes:
        buf = io.BytesIO()
        c = Canvas(
            buf,
            pagesize=A4,
            pageCompression=1,
            initialFontName=font_name(),
            initialFontSize=CELL_SIZE,
        )
        c.setTitle(pdf_title)
        c.setSubject(subject)
        c.setAuthor("返修通 FanXiu")
        c.setCreator("返修通 FanXiu")
        total = len(self.pages)
        footer_line_y = MARGIN + 5 * mm
        footer_base = MARGIN + 1.5 * mm
        for n, ops in enumerate(self.pages, start=1):
            c.setFillGray(0)
            c.setStrokeGray(0)
            for op in ops:
                op(c)
            c.setLineWidth(0.4)
            c.line(LEFT, footer_line_y, RIGHT, footer_line_y)
            c.setFont(font_name(), FOOT_SIZE)
            c.drawString(LEFT, footer_base, self._footer_left(f"第 {total} 页 共 {total} 页"))
            c.drawCentredString(LEFT + CONTENT_W / 2, footer_base, f"第 {n} 页 共 {total} 页")
            c.drawRightString(RIGHT, footer_base, f"打印时间：{self.printed_at}")
            if self.mark.voided:
                draw_void_stamp(c)
            c.showPage()
        c.save()
        return buf.getvalue()
