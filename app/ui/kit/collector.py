"""Python's garbage collection on the GUI thread only, and the full passes while nobody works.

The runner's worker threads allocate too, and the collector runs in whichever thread crosses its
threshold: a Qt widget in a reference cycle collected there is destroyed off the GUI thread, which
crashes the process (seen in the tests: a segfault inside a later render). So automatic collection
is off and a timer collects on the GUI thread, young generations often and cheaply (the recipe
calibre and other PyQt programs use).

A full pass walks every object the program holds: 94–193 ms at 1M lines (issue 10), a freeze a
person feels in the middle of a scan. Young passes keep the garbage of each action in check;
the full pass waits until the desk has done nothing for `idle_s` seconds: no call through the
runner (every action and every page's reading goes through it) and no key pressed (the scan
field's key filter says so). No event filter of its own: one more Python call for every Qt
event cost ~25 ms of the window's start.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
IDLE_S = 20.0
_last_activity = time.monotonic()


def note_activity() -> None:
    """A person acted (a call through the runner, a key): the full pass waits."""
    global _last_activity
    _last_activity = time.monotonic()


def idle_for() -> float:
    return time.monotonic() - _last_activity


class GuiThreadCollector(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = INTERVAL_MS,
        idle_s: float = IDLE_S,
    ) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.idle_s = idle_s
        self.full_due = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)
        gc.disable()

    def idle(self) -> bool:
        return idle_for() >= self.idle_s

    def check(self) -> None:
        """Collect the young generations whose counts passed their thresholds, as Python would;
        the old one once the desk has been idle."""
        counts = gc.get_count()
        if self.full_due and self.idle():
            self.full_due = False
            gc.collect(2)
            return
        if counts[0] <= self.thresholds[0]:
            return
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 1
            if counts[2] > self.thresholds[2]:
                self.full_due = True
        gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
