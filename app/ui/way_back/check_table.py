"""A table of rows the person ticks (and annotates): the receive-back page, and the dialogs of
the way back (items coming back, a delivery plan, regrouping a kit set)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView

from app.ui.kit.paged_model import (
    CENTER,
    LEFT,
    PAGE_SIZE,
    AnyIndex,
    Column,
    PageFetcher,
    column_data,
)
from app.ui.kit.style import Tone, foreground
from app.ui.kit.tables import make_table


@dataclass(frozen=True)
class CheckColumn:
    """A check box in each row; `slot` is its place in `CheckRow.checks`."""

    title: str
    slot: int = 0
    tooltip: str = ""
    width: int = 0


@dataclass(frozen=True)
class TextColumn:
    """A text the person types into each row (an anomaly)."""

    title: str
    placeholder: str = ""
    width: int = 0


@dataclass
class CheckRow:
    """One row: the service's value, its check boxes and its text."""

    item: Any
    checks: list[bool] = field(default_factory=lambda: [False])
    text: str = ""


AnyColumn = Column | CheckColumn | TextColumn


class CheckTableModel(QAbstractTableModel):
    """Rows the person ticks (and annotates); every other column reads the row like `Column`."""

    edited = Signal()

    def __init__(
        self,
        columns: Sequence[AnyColumn],
        rows: Sequence[CheckRow] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows = list(rows)

    # --- Qt's side ------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = self.columns[index.column()]
        if isinstance(column, CheckColumn):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if isinstance(column, TextColumn):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if isinstance(column, CheckColumn):
            if role == Qt.ItemDataRole.CheckStateRole:
                on = row.checks[column.slot]
                return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.tooltip or None
            return None
        if isinstance(column, TextColumn):
            if role == Qt.ItemDataRole.EditRole:
                return row.text
            if role == Qt.ItemDataRole.DisplayRole:
                # An empty cell says it can be filled in, in grey.
                return row.text or column.placeholder
            if role == Qt.ItemDataRole.ForegroundRole and not row.text:
                return foreground(Tone.muted)
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.text or column.placeholder or None
            return None
        return column_data(column, row, role)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.row() >= len(self._rows):
            return False
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if isinstance(column, CheckColumn) and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            row.checks[column.slot] = checked
        elif isinstance(column, TextColumn) and role == Qt.ItemDataRole.EditRole:
            row.text = str(value or "")
        else:
            return False
        self._row_changed(index.row())
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(column, CheckColumn):
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = column.align if isinstance(column, Column) else LEFT
            return int((CENTER if isinstance(column, CheckColumn) else align).value)
        return None

    # --- the dialog's side ----------------------------------------------------------------

    def rows(self) -> tuple[CheckRow, ...]:
        return tuple(self._rows)

    def row(self, index: int) -> CheckRow:
        return self._rows[index]

    def set_rows(self, rows: Sequence[CheckRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()
        self.edited.emit()

    def column_of(self, title: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.title == title)

    def set_checked(self, row: int, slot: int, on: bool) -> None:
        self._rows[row].checks[slot] = on
        self._row_changed(row)

    def set_text(self, row: int, text: str) -> None:
        self._rows[row].text = text
        self._row_changed(row)

    def set_all(self, on: bool) -> None:
        """Tick (or clear) every box of every row."""
        for row in self._rows:
            row.checks = [on] * len(row.checks)
        if self._rows:
            last = len(self.columns) - 1
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, last))
        self.edited.emit()

    def checked_rows(self, slot: int = 0) -> list[CheckRow]:
        return [r for r in self._rows if r.checks[slot]]

    def _row_changed(self, row: int) -> None:
        # Other cells of the row (a verdict) may read the boxes: repaint the whole row.
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        self.edited.emit()


class PagedCheckModel(CheckTableModel):
    """A `CheckTableModel` whose rows arrive page by page through `fetch(last, limit)` as the
    view scrolls (keyset pages, like `PagedTableModel`); `fetch_all` before ticking every row."""

    def __init__(
        self,
        columns: Sequence[AnyColumn],
        fetch: PageFetcher,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(columns, (), parent)
        self._fetch = fetch
        self.page_size = page_size
        self._exhausted = True
        self._busy = False

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._busy

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        rows = self.rows()
        fetched = self._fetch(rows[-1].item if rows else None, self.page_size)
        page = list(fetched) if fetched is not None else []
        if fetched is None or len(page) < self.page_size:
            self._exhausted = True
        if page:
            first = len(rows)
            self._busy = True
            try:
                self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
                self._rows.extend(CheckRow(item) for item in page)
                self.endInsertRows()
            finally:
                self._busy = False
            self.edited.emit()

    def set_fetcher(self, fetch: PageFetcher) -> None:
        """Read from another source and start over from its first page."""
        self._fetch = fetch
        self._busy = True
        try:
            self.beginResetModel()
            self._rows = []
            self._exhausted = False
            self.endResetModel()
        finally:
            self._busy = False
        self.fetchMore()
        self.edited.emit()

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def fetch_all(self, max_rows: int = 20_000) -> None:
        while not self._exhausted and len(self._rows) < max_rows:
            self.fetchMore()


def check_table(model: CheckTableModel, stretch: int | None = None) -> QTableView:
    """The shared table look, with boxes ticked and cells typed into in place."""
    view = make_table(model, stretch)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.SelectedClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
    )
    view.verticalHeader().setDefaultSectionSize(28)
    return view
