"""Counting what a read sends to the store, to show it is a fixed number of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app.db import Database


@contextmanager
def statements(db: Database, only: str = "") -> Iterator[list[str]]:
    """The statements sent to the store inside the block (those starting with `only`)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(only):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@contextmanager
def selects(db: Database) -> Iterator[list[str]]:
    """The SELECT statements sent to the store inside the block."""
    with statements(db, "SELECT") as seen:
        yield seen
