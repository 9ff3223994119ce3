"""A table model that reads keyset pages from a service as the view scrolls.

It holds plain row values (the services' dataclasses), never ORM objects, and never a whole table:
each `fetchMore` asks `fetch(last_row, limit)` for the rows after the last one it has
(FIELD_NOTES.md, "Big tables in Qt").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.ui.kit.style import Tone, background, foreground

PAGE_SIZE = 200
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

Row = Any
# A page of rows after `last`; None when the read was refused (a page reads through
# `Page.now`, which shows the refusal and returns None).
PageFetcher = Callable[[Row | None, int], Sequence[Row] | None]
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column: its title and how a row reads in it."""

    title: str
    text: Callable[[Row], str]
    align: Qt.AlignmentFlag = LEFT
    tooltip: Callable[[Row], str] | None = None
    tone: Callable[[Row], Tone | None] | None = None
    width: int = 0  # initial width in pixels for the view; 0 = as the view likes


# The roles a cell answers; a view asks for others too (font, icon, check state, size) at every
# paint, and those are answered before any row is looked at.
SERVED_ROLES = frozenset(
    int(r.value)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
    )
)


def column_data(column: Column, row: Row, role: int) -> Any:
    """What a read-only cell shows for `role`: its text, tooltip, alignment and colours."""
    if role == Qt.ItemDataRole.DisplayRole:
        return column.text(row)
    if role == Qt.ItemDataRole.ToolTipRole:
        return column.tooltip(row) if column.tooltip else None
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return int(column.align.value)
    if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
        tone = column.tone(row) if column.tone else None
        if tone is None:
            return None
        return foreground(tone) if role == Qt.ItemDataRole.ForegroundRole else background(tone)
    return None


def list_fetcher(rows: Sequence[Row]) -> PageFetcher:
    """Pages out of rows already in memory (a preview), so the view still builds lazily."""
    position = {id(row): i for i, row in enumerate(rows)}

    def fetch(last: Row | None, limit: int) -> Sequence[Row]:
        start = 0 if last is None else position[id(last)] + 1
        return rows[start : start + limit]

    return fetch


class PagedTableModel(QAbstractTableModel):
    """Rows arrive page by page through `fetch`; the view asks for more as it scrolls."""

    def __init__(
        self,
        columns: Sequence[Column],
        fetch: PageFetcher,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._fetch = fetch
        self.page_size = page_size
        self._rows: list[Row] = []
        self._exhausted = False
        self._busy = False

    # --- Qt's side ------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in SERVED_ROLES or not index.isValid() or index.row() >= len(self._rows):
            return None
        return column_data(self.columns[index.column()], self._rows[index.row()], role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self.columns[section].align.value)
        return None

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        # Not while a reset or an insert is being announced: a slot reacting to it (a view, Qt's
        # model tester) must not start a nested fetch, which would read the same page twice.
        return not parent.isValid() and not self._exhausted and not self._busy

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        fetched = self._fetch(self._rows[-1] if self._rows else None, self.page_size)
        if fetched is None:
            # The read was refused (the runner has shown why): stop asking until the next reload.
            self._exhausted = True
            return
        self.extend(list(fetched), exhausted=len(fetched) < self.page_size)

    def extend(self, page: Sequence[Row], exhausted: bool) -> None:
        """Rows read elsewhere (off the GUI thread) that come right after the last one."""
        if exhausted:
            self._exhausted = True
        if page:
            first = len(self._rows)
            self._busy = True
            try:
                self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
                self._rows.extend(page)
                self.endInsertRows()
            finally:
                self._busy = False

    # --- the window's side ----------------------------------------------------------------

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def set_fetcher(self, fetch: PageFetcher) -> None:
        """Read from another source (a filter changed) and start over."""
        self._fetch = fetch
        self.reload()

    def reload(self) -> None:
        """Forget every row and read the first page again."""
        self._reset(exhausted=False)
        self.fetchMore()

    def clear(self) -> None:
        """No rows, and none to fetch (nothing is open)."""
        self._reset(exhausted=True)

    def _reset(self, exhausted: bool) -> None:
        self._busy = True
        try:
            self.beginResetModel()
            self._rows = []
            self._exhausted = exhausted
            self.endResetModel()
        finally:
            self._busy = False

    def row(self, index: int) -> Row:
        return self._rows[index]

    def rows(self) -> tuple[Row, ...]:
        """The rows read so far."""
        return tuple(self._rows)

    def replace(self, index: int, row: Row) -> None:
        """The row at `index` is now `row`; the view hears of it only when it changed (a view
        with columns fitted to their contents measures every row again)."""
        if self._rows[index] == row:
            return
        self._rows[index] = row
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self.columns) - 1))

    def append(self, row: Row) -> None:
        """A row known to come right after the last one (this desk just made it)."""
        first = len(self._rows)
        self._busy = True
        try:
            self.beginInsertRows(QModelIndex(), first, first)
            self._rows.append(row)
            self.endInsertRows()
        finally:
            self._busy = False

    def prepend(self, row: Row) -> None:
        """A new row at the top (a log, newest first): one row inserted, nothing read again."""
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, row)
        self.endInsertRows()

    def drop_after(self, keep: int) -> None:
        """Forget the rows past the first `keep` (a log that keeps only the newest)."""
        if len(self._rows) <= keep:
            return
        self.beginRemoveRows(QModelIndex(), keep, len(self._rows) - 1)
        del self._rows[keep:]
        self.endRemoveRows()

    def find(self, match: Callable[[Row], bool]) -> int | None:
        """The position of the first loaded row that matches, or None."""
        return next((i for i, row in enumerate(self._rows) if match(row)), None)

    def find_or_fetch(self, match: Callable[[Row], bool], max_rows: int = 20_000) -> int | None:
        """Like `find`, reading further pages until the row shows up (a line far down a task)."""
        found = self.find(match)
        while found is None and not self._exhausted and len(self._rows) < max_rows:
            before = len(self._rows)
            self.fetchMore()
            found = next((i for i in range(before, len(self._rows)) if match(self._rows[i])), None)
        return found

    def fetch_tail(self) -> None:
        """Rows were added after the last one: read on from there."""
        self._exhausted = False
        self.fetchMore()

    def fetch_all(self, max_rows: int = 20_000) -> None:
        while not self._exhausted and len(self._rows) < max_rows:
            self.fetchMore()
