"""The printing layer: handover record and rejection notice PDFs, read back as a person and a
scanner would (pdftotext, pdffonts, pdftoppm at 300 dpi + zbarimg)."""

from __future__ import annotations

import ast
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.errors import DomainError
from app.printing import fonts, handover
from app.printing.barcodes import MIN_MODULE, QUIET_MODULES, Code128Mark, QrMark, code128_width
from app.printing.documents import HandoverDocument, PrintLine, RejectionNoticeDocument
from app.printing.fonts import FONT_NAME, printable, register_fonts, resources_dir
from app.printing.handover import render_handover, render_rejection_notice, wrap_text
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

PRINTING_DIR = Path(handover.__file__).resolve().parent

FAULTS = (
    "开机无显示，电源指示灯不亮",
    "通电后报警，显示E-07故障代码，复位后仍出现",
    "外壳变形，左侧安装耳断裂",
    "低温（-40℃）下无法启动；Ⅴ档输出偏低",
    "",
)
MODELS = (("GC-12A", "惯性测量组件", "GC12A.000"), ("SF-3", "伺服放大器", "SF3-00-01"))

# A fault text whose every piece can be found again: 40 numbered sentences.
LONG_FAULT = "".join(
    f"第{i:02d}段：设备在连续工作约{i * 3}分钟后出现间歇性断电，复位无效，拆检发现电源板C{i}烧蚀。"
    for i in range(1, 41)
)


def make_lines(count: int, *, long_fault_at: int | None = None) -> tuple[PrintLine, ...]:
    lines = []
    for i in range(1, count + 1):
        code, name, drawing = MODELS[i % 2]
        serial = f"{code.replace('-', '')}-2026{i:03d}"
        rejected = i % 7 == 0
        lines.append(
            PrintLine(
                seq=i,
                item_code=f"{code}/{serial}",
                model_code=code,
                model_name=name,
                drawing_no=drawing,
                serial_no=serial,
                quantity=1 if i % 5 else 2,
                fault_description=LONG_FAULT if i == long_fault_at else FAULTS[i % len(FAULTS)],
                documents=(
                    "证明文件：一致\n故障单：一致\n装箱清单：缺失（未随产品交回）"
                    if rejected
                    else "证明文件：一致\n故障单：一致\n装箱清单：一致"
                ),
                result="拒收：装箱清单缺失" if rejected else "接收",
                accepted=not rejected,
            )
        )
    return tuple(lines)


def make_handover(
    count: int, *, long_fault_at: int | None = None, confirmed: bool = True, **changes: object
) -> HandoverDocument:
    values: dict[str, object] = {
        "number": "JJ-2026-000012" if confirmed else "FX-2026-000003",
        "title": "返厂产品交接记录单" if confirmed else "返厂交接清单（未确认）",
        "task_number": "FX-2026-000003",
        "from_party": "某部队修理所",
        "to_party": "物资管理部门",
        "from_person": "张建国",
        "to_person": "李明",
        "handover_date": "2026-11-20",
        "node_date": "2026-12-05",
        "lines": make_lines(count, long_fault_at=long_fault_at),
        "anomalies": "第7项装箱清单缺失，已当场告知用户代表。",
        "printed_at": "2026-11-22 14:03",
        "confirmed": confirmed,
    }
    values.update(changes)
    return HandoverDocument(**values)  # type: ignore[arg-type]


def make_rejection() -> RejectionNoticeDocument:
    rejected = tuple(x for x in make_lines(30) if x.result.startswith("拒收"))
    return RejectionNoticeDocument(
        number="JS-2026-000004",
        task_number="FX-2026-000003",
        handover_number="JJ-2026-000012",
        addressed_to="某总体研究所",
        user_unit="某部队修理所",
        issued_by="李明",
        issued_date="2026-11-20",
        lines=rejected,
        printed_at="2026-11-22 14:03",
    )


def flat(text: str) -> str:
    """Text without any whitespace: pdftotext breaks wrapped lines and spaces columns apart."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def doc30() -> HandoverDocument:
    return make_handover(30)


@pytest.fixture(scope="module")
def pdf30(doc30: HandoverDocument) -> bytes:
    return render_handover(doc30)


@pytest.fixture(scope="module")
def doc45() -> HandoverDocument:
    return make_handover(45, long_fault_at=12, confirmed=False)


@pytest.fixture(scope="module")
def pdf45(doc45: HandoverDocument) -> bytes:
    return render_handover(doc45)


@pytest.fixture(scope="module")
def rejection() -> RejectionNoticeDocument:
    return make_rejection()


@pytest.fixture(scope="module")
def rejection_pdf(rejection: RejectionNoticeDocument) -> bytes:
    return render_rejection_notice(rejection)


# ----------------------------------------------------------------------------- fonts


def test_font_is_registered_once_under_its_name() -> None:
    assert register_fonts() == FONT_NAME
    assert register_fonts() == FONT_NAME
    assert (resources_dir() / "fonts" / "wqy-zenhei.ttc").is_file()
    assert (resources_dir() / "fonts" / "wqy-zenhei.LICENSE.txt").is_file()


def test_resources_dir_follows_a_frozen_build(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"


def test_printable_replaces_what_the_font_lacks() -> None:
    assert printable("证明文件✓ 装箱清单✗") == "证明文件√ 装箱清单×"
    assert printable("a\r\nb\rc\x07") == "a\nb\nc"
    assert printable("故障\U0001f600") == "故障?"  # an emoji: no glyph, no empty box


# ----------------------------------------------------------------------------- text wrapping


def test_wrap_keeps_every_character_and_the_width() -> None:
    width = 40 * mm
    lines = wrap_text(LONG_FAULT, 9, width)
    assert len(lines) > 10
    assert "".join(lines) == LONG_FAULT
    for line in lines:
        assert handover.text_width(line, 9) <= width + 1e-6
        assert line[0] not in "，。；：）", line  # no line starts with closing punctuation


def test_wrap_keeps_latin_words_and_cuts_only_overlong_ones() -> None:
    lines = wrap_text("序列号 ABCDEF123456 与 GHIJ", 9, 30 * mm)
    assert any("ABCDEF123456" in x for x in lines)
    overlong = "X" * 80
    lines = wrap_text(overlong, 9, 30 * mm)
    assert "".join(lines) == overlong
    assert all(handover.text_width(x, 9) <= 30 * mm + 1e-6 for x in lines)
    assert wrap_text("", 9, 30 * mm) == [""]
    assert wrap_text("第一行\n第二行", 9, 80 * mm) == ["第一行", "第二行"]


# ----------------------------------------------------------------------------- barcodes


def test_code128_module_and_quiet_zone() -> None:
    with pytest.raises(ValueError):
        Code128Mark("GC-12A/GC12A-2026001", module=0.30 * mm)
    with pytest.raises(ValueError):
        Code128Mark("型号/1")
    mark = Code128Mark("GC-12A/GC12A-2026001")
    assert mark.module >= 0.33 * mm - 1e-9
    ops = mark._bars_operators(0, 0).splitlines()[:-1]
    xs = [tuple(float(v) for v in op.split()[:3]) for op in ops]
    assert min(w for _, _, w in xs) >= MIN_MODULE - 1e-3
    assert xs[0][0] >= QUIET_MODULES * MIN_MODULE - 1e-3  # left quiet zone
    right = max(x + w for x, _, w in xs)
    assert mark.width - right >= QUIET_MODULES * MIN_MODULE - 1e-3  # right quiet zone
    assert mark.height > mark.bar_height  # the text below is inside the mark's height
    assert code128_width("GC-12A/GC12A-2026001") == pytest.approx(mark.width)


def test_qr_mark_decodes(tmp_path: Path) -> None:
    require_tool("zbarimg")
    c = Canvas(str(tmp_path / "qr.pdf"), pagesize=(40 * mm, 40 * mm))
    mark = QrMark("GC-12A/GC12A-2026001", size=30 * mm)
    mark.drawOn(c, 5 * mm, 5 * mm)
    c.showPage()
    c.save()
    pages = render_pages(tmp_path / "qr.pdf", tmp_path / "img", dpi=300)
    assert decode_barcodes(pages[0], symbology="qrcode") == ["GC-12A/GC12A-2026001"]
    assert mark.module >= 0.33 * mm


# ----------------------------------------------------------------------------- handover record


def test_handover_text_reads_back(pdf30: bytes, doc30: HandoverDocument) -> None:
    text = pdf_text(pdf30)
    flat_text = flat(text)
    assert "返厂产品交接记录单" in text
    for value in (doc30.number, doc30.task_number, doc30.from_party, doc30.to_party):
        assert value in flat_text
    for value in (doc30.from_person, doc30.to_person, doc30.handover_date, doc30.node_date):
        assert value in flat_text
    for line in doc30.lines:
        assert line.serial_no in text
        assert line.item_code in text  # the line under its barcode
    for header in ("序号", "产品名称·型号", "出厂编号", "数量", "故障现象", "文件检查", "结论"):
        assert header in text
    assert "移交人（用户代表）签字：" in text
    assert "接收人（物资交接员）签字：" in text
    assert text.count("日期：") >= 2
    assert flat(doc30.anomalies) in flat_text
    assert "低温（-40℃）下无法启动；Ⅴ档输出偏低" in flat_text
    assert "装箱清单：缺失（未随产品交回）" in flat_text and "证明文件：一致" in text
    # Defect 14: the total splits accepted and rejected (every 7th rejected, every 5th two).
    assert "合计：接收32件，拒收4件，共36件" in flat_text


def test_every_page_has_footer_and_table_header(pdf45: bytes, doc45: HandoverDocument) -> None:
    pages = pdf_pages_text(pdf45)
    total = len(pages)
    assert total >= 4
    for n, page in enumerate(pages, start=1):
        assert f"第{n}页共{total}页" in flat(page)
        assert doc45.number in page
        assert "返厂交接清单（未确认）" in page
        assert "打印时间：2026-11-22 14:03" in page
        if any(x.item_code in page for x in doc45.lines) or "续" in page:
            assert "故障现象" in page and "出厂编号" in page, f"page {n} has rows, no header"
    assert "未确认" in pages[0]
    assert "移交人（用户代表）签字：" in pages[-1]


def test_fonts_are_embedded(pdf30: bytes, pdf45: bytes, rejection_pdf: bytes) -> None:
    for pdf in (pdf30, pdf45, rejection_pdf):
        rows = pdf_fonts(pdf)
        assert rows, "no fonts listed"
        assert all(r["emb"] == "yes" for r in rows), rows
        assert all("WenQuanYiZenHei" in r["name"] for r in rows), rows


def test_pdf_metadata_title(pdf30: bytes, rejection_pdf: bytes) -> None:
    assert pdf_info(pdf30)["Title"] == "返厂产品交接记录单 JJ-2026-000012"
    assert pdf_info(rejection_pdf)["Title"] == "拒收通知单 JS-2026-000004"


def _decode_all(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    images = render_pages(pdf, tmp_path, dpi=300)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(decode_barcodes, images))


def _check_barcodes(pdf: bytes, number: str, lines: tuple[PrintLine, ...], tmp_path: Path) -> None:
    pages_text = pdf_pages_text(pdf)
    decoded = _decode_all(pdf, tmp_path)
    assert len(decoded) == len(pages_text)
    seen: list[str] = []
    for n, (codes, text) in enumerate(zip(decoded, pages_text, strict=True), start=1):
        assert codes.count(number) == 1, f"page {n}: record number not read ({codes})"
        # The item codes printed (as text under their barcode) on this page must all scan.
        expected = sorted(x.item_code for x in lines if x.item_code in text)
        got = sorted(c for c in codes if c != number)
        assert got == expected, f"page {n}"
        seen += got
    assert sorted(seen) == sorted(x.item_code for x in lines)  # each exactly once


def test_barcodes_scan_on_30_line_record(pdf30: bytes, doc30, tmp_path: Path) -> None:
    _check_barcodes(pdf30, doc30.number, doc30.lines, tmp_path)


def test_barcodes_scan_on_every_page_of_45_lines(pdf45: bytes, doc45, tmp_path: Path) -> None:
    _check_barcodes(pdf45, doc45.number, doc45.lines, tmp_path)


def test_long_fault_text_wraps_inside_its_column(pdf45: bytes, doc45: HandoverDocument) -> None:
    widths = [w * mm for w in handover.COLUMN_WIDTHS_MM]
    left = handover.LEFT + sum(widths[:4])
    right = left + widths[4]
    words = pdf_words(pdf45)
    # Read the fault column top to bottom, page after page: the long text is all there, in order.
    body_bottom = handover.PAGE_H - handover.BOTTOM  # pdftotext measures y from the top
    column = sorted(
        (
            w
            for w in words
            if left - 1 < w.x_min < right and w.y_max < body_bottom and w.text != "故障现象"
        ),
        key=lambda w: (w.page, w.y_min, w.x_min),
    )
    assert flat(LONG_FAULT) in "".join(w.text for w in column)
    pieces = [w for w in words if len(w.text) >= 4 and w.text in LONG_FAULT]
    assert sum(len(w.text) for w in pieces) >= len(LONG_FAULT) * 0.9
    for w in pieces:
        assert left < w.x_min and w.x_max < right, w  # never out of its cell
    pages = sorted({w.page for w in pieces})
    assert len(pages) >= 2  # the long cell continued on the next page
    page_texts = pdf_pages_text(pdf45)
    assert "续" in page_texts[pages[1] - 1]  # and the continuation is marked


def test_no_cell_text_crosses_a_column_line(pdf45: bytes, doc45: HandoverDocument) -> None:
    """Every word of the table's cells starts and ends in one column."""
    widths = [w * mm for w in handover.COLUMN_WIDTHS_MM]
    edges = [handover.LEFT]
    for w in widths:
        edges.append(edges[-1] + w)
    cells = []
    for x in doc45.lines:
        fields = (x.model_name, x.serial_no, x.fault_description, x.documents, x.result)
        cells += [printable(f) for f in fields]
        cells += [x.model_code, f"图号：{x.drawing_no}"]
    item_codes = {x.item_code for x in doc45.lines}  # centred under its barcode, spans columns
    words = [
        w
        for w in pdf_words(pdf45)
        if len(w.text) >= 2 and w.text not in item_codes and any(w.text in c for c in cells)
    ]
    assert len(words) > 45 * 4
    for w in words:
        assert not any(w.x_min + 0.5 < e < w.x_max - 0.5 for e in edges), w


def test_unconfirmed_list_and_empty_fields() -> None:
    doc = make_handover(3, confirmed=False, from_person="", anomalies="", node_date="")
    text = pdf_text(render_handover(doc))
    assert "返厂交接清单（未确认）" in text
    assert "FX-2026-000003" in text
    assert re.search(r"异常情况：\s*无", text)
    assert "（）" not in text  # no empty name under the user representative's line
    assert "节点日期：—" in flat(text)


def test_record_with_no_lines_still_prints() -> None:
    text = pdf_text(render_handover(make_handover(0)))
    assert "合计：接收 0 件，拒收 0 件，共 0 件" in text
    assert "第1页共1页" in flat(text)


def test_a_long_item_code_widens_its_barcode_strip_and_scans(tmp_path: Path) -> None:
    lines = list(make_lines(3))
    lines[1] = replace(
        lines[1],
        item_code="ABCDEFGH-12/XYZ-2026-000123",  # 109 mm: wider than the identity columns
        model_code="ABCDEFGH-12",
        serial_no="XYZ-2026-000123",
    )
    doc = make_handover(0, lines=tuple(lines))
    _check_barcodes(render_handover(doc), doc.number, doc.lines, tmp_path)


def test_an_item_code_that_cannot_be_a_barcode_is_refused_in_words() -> None:
    bad = replace(make_lines(1)[0], item_code="GC-12A/出厂-001")
    with pytest.raises(DomainError, match="第 1 项"):
        render_handover(make_handover(0, lines=(bad,)))
    too_long = replace(make_lines(1)[0], item_code="X" * 60 + "/1")
    with pytest.raises(DomainError, match="过长"):
        render_handover(make_handover(0, lines=(too_long,)))


# ----------------------------------------------------------------------------- rejection notice


def test_rejection_notice_reads_back(
    rejection_pdf: bytes, rejection: RejectionNoticeDocument, tmp_path: Path
) -> None:
    text = pdf_text(rejection_pdf)
    flat_text = flat(text)
    assert "拒收通知单" in text
    for value in (
        rejection.number,
        rejection.task_number,
        rejection.handover_number,
        rejection.addressed_to,
        rejection.user_unit,
        rejection.issued_date,
    ):
        assert value in flat_text
    assert "文、物不一致或文件缺失，予以拒收，请总体单位协调解决" in flat_text
    assert "拒收原因" in text
    for line in rejection.lines:
        assert line.serial_no in text
        assert flat(line.result) in flat_text
    assert "签发人（物资交接员）签字：" in text
    assert "总体单位签收人签字：" in text
    assert "第1页共1页" in flat(text)
    _check_barcodes(rejection_pdf, rejection.number, rejection.lines, tmp_path)


# ----------------------------------------------------------------------------- glyph coverage


def _template_strings() -> set[str]:
    """Every string literal in app/printing/*.py, docstrings left out."""
    found: set[str] = set()
    for path in sorted(PRINTING_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                body = node.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                ):
                    docstrings.add(id(body[0].value))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                found.add(node.value)
    return found


def _document_strings() -> set[str]:
    texts: set[str] = set()
    for doc in (make_handover(30, long_fault_at=3), make_handover(2, confirmed=False)):
        texts |= {doc.title, doc.from_party, doc.to_party, doc.from_person, doc.to_person}
        texts.add(doc.anomalies)
        for line in doc.lines:
            texts |= {line.model_name, line.fault_description, line.documents, line.result}
    rejection = make_rejection()
    texts |= {rejection.addressed_to, rejection.user_unit, rejection.issued_by}
    return texts


def test_every_printed_character_has_a_visible_glyph() -> None:
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(fonts.font_path()), lazy=True)
    font = collection.fonts[0]
    cmap = font.getBestCmap()
    glyf = font["glyf"]
    texts = _template_strings() | _document_strings()
    # What reaches the page is the text after substitution (✓ -> √ and so on).
    chars = {ch for t in texts for ch in t}
    printed = {fonts.SUBSTITUTES.get(ch, ch) for ch in chars}
    printed = {ch for ch in printed if ch >= " " and ch != "\x7f"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in printed)
    assert {"续", "℃", "Ⅴ", "："} <= printed
    missing, blank = [], []
    for ch in sorted(printed):
        name = cmap.get(ord(ch))
        if name is None:
            missing.append(ch)
            continue
        if ch.isspace():
            continue  # spaces are empty by design
        glyph = glyf[name]
        if glyph.numberOfContours == 0:
            blank.append(ch)
    assert not missing, f"no glyph for {missing}"
    assert not blank, f"empty glyph for {blank}"


# ----------------------------------------------------------------------------- issue 7


@pytest.mark.parametrize(
    "drawing",
    ["ZT-1A.02.03.004-05GX", "QX-2026.118.40.07.003-12-A/B-GX", "Z" * 50],
)
def test_a_drawing_number_never_breaks_across_lines(drawing: str) -> None:
    """Defect 14: a long drawing number shrinks onto one line, under 图号： when it must."""
    line = replace(make_lines(1)[0], drawing_no=drawing)
    pdf = render_handover(make_handover(0, lines=(line,)))
    words = [w.text for w in pdf_words(pdf)]
    assert any(drawing in w for w in words), words
    assert "图号：" in flat(pdf_text(pdf))


def test_the_code_fits_its_column_or_shrinks() -> None:
    width = 41 * mm
    assert handover.code_lines("图号：", "GC12A.000", width) == ["图号：GC12A.000"]
    shrunk = handover.code_lines("图号：", "ZT-1A.02.03.004-05GX", width)
    assert len(shrunk) == 1 and isinstance(shrunk[0], handover.Fitted)
    assert handover.SMALLEST_CODE_SIZE <= shrunk[0].size < handover.CELL_SIZE
    own_line = handover.code_lines("图号：", "QX-2026.118.40.07.003-12-A/B-GX-0001", width)
    assert own_line[0] == "图号：" and own_line[1] == "QX-2026.118.40.07.003-12-A/B-GX-0001"


def test_verdicts_and_notes_print_on_the_handover_record_and_the_rejection_notice(
    db, org, tmp_path: Path
) -> None:
    """Defect 3: a document checked and found wrong prints 不一致 with the clerk's note, never
    未核; the total splits accepted and rejected."""
    from app.models.returns import DocumentKind, DocumentVerdict
    from app.models.states import Decision
    from app.services.handover import returns
    from app.services.records.printing import render_record

    task = returns.create_task(db, org.clerk, "某部队修理所")
    kept = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-2026001")
    refused = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-2026009")
    returns.check_lines(db, org.clerk, [kept.id, refused.id])
    returns.set_verdict(
        db, org.clerk, kept.id, DocumentKind.packing_list, DocumentVerdict.inconsistent,
        "清单数量 2，实收 1，用户说明另一件已报废",
    )  # fmt: skip
    returns.set_verdict(
        db, org.clerk, refused.id, DocumentKind.certificate, DocumentVerdict.inconsistent,
        "证明文件编号 DY3-2026006 与铭牌不符",
    )  # fmt: skip
    returns.decide_line(db, org.clerk, kept.id, Decision.accept)
    returns.decide_line(db, org.clerk, refused.id, Decision.reject, "产品证明文件与实物不一致")
    done = returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏")

    jj = flat(pdf_text(render_record(db, done.handover_number)))
    assert "装箱清单：不一致（清单数量2，实收1，用户说明另一件已报废）" in jj
    assert "证明文件：不一致（证明文件编号DY3-2026006与铭牌不符）" in jj
    assert "故障单：一致" in jj and "未核" not in jj
    assert "合计：接收1件，拒收1件，共2件" in jj
    assert done.rejection_notice_number is not None
    js = flat(pdf_text(render_record(db, done.rejection_notice_number)))
    assert "证明文件：不一致（证明文件编号DY3-2026006与铭牌不符）" in js
    assert "产品证明文件与实物不一致" in js and "GC12A-2026001" not in js
