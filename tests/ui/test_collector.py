"""Issue 10: the full garbage-collection pass waits until the desk is idle; young passes go on."""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from app.ui.kit.collector import GuiThreadCollector


def make_cycles(n: int) -> None:
    for _ in range(n):
        a: list[Any] = []
        a.append(a)


def test_full_collections_wait_for_the_desk_to_be_idle(qtbot: Any) -> None:
    generations: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    collector = GuiThreadCollector(interval_ms=3_600_000, idle_s=3600)
    gc.callbacks.append(seen)
    try:
        for _ in range(150):  # far past the thresholds of every generation
            qtbot.keyClick(field, Qt.Key.Key_A)  # a person typing: never idle
            make_cycles(1_000)
            collector.check()
        assert generations and 2 not in generations
        assert collector.full_due
        # A minute without a key or a click: the full pass runs at the next check.
        qtbot.mouseClick(field, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
        assert not collector.idle()
        collector.last_input -= 3601
        collector.check()
        assert generations[-1] == 2 and not collector.full_due
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
