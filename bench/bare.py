"""The bare-library side of each timing: the same work with sqlite3 / psycopg and reportlab alone."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import make_url


class BareDB:
    """One DB-API connection to the store (sqlite3 or psycopg), queries written with `?`."""

    def __init__(self, url: str, *, synchronous: str = "FULL") -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            self.conn: Any = sqlite3.connect(str(parsed.database), isolation_level=None)
            for pragma in (
                "journal_mode=WAL",
                f"synchronous={synchronous}",
                "foreign_keys=ON",
                "busy_timeout=5000",
            ):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            import psycopg

            self.conn = psycopg.connect(
                host=parsed.host or "localhost",
                port=parsed.port or 5432,
                user=parsed.username,
                password=parsed.password,
                dbname=parsed.database,
                autocommit=True,
            )

    def _sql(self, sql: str) -> str:
        return sql if self.sqlite else sql.replace("?", "%s")

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(self._sql(sql), params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(self._sql(sql), params).fetchone()
        return row[0] if row else None

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        cur = self.conn.cursor()
        cur.executemany(self._sql(sql), rows)

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


LINE_SQL = (
    "SELECT l.id, l.task_id, t.number, l.seq, m.code, m.name, m.drawing_no, i.serial_no,"
    " l.fault_description, l.remark, l.status, l.decision, l.reject_reason, l.accepted_on,"
    " l.dispatched_on, l.version"
    " FROM return_line l JOIN item i ON i.id = l.item_id"
    " JOIN product_model m ON m.id = i.model_id JOIN return_task t ON t.id = l.task_id"
)
DOCS_SQL = "SELECT kind, verdict, note FROM document_check WHERE line_id = ? ORDER BY id"


def scan_line(db: BareDB, task_id: int, serial: str) -> tuple[Any, list[Any]]:
    """The line with this serial on the task, and its 3 document checks."""
    line = db.all(LINE_SQL + " WHERE l.task_id = ? AND i.serial_no = ?", (task_id, serial))[0]
    return line, db.all(DOCS_SQL, (line[0],))


def page_lines(db: BareDB, after: int, limit: int = 200) -> list[tuple[Any, ...]]:
    """A keyset page of all lines, newest first, with their document checks."""
    rows = db.all(LINE_SQL + " WHERE l.id < ? ORDER BY l.id DESC LIMIT ?", (after, limit))
    if rows:
        marks = ",".join("?" * len(rows))
        docs: dict[int, list[Any]] = {}
        for line_id, kind, verdict in db.all(
            f"SELECT line_id, kind, verdict FROM document_check WHERE line_id IN ({marks})",
            [r[0] for r in rows],
        ):
            docs.setdefault(line_id, []).append((kind, verdict))
        return [(*r, docs.get(r[0], [])) for r in rows]
    return rows


def task_lines(db: BareDB, task_id: int) -> list[tuple[Any, ...]]:
    return db.all(LINE_SQL + " WHERE l.task_id = ? ORDER BY l.seq", (task_id,))


def list_tasks(db: BareDB, before: int | None, limit: int = 200) -> list[tuple[Any, ...]]:
    """A page of tasks, newest first, each with its unit and its number of lines."""
    where = "WHERE t.id < ?" if before is not None else ""
    params: list[Any] = [before] if before is not None else []
    return db.all(
        "SELECT t.id, t.number, u.name, t.status, t.node_date, t.kitting_deadline,"
        " (SELECT count(*) FROM return_line l WHERE l.task_id = t.id), t.created_at"
        f" FROM return_task t JOIN unit u ON u.id = t.user_unit_id {where}"
        " ORDER BY t.id DESC LIMIT ?",
        [*params, limit],
    )


# --- PDF -----------------------------------------------------------------------------------


_font_name: str | None = None


def _font() -> str:
    """The program's CJK font registered once under a bench name (as warm as the service's)."""
    global _font_name
    if _font_name is None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        from app.printing.fonts import font_path

        pdfmetrics.registerFont(TTFont("BenchCJK", str(font_path()), subfontIndex=0))
        _font_name = "BenchCJK"
    return _font_name


def pdf_page(number: str, lines: Sequence[tuple[str, str, str]]) -> bytes:
    """An A4 page on a bare canvas: a title, 30 rows of CJK text and 31 vector Code128s.

    `lines` holds (item code, model name, fault text) per row.
    """
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font = _font()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    width, height = A4
    c.setFont(font, 16)
    c.drawCentredString(width / 2, height - 20 * mm, "返厂产品交接记录单")
    Code128(number, barWidth=0.33 * mm, barHeight=9 * mm, humanReadable=0).drawOn(
        c, width - 80 * mm, height - 25 * mm
    )
    y = height - 35 * mm
    for seq, (code, name, fault) in enumerate(lines, start=1):
        c.setFont(font, 9)
        c.drawString(15 * mm, y, f"{seq}  {name}  {code}")
        c.drawString(110 * mm, y, fault[:24])
        Code128(code, barWidth=0.33 * mm, barHeight=3.5 * mm, humanReadable=0).drawOn(
            c, 15 * mm, y - 5 * mm
        )
        c.line(15 * mm, y - 6 * mm, width - 15 * mm, y - 6 * mm)
        y -= 8 * mm
    c.showPage()
    c.save()
    return out.getvalue()
