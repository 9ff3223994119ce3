"""Colours and fonts the window uses to say good / take care / wrong, in one place."""

from __future__ import annotations

import enum

from PySide6.QtGui import QColor, QFont


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
