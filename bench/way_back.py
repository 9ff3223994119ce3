"""Time the way back (issue 10): the 齐套 page, the 修复交回 page and the kitting status report,
each beside the bare library doing the same work.

Run by hand, never by CI (it builds or reuses a store of `--lines` return lines first):

    .venv/bin/python -m bench.way_back --lines 100000 --reuse
    .venv/bin/python -m bench.way_back --lines 1000000 --reuse --report-lines 10000 --json

The pages are timed in this process, offscreen, as a clerk sees them: from building the page to
its data shown (the list and the first set's items), 刷新, and 显示已关闭 ticked; each beside a
bare QTableView filled by sqlite3/psycopg with the same rows. The report is timed on a copy of
the store (SQLite) where one kit set holds `--report-lines` lines, beside openpyxl `write_only`
and a reportlab canvas writing the same rows. Times in the table are milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy.engine import make_url  # noqa: E402

from bench import bare  # noqa: E402
from bench.generate import (  # noqa: E402
    BENCH_DIR,
    CLERK_LOGIN,
    PASSWORD,
    add_store_args,
    default_url,
    is_sqlite,
    prepare,
    spec_from,
)
from bench.run import Timing, code_version, log, machine, paired, table  # noqa: E402

LIVE = "('open', 'kitted', 'delivered')"
KIT_PAGE = (
    "SELECT k.id, k.number, k.deadline, k.status, k.report_issued_on, k.created_on, t.number,"
    " u.name, r.number FROM kit_set k LEFT JOIN return_task t ON t.id = k.task_id"
    " LEFT JOIN unit u ON u.id = t.user_unit_id LEFT JOIN report r ON r.id = k.status_report_id"
    " {where} ORDER BY COALESCE(k.deadline, '9999-12-31'), k.id LIMIT 200"
)
KIT_COUNTS = (
    "SELECT kit_set_id, status, count(*) FROM return_line WHERE kit_set_id IN ({ids})"
    " GROUP BY kit_set_id, status"
)
KIT_LINES = (
    "SELECT l.id, l.status, l.accepted_on, l.dispatched_on, l.received_on, l.localized_on,"
    " l.repair_accepted_on, t.number, i.serial_no, m.code, m.name, u.name"
    " FROM return_line l JOIN return_task t ON t.id = l.task_id JOIN item i ON i.id = l.item_id"
    " JOIN product_model m ON m.id = i.model_id LEFT JOIN unit u ON u.id = l.manufacturer_unit_id"
    " WHERE l.kit_set_id = ? ORDER BY l.task_id, l.seq"
)
AWAIT_GROUPS = (
    "SELECT l.manufacturer_unit_id, u.name, count(*) FROM return_line l"
    " LEFT JOIN unit u ON u.id = l.manufacturer_unit_id"
    " WHERE l.status = 'accepted_after_repair' GROUP BY l.manufacturer_unit_id, u.name ORDER BY 1"
)
AWAIT_PAGE = (
    "SELECT l.id, l.fault_description, t.number, i.serial_no, m.id, m.code, m.name"
    " FROM return_line l JOIN return_task t ON t.id = l.task_id JOIN item i ON i.id = l.item_id"
    " JOIN product_model m ON m.id = i.model_id"
    " WHERE l.status = 'accepted_after_repair' AND l.manufacturer_unit_id + 0 = ?"
    " ORDER BY l.id LIMIT 200"
)


def bare_kits(db: bare.BareDB, closed: bool = False) -> tuple[list[Any], list[Any]]:
    """The first page of kit sets with their lines counted per state, and the first set's lines."""
    kits = db.all(KIT_PAGE.format(where="" if closed else f"WHERE k.status IN {LIVE}"))
    ids = ",".join(str(k[0]) for k in kits) or "0"
    db.all(KIT_COUNTS.format(ids=ids))
    lines = db.all(KIT_LINES, (kits[0][0],)) if kits else []
    return kits, lines


def bare_awaiting(db: bare.BareDB) -> tuple[list[Any], list[Any]]:
    groups = db.all(AWAIT_GROUPS)
    lines = db.all(AWAIT_PAGE, (groups[0][0],)) if groups else []
    return groups, lines


# --- the window -----------------------------------------------------------------------------


class Window:
    """The app's pages on one desk (a clerk, the program's own runner), and bare tables."""

    def __init__(self, url: str) -> None:
        from PySide6.QtWidgets import QApplication

        from app.services.kernel import auth
        from app.services.kernel.bootstrap import open_store
        from app.ui.kit.page import Desk
        from app.ui.kit.runner import Runner
        from bench.gui import Scripted

        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.db = open_store(url)
        self.actor = auth.login(self.db, CLERK_LOGIN, PASSWORD)
        self.scripted = Scripted()
        prompts = self.scripted.prompts
        self.desk = Desk(self.db, self.actor, prompts, Runner(prompts))
        self.bare = bare.BareDB(url)

    def settle(self, done: Callable[[], bool], limit: float = 600.0) -> None:
        """Run the event loop until `done` (a read handed over to a worker comes back)."""
        end = time.perf_counter() + limit
        while not done():
            if time.perf_counter() > end:
                raise TimeoutError("the page did not show its data")
            self.app.processEvents()

    def kitting_open(self, _i: int) -> None:
        from app.ui.way_back.kitting_page import KittingPage

        page = KittingPage(self.desk)
        page.resize(1280, 800)
        page.show()
        self.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)
        self.app.processEvents()
        page.hide()
        page.deleteLater()

    def receive_open(self, _i: int) -> None:
        from app.ui.way_back.receive_back_page import ReceiveBackPage

        page = ReceiveBackPage(self.desk)
        page.resize(1280, 800)
        page.show()
        self.settle(lambda: page.group is not None or page.groups_model.rowCount() == 0)
        self.app.processEvents()
        page.hide()
        page.deleteLater()

    def bare_open(self, read: Callable[[bare.BareDB], tuple[list[Any], list[Any]]]) -> None:
        from PySide6.QtWidgets import QSplitter

        from bench.gui import Rows, _table

        top, bottom = read(self.bare)
        split = QSplitter()
        for rows in (top, bottom):
            model = Rows(len(rows[0]) if rows else 1)
            if rows:
                model.append([tuple(r) for r in rows])
            split.addWidget(_table(model))
        split.resize(1280, 800)
        split.show()
        self.app.processEvents()
        split.hide()
        split.deleteLater()


def page_timings(url: str, reps: int) -> list[Timing]:
    from app.ui.way_back.kitting_page import KittingPage

    w = Window(url)
    results = [
        Timing(
            "齐套 page first open → data shown (window)",
            *paired(w.kitting_open, lambda _i: w.bare_open(bare_kits), reps, warm=2),
            target_ms=300,
            note="KittingPage built and shown until the list and the first set's items are in",
        ),
        Timing(
            "修复交回 page first open → data shown (window)",
            *paired(w.receive_open, lambda _i: w.bare_open(bare_awaiting), reps, warm=2),
            target_ms=300,
            note="ReceiveBackPage built and shown until the groups and the first lines are in",
        ),
    ]
    page = KittingPage(w.desk)
    page.resize(1280, 800)
    page.show()
    w.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)

    def refresh(_i: int) -> None:
        page.refresh_button.click()
        w.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)

    results.append(
        Timing(
            "齐套 刷新 → data shown (window)",
            *paired(refresh, lambda _i: w.bare_open(bare_kits), reps, warm=2),
            target_ms=300,
            note="the list read again from its first page, the set open here read again",
        )
    )

    def closed(_i: int) -> None:
        page.show_closed.click()  # on: every set ever made, a page of them
        w.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)
        page.show_closed.click()  # off again, untimed below
        w.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)

    ours: list[float] = []
    theirs: list[float] = []
    for i in range(reps + 2):
        t0 = time.perf_counter()
        page.show_closed.click()
        w.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)
        took = time.perf_counter() - t0
        page.show_closed.click()
        w.settle(lambda: page.kit is not None or page.kits_model.rowCount() == 0)
        t0 = time.perf_counter()
        w.bare_open(lambda db: bare_kits(db, closed=True))
        if i >= 2:
            ours.append(took)
            theirs.append(time.perf_counter() - t0)
    results.append(
        Timing(
            "齐套 显示已关闭 ticked → data shown (window)",
            ours,
            theirs,
            target_ms=300,
            note=f"{page.kits_model.rowCount()} rows after unticking; closed sets read a page at a time",
        )
    )
    page.deleteLater()
    results.extend(service_timings(w, reps))
    w.bare.close()
    w.db.dispose()
    return results


def service_timings(w: Window, reps: int) -> list[Timing]:
    from app.services.way_back import delivery, kitting

    first = kitting.page_kit_sets(w.db)
    number = first[0].number if first else None

    def kits(_i: int) -> None:
        rows = kitting.page_kit_sets(w.db)
        if rows:
            kitting.kit_status(w.db, rows[0].number)

    def awaiting(_i: int) -> None:
        groups = delivery.awaiting_groups(w.db)
        if groups:
            delivery.page_awaiting(w.db, groups[0].manufacturer_id)

    out = [
        Timing(
            "kit sets, first page + first set's items (service)",
            *paired(kits, lambda _i: bare_kits(w.bare), reps * 3),
            note=f"kitting.page_kit_sets + kit_status({number}): 4–6 statements",
        ),
        Timing(
            "lines awaiting return, groups + first page (service)",
            *paired(awaiting, lambda _i: bare_awaiting(w.bare), reps * 3),
            note="delivery.awaiting_groups + page_awaiting: 5 statements",
        ),
    ]
    return out


# --- the report ----------------------------------------------------------------------------


def report_store(url: str, lines: int) -> tuple[str, str]:
    """A copy of the store where one kit set holds `lines` lines; its URL and the set's number."""
    import sqlite3

    source = Path(str(make_url(url).database))
    target = source.parent / f"way-back-report-{lines}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    conn = sqlite3.connect(target, isolation_level=None)
    kit_id, number = conn.execute(
        "SELECT id, number FROM kit_set WHERE status = 'open' ORDER BY id LIMIT 1"
    ).fetchone()
    conn.execute(
        "UPDATE return_line SET kit_set_id = ? WHERE id IN (SELECT id FROM return_line"
        " WHERE status != 'rejected' ORDER BY id DESC LIMIT ?)",
        (kit_id, lines),
    )
    conn.close()
    return f"sqlite:///{target}", number


def bare_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("齐套情况")
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


BACK_OR_OUT = {"back_at_materials", "kitted", "delivered", "closed", "scrapped"}


def bare_pdf(rows: Sequence[Sequence[Any]]) -> bytes:
    """The same rows on A4, a vector Code128 for each item not back (as the report does), on a
    bare canvas (the embedded CJK font registered once, as the program does)."""
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from app.printing import fonts

    font = fonts.register_fonts()  # the program's own embedded TrueType, registered once
    out = io.BytesIO()
    page = landscape(A4)
    c = canvas.Canvas(out, pagesize=page)
    y = page[1] - 20 * mm
    for row in rows:
        if y < 20 * mm:
            c.showPage()
            y = page[1] - 20 * mm
        c.setFont(font, 8)
        for n, value in enumerate(row):
            c.drawString((15 + n * 33) * mm, y, str(value))
        if row[3] not in BACK_OR_OUT:
            mark = Code128(str(row[0]), barWidth=0.33 * mm, barHeight=6 * mm)
            mark.drawOn(c, 230 * mm, y - 1 * mm)
        y -= 11 * mm
    c.save()
    return out.getvalue()


def report_timings(url: str, lines: int, reps: int) -> list[Timing]:
    from app.services.kernel.bootstrap import open_store
    from app.services.way_back import kitting_report

    copy, number = report_store(url, lines)
    db = open_store(copy)
    raw = bare.BareDB(copy)
    kit_id = raw.one("SELECT id FROM kit_set WHERE number = ?", (number,))

    def rows() -> list[tuple[Any, ...]]:
        return [
            (f"{r[9]}/{r[8]}", r[10], r[7], r[1], r[11] or "", "", "")
            for r in raw.all(KIT_LINES, (kit_id,))
        ]

    sizes: dict[str, int] = {}

    def xlsx(_i: int) -> None:
        sizes["xlsx"] = len(kitting_report.kitting_report_xlsx(db, number))

    def pdf(_i: int) -> None:
        sizes["pdf"] = len(kitting_report.kitting_report_pdf(db, number))

    out = [
        Timing(
            f"kitting report Excel, {lines:,} lines (service)",
            *paired(xlsx, lambda _i: bare_xlsx(rows()), reps, warm=1),
            target_ms=10_000,
            note="kitting_report.kitting_report_xlsx: read + workbook; bare: openpyxl write_only",
        ),
        Timing(
            f"kitting report PDF, {lines:,} lines (service)",
            *paired(pdf, lambda _i: bare_pdf(rows()), reps, warm=1),
            target_ms=10_000,
            note="kitting_report.kitting_report_pdf: platypus form, a Code128 per missing"
            " item; bare: canvas rows + Code128 likewise",
        ),
    ]
    out[0].details["bytes"] = sizes.get("xlsx")
    out[1].details["bytes"] = sizes.get("pdf")
    back = raw.one(
        "SELECT count(*) FROM return_line WHERE kit_set_id = ? AND status IN"
        " ('back_at_materials', 'kitted', 'delivered', 'closed', 'scrapped')",
        (kit_id,),
    )
    out[1].note += f" ({back:,} of the lines back or scrapped: printed without a barcode)"
    # The worst case: every line still missing, a barcode each.
    raw.conn.execute("UPDATE return_line SET status = 'in_repair' WHERE kit_set_id = ?", (kit_id,))
    out.append(
        Timing(
            f"kitting report PDF, {lines:,} lines all missing (service)",
            *paired(pdf, lambda _i: bare_pdf(rows()), reps, warm=1),
            target_ms=10_000,
            note="the same, every line in repair: a Code128 per row in both",
        )
    )
    raw.close()
    db.dispose()
    return out


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    add_store_args(parser)
    parser.add_argument("--reps", type=int, default=10, help="measured calls per timing")
    parser.add_argument(
        "--report-lines", type=int, default=0, help="time the report on a set of N lines (0: skip)"
    )
    parser.add_argument("--report-reps", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.db or default_url(args.lines)
    spec = spec_from(args)
    info = prepare(url, spec, reuse=args.reuse, say=log)
    load_before = [round(x, 2) for x in os.getloadavg()]
    results = page_timings(url, args.reps)
    if args.report_lines and is_sqlite(url):
        results.extend(report_timings(url, args.report_lines, args.report_reps))
    backend = "sqlite" if is_sqlite(url) else "postgresql"
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "code": code_version(),
        "machine": {**machine(), "loadavg_before": load_before},
        "store": {"url": url, "backend": backend, "counts": info.counts, "states": info.samples},
        "results": [t.as_dict() for t in results],
    }
    where = Path(str(make_url(url).database)).parent if is_sqlite(url) else BENCH_DIR
    out = where / f"way-back-{spec.lines}-{backend}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(f"FanXiu way back {report['date']}: {spec.lines:,} lines on {backend}")
        print(table(results))
        log(f"(JSON written to {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
