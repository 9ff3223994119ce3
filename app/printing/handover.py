"""The handover record (交接记录单 / 未确认交接清单) and the rejection notice (拒收通知单) as PDF.

The page frame, text wrapping and drawing steps are shared with the other records
(`layout.PageBuilder`): A4 portrait, 15 mm margins, the embedded CJK font for every string, the
record number as vector Code128 (0.33 mm), "第 N 页 共 M 页" in the footer.

Each product line is one block of the table: the identity columns (产品名称·型号, 出厂编号,
数量) carry the text with the item's Code128 in a strip under them; the other columns span the
whole block. A block that does not fit on the rest of a page moves to the next one; a block taller
than a page (a very long fault text) is split, and its continuation is marked 续.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.units import mm

from app.errors import DomainError
from app.printing.barcodes import Code128Mark
from app.printing.documents import HandoverDocument, PrintLine, RejectionNoticeDocument
from app.printing.fonts import printable
from app.printing.layout import (
    BOTTOM,
    CELL_LEADING,
    CELL_SIZE,
    CONTENT_W,
    HEAD_SIZE,
    LEFT,
    PAD_X,
    PAD_Y,
    PAGE_H,
    RIGHT,
    RULE,
    PageBuilder,
    fill_rect_op,
    first_baseline,
    line_op,
    mark_op,
    text_op,
    text_width,
    wrap_text,
)

__all__ = ["render_handover", "render_rejection_notice", "wrap_text"]
__all__ += ["BOTTOM", "LEFT", "PAGE_H", "text_width"]  # the page geometry, for tests

STRIP_PAD = 1.0 * mm  # above and below an item barcode
HEADER_ROW_H = 7 * mm
ITEM_BAR_H = 7 * mm


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


class _Builder(PageBuilder):
    """The record's frame (`PageBuilder`) plus the product-line table."""

    # -- the table

    def _table_header(self, columns: Sequence[Column]) -> None:
        top = self.y
        bottom = top - HEADER_ROW_H
        self.ops.append(fill_rect_op(LEFT, bottom, CONTENT_W, HEADER_ROW_H, 0.88))
        x = LEFT
        base = bottom + (HEADER_ROW_H - HEAD_SIZE * 0.8) / 2 + HEAD_SIZE * 0.05
        for col in columns:
            self.ops.append(text_op(x + col.width / 2, base, col.title, HEAD_SIZE, "centre"))
            x += col.width
        self._grid_verticals(columns, top, bottom, range(0))
        self.ops.append(line_op(LEFT, top, RIGHT, top))
        self.ops.append(line_op(LEFT, bottom, RIGHT, bottom))
        self.y = bottom

    def _grid_verticals(
        self, columns: Sequence[Column], top: float, bottom: float, skip: range
    ) -> None:
        """Column lines from `top` to `bottom`, except the inner lines of columns `skip`."""
        x = LEFT
        self.ops.append(line_op(x, top, x, bottom))
        for i, col in enumerate(columns):
            x += col.width
            if i in skip and i + 1 in skip:
                continue
            self.ops.append(line_op(x, top, x, bottom))

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
            base = first_baseline(top - PAD_Y)
            for k, s in enumerate(lines):
                size = s.size if isinstance(s, Fitted) else CELL_SIZE
                if col.align == "centre":
                    self.ops.append(
                        text_op(x + col.width / 2, base - k * CELL_LEADING, s, size, "centre")
                    )
                else:
                    self.ops.append(text_op(x + PAD_X, base - k * CELL_LEADING, s, size))
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
                    self.ops.append(line_op(x, top, x, strip_top))
                self.ops.append(line_op(gx0, strip_top, gx1, strip_top, RULE * 0.6))
            mark = block.mark
            mx = gx0 + (gx1 - gx0 - mark.width) / 2
            my = strip_top - STRIP_PAD - mark.height  # right under the text it belongs to
            self.ops.append(mark_op(mark, mx, my))
            block.bar_done = True
        else:
            self._grid_verticals(columns, top, bottom, range(0))
        self.ops.append(line_op(LEFT, bottom, RIGHT, bottom))
        block.started = True
        self.y = bottom
        return progress


# ----------------------------------------------------------------------------- the documents

# mm, sums to 180; 44+31+11 holds the barcode; 文件检查 holds "装箱清单：不一致" and its note.
COLUMN_WIDTHS_MM = (8, 44, 31, 11, 36, 31, 19)
SMALL_CODE_SIZE = 6.5  # points: a code beside its label shrinks down to this …
SMALLEST_CODE_SIZE = 5.0  # … and on a line of its own down to this, rather than break


class Fitted(str):
    """A table line printed at its own size: a code kept whole on one line (issue 7, defect 14)."""

    size: float

    def __new__(cls, text: str, size: float) -> Fitted:
        made = super().__new__(cls, text)
        made.size = size
        return made


def code_lines(label: str, code: str, width: float) -> list[str]:
    """`label` + `code` on one line, shrunk to fit `width` when needed; a code too long even so
    goes on a line of its own under its label. A drawing number or model code never breaks."""
    whole = f"{label}{code}"
    # Beside its label a code shrinks a little; on a line of its own, down to the smallest.
    for text, smallest in ((whole, SMALL_CODE_SIZE), (code, SMALLEST_CODE_SIZE)):
        size = min(CELL_SIZE, CELL_SIZE * width / max(text_width(text, CELL_SIZE), 1e-6))
        if size >= smallest:
            fitted: list[str] = [Fitted(text, size) if size < CELL_SIZE else text]
            return fitted if text == whole else [label, *fitted]
    # Longer than any drawing number seen: print it small and whole; it may reach the rule.
    return (
        [label, Fitted(code, SMALLEST_CODE_SIZE)] if label else [Fitted(code, SMALLEST_CODE_SIZE)]
    )


def _columns(result_title: str) -> list[Column]:
    titles = ("序号", "产品名称·型号", "出厂编号", "数量", "故障现象", "文件检查", result_title)
    aligns = ("centre", "left", "left", "centre", "left", "left", "left")
    return [Column(t, w * mm, a) for t, w, a in zip(titles, COLUMN_WIDTHS_MM, aligns, strict=True)]


def _block(line: PrintLine, columns: Sequence[Column]) -> _Block:
    def wrap(text: str, i: int) -> list[str]:
        return wrap_text(printable(text), CELL_SIZE, columns[i].width - 2 * PAD_X)

    inner = columns[1].width - 2 * PAD_X
    name = wrap(line.model_name, 1)
    if line.model_code:
        name += code_lines("", line.model_code, inner)
    if line.drawing_no:
        name += code_lines("图号：", line.drawing_no, inner)
    docs: list[str] = []
    for part in line.documents.splitlines():
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


def _count(lines: Sequence[PrintLine]) -> int:
    return sum(x.quantity for x in lines)


def _totals(lines: Sequence[PrintLine], confirmed: bool) -> str:
    """接收 N 件，拒收 M 件，共 K 件 on a handover record; the list only counts."""
    total = f"共 {_count(lines)} 件"
    if not confirmed:
        return f"{total}（{len(lines)} 项）"
    accepted = _count([x for x in lines if x.accepted])
    rejected = _count([x for x in lines if x.accepted is False])
    return f"接收 {accepted} 件，拒收 {rejected} 件，{total}"


def render_handover(doc: HandoverDocument) -> bytes:
    """The handover record (or the unconfirmed handover list) as PDF bytes."""
    b = _Builder(
        number=doc.number, title=doc.title, footer_label=doc.title, printed_at=doc.printed_at
    )
    b.set_mark(doc.mark)
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
    totals = f"合计：{_totals(doc.lines, doc.confirmed)}"
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
    b.set_mark(doc.mark)
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
    totals = f"拒收合计：{_count(doc.lines)} 件"
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
