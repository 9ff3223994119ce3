"""Colours and fonts the window uses to say good / take care / wrong, in one place."""

from __future__ import annotations

import enum

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QWidget


class Tone(enum.Enum):
    """How a cell or message should read at a glance."""

    ok = "ok"
    warn = "warn"
    bad = "bad"
    muted = "muted"


# Dark enough to read on white; the backgrounds are pale versions of the same hue.
FOREGROUND = {
    Tone.ok: "#1b7f3b",
    Tone.warn: "#9a5b00",
    Tone.bad: "#c62828",
    Tone.muted: "#6b6b6b",
}
BACKGROUND = {
    Tone.ok: "#e7f5ea",
    Tone.warn: "#fff1d6",
    Tone.bad: "#fdecea",
    Tone.muted: "#f2f2f2",
}


def foreground(tone: Tone) -> QColor:
    return QColor(FOREGROUND[tone])


def background(tone: Tone) -> QColor:
    return QColor(BACKGROUND[tone])


def message_css(tone: Tone) -> str:
    """A QLabel style sheet for a message line in this tone."""
    border = FOREGROUND[tone]
    return (
        f"QLabel {{ color: {FOREGROUND[tone]}; background: {BACKGROUND[tone]};"
        f" border-left: 4px solid {border}; padding: 6px 10px; }}"
    )


def scaled_font(base: QFont, factor: float, bold: bool = False) -> QFont:
    """`base` made `factor` times larger (point size), optionally bold."""
    font = QFont(base)
    size = base.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    else:  # a pixel-sized font
        font.setPixelSize(max(1, round(base.pixelSize() * factor)))
    font.setBold(bold)
    return font


def set_css(widget: QWidget, css: str) -> None:
    """`widget.setStyleSheet(css)` unless it already has it: Qt polishes the widget again and
    redraws it (and its layout's neighbours) at every set, even of the same sheet; a desk
    shows the same tones scan after scan (issue 10)."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)
