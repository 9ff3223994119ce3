"""The bench record forms (KX, DW, WX, YS, CQ, SJ) as PDF, read back as a person and a scanner
would: pdftotext, pdftoppm at 300 dpi + zbarimg, pdfimages."""

from __future__ import annotations

import io
import re
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.units import mm

from app.errors import DomainError
from app.printing import layout
from app.printing.documents import FormDocument, FormField, FormSection, FormTable
from app.printing.forms import column_widths, render_form
from tests.pdf_tools import (
    decode_barcodes,
    pdf_fonts,
    pdf_info,
    pdf_pages_text,
    pdf_text,
    pdf_words,
    render_pages,
    require_tool,
)

# A conclusion whose every piece can be found again: 40 numbered sentences, over a page long.
CONCLUSION = "".join(
    f"第{i:02d}条：经通电测试和拆检，确认电源板第{i}路滤波电容C{i}击穿，导致输出短路保护动作。"
    for i in range(1, 41)
)
PART_COLUMNS = ("序号", "名称", "图号", "零件编码", "数量", "备注")
PARTS = tuple(
    (
        str(i),
        f"滤波电容CA45-{i:02d}",
        f"GC12A.31.{i:03d}",
        f"GC-12A/PART-{i:04d}",
        "1" if i % 4 else "2",
        "外观检查发现烧蚀痕迹，更换同批次合格件" if i % 3 == 0 else "原件击穿",
    )
    for i in range(1, 19)
)
HEADER_FIELDS = (
    FormField("任务单号", "FX-2026-000001"),
    FormField("产品名称", "惯性测量组件"),
    FormField("产品型号", "GC-12A"),
    FormField("出厂编号", "GC12A-2026001"),
    FormField("使用单位", "某部队修理所"),
    FormField("承制单位", "第一研究所"),
    FormField(
        "故障现象",
        "开机无显示，电源指示灯不亮；通电后报警，显示E-07故障代码。\n低温（-40℃）下无法启动。",
        wide=True,
    ),
    FormField("定位日期", "2026-11-25"),
)


def flat(text: str) -> str:
    """Text without any whitespace: pdftotext breaks wrapped lines and spaces columns apart."""
    return re.sub(r"\s+", "", text)


def make_photo(fmt: str, size: tuple[int, int], colour: tuple[int, int, int], **save) -> bytes:
    im = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(im)
    draw.rectangle([8, 8, size[0] - 8, size[1] - 8], outline=(0, 0, 0), width=4)
    draw.line([0, 0, size[0], size[1]], fill=(0, 0, 0), width=4)
    out = io.BytesIO()
    im.save(out, fmt, **save)
    return out.getvalue()


def make_dw(**changes: object) -> FormDocument:
    doc = FormDocument(
        number="DW-2026-000003",
        title="故障定位情况报告",
        subtitle="报送：科研生产部、质量部",
        item_code="GC-12A/GC12A-2026001",
        fields=HEADER_FIELDS,
        sections=(
            FormSection(
                "故障定位结论",
                fields=(
                    FormField("故障部位", "电源板"),
                    FormField("故障性质", "元器件失效"),
                    FormField("责任判定", "质量问题（非使用原因）", wide=True),
                ),
                text=CONCLUSION,
            ),
            FormSection(
                "处理意见",
                table=FormTable("更换零件", PART_COLUMNS, PARTS, barcode_column=3),
            ),
        ),
        signatures=("定位人", "检验员", "用户代表"),
        printed_at="2026-11-25 10:03",
        photos=(
            make_photo("JPEG", (640, 480), (200, 220, 255)),
            make_photo("PNG", (300, 400), (255, 220, 200)),
        ),
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def make_wx(**changes: object) -> FormDocument:
    doc = FormDocument(
        number="WX-2026-000007",
        title="维修记录",
        subtitle="",
        item_code="GC-12A/GC12A-2026001",
        fields=HEADER_FIELDS[:6],
        sections=(
            FormSection(
                "维修内容",
                fields=(
                    FormField("故障原因", "电源板滤波电容C12击穿", wide=True),
                    FormField("维修措施", "更换滤波电容C12，复测各路输出正常。", wide=True),
                ),
            ),
            FormSection(
                "更换零件",
                table=FormTable(
                    "更换零件",
                    ("序号", "名称", "零件编码", "数量"),
                    (("1", "滤波电容", "CA45-0012", "1"), ("2", "保险丝", "", "2")),
                    barcode_column=2,
                ),
            ),
            FormSection("试验结论", text="各项指标合格，同意出厂。"),
        ),
        signatures=("维修人", "检验员", "用户代表"),
        printed_at="2026-11-28 16:20",
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def dw() -> FormDocument:
    return make_dw()


@pytest.fixture(scope="module")
def dw_pdf(dw: FormDocument) -> bytes:
    return render_form(dw)


@pytest.fixture(scope="module")
def wx_pdf() -> bytes:
    return render_form(make_wx())


def _decode_pages(pdf: bytes, tmp_path: Path, dpi: int = 300) -> list[list[str]]:
    images = render_pages(pdf, tmp_path, dpi=dpi)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(decode_barcodes, images))


def _image_list(pdf: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """pdfimages -list rows as dicts (page, type, width, height, color, enc, ...)."""
    tool = require_tool("pdfimages")
    src = tmp_path / "images.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(
        [tool, "-list", str(src)], capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    keys = lines[0].split()
    return [dict(zip(keys, line.split(), strict=False)) for line in lines[2:]]


# ----------------------------------------------------------------------------- text


def test_dw_text_reads_back(dw_pdf: bytes, dw: FormDocument) -> None:
    text = flat(pdf_text(dw_pdf))
    for piece in (dw.title, dw.number, dw.subtitle, dw.item_code, "产品条码"):
        assert flat(piece) in text
    fields = [*dw.fields, *dw.sections[0].fields]
    for f in fields:
        assert flat(f.label) in text
        assert flat(f.value) in text, f.label
    for title in PART_COLUMNS:
        assert title in text
    for row in PARTS:
        for cell in row:
            assert flat(cell) in text, cell
    for section in dw.sections:
        assert section.title in text
    assert "照片1" in text and "照片2" in text


def test_the_font_is_embedded(dw_pdf: bytes, wx_pdf: bytes) -> None:
    for pdf in (dw_pdf, wx_pdf):
        fonts = pdf_fonts(pdf)
        assert fonts and all(f["emb"] == "yes" for f in fonts), fonts


def test_long_conclusion_flows_over_pages_inside_the_page(dw_pdf: bytes, dw: FormDocument) -> None:
    words = pdf_words(dw_pdf)
    frame = layout.PageBuilder(number=dw.number, title=dw.title, footer_label="", printed_at="")
    body_top = layout.PAGE_H - frame.body_top  # under the title band (pdftotext: y down)
    body_bottom = layout.PAGE_H - layout.BOTTOM
    body = [w for w in words if body_top < w.y_min and w.y_max < body_bottom]
    flow = "".join(w.text for w in sorted(body, key=lambda w: (w.page, w.y_min, w.x_min)))
    assert flat(CONCLUSION) in flow  # all of it, in order, across the page break
    pieces = [w for w in words if len(w.text) >= 6 and w.text in CONCLUSION]
    assert {w.page for w in pieces} == {1, 2}  # it did continue on the next page
    for w in pieces:
        assert w.x_min > layout.LEFT and w.x_max < layout.RIGHT, w


def test_every_page_has_the_frame_and_the_table_its_header(dw_pdf: bytes, dw: FormDocument) -> None:
    pages = pdf_pages_text(dw_pdf)
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert dw.title in page
        assert f"第{n}页共{len(pages)}页" in flat(page)
        assert page.count(dw.number) >= 2  # under the barcode and in the footer
    table_pages = [n for n, p in enumerate(pages) if "GC-12A/PART-" in p]
    assert len(table_pages) == 2  # the parts table spans two pages
    for n in table_pages:
        assert all(title in pages[n] for title in PART_COLUMNS)  # header row repeated
    assert "更换零件（续）" in pages[table_pages[1]]


def test_table_rows_are_in_order_and_each_printed_once(dw_pdf: bytes) -> None:
    text = pdf_text(dw_pdf)
    codes = re.findall(r"GC-12A/PART-\d{4}", text)
    assert codes == [row[3] for row in PARTS]


def test_signatures_close_the_record_together(dw_pdf: bytes, wx_pdf: bytes) -> None:
    last = pdf_pages_text(dw_pdf)[-1]
    for who in ("定位人", "检验员", "用户代表"):
        assert f"{who}签字：" in last
    assert last.count("日期：") == 3
    text = pdf_text(wx_pdf)
    for who in ("维修人", "检验员", "用户代表"):
        assert f"{who}签字：" in text
    assert text.count("日期：") == 3


def test_wx_form_is_one_page_with_its_sections(wx_pdf: bytes) -> None:
    pages = pdf_pages_text(wx_pdf)
    assert len(pages) == 1
    text = flat(pages[0])
    for piece in ("维修记录", "WX-2026-000007", "维修内容", "电源板滤波电容C12击穿", "试验结论"):
        assert piece in text
    assert "各项指标合格，同意出厂。" in text
    assert "第1页共1页" in text
    assert pdf_info(wx_pdf)["Page size"].startswith("595.276 x 841.89")  # A4


# ----------------------------------------------------------------------------- barcodes


def test_record_number_scans_on_every_page_and_item_codes_scan(
    dw_pdf: bytes, dw: FormDocument, tmp_path: Path
) -> None:
    decoded = _decode_pages(dw_pdf, tmp_path)
    assert len(decoded) == len(pdf_pages_text(dw_pdf))
    for n, codes in enumerate(decoded, start=1):
        assert codes.count(dw.number) == 1, f"page {n}: {codes}"
    assert dw.item_code in decoded[0]  # the header block's item code
    scanned = sorted(c for codes in decoded for c in codes if c.startswith("GC-12A/PART-"))
    assert scanned == sorted(row[3] for row in PARTS)  # every row's code, once


def test_wx_codes_scan_and_an_empty_code_cell_has_no_barcode(wx_pdf: bytes, tmp_path: Path) -> None:
    (codes,) = _decode_pages(wx_pdf, tmp_path)
    assert sorted(codes) == sorted(["WX-2026-000007", "GC-12A/GC12A-2026001", "CA45-0012"])


def test_a_form_without_item_code_photos_or_signatures_prints(tmp_path: Path) -> None:
    doc = make_wx(item_code="", signatures=(), sections=(), photos=())
    pdf = render_form(doc)
    text = pdf_text(pdf)
    assert "产品条码" not in text and "签字" not in text
    (codes,) = _decode_pages(pdf, tmp_path)
    assert codes == ["WX-2026-000007"]


def test_codes_that_cannot_be_barcodes_are_refused_in_words() -> None:
    with pytest.raises(DomainError, match="产品编码"):
        render_form(make_wx(item_code="型号/001"))
    with pytest.raises(DomainError, match="记录编号"):
        render_form(make_wx(number="维修-1"))


# ----------------------------------------------------------------------------- photos


def test_photos_are_embedded_as_thumbnails(dw_pdf: bytes, tmp_path: Path) -> None:
    images = [row for row in _image_list(dw_pdf, tmp_path) if row["type"] == "image"]
    assert len(images) == 2
    jpeg, png = images
    assert jpeg["enc"] == "jpeg" and (jpeg["width"], jpeg["height"]) == ("640", "480")
    assert (png["width"], png["height"]) == ("300", "400")
    # ~55 mm wide at most: 640 px over 55 mm is about 295 dpi.
    assert 280 <= int(jpeg["x-ppi"]) <= 310
    text = pdf_pages_text(dw_pdf)
    assert "照片" in text[int(jpeg["page"]) - 1]


def test_photos_are_upright_and_small_and_a_bad_one_is_marked(tmp_path: Path) -> None:
    # A phone photo: stored landscape with EXIF "rotate 90" (orientation 6), and large.
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = make_photo("JPEG", (2400, 1800), (220, 255, 220), exif=exif.tobytes())
    doc = make_wx(photos=(rotated, b"not an image"))
    pdf = render_form(doc)
    (image,) = [row for row in _image_list(pdf, tmp_path) if row["type"] == "image"]
    assert int(image["height"]) > int(image["width"])  # printed upright
    assert max(int(image["width"]), int(image["height"])) <= 700  # scaled down to a thumbnail
    assert "照片无法读取" in pdf_text(pdf)


def test_no_more_than_six_photos_a_page() -> None:
    photo = make_photo("PNG", (120, 90), (230, 230, 230))
    pdf = render_form(make_wx(photos=(photo,) * 8))
    pages = pdf_pages_text(pdf)
    counts = [len(re.findall(r"照片 \d", p)) for p in pages]
    assert sum(counts) == 8
    assert max(counts) <= 6


# ----------------------------------------------------------------------------- layout rules


def test_column_widths_fill_the_line_and_keep_short_columns_narrow() -> None:
    widths = column_widths(
        ("序号", "名称", "图号", "数量"), [("1", "滤波电容", "GC12A.31.012", "2")]
    )
    assert sum(widths) == pytest.approx(layout.CONTENT_W)
    assert widths[0] < 12 * mm and widths[3] < 12 * mm
    long = column_widths(("序号", "说明"), [("1", "很长的说明" * 100)])
    assert sum(long) == pytest.approx(layout.CONTENT_W)
    assert long[0] < 12 * mm


def test_a_row_with_too_many_cells_is_a_caller_error() -> None:
    table = FormTable("验收项目", ("项目", "结果"), (("外观", "合格", "多余"),))
    with pytest.raises(ValueError):
        render_form(make_wx(sections=(FormSection("验收", table=table),)))


def test_an_empty_table_says_so() -> None:
    table = FormTable("超期产品", ("序号", "出厂编号"), ())
    pdf = render_form(make_wx(sections=(FormSection("超期产品", table=table),)))
    assert "（无）" in pdf_text(pdf)


def test_one_page_form_is_fast() -> None:
    doc = make_wx()
    render_form(doc)  # warm: font registered, glyph widths cached
    times = []
    for _ in range(7):
        start = time.perf_counter()
        render_form(doc)
        times.append(time.perf_counter() - start)
    # Budget 40 ms; measured 10-25 ms here. The bound leaves room for a busy 2-core machine.
    assert statistics.median(times) < 0.080
