"""The records of the repair bench as PDF: 开箱检查记录, 故障定位情况报告, 维修记录, 验收记录,
超期报告 and 升级报告, all from one generic `FormDocument`.

The frame is the one every record has (`layout.PageBuilder`): the record number as Code128 top-right
and the title centred on every page, "第 N 页 共 M 页" with the number in every footer. Under it:
the subtitle, the header block (a bordered two-column grid of label/value cells, labels shaded,
the item code as Code128 in its last row), then each section under a heading bar (its fields, its
table, its free text, in that order), the photos, and the signature lines kept together at the end.

A cell's text wraps inside the cell. A row taller than what is left of a page is split by lines
(a label repeats with "（续）"); a table repeats its header row on every page it continues on.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from app.errors import DomainError
from app.printing.barcodes import MIN_MODULE, Code128Mark
from app.printing.documents import FormDocument, FormField, FormTable
from app.printing.fonts import printable
from app.printing.layout import (
    BODY_LEADING,
    BODY_SIZE,
    CELL_LEADING,
    CELL_SIZE,
    CONTENT_W,
    FOOT_SIZE,
    LEFT,
    PAD_X,
    PAD_Y,
    RIGHT,
    Op,
    PageBuilder,
    bold_text_op,
    fill_rect_op,
    first_baseline,
    line_op,
    mark_op,
    rect_op,
    text_op,
    text_width,
    wrap_text,
)

__all__ = ["render_form"]

FIELD_SIZE = 9.5
FIELD_LEADING = 13.0
LABEL_GREY = 0.9
HEAD_GREY = 0.88
SECTION_GREY = 0.85
SECTION_H = 7 * mm
SECTION_SIZE = 10.5
CAPTION_SIZE = 9.5
CAPTION_H = 6 * mm
ITEM_BAR_H = 8 * mm  # the item code in the header block
ROW_BAR_H = 7 * mm  # item codes under table rows
STRIP_PAD = 1.2 * mm
LABEL_MIN_W = 20 * mm
LABEL_MAX_W = 34 * mm
NARROW_COLUMN = 12 * mm  # a column this narrow (序号, 数量) is centred and not widened
SPLIT_MIN_LINES = 3  # a split row leaves at least this many lines on the page it starts on

PHOTO_W = 55 * mm  # a thumbnail's box; the photo keeps its aspect inside it
PHOTO_H = 55 * mm
PHOTO_COLS = 3
PHOTOS_PER_PAGE = 6
PHOTO_CAPTION_H = 5 * mm
PHOTO_MAX_PX = 700  # longest side embedded: 55 mm at ~320 dpi
CONTINUED = "（续）"
TEXT_PAD = 2.5 * mm  # a section's free text, inside its box
TEXT_LEADING = 15.0


# ----------------------------------------------------------------------------- rows of cells


@dataclass
class _Cell:
    x: float
    width: float
    lines: list[str]
    shade: float | None = None  # grey fill, None = white
    align: str = "left"  # "left" | "centre"
    repeat: list[str] | None = None  # shown on a split row's continuations instead of the rest
    pad: float = PAD_X  # left text inset


@dataclass
class _Strip:
    """A barcode under a table row's text, across the whole row."""

    mark: Code128Mark
    x: float

    @property
    def height(self) -> float:
        return self.mark.height + 2 * STRIP_PAD


class _FormBuilder(PageBuilder):
    def __init__(self, doc: FormDocument) -> None:
        try:
            super().__init__(
                number=doc.number,
                title=doc.title,
                footer_label=doc.title,
                printed_at=doc.printed_at,
            )
        except ValueError:
            raise DomainError(f"记录编号“{doc.number}”含有条码不能表示的字符，无法打印。") from None
        self.on_new_page: Callable[[], None] | None = None  # e.g. repeat a table's header row
        self.repeat_height = 0.0  # what on_new_page draws
        self.photos_on_page = 0

    def break_page(self) -> None:
        self.new_page()
        self.photos_on_page = 0
        if self.on_new_page is not None:
            self.on_new_page()

    def fresh_room(self) -> float:
        """Room on a new page once its repeated header (if any) is drawn."""
        return self.body_height - (self.repeat_height if self.on_new_page else 0.0)

    # -- a row of cells, split over pages when it must be

    def row(
        self,
        cells: Sequence[_Cell],
        *,
        size: float,
        leading: float,
        strip: _Strip | None = None,
        keep: bool = True,
    ) -> None:
        """Draw a row of cells; when it does not fit on the rest of the page, it moves to the
        next page whole if `keep` and it is no taller than a third of a page, else it is split
        by lines (at least SPLIT_MIN_LINES on the page it starts on)."""
        total = max(len(c.lines) for c in cells)
        strip_h = strip.height if strip else 0.0
        pos = 0
        while True:
            rest = total - pos
            need = rest * leading + 2 * PAD_Y + strip_h
            avail = self.space()
            if need <= avail + 1e-6:
                self._fragment(cells, pos, rest, size, leading, strip)
                return
            if pos == 0 and keep and need <= self.fresh_room() / 3:
                self.break_page()  # it fits whole on the next page
                continue
            n = min(int((avail - 2 * PAD_Y + 1e-6) // leading), rest - 1)
            if n < SPLIT_MIN_LINES and self.space() < self.fresh_room() - 1e-6:
                self.break_page()  # too little would fit here: start on a fresh page
                continue
            if n < 1:
                raise RuntimeError("a form row does not fit on an empty page")
            self._fragment(cells, pos, n, size, leading, None)
            pos += n
            self.break_page()

    def _fragment(
        self,
        cells: Sequence[_Cell],
        pos: int,
        count: int,
        size: float,
        leading: float,
        strip: _Strip | None,
    ) -> None:
        top = self.y
        text_h = count * leading + 2 * PAD_Y
        height = text_h + (strip.height if strip else 0.0)
        bottom = top - height
        fills: list[Op] = []
        texts: list[Op] = []
        rules: list[Op] = []
        text_bottom = top - text_h  # the barcode strip, if any, is under it, inside the row
        x0 = cells[0].x
        x1 = cells[-1].x + cells[-1].width
        base = first_baseline(top - PAD_Y, size, leading)
        for i, cell in enumerate(cells):
            shown = cell.lines[pos : pos + count]
            if pos and cell.repeat is not None:
                shown = cell.repeat[:count]
            if cell.shade is not None:
                fills.append(fill_rect_op(cell.x, text_bottom, cell.width, text_h, cell.shade))
            if i:  # inner column lines stop where the strip begins
                rules.append(line_op(cell.x, top, cell.x, text_bottom))
            for k, s in enumerate(shown):
                if cell.align == "centre":
                    texts.append(
                        text_op(cell.x + cell.width / 2, base - k * leading, s, size, "centre")
                    )
                else:
                    texts.append(text_op(cell.x + cell.pad, base - k * leading, s, size))
        rules.append(rect_op(x0, bottom, x1 - x0, height))
        if strip:
            texts.append(mark_op(strip.mark, strip.x, bottom + STRIP_PAD))
        self.ops.extend(fills + texts + rules)
        self.y = bottom

    # -- the header block and section fields

    def field_grid(self, fields: Sequence[FormField], item_code: str = "") -> None:
        if not fields and not item_code:
            return
        labels = [printable(f.label) for f in fields]
        if item_code:
            labels.append("产品条码")
        widest = max(text_width(s, FIELD_SIZE) for s in labels) + 2 * PAD_X
        label_w = min(LABEL_MAX_W, max(LABEL_MIN_W, widest))
        half = CONTENT_W / 2

        rows: list[list[tuple[str, FormField]]] = []
        pending: list[tuple[str, FormField]] = []
        for label, f in zip(labels, fields, strict=False):
            if f.wide:
                if pending:
                    rows.append(pending)
                    pending = []
                rows.append([(label, f)])
            else:
                pending.append((label, f))
                if len(pending) == 2:
                    rows.append(pending)
                    pending = []
        if pending:
            rows.append(pending)

        for row in rows:
            cells: list[_Cell] = []
            for j, (label, f) in enumerate(row):
                x = LEFT + j * half
                span = half if len(row) == 2 else CONTENT_W  # a lone half field takes the row
                label_lines = wrap_text(label, FIELD_SIZE, label_w - 2 * PAD_X)
                cells.append(
                    _Cell(
                        x,
                        label_w,
                        label_lines,
                        shade=LABEL_GREY,
                        repeat=wrap_text(label + CONTINUED, FIELD_SIZE, label_w - 2 * PAD_X),
                    )
                )
                value_w = span - label_w
                value = printable(f.value)
                cells.append(
                    _Cell(x + label_w, value_w, wrap_text(value, FIELD_SIZE, value_w - 2 * PAD_X))
                )
            self.row(cells, size=FIELD_SIZE, leading=FIELD_LEADING)

        if item_code:
            self._item_code_row(item_code, label_w)

    def _item_code_row(self, item_code: str, label_w: float) -> None:
        try:
            mark = Code128Mark(item_code, bar_height=ITEM_BAR_H, font_size=8.5)
        except ValueError:
            raise DomainError(f"产品编码“{item_code}”含有条码不能表示的字符，无法打印。") from None
        value_w = CONTENT_W - label_w
        if mark.width > value_w:
            raise DomainError(f"产品编码“{item_code}”过长，条码一行放不下，无法打印。")
        height = mark.height + 2 * STRIP_PAD
        self.ensure(height)
        top = self.y
        bottom = top - height
        self.ops.append(fill_rect_op(LEFT, bottom, label_w, height, LABEL_GREY))
        base = bottom + height / 2 - FIELD_SIZE * 0.3
        self.ops.append(text_op(LEFT + PAD_X, base, "产品条码", FIELD_SIZE))
        self.ops.append(mark_op(mark, LEFT + label_w, bottom + STRIP_PAD))
        self.ops.append(rect_op(LEFT, bottom, label_w, height))
        self.ops.append(rect_op(LEFT + label_w, bottom, value_w, height))
        self.y = bottom

    # -- sections

    def section_heading(self, title: str, keep_with: float) -> None:
        """A shaded bar with the title; moves to the next page with what must follow it."""
        self.gap(3 * mm)
        self.keep_together(SECTION_H + keep_with)
        top = self.y
        self.ops.append(fill_rect_op(LEFT, top - SECTION_H, CONTENT_W, SECTION_H, SECTION_GREY))
        self.ops.append(rect_op(LEFT, top - SECTION_H, CONTENT_W, SECTION_H))
        base = top - SECTION_H / 2 - SECTION_SIZE * 0.32
        self.ops.append(bold_text_op(LEFT + 2 * mm, base, printable(title), SECTION_SIZE, "left"))
        self.y = top - SECTION_H

    def text_block(self, text: str) -> None:
        """A free paragraph in a bordered cell across the page (split over pages by lines)."""
        lines = wrap_text(printable(text), BODY_SIZE, CONTENT_W - 2 * TEXT_PAD)
        self.row(
            [_Cell(LEFT, CONTENT_W, lines, pad=TEXT_PAD)],
            size=BODY_SIZE,
            leading=TEXT_LEADING,
            keep=False,
        )

    # -- tables

    def table(self, table: FormTable, section_title: str = "") -> None:
        """The table under its caption (left out when the section's heading already says it);
        on every page it continues on: the caption with "（续）" and the header row again."""
        columns = [printable(c) for c in table.columns]
        if not columns:
            return
        rows: list[list[str]] = []
        for given in table.rows:
            if len(given) > len(columns):
                raise ValueError(
                    f"表格“{table.title}”的一行有 {len(given)} 格，多于 {len(columns)} 列"
                )
            rows.append([printable(v) for v in given] + [""] * (len(columns) - len(given)))
        widths = column_widths(columns, rows)
        xs = [LEFT + sum(widths[:i]) for i in range(len(widths))]
        narrow = [w <= NARROW_COLUMN for w in widths]

        head_cells = [
            _Cell(x, w, wrap_text(c, CELL_SIZE, w - 2 * PAD_X), shade=HEAD_GREY, align="centre")
            for x, w, c in zip(xs, widths, columns, strict=True)
        ]
        head_lines = max(len(c.lines) for c in head_cells)
        head_h = head_lines * CELL_LEADING + 2 * PAD_Y
        title = printable(table.title)
        continued_title = (title or printable(section_title)) + CONTINUED
        if title == printable(section_title):
            title = ""

        def caption(text: str) -> None:
            base = self.y - CAPTION_H + 1.6 * mm
            self.ops.append(bold_text_op(LEFT, base, text, CAPTION_SIZE, "left"))
            self.y -= CAPTION_H

        def header() -> None:
            caption(continued_title)
            self.row(head_cells, size=CELL_SIZE, leading=CELL_LEADING)

        body: list[tuple[list[_Cell], _Strip | None]] = []
        for r in rows:
            cells = [
                _Cell(
                    x,
                    w,
                    wrap_text(v, CELL_SIZE, w - 2 * PAD_X),
                    align="centre" if thin else "left",
                )
                for x, w, v, thin in zip(xs, widths, r, narrow, strict=True)
            ]
            strip = None
            if table.barcode_column is not None and r[table.barcode_column].strip():
                strip = self._row_strip(r[table.barcode_column].strip(), xs[table.barcode_column])
            body.append((cells, strip))
        if not body:
            body.append(([_Cell(LEFT, CONTENT_W, ["（无）"], align="centre")], None))

        # The caption and header row stay with the first row (or a good start of a long one).
        first_cells, first_strip = body[0]
        first_h = max(len(c.lines) for c in first_cells) * CELL_LEADING + 2 * PAD_Y
        first_h += first_strip.height if first_strip else 0.0
        start_h = (CAPTION_H + 1.5 * mm if title else 0.0) + head_h
        first_h = min(first_h, SPLIT_MIN_LINES * CELL_LEADING + 2 * PAD_Y)
        self.keep_together(start_h + first_h)
        if title:
            self.gap(1.5 * mm)
            caption(title)
        self.row(head_cells, size=CELL_SIZE, leading=CELL_LEADING)
        self.repeat_height = CAPTION_H + head_h
        self.on_new_page = header
        try:
            for cells, strip in body:
                self.row(cells, size=CELL_SIZE, leading=CELL_LEADING, strip=strip)
        finally:
            self.on_new_page = None
            self.repeat_height = 0.0

    def _row_strip(self, code: str, column_x: float) -> _Strip | None:
        """The Code128 of a row's item code, under its column where it fits, else shifted left.
        None when the value cannot be a Code128 (its text still prints in the cell)."""
        try:
            mark = Code128Mark(code, module=MIN_MODULE, bar_height=ROW_BAR_H, show_text=False)
        except ValueError:
            return None
        if mark.width > CONTENT_W:
            raise DomainError(f"条码内容“{code}”过长，一行放不下，无法打印。")
        x = min(column_x, RIGHT - mark.width)
        return _Strip(mark, x)

    # -- photos

    def photos(self, photos: Sequence[bytes]) -> None:
        prepared = [_prepare_photo(p) for p in photos]
        gap_x = (CONTENT_W - PHOTO_COLS * PHOTO_W) / (PHOTO_COLS - 1)
        boxes = []
        for image in prepared:
            if image is None:
                boxes.append((None, PHOTO_W, PHOTO_H * 0.6))
                continue
            w_px, h_px = image.getSize()
            scale = min(PHOTO_W / w_px, PHOTO_H / h_px)
            boxes.append((image, w_px * scale, h_px * scale))
        rows = [boxes[i : i + PHOTO_COLS] for i in range(0, len(boxes), PHOTO_COLS)]
        row_heights = [max(h for _, _, h in row) + PHOTO_CAPTION_H + 2 * mm for row in rows]
        self.section_heading("照片", (row_heights[0] if row_heights else 0.0) + 2 * mm)
        self.photos_on_page = 0
        self.gap(2 * mm)
        n = 0
        for row, row_h in zip(rows, row_heights, strict=True):
            if self.space() < row_h or self.photos_on_page + len(row) > PHOTOS_PER_PAGE:
                self.break_page()
            top = self.y
            for j, (image, w, h) in enumerate(row):
                n += 1
                cx = LEFT + j * (PHOTO_W + gap_x) + PHOTO_W / 2
                y = top - h
                if image is None:
                    self.ops.append(rect_op(cx - w / 2, y, w, h, 0.5))
                    self.ops.append(text_op(cx, y + h / 2 - 3, "照片无法读取", CELL_SIZE, "centre"))
                else:
                    self.ops.append(_image_op(image, cx - w / 2, y, w, h))
                caption = f"照片 {n}"
                self.ops.append(
                    text_op(cx, y - PHOTO_CAPTION_H + 1.8 * mm, caption, FOOT_SIZE, "centre")
                )
            self.photos_on_page += len(row)
            self.y = top - row_h


# ----------------------------------------------------------------------------- helpers


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Column widths summing to the content width. Each column wants its longest line; when all
    fit, the room left goes to the columns of longer texts (short ones such as 序号 or 数量 stay
    narrow); when they do not, each keeps what its longest word and half its title need and the
    rest is shared by how much more each wants."""
    pad = 2 * PAD_X
    minimum: list[float] = []
    natural: list[float] = []
    for i, title in enumerate(columns):
        values = [r[i] for r in rows]
        longest_line = max(
            (text_width(s, CELL_SIZE) for v in values for s in v.split("\n")), default=0.0
        )
        longest_word = max(
            (text_width(w, CELL_SIZE) for v in values for w in v.split()), default=0.0
        )
        title_w = text_width(title, CELL_SIZE)
        low = max(min(longest_word, 45 * mm), title_w / 2, 2 * CELL_SIZE) + pad
        high = max(longest_line, title_w) + pad
        minimum.append(min(low, high))
        natural.append(max(low, high))
    total_min = sum(minimum)
    total_nat = sum(natural)
    if total_nat <= CONTENT_W:
        # Water-filling: the narrowest of the columns that may grow are raised to one common
        # width, as far as the room allows; those wider than that keep their own. Short columns
        # (序号, 数量) stay as they are; when all are short, the last one takes the room.
        grow = [i for i, w in enumerate(natural) if w > NARROW_COLUMN] or [len(natural) - 1]
        room = CONTENT_W - sum(w for i, w in enumerate(natural) if i not in grow)
        ordered = sorted((natural[i] for i in grow), reverse=True)
        k = 0
        while True:
            level = (room - sum(ordered[:k])) / (len(ordered) - k)
            if k == len(ordered) - 1 or level >= ordered[k]:
                break
            k += 1  # the widest of the rest keeps its natural width
        widths = [max(w, level) if i in grow else w for i, w in enumerate(natural)]
        scale = CONTENT_W / sum(widths)  # absorbs rounding
        return [w * scale for w in widths]
    if total_min >= CONTENT_W:
        return [w * CONTENT_W / total_min for w in minimum]
    extra = CONTENT_W - total_min
    want = [n - m for n, m in zip(natural, minimum, strict=True)]
    total_want = sum(want)
    return [m + extra * w / total_want for m, w in zip(minimum, want, strict=True)]


def _prepare_photo(data: bytes) -> ImageReader | None:
    """The photo ready to embed, upright (EXIF orientation applied) and at most PHOTO_MAX_PX on
    its longest side; a JPEG that already is passes through as it is. None when unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            size = probe.size
            orientation = probe.getexif().get(0x0112, 1)
            mode = probe.mode
        if (
            fmt == "JPEG"
            and mode in ("RGB", "L")
            and orientation == 1
            and max(size) <= 2 * PHOTO_MAX_PX
        ):
            return ImageReader(io.BytesIO(data))  # embedded as the JPEG it is
        img: Image.Image = Image.open(io.BytesIO(data))
        if fmt == "JPEG":
            img.draft("RGB", (PHOTO_MAX_PX, PHOTO_MAX_PX))  # decode at a reduced scale: fast
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "P", "PA"):
            img = img.convert("RGBA")
            flat = Image.new("RGB", img.size, (255, 255, 255))
            flat.paste(img, mask=img.getchannel("A"))
            img = flat
        elif img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
        if fmt == "JPEG":
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85)
            out.seek(0)
            return ImageReader(out)
        return ImageReader(img)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _image_op(image: ImageReader, x: float, y: float, w: float, h: float) -> Op:
    def op(c: Canvas) -> None:
        c.drawImage(image, x, y, w, h)
        c.setLineWidth(0.3)
        c.rect(x, y, w, h, stroke=1, fill=0)

    return op


# ----------------------------------------------------------------------------- the document


def render_form(doc: FormDocument) -> bytes:
    """A bench record (KX, DW, WX, YS, CQ, SJ) as PDF bytes, A4 portrait."""
    b = _FormBuilder(doc)
    b.set_mark(doc.mark)
    b.new_page()
    if doc.subtitle.strip():
        for s in wrap_text(printable(doc.subtitle), BODY_SIZE, CONTENT_W):
            b.ops.append(
                text_op(LEFT + CONTENT_W / 2, b.y - BODY_SIZE * 0.9, s, BODY_SIZE, "centre")
            )
            b.y -= BODY_LEADING
        b.gap(1 * mm)
    b.field_grid(doc.fields, doc.item_code.strip())
    for section in doc.sections:
        # The heading bar stays with a start of what follows it; the parts sit flush under it
        # and under each other, sharing their border lines.
        first = 2 * (FIELD_LEADING + 2 * PAD_Y) if section.fields else 3 * TEXT_LEADING
        b.section_heading(section.title, first)
        if section.fields:
            b.field_grid(section.fields)
        if section.table is not None:
            b.table(section.table, section.title)
        if section.text.strip():
            if section.table is not None:
                b.gap(1.5 * mm)
            b.text_block(section.text.strip("\n"))
    if doc.photos:
        b.photos(doc.photos)
    if doc.signatures:
        b.gap(2 * mm)
        b.keep_together(b.signatures_height(len(doc.signatures)))
        b.signatures([(f"{s}签字：", "") for s in doc.signatures])
    return b.render(pdf_title=f"{doc.title} {doc.number}", subject=doc.item_code)
