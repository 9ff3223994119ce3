"""The CJK font shipped with the program, used for the whole window so Chinese never shows tofu."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

FONT_FILE = Path("fonts") / "wqy-zenhei.ttc"
FAMILY = "WenQuanYi Zen Hei"
POINT_SIZE = 10


def resources_dir() -> Path:
    """`resources/` beside the package in a checkout, under `sys._MEIPASS` when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"


def register_app_font() -> str | None:
    """Register the bundled font (about 15 ms) and return its family, or None if it is missing."""
    font_id = QFontDatabase.addApplicationFont(str(resources_dir() / FONT_FILE))
    if font_id < 0:
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    return FAMILY if FAMILY in families else (families[0] if families else None)


def use_app_font(app: QApplication) -> QFont:
    """Make the bundled font the application's font; the system's stays as a fallback."""
    family = register_app_font()
    font = QFont(app.font())
    if family:
        font.setFamilies([family, *font.families()])
    font.setPointSize(POINT_SIZE)
    app.setFont(font)
    return font
