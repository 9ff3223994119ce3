"""The handover record (交接记录单 / 未确认交接清单) and the rejection notice (拒收通知单) as PDF.

Drawn on a bare reportlab canvas with a small layout of our own, in two steps: lay every page out
as a list of drawing steps (so the page count is known), then draw them with "第 N 页 共 M 页".
A4 portrait, 15 mm margins, the embedded CJK font for every string, vector Code128 (0.33 mm).

Each product line is one block of the table: the identity columns (产品名称·型号, 出厂编号,
数量) carry the text with the item's Code128 in a strip under them; the other columns span the
whole block. A block that does not fit on the rest of a page moves to the next one; a block taller
than a page (a very long fault text) is split, and its continuation is marked 续.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.errors import DomainError
from app.printing.barcodes import Code128Mark
from app.printing.documents import HandoverDocument, PrintLine, RejectionNoticeDocument
from app.printing.fonts import printable, register_fonts

__all__ = ["render_handover", "render_rejection_notice", "wrap_text"]

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
STRIP_PAD = 1.0 * mm  # above and below an item barcode
HEADER_ROW_H = 7 * mm
RULE = 0.6  # table line width, points
NUMBER_BAR_H = 9 * mm
ITEM_BAR_H = 7 * mm

Op = Callable[[Canvas], None]


# ----------------------------------------------------------------------------- text measure/wrap

_widths: dict[str, float] = {}


def _font() -> str:
    return register_fonts()


def _char_width(ch: str) -> float:
    w = _widths.get(ch)
    if w is None:
        w = pdfmetrics.stringWidth(ch, _font(), 1.0)
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


# ----------------------------------------------------------------------------- drawing steps


def _text(x: float, y: float, s: str, size: float, align: str = "left") -> Op:
    def op(c: Canvas) -> None:
        c.setFont(_font(), size)
        if align == "centre":
            c.drawCentredString(x, y, s)
        elif align == "right":
            c.drawRightString(x, y, s)
        else:
            c.drawString(x, y, s)

    return op


def _bold_text(x: float, y: float, s: str, size: float, align: str = "centre") -> Op:
    """The font has one weight: a fill + thin stroke render makes a title look bold."""

    def op(c: Canvas) -> None:
        w = text_width(s, size)
        start = x - w / 2 if align == "centre" else x
        c.saveState()
        c.setLineWidth(size * 0.035)
        t = c.beginText(start, y)
        t.setTextRenderMode(2)
        t.setFont(_font(), size)
        t.textOut(s)
        c.drawText(t)
        c.restoreState()

    return op


def _line(x1: float, y1: float, x2: float, y2: float, width: float = RULE) -> Op:
    def op(c: Canvas) -> None:
        c.setLineWidth(width)
        c.line(x1, y1, x2, y2)

    return op


def _fill_rect(x: float, y: float, w: float, h: float, grey: float) -> Op:
    def op(c: Canvas) -> None:
        c.saveState()
        c.setFillGray(grey)
        c.rect(x, y, w, h, stroke=0, fill=1)
        c.restoreState()

    return op


def _mark(mark: Code128Mark, x: float, y: float) -> Op:
    def op(c: Canvas) -> None:
        mark.drawOn(c, x, y)

    return op


def _first_baseline(top: float) -> float:
    """Baseline of the first line of a table cell whose text area starts at `top`: the em box
    (ascent 0.8 em, descent 0.2 em) is centred in the line's leading."""
    return top - (CELL_LEADING - CELL_SIZE) / 2 - CELL_SIZE * 0.8


# ----------------------------------------------------------------------------- table model


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "left"  # "left" | "centre"


@dataclass
class _Block:
    """One product line, as text lines per column plus its barcode; consumed as it is drawn."""

    seq: str
    cols: list[list[str]]  # per column (index 0 is 序号)
    group: range  # columns carrying text + barcode strip
    mark: Code128Mark
    started: bool = False
    bar_done: bool = False
    pos: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pos = [0] * len(self.cols)

    def remaining(self, i: int) -> int:
        return len(self.cols[i]) - self.pos[i]

    @property
    def strip_h(self) -> float:
        return self.mark.height + 2 * STRIP_PAD

    def rest_height(self) -> float:
        """Height the rest of the block needs in one piece."""
        group_text = max(self.remaining(i) for i in self.group) * CELL_LEADING
        group_h = (group_text + 2 * PAD_Y if group_text else 0.0) + (
            0.0 if self.bar_done else self.strip_h
        )
        others = [i for i in range(len(self.cols)) if i not in self.group]
        other_h = max(self.remaining(i) for i in others) * CELL_LEADING + 2 * PAD_Y
        return max(group_h, other_h)

    def done(self) -> bool:
        return self.bar_done and all(self.remaining(i) == 0 for i in range(len(self.cols)))


def _lines_fitting(height: float) -> int:
    return max(0, int((height - 2 * PAD_Y + 1e-6) // CELL_LEADING))


# ----------------------------------------------------------------------------- page builder


class _Builder:
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

    # -- pages

    @property
    def ops(self) -> list[Op]:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append([])
        mark = self.number_mark
        mx = RIGHT - mark.width
        my = TOP - mark.height
        self.ops.append(_mark(mark, mx, my))
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
        self.ops.append(_bold_text(cx, TOP - mark.height / 2 - size * 0.3, self.title, size))
        self.y = self.body_top

    def space(self) -> float:
        return self.y - BOTTOM

    def ensure(self, height: float) -> None:
        if not self.pages or self.space() < height:
            self.new_page()

    def gap(self, height: float) -> None:
        self.y -= height

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
                self.ops.append(_text(x, base, label, INFO_SIZE))
                for k, s in enumerate(lines):
                    self.ops.append(_text(x + lw, base - k * INFO_LEADING, s, INFO_SIZE))
            self.y -= height

    def paragraph(
        self, text: str, *, size: float = BODY_SIZE, leading: float = BODY_LEADING, indent: str = ""
    ) -> None:
        """Wrapped text over the full width; may continue on the next page."""
        text = printable(text)
        lines = wrap_text(indent + text, size, CONTENT_W)
        for s in lines:
            self.ensure(leading)
            self.ops.append(_text(LEFT, self.y - size * 0.9, s, size))
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
                self.ops.append(_text(LEFT, base, label, BODY_SIZE))
            self.ops.append(_text(LEFT + lw, base, s, BODY_SIZE))
            self.y -= BODY_LEADING

    def signatures(self, rows: Sequence[tuple[str, str]]) -> None:
        """Signature lines "label ______ 日期：______", the printed name small under the line."""
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
            self.ops.append(_text(LEFT, base, label, BODY_SIZE))
            self.ops.append(_line(x0, base - 1.5, x1, base - 1.5, 0.5))
            self.ops.append(_text(date_x, base, date_label, BODY_SIZE))
            self.ops.append(_line(date_x + date_lw + 1 * mm, base - 1.5, RIGHT, base - 1.5, 0.5))
            if name:
                self.ops.append(
                    _text((x0 + x1) / 2, base - 1.5 - 3.6 * mm, f"（{name}）", FOOT_SIZE, "centre")
                )
            self.y -= row_h

    def signatures_height(self, rows: int) -> float:
        return 15 * mm * rows + 4 * mm

    def paragraph_height(self, text: str, *, label: str = "") -> float:
        lw = text_width(printable(label), BODY_SIZE)
        return len(wrap_text(printable(text), BODY_SIZE, CONTENT_W - lw)) * BODY_LEADING

    def keep_together(self, height: float) -> None:
        """Start a new page unless `height` fits on this one (when it fits on a page at all)."""
        if height <= self.body_height:
            self.ensure(height)

    # -- the table

    def _table_header(self, columns: Sequence[Column]) -> None:
        top = self.y
        bottom = top - HEADER_ROW_H
        self.ops.append(_fill_rect(LEFT, bottom, CONTENT_W, HEADER_ROW_H, 0.88))
        x = LEFT
        base = bottom + (HEADER_ROW_H - HEAD_SIZE * 0.8) / 2 + HEAD_SIZE * 0.05
        for col in columns:
            self.ops.append(_text(x + col.width / 2, base, col.title, HEAD_SIZE, "centre"))
            x += col.width
        self._grid_verticals(columns, top, bottom, range(0))
        self.ops.append(_line(LEFT, top, RIGHT, top))
        self.ops.append(_line(LEFT, bottom, RIGHT, bottom))
        self.y = bottom

    def _grid_verticals(
        self, columns: Sequence[Column], top: float, bottom: float, skip: range
    ) -> None:
        """Column lines from `top` to `bottom`, except the inner lines of columns `skip`."""
        x = LEFT
        self.ops.append(_line(x, top, x, bottom))
        for i, col in enumerate(columns):
            x += col.width
            if i in skip and i + 1 in skip:
                continue
            self.ops.append(_line(x, top, x, bottom))

    def _table_page(self, columns: Sequence[Column]) -> None:
        self.new_page()
        self._table_header(columns)

    def table(self, columns: Sequence[Column], blocks: Sequence[_Block]) -> None:
        full_page = self.body_height - HEADER_ROW_H
        # The header only with the first block under it (or a good start of a huge one).
        first = blocks[0].rest_height() if blocks else 0.0
        if first > full_page:
            first = 3 * CELL_LEADING + 2 * PAD_Y
        self.ensure(HEADER_ROW_H + first)
        self._table_header(columns)
        for block in blocks:
            while not block.done():
                need = block.rest_height()
                avail = self.space()
                if need <= avail:
                    self._fragment(columns, block, avail, whole=True)
                    continue
                # Move to a fresh page when the block would fit there whole, or when too little
                # of it would fit here to be worth splitting.
                if (not block.started and need <= full_page) or _lines_fitting(avail) < 3:
                    self._table_page(columns)
                    continue
                progressed = self._fragment(columns, block, avail, whole=False)
                if not progressed and avail >= full_page - 1e-6:
                    raise RuntimeError("table block does not fit on an empty page")
                self._table_page(columns)

    def _fragment(
        self, columns: Sequence[Column], block: _Block, avail: float, *, whole: bool
    ) -> bool:
        """Draw as much of `block` as fits in `avail` (all of it when `whole`); False if nothing
        fitted."""
        cap = _lines_fitting(avail)
        top = self.y
        group_rest = max(block.remaining(j) for j in block.group)
        group_fits = group_rest * CELL_LEADING + 2 * PAD_Y + block.strip_h <= avail
        taken: list[list[str]] = []
        for i in range(len(columns)):
            n = block.remaining(i)
            if not whole and not (i in block.group and group_fits):
                n = min(n, cap)
            taken.append(block.cols[i][block.pos[i] : block.pos[i] + n])
            block.pos[i] += n

        group_lines = max(len(taken[i]) for i in block.group)
        group_text_h = group_lines * CELL_LEADING + 2 * PAD_Y if group_lines else 0.0
        group_done = all(block.remaining(i) == 0 for i in block.group)
        place_bar = (
            not block.bar_done and group_done and group_text_h + block.strip_h <= avail + 1e-6
        )
        progress = place_bar or any(taken)
        other_h = max(len(taken[i]) for i in range(len(columns)) if i not in block.group)
        height = max(
            group_text_h + (block.strip_h if place_bar else 0.0),
            other_h * CELL_LEADING + 2 * PAD_Y,
        )
        bottom = top - height

        # Text.
        x = LEFT
        xs = []
        for i, col in enumerate(columns):
            xs.append(x)
            lines = taken[i]
            if i == 0 and block.started:
                lines = [block.seq, "续"]
            base = _first_baseline(top - PAD_Y)
            for k, s in enumerate(lines):
                if col.align == "centre":
                    self.ops.append(
                        _text(x + col.width / 2, base - k * CELL_LEADING, s, CELL_SIZE, "centre")
                    )
                else:
                    self.ops.append(_text(x + PAD_X, base - k * CELL_LEADING, s, CELL_SIZE))
            x += col.width

        # Lines: the group's inner column lines stop where its barcode strip begins.
        if place_bar:
            strip_top = top - group_text_h if group_lines else top
            gx0 = xs[block.group.start]
            gx1 = xs[block.group.stop - 1] + columns[block.group.stop - 1].width
            self._grid_verticals(columns, top, bottom, block.group)
            if group_lines:
                x = gx0
                for i in block.group[:-1]:
                    x += columns[i].width
                    self.ops.append(_line(x, top, x, strip_top))
                self.ops.append(_line(gx0, strip_top, gx1, strip_top, RULE * 0.6))
            mark = block.mark
            mx = gx0 + (gx1 - gx0 - mark.width) / 2
            my = strip_top - STRIP_PAD - mark.height  # right under the text it belongs to
            self.ops.append(_mark(mark, mx, my))
            block.bar_done = True
        else:
            self._grid_verticals(columns, top, bottom, range(0))
        self.ops.append(_line(LEFT, bottom, RIGHT, bottom))
        block.started = True
        self.y = bottom
        return progress

    # -- output

    def render(self, *, pdf_title: str, subject: str) -> bytes:
        buf = io.BytesIO()
        c = Canvas(
            buf, pagesize=A4, pageCompression=1, initialFontName=_font(), initialFontSize=CELL_SIZE
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
            c.setFont(_font(), FOOT_SIZE)
            c.drawString(LEFT, footer_base, f"{self.footer_label}  {self.number}")
            c.drawCentredString(LEFT + CONTENT_W / 2, footer_base, f"第 {n} 页 共 {total} 页")
            c.drawRightString(RIGHT, footer_base, f"打印时间：{self.printed_at}")
            c.showPage()
        c.save()
        return buf.getvalue()


# ----------------------------------------------------------------------------- the documents

COLUMN_WIDTHS_MM = (8, 44, 31, 11, 43, 24, 19)  # mm, sums to 180; 44+31+11 holds the barcode


def _columns(result_title: str) -> list[Column]:
    titles = ("序号", "产品名称·型号", "出厂编号", "数量", "故障现象", "文件检查", result_title)
    aligns = ("centre", "left", "left", "centre", "left", "left", "left")
    return [Column(t, w * mm, a) for t, w, a in zip(titles, COLUMN_WIDTHS_MM, aligns, strict=True)]


def _block(line: PrintLine, columns: Sequence[Column]) -> _Block:
    def wrap(text: str, i: int) -> list[str]:
        return wrap_text(printable(text), CELL_SIZE, columns[i].width - 2 * PAD_X)

    model = line.model_code
    if line.drawing_no:
        model = f"{model}　图号：{line.drawing_no}" if model else f"图号：{line.drawing_no}"
    name = wrap(line.model_name, 1) + (wrap(model, 1) if model else [])
    docs: list[str] = []
    for part in line.documents.split():
        docs += wrap(part, 5)
    cols = [
        [str(line.seq)],
        name,
        wrap(line.serial_no, 2),
        [str(line.quantity)],
        wrap(line.fault_description or "—", 4),
        docs or [""],
        wrap(line.result, 6),
    ]
    try:
        mark = Code128Mark(line.item_code, bar_height=ITEM_BAR_H)
    except ValueError:
        raise DomainError(
            f"第 {line.seq} 项的条码内容“{line.item_code}”含有条码不能表示的字符，无法打印。"
        ) from None
    # The barcode strip spans the identity columns, and further ones if the code is long; at
    # least one column is left to span the whole block on the right.
    need = mark.width + 2 * mm
    stop = 4
    width = sum(c.width for c in columns[1:stop])
    while width < need and stop < len(columns) - 1:
        width += columns[stop].width
        stop += 1
    if width < need:
        raise DomainError(
            f"第 {line.seq} 项的条码内容“{line.item_code}”过长，一行放不下，无法打印。"
        )
    return _Block(seq=str(line.seq), cols=cols, group=range(1, stop), mark=mark)


def _totals(lines: Sequence[PrintLine]) -> str:
    return f"{len(lines)} 项，数量合计 {sum(x.quantity for x in lines)}"


def render_handover(doc: HandoverDocument) -> bytes:
    """The handover record (or the unconfirmed handover list) as PDF bytes."""
    b = _Builder(
        number=doc.number, title=doc.title, footer_label=doc.title, printed_at=doc.printed_at
    )
    b.new_page()
    number_label = "记录单号：" if doc.confirmed else "清单编号："
    b.info_grid(
        [
            [("任务单号：", doc.task_number), (number_label, doc.number)],
            [("移交单位：", doc.from_party), ("接收单位：", doc.to_party)],
            [("移交人（用户代表）：", doc.from_person), ("接收人（物资交接员）：", doc.to_person)],
            [("交接日期：", doc.handover_date), ("节点日期：", doc.node_date or "—")],
        ]
    )
    if not doc.confirmed:
        b.info_grid([[("状态：", "未确认（本清单仅供核对，确认后另行打印交接记录单）")]])
    b.gap(2 * mm)
    columns = _columns("结论")
    b.table(columns, [_block(x, columns) for x in doc.lines])
    anomalies = doc.anomalies.strip() or "无"
    totals = f"合计：{_totals(doc.lines)}"
    b.gap(2 * mm)
    b.keep_together(
        b.paragraph_height(totals)
        + b.paragraph_height(anomalies, label="异常情况：")
        + b.signatures_height(2)
    )
    b.paragraph(totals)
    b.label_paragraph("异常情况：", anomalies)
    b.signatures(
        [
            ("移交人（用户代表）签字：", doc.from_person),
            ("接收人（物资交接员）签字：", doc.to_person),
        ]
    )
    return b.render(pdf_title=f"{doc.title} {doc.number}", subject=f"任务单号 {doc.task_number}")


REJECTION_TITLE = "拒收通知单"


def render_rejection_notice(doc: RejectionNoticeDocument) -> bytes:
    """The rejection notice to the prime unit as PDF bytes."""
    b = _Builder(
        number=doc.number,
        title=REJECTION_TITLE,
        footer_label=REJECTION_TITLE,
        printed_at=doc.printed_at,
    )
    b.new_page()
    b.info_grid(
        [
            [("通知单号：", doc.number), ("签发日期：", doc.issued_date)],
            [("任务单号：", doc.task_number), ("交接记录单号：", doc.handover_number)],
            [("使用单位：", doc.user_unit), ("签发人：", doc.issued_by)],
        ]
    )
    b.gap(3 * mm)
    b.paragraph(f"致 {doc.addressed_to}（总体单位）：")
    b.paragraph(
        f"{doc.user_unit}送修的返修产品（任务单号 {doc.task_number}，交接记录单号 "
        f"{doc.handover_number}）经物资交接员逐件核对，下列产品文、物不一致或文件缺失，"
        "予以拒收，请总体单位协调解决。",
        indent="　　",
    )
    b.gap(2 * mm)
    columns = _columns("拒收原因")
    b.table(columns, [_block(x, columns) for x in doc.lines])
    totals = f"拒收合计：{_totals(doc.lines)}"
    b.gap(2 * mm)
    b.keep_together(b.paragraph_height(totals) + b.signatures_height(2))
    b.paragraph(totals)
    b.signatures(
        [
            ("签发人（物资交接员）签字：", doc.issued_by),
            ("总体单位签收人签字：", ""),
        ]
    )
    return b.render(
        pdf_title=f"{REJECTION_TITLE} {doc.number}",
        subject=f"任务单号 {doc.task_number} 交接记录单号 {doc.handover_number}",
    )
