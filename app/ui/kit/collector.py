"""Python's garbage collection on the GUI thread only.

The runner's worker threads allocate too, and the collector runs in whichever thread crosses its
threshold: a Qt widget in a reference cycle collected there is destroyed off the GUI thread, which
crashes the process (seen in the tests: a segfault inside a later render). So automatic collection
is off and a timer collects on the GUI thread, young generations often and cheaply, the old one
rarely (the recipe calibre and other PyQt programs use).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)
        gc.disable()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as Python would."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 1
            if counts[2] > self.thresholds[2]:
                generation = 2
        gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
