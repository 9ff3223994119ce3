"""Item labels as PDF, read back as a thermal printer and a scanner would: pdfinfo for the page
size, pdftoppm at 203 dpi (the printer's resolution) + zbarimg, pdftotext -bbox for the text."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.units import mm

from app.errors import DomainError
from app.printing import item_labels as labels_module
from app.printing.barcodes import LABEL_MODULE, code128_width
from app.printing.documents import ItemLabel
from app.printing.item_labels import render_labels
from tests.pdf_tools import (
    decode_barcodes,
    pdf_fonts,
    pdf_info,
    pdf_text,
    pdf_words,
    render_pages,
)

LONG_FAULT = (
    "通电后报警，显示E-07故障代码，复位后仍出现；低温（-40℃）下无法启动，Ⅴ档输出偏低，"
    "外壳变形，左侧安装耳断裂，电源板烧蚀，接插件锈蚀严重。" * 3
)
SHORT_CODES = ("SF-3/001", "A1/07", "GC/12")  # fit a 60 mm label as Code128 at 0.375 mm
# The domain's own example: 95 mm as Code128 at 0.375 mm, wider than either label.
USUAL_CODE = "GC-12A/GC12A-2026001"
VERY_LONG_CODE = "GC-12A/GC12A-2026001-REPAIR-LONG-CODE-XX"


def make_label(code: str, i: int = 1, **changes: str) -> ItemLabel:
    values = {
        "item_code": code,
        "model_code": "GC-12A",
        "model_name": "惯性测量组件",
        "serial_no": f"GC12A-2026{i:03d}",
        "task_number": "FX-2026-000001",
        "fault_short": "开机无显示，电源指示灯不亮",
        "manufacturer": "第一研究所",
    }
    values.update(changes)
    return ItemLabel(**values)


def sheet_labels(count: int) -> list[ItemLabel]:
    out = []
    for i in range(1, count + 1):
        code = f"SF3/{i:03d}" if i % 3 == 0 else f"GC-12A/GC12A-2026{i:03d}"
        out.append(
            make_label(
                code,
                i,
                fault_short=LONG_FAULT if i % 4 == 0 else "开机无显示",
                manufacturer="" if i % 5 == 0 else "第一研究所",
            )
        )
    return out


def _scan_labels(
    pdf: bytes, tmp_path: Path, dpi: int, count: int, size: str = "a4"
) -> list[list[str]]:
    """What a scanner aimed at each label reads, label by label in print order: every page is
    rendered at `dpi` and each label's rectangle scanned on its own. (zbarimg over a whole sheet
    of 14 QR codes in a grid now and then misses one: it groups finder patterns of neighbours.)"""
    g = labels_module.LABEL_SIZES[size]
    scale = dpi / 72.0
    crops = []
    for n, page in enumerate(render_pages(pdf, tmp_path / f"r{dpi}", dpi=dpi)):
        with Image.open(page) as im:
            for k in range(min(g.per_page, count - n * g.per_page)):
                row, col = divmod(k, g.cols)
                x0 = g.left + col * g.label_w
                y0 = g.page_h - g.top + row * g.label_h  # from the top of the page
                box = (x0 * scale, y0 * scale, (x0 + g.label_w) * scale, (y0 + g.label_h) * scale)
                crop = tmp_path / f"r{dpi}" / f"label-{n}-{k}.pgm"
                im.crop(box).save(crop)
                crops.append(crop)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda crop: decode_barcodes(crop, symbology=None), crops))


def _page_size_mm(pdf: bytes) -> tuple[float, float]:
    w, _, h = pdf_info(pdf)["Page size"].split()[:3]
    return float(w) / mm, float(h) / mm


def _dark_runs(row: list[bool]) -> list[int]:
    runs, count = [], 0
    for dark in [*row, False]:
        if dark:
            count += 1
        elif count:
            runs.append(count)
            count = 0
    return runs


# ----------------------------------------------------------------------------- 60 x 40 thermal


def test_60x40_pages_are_the_label_size_one_label_each(tmp_path: Path) -> None:
    items = [make_label(code, i) for i, code in enumerate(SHORT_CODES, start=1)]
    pdf = render_labels(items, "60x40")
    info = pdf_info(pdf)
    assert int(info["Pages"]) == len(items)
    w, h = _page_size_mm(pdf)
    assert w == pytest.approx(60, abs=0.01) and h == pytest.approx(40, abs=0.01)


def test_60x40_short_codes_are_code128_and_scan_at_203_dpi(tmp_path: Path) -> None:
    items = [make_label(code, i) for i, code in enumerate(SHORT_CODES, start=1)]
    pdf = render_labels(items, "60x40")
    images = render_pages(pdf, tmp_path, dpi=203)
    for image, code in zip(images, SHORT_CODES, strict=True):
        assert decode_barcodes(image, symbology="code128") == [code]
        assert decode_barcodes(image, symbology="qrcode") == []


def test_60x40_code128_module_is_at_least_0_375_mm(tmp_path: Path) -> None:
    """Measured as a scanner would: the narrowest bar on a 600 dpi render."""
    assert labels_module.BAR_MODULE >= LABEL_MODULE
    pdf = render_labels([make_label("SF-3/001")], "60x40")
    (image,) = render_pages(pdf, tmp_path, dpi=600)
    with Image.open(image) as im:
        width, height = im.size
        raw = im.convert("L").tobytes()
    rows = [[raw[y * width + x] < 128 for x in range(width)] for y in range(height // 2, height, 4)]
    # The bars are the run pattern repeated down the most rows (text changes from row to row).
    patterns = Counter(tuple(_dark_runs(row)) for row in rows)
    best = max((p for p in patterns if len(p) >= 20), key=lambda p: patterns[p])
    assert patterns[best] >= 10
    narrowest = min(best) / 600 * 25.4
    assert narrowest >= 0.375 - 25.4 / 600  # one 600 dpi pixel of rendering tolerance


def test_60x40_usual_and_very_long_codes_fall_back_to_qr_and_scan_at_203_dpi(
    tmp_path: Path,
) -> None:
    assert code128_width(USUAL_CODE, LABEL_MODULE) > 60 * mm  # why: 95 mm of bars
    items = [make_label(USUAL_CODE, 1), make_label(VERY_LONG_CODE, 2)]
    pdf = render_labels(items, "60x40")
    images = render_pages(pdf, tmp_path, dpi=203)
    for image, item in zip(images, items, strict=True):
        assert decode_barcodes(image, symbology="qrcode") == [item.item_code]
        assert decode_barcodes(image, symbology="code128") == []
    text = pdf_text(pdf)
    assert USUAL_CODE in text and VERY_LONG_CODE in text  # the code as text beside the QR


def test_60x40_text_stays_on_the_label_and_long_text_is_cut() -> None:
    items = [
        make_label("SF-3/001", 1, fault_short=LONG_FAULT),
        make_label(USUAL_CODE, 2, fault_short=LONG_FAULT),
        make_label(
            USUAL_CODE,
            3,
            model_name="惯性测量组件（含安装支架、连接电缆及专用包装箱）" * 2,
            serial_no="GC12A-2026003-A-REWORK-0001-EXTRA",
            task_number="FX-2026-000001（补充任务：第二批次返修产品）",
            manufacturer="某某电子科技集团有限公司第十四研究所第二事业部",
        ),
        make_label(USUAL_CODE, 4, manufacturer=""),
    ]
    pdf = render_labels(items, "60x40")
    words = pdf_words(pdf)
    page_w, page_h = 60 * mm, 40 * mm
    assert {w.page for w in words} == {1, 2, 3, 4}
    for w in words:
        assert w.x_min >= 0.5 * mm and w.x_max <= page_w - 0.5 * mm, w
        assert w.y_min >= 0.5 * mm and w.y_max <= page_h - 0.5 * mm, w
    text = pdf_text(pdf)
    assert "…" in text  # the long fault (and the overlong fields) were cut, not overflowing
    assert "故障：通电后报警" in text
    assert LONG_FAULT[:60] not in text.replace("\n", "")
    assert "承制：" in text


# ----------------------------------------------------------------------------- A4 sheets


@pytest.fixture(scope="module")
def sheet() -> list[ItemLabel]:
    return sheet_labels(25)


@pytest.fixture(scope="module")
def sheet_pdf(sheet: list[ItemLabel]) -> bytes:
    return render_labels(sheet, "a4")


def test_a4_sheet_holds_21_labels(sheet_pdf: bytes) -> None:
    info = pdf_info(sheet_pdf)
    assert int(info["Pages"]) == 2
    assert info["Page size"].startswith("595.276 x 841.89")
    fonts = pdf_fonts(sheet_pdf)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts


@pytest.mark.parametrize("dpi", [203, 300])
def test_a4_every_code_scans(sheet_pdf: bytes, sheet: list[ItemLabel], dpi: int, tmp_path):
    scanned = _scan_labels(sheet_pdf, tmp_path, dpi, len(sheet))
    assert len(scanned) == 25
    for k, item in enumerate(sheet):
        assert scanned[k] == [item.item_code], f"label {k + 1} at {dpi} dpi"


def test_a4_text_stays_inside_its_label(sheet_pdf: bytes, sheet: list[ItemLabel]) -> None:
    g = labels_module.LABEL_SIZES["a4"]
    grid_top = g.page_h - g.top  # pdftotext measures y from the top of the page
    words = pdf_words(sheet_pdf)
    assert words
    for w in words:
        col = int((w.x_min + w.x_max) / 2 // g.label_w)
        row = int(((w.y_min + w.y_max) / 2 - grid_top) // g.label_h)
        x0 = g.left + col * g.label_w
        y0 = grid_top + row * g.label_h
        assert x0 + 1 * mm <= w.x_min and w.x_max <= x0 + g.label_w - 1 * mm, w
        assert y0 + 1 * mm <= w.y_min and w.y_max <= y0 + g.label_h - 1 * mm, w
    text = pdf_text(sheet_pdf)
    for item in sheet:
        assert item.serial_no in text
    assert "…" in text  # the long faults were cut


# ----------------------------------------------------------------------------- refusals


def test_unknown_size_empty_list_and_missing_code_are_refused() -> None:
    with pytest.raises(ValueError):
        render_labels([make_label("SF-3/001")], "100x50")
    with pytest.raises(DomainError):
        render_labels([], "60x40")
    with pytest.raises(DomainError, match="产品编码"):
        render_labels([make_label("  ")], "a4")
    with pytest.raises(DomainError, match="条码不能表示"):
        render_labels([make_label("惯导-12/GC12A-2026001")], "60x40")
    with pytest.raises(DomainError, match="过长"):
        render_labels([make_label("GC-12A/" + "x" * 300)], "60x40")


def test_sizes_are_accepted_as_written_in_settings() -> None:
    pdf = render_labels([make_label("SF-3/001")], "60×40")
    assert int(pdf_info(pdf)["Pages"]) == 1
    pdf = render_labels([make_label("SF-3/001")], "A4")
    assert int(pdf_info(pdf)["Pages"]) == 1
