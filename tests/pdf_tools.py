"""Look at a PDF the way a person or a scanner would, with poppler-utils and zbar-tools.

Each helper needs a command-line tool; when it is missing the test fails on CI (CI=true) and is
skipped elsewhere.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (poppler-utils / zbar-tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def _pdf_file(pdf: bytes | Path, workdir: Path) -> Path:
    if isinstance(pdf, Path):
        return pdf
    path = workdir / "doc.pdf"
    path.write_bytes(pdf)
    return path


def _run(args: list[str], *, ok_codes: tuple[int, ...] = (0,)) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if proc.returncode not in ok_codes:
        raise AssertionError(f"{args[0]} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def pdf_text(pdf: bytes | Path, *, layout: bool = False) -> str:
    """All text of the PDF (pdftotext, UTF-8); pages are separated by form feeds."""
    tool = require_tool("pdftotext")
    with tempfile.TemporaryDirectory() as tmp:
        src = _pdf_file(pdf, Path(tmp))
        args = [tool, "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(src), "-"]
        return _run(args)


def pdf_pages_text(pdf: bytes | Path) -> list[str]:
    """The text of each page, in order."""
    pages = pdf_text(pdf).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends the last page with a form feed too
    return pages


def pdf_fonts(pdf: bytes | Path) -> list[dict[str, str]]:
    """pdffonts rows as dicts: name, type, encoding, emb, sub, uni, object."""
    tool = require_tool("pdffonts")
    with tempfile.TemporaryDirectory() as tmp:
        out = _run([tool, str(_pdf_file(pdf, Path(tmp)))])
    lines = out.splitlines()
    # Column widths come from the dashes line under the header.
    dashes = lines[1]
    spans = []
    start = 0
    for part in dashes.split(" "):
        spans.append((start, start + len(part)))
        start += len(part) + 1
    keys = ["name", "type", "encoding", "emb", "sub", "uni", "object"]  # "object ID": one column
    return [
        {key: line[a:b].strip() for key, (a, b) in zip(keys, spans, strict=True)}
        for line in lines[2:]
    ]


def pdf_info(pdf: bytes | Path) -> dict[str, str]:
    """pdfinfo's key: value lines."""
    tool = require_tool("pdfinfo")
    with tempfile.TemporaryDirectory() as tmp:
        out = _run([tool, "-enc", "UTF-8", str(_pdf_file(pdf, Path(tmp)))])
    info = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def render_pages(
    pdf: bytes | Path, out_dir: Path, *, dpi: int = 300, gray: bool = True
) -> list[Path]:
    """Rasterise every page with pdftoppm (PGM when `gray`, else PNG); returns the files in order."""
    tool = require_tool("pdftoppm")
    out_dir.mkdir(parents=True, exist_ok=True)
    src = _pdf_file(pdf, out_dir)
    fmt = ["-gray"] if gray else ["-png"]
    _run([tool, "-r", str(dpi), *fmt, str(src), str(out_dir / "page")])
    pattern = "page-*.pgm" if gray else "page-*.png"
    return sorted(out_dir.glob(pattern), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def decode_barcodes(image: Path, *, symbology: str | None = "code128") -> list[str]:
    """Every barcode zbarimg reads in `image` (raw values, one per symbol found)."""
    tool = require_tool("zbarimg")
    args = [tool, "--raw", "-q"]
    if symbology:
        args += ["-Sdisable", f"-S{symbology}.enable"]
    # zbarimg exits 4 when it found nothing: that is an answer, not an error.
    out = _run([*args, str(image)], ok_codes=(0, 4))
    return [line for line in out.splitlines() if line]


@dataclass(frozen=True)
class Word:
    page: int  # 1-based
    x_min: float  # points from the left edge
    y_min: float  # points from the top edge
    x_max: float
    y_max: float
    text: str


def pdf_words(pdf: bytes | Path) -> list[Word]:
    """Every word pdftotext finds, with its box in points (pdftotext -bbox)."""
    tool = require_tool("pdftotext")
    with tempfile.TemporaryDirectory() as tmp:
        out = _run([tool, "-enc", "UTF-8", "-bbox", str(_pdf_file(pdf, Path(tmp))), "-"])
    words = []
    page = 0
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("<page "):
            page += 1
            continue
        m = _WORD.match(line)
        if m:
            x0, y0, x1, y1, text = m.groups()
            words.append(
                Word(page, float(x0), float(y0), float(x1), float(y1), html.unescape(text))
            )
    return words


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>'
)
