"""The CJK font every printed string uses: WenQuanYi Zen Hei, embedded (subset) in each PDF.

reportlab's built-in `STSong-Light` is not embedded (the look depends on the reader) and CFF
fonts such as Noto Sans CJK are refused, so the program ships a TrueType collection and
registers its first face (FIELD_NOTES.md, "PDF with Chinese text").
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "FanXiuCJK"
FONT_FILE = Path("fonts") / "wqy-zenhei.ttc"
_SUBFONT_INDEX = 0  # 0 = "WenQuanYi Zen Hei" (proportional Latin); 1 = Mono, 2 = Sharp

# Characters callers like to use that the font lacks, mapped to ones it has (checked with
# fontTools: U+2713/U+2717 and the ballot boxes have no glyph in Zen Hei).
SUBSTITUTES: dict[str, str] = {
    "\u2713": "\u221a",  # ✓ -> √
    "\u2714": "\u221a",  # ✔ -> √
    "\u2611": "\u221a",  # ☑ -> √
    "\u2717": "\u00d7",  # ✗ -> ×
    "\u2718": "\u00d7",  # ✘ -> ×
    "\u2612": "\u00d7",  # ☒ -> ×
    "\u2610": "\u25a1",  # ☐ -> □
    "\t": " ",
    "\u00a0": " ",
}
MISSING = "?"  # printed for a character the font cannot show (instead of an empty box)

_lock = threading.Lock()
_registered: str | None = None


def resources_dir() -> Path:
    """The `resources/` folder: beside the package in a checkout, under `sys._MEIPASS` when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def font_path() -> Path:
    return resources_dir() / FONT_FILE


def register_fonts() -> str:
    """Register the embedded CJK font once per process and return its reportlab name.

    The first call parses the 16 MB collection (about 0.1 s); later calls return at once.
    """
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is None:
            path = font_path()
            if not path.is_file():
                raise FileNotFoundError(f"打印字体文件缺失：{path}")
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=_SUBFONT_INDEX))
            _registered = FONT_NAME
    return _registered


def has_glyph(char: str) -> bool:
    """Whether the registered font maps `char` to a glyph (a mapped glyph may still be blank;
    the tests check the outlines with fontTools)."""
    font = pdfmetrics.getFont(register_fonts())
    return ord(char) in font.face.charToGlyph


def printable(text: str) -> str:
    """`text` with characters the font lacks replaced (✓ → √, ✗ → ×, unknown → "?").

    Line breaks are kept; other control characters are dropped.
    """
    font = pdfmetrics.getFont(register_fonts())
    cmap = font.face.charToGlyph
    out: list[str] = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        ch = SUBSTITUTES.get(ch, ch)
        if ch == "\n":
            out.append(ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            continue
        else:
            out.append(ch if ord(ch) in cmap else MISSING)
    return "".join(out)
