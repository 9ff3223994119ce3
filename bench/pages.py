"""Every page of the window, first open and refresh, with the GUI thread's longest block (issue 10).

By hand (each login's window runs offscreen in a child process of its own):

    .venv/bin/python -m bench.pages sqlite:////tmp/fanxiu-bench/fanxiu-1000000.db

For each login of the bench store (clerk, engineer, quality, manager, admin) the window is opened
and every page it shows is visited: "first" is the time from showing the page to its data shown
(no read of the runner left), "refresh" the same after the page's 刷新. A 10 ms timer beats on the
GUI thread throughout; the longest gap between beats is the longest block a person would feel.
The window's memory (RSS) is read after the last page. The last stdout line is the JSON answer.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.generate import PASSWORD
from bench.gui import Scripted, settle, wait_for_jobs

LOGINS = ("wangmin", "chengong", "liujian", "zhaozong", "admin")


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Heart:
    """A 10 ms timer on the GUI thread; gaps between its beats are the GUI thread's blocks."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def longest_ms(self, since: float = 0.0, until: float = float("inf")) -> float:
        """The longest gap between beats that ended within [since, until]."""
        gaps = [
            b - a for a, b in zip(self.beats, self.beats[1:], strict=False) if since <= b <= until
        ]
        return max(gaps, default=0.0) * 1000


def until_idle(app: QApplication, window: Any, limit_s: float = 120.0) -> float:
    """Seconds until the window's runner has nothing left to do (its data shown)."""
    t0 = time.perf_counter()
    runner = window.runner
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    while runner.pending and time.perf_counter() - t0 < limit_s:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)
    app.processEvents()
    return time.perf_counter() - t0


def visit(app: QApplication, db: Any, login: str) -> dict[str, Any]:
    from app.services.kernel import auth
    from app.ui.shell.main_window import MainWindow

    actor = auth.login(db, login, PASSWORD)
    window = MainWindow(db, actor, Scripted().prompts)
    window.show()
    QTest.qWaitForWindowExposed(window)
    settle(app)
    wait_for_jobs(app, window)  # the start's own checks too
    # As the program's start does (ui/shell/startup.py): what start-up made is kept out of the
    # collector's passes.
    gc.collect()
    gc.freeze()
    heart = Heart()
    heart.timer.start()
    pages: dict[str, dict[str, float]] = {}
    for key in list(window.keys):
        # Clicked in the navigation as a person does: the collector sees a person at work.
        item = window.nav.item(window.nav_row(key))
        where = window.nav.visualItemRect(item).center()
        t0 = began = time.perf_counter()
        QTest.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=where)
        first = time.perf_counter() - t0 + until_idle(app, window)
        page = window.pages.currentWidget()
        refresh = None
        if hasattr(page, "refresh"):
            t0 = time.perf_counter()
            page.refresh()
            refresh = time.perf_counter() - t0 + until_idle(app, window)
        app.processEvents()  # the beat that ends a block on this page is counted here
        pages[key] = {
            "first_ms": round(first * 1000, 1),
            "refresh_ms": round(refresh * 1000, 1) if refresh is not None else -1,
            "block_ms": round(heart.longest_ms(began, time.perf_counter()), 1),
        }
    heart.timer.stop()
    out = {
        "pages": pages,
        "longest_block_ms": round(heart.longest_ms(), 1),
        "rss_mib": round(rss_mib(), 1),
    }
    window.stop_timers() if hasattr(window, "stop_timers") else None
    window.close()
    settle(app)
    return out


def one_login(url: str, login: str) -> int:
    """The child: one login's window in a process of its own, so its memory is its own."""
    from app.services.kernel.bootstrap import open_store
    from app.ui.kit.collector import GuiThreadCollector
    from app.ui.kit.fonts import use_app_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    use_app_font(app)
    collector = GuiThreadCollector(app)  # garbage collected as the program does (ui/shell/app.py)
    db = open_store(url)
    print(json.dumps(visit(app, db, login), ensure_ascii=False), flush=True)
    collector.stop()
    os._exit(0)  # a worker thread may still be reading: do not wait for it


def every_login(url: str) -> dict[str, Any]:
    from bench import children
    from bench.run import child_env

    logins = {}
    for login in LOGINS:
        done = children.run_module("bench.pages", [url, login], child_env(), 900, f"pages-{login}")
        logins[login] = json.loads(done.stdout.strip().splitlines()[-1])
    every = [p["first_ms"] for v in logins.values() for p in v["pages"].values()]
    return {
        "logins": logins,
        "first_ms_median": round(statistics.median(every), 1) if every else 0,
        "first_ms_max": max(every, default=0),
        "longest_block_ms": max(v["longest_block_ms"] for v in logins.values()),
        "rss_mib_max": max(v["rss_mib"] for v in logins.values()),
    }


def print_table(out: dict[str, Any]) -> None:
    """A line per login: each page's first open / 刷新 / longest block (ms)."""
    for login, v in out["logins"].items():
        pages = "  ".join(
            f"{key} {p['first_ms']:.0f}/{p['refresh_ms']:.0f}/{p.get('block_ms', 0):.0f}"
            for key, p in v["pages"].items()
        )
        print(
            f"{login:<9} block {v['longest_block_ms']:>6.1f} ms  RSS {v['rss_mib']:>6.1f} MiB  {pages}"
        )
    print(
        f"first open median {out['first_ms_median']} ms, max {out['first_ms_max']} ms; "
        f"longest GUI block {out['longest_block_ms']} ms; largest window {out['rss_mib_max']} MiB"
    )


def main() -> int:
    if len(sys.argv) > 2:
        return one_login(sys.argv[1], sys.argv[2])
    out = every_login(sys.argv[1])
    print_table(out)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def timings(url: str) -> list[Any]:
    """bench.run's rows: every page's first open and refresh, the longest block, the memory."""
    from bench.run import Timing

    out = every_login(url)
    pages = [p for v in out["logins"].values() for p in v["pages"].values()]
    slowest = max(
        (
            (login, key, p["first_ms"])
            for login, v in out["logins"].items()
            for key, p in v["pages"].items()
        ),
        key=lambda x: x[2],
    )
    rss = {login: v["rss_mib"] for login, v in out["logins"].items()}
    return [
        Timing(
            "every page: first open → data shown",
            [p["first_ms"] / 1000 for p in pages],
            target_ms=300,
            judge="max",
            note=f"{len(pages)} pages of {len(out['logins'])} logins; slowest {slowest[0]} "
            f"{slowest[1]} {slowest[2]:.0f} ms",
            details={"logins": out["logins"]},
        ),
        Timing(
            "every page: 刷新 → data shown",
            [p["refresh_ms"] / 1000 for p in pages if p["refresh_ms"] >= 0],
            target_ms=300,
            judge="max",
        ),
        Timing(
            "every page: longest GUI-thread block",
            [v["longest_block_ms"] / 1000 for v in out["logins"].values()],
            target_ms=100,
            judge="max",
            note="10 ms heartbeat on the GUI thread while every page is opened and refreshed; "
            f"window memory after every page (MiB): {rss} (target ≤ 250)",
            details={"rss_mib": rss},
        ),
    ]
