"""Counting a long imported list by scanning: the window's longest block at a deep scan (issue 10).

By hand, never by CI. It writes (imports a 10,000-row list), so it works on a copy of the store:

    .venv/bin/python -m bench.deep_scan sqlite:////tmp/fanxiu-bench/fanxiu-10000.db
    .venv/bin/python -m bench.deep_scan postgresql+psycopg://postgres@127.0.0.1:5432/fanxiu_bench_100k

The copy gets the list `write_big_list(10000)` imported as a new task. Then the handover desk
opens that task offscreen, with the program's own garbage collector. The item of the list's last
line is typed into the scan field, as a keyboard-wedge scanner types it. A 10 ms timer beats on
the GUI thread all the while. Printed: the longest gaps between beats around the scan, and the
row selected at the end. The last stdout line is the JSON answer.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.flow import pump, wait_until  # noqa: E402
from bench.generate import PASSWORD  # noqa: E402
from bench.pages import Heart  # noqa: E402

LIST_ROWS = 10_000


@contextmanager
def store_copy(url: str) -> Iterator[str]:
    """A throwaway copy of the store at `url` (a file copy, or a PostgreSQL template copy)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="fanxiu-deep-") as folder:
            target = Path(folder) / "copy.db"
            shutil.copyfile(str(parsed.database), target)
            yield f"sqlite:///{target}"
        return
    name = f"fanxiu_deep_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def deep_scan(url: str) -> dict[str, Any]:
    import gc

    from app.services.handover import list_import
    from app.services.kernel import auth
    from app.services.kernel.bootstrap import open_store
    from app.ui.handover.desk import HandoverDesk
    from app.ui.kit.collector import GuiThreadCollector
    from app.ui.kit.page import Desk
    from tests.support.messy_lists import write_big_list

    app = QApplication.instance() or QApplication([])
    db = open_store(url)
    actor = auth.login(db, "zhaozong", PASSWORD)
    path = Path(tempfile.gettempdir()) / f"fanxiu-deep-list-{LIST_ROWS}.xlsx"
    if not path.is_file():
        write_big_list(path, LIST_ROWS)
    number = list_import.import_list(db, actor, path, user_unit="某部队修理所01").task_number
    with db.engine.connect() as conn:
        task_id = conn.execute(
            text("SELECT id FROM return_task WHERE number = :n"), {"n": number}
        ).scalar_one()
        code = conn.execute(
            text(
                "SELECT m.code || '/' || i.serial_no FROM return_line l"
                " JOIN item i ON i.id = l.item_id JOIN product_model m ON m.id = i.model_id"
                " WHERE l.task_id = :t ORDER BY l.seq DESC LIMIT 1"
            ),
            {"t": task_id},
        ).scalar_one()
    collector = GuiThreadCollector(app)
    gc.freeze()
    desk = HandoverDesk(Desk.make(db, actor))
    desk.resize(1400, 900)
    desk.show()
    row = desk.tasks_model.find_or_fetch(lambda t: t.id == task_id, 5_000)
    desk.tasks_view.setCurrentIndex(desk.tasks_model.index(row, 0))
    wait_until(lambda: desk.task is not None and desk.task.id == task_id, "the list's task")
    pump(500)
    heart = Heart()
    heart.timer.start()
    pump(300)
    scanned = time.perf_counter()
    field = desk.scan_field
    field.setFocus()
    QTest.keyClicks(field, code)
    QTest.keyClick(field, Qt.Key.Key_Return)
    selected = lambda: desk.lines_view.currentIndex().row()  # noqa: E731
    wait_until(lambda: selected() == LIST_ROWS - 1, "the last line selected", 10)
    pump(500)
    heart.timer.stop()
    collector.stop()
    db.dispose()
    beats = [b for b in heart.beats if b >= scanned]
    gaps = sorted(b - a for a, b in zip(beats, beats[1:], strict=False))
    return {
        "url": url.split("@")[-1],
        "lines": LIST_ROWS,
        "selected_row": selected(),
        "longest_gaps_ms": [round(g * 1000, 1) for g in gaps[-5:]],
        "max_gap_ms": round(heart.longest_ms(since=scanned), 1),
    }


def main() -> int:
    with store_copy(sys.argv[1]) as url:
        out = deep_scan(url)
    print(
        f"scan of line {LIST_ROWS:,} of a {LIST_ROWS:,}-line list: longest GUI-thread block "
        f"{out['max_gap_ms']} ms (next: {out['longest_gaps_ms'][:-1]}), "
        f"row selected {out['selected_row']}"
    )
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
