"""Every character the window shows is in the bundled font, so no machine shows tofu boxes."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from PySide6.QtGui import QFontDatabase, QRawFont

from app.ui.kit.fonts import FAMILY, register_app_font, resources_dir

UI = Path(__file__).resolve().parents[2] / "app" / "ui"


def ui_text() -> set[str]:
    """Every non-ASCII character in a string literal under app/ui."""
    chars: set[str] = set()
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                chars.update(ch for ch in node.value if not ch.isascii() and ch.isprintable())
    return chars


def test_the_bundled_font_is_registered(qapp: Any) -> None:
    assert register_app_font() == FAMILY
    assert FAMILY in QFontDatabase.families()


def test_every_ui_character_has_a_glyph(qapp: Any) -> None:
    chars = ui_text()
    assert "返" in chars and "收" in chars and len(chars) > 300
    raw = QRawFont(str(resources_dir() / "fonts" / "wqy-zenhei.ttc"), 12)
    assert raw.isValid() and raw.familyName() == FAMILY
    missing = sorted(ch for ch in chars if not raw.supportsCharacter(ord(ch)))
    assert missing == []
