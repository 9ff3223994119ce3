"""Issue 10: the full garbage-collection pass waits until the desk is idle; young passes go on.

A person at work is seen through what the program already watches: every call through the
runner, and every key the scan field's filter sees."""

from __future__ import annotations

import gc
from typing import Any

from app.ui.kit import collector as collector_module
from app.ui.kit.collector import GuiThreadCollector
from app.ui.kit.runner import Runner, call


def make_cycles(n: int) -> None:
    for _ in range(n):
        a: list[Any] = []
        a.append(a)


def add(a: int, b: int) -> int:
    return a + b


def test_full_collections_wait_for_the_desk_to_be_idle(runner: Runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    generations: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    collector = GuiThreadCollector(interval_ms=3_600_000, idle_s=3600)
    gc.callbacks.append(seen)
    try:
        for i in range(150):  # far past the thresholds of every generation
            runner.run(None, call(add, i, 1))  # a person at work: never idle
            make_cycles(1_000)
            collector.check()
        assert generations and 2 not in generations
        assert collector.full_due and not collector.idle()
        # An hour without an action: the full pass runs at the next check.
        now = collector_module.time.monotonic()
        monkeypatch.setattr(collector_module, "_last_activity", now - 3601)
        collector.check()
        assert generations[-1] == 2 and not collector.full_due
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
