"""The look every table in the window shares: read-only rows, one selected at a time."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QObject
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView

from app.ui.kit.paged_model import Column


def make_table(model: QAbstractTableModel, stretch: int | None = None) -> QTableView:
    """A read-only, row-selecting table with the columns' initial widths (a model of ours
    has `columns`, each with its width)."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(stretch is None)
    columns: Sequence[Column] = getattr(model, "columns", ())
    for i, column in enumerate(columns):
        if column.width:
            view.setColumnWidth(i, column.width)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    # Rows read again from the first page start at the top. Left far down (where the person
    # had scrolled), the view showed the new first page's end and Qt read the next page at
    # once, on the GUI thread: two pages after every step on the 齐套 list (issue 10).
    model.modelAboutToBeReset.connect(view.scrollToTop)
    return view


def select_row(
    view: QTableView,
    row: int,
    hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
) -> None:
    """Make `row` the selected, current row of `view` and scroll it into sight."""
    index = view.model().index(row, 0)
    view.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    view.scrollTo(index, hint)


MEASURE_AT_MOST = 1000  # rows measured of one insert (Qt's ResizeToContents measures 1,000)


class ContentsFit(QObject):
    """Columns as wide as their widest text, measured a row at a time as rows come.

    Qt's `ResizeToContents` measures every cell of the column again (up to 1,000 rows, each
    for several roles) at each row inserted or changed: at the desk, each scan that added a
    line read every line of the task again to size two columns (issue 10). Here a new or
    changed row is measured alone, and a column only widens; a reset starts over.
    """

    def __init__(self, view: QTableView, columns: Sequence[int]) -> None:
        super().__init__(view)
        self.view = view
        self.columns = tuple(columns)
        model = view.model()
        header = view.horizontalHeader()
        for column in self.columns:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        model.rowsInserted.connect(lambda _parent, first, last: self._measure(first, last))
        model.dataChanged.connect(
            lambda top, bottom, *_roles: self._measure(top.row(), bottom.row())
        )
        model.modelReset.connect(self.refit)
        self.refit()

    def margin(self) -> int:
        """The delegate's text margin on each side (QCommonStyle: the focus frame's + 1)."""
        style = self.view.style()
        return style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1

    def refit(self) -> None:
        header = self.view.horizontalHeader()
        for column in self.columns:
            header.resizeSection(column, header.sectionSizeHint(column))
        self._measure(0, self.view.model().rowCount() - 1)

    def _measure(self, first: int, last: int) -> None:
        if last < first:
            return
        model = self.view.model()
        # Measured as QTableView::sizeHintForColumn does: the text's exact advance rounded up,
        # the delegate's margins and the grid's line. A pixel short, Qt elides the text
        # ("电源…" for 电源模块, "待核对 …" for 待核对 0/3).
        metrics = QFontMetricsF(self.view.font())
        header = self.view.horizontalHeader()
        pad = 2 * self.margin() + (1 if self.view.showGrid() else 0)
        # Thousands of rows at once (a long list read up to a scanned line): measured all, they
        # held the window 185 ms for 9,800; an even sample, as Qt's own resizeContentsPrecision.
        rows = range(first, last + 1, max(1, (last - first + 1) // MEASURE_AT_MOST))
        for column in self.columns:
            widest = math.ceil(
                max(
                    metrics.horizontalAdvance(str(model.index(row, column).data() or ""))
                    for row in (*rows, last)
                )
            )
            if widest + pad > header.sectionSize(column):
                header.resizeSection(column, widest + pad)
