"""The main window's pages, each built the first time it is asked for.

Building every page at sign-in cost the window's start a quarter of a second at a million lines
(their widgets, and the first reads of the pages that read as they are built: issue 10). Until a
page is built its place in the stack holds an empty widget, so the navigation's rows and the
stack's indexes always agree.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

Factory = Callable[[], QWidget]


class PageStack(QStackedWidget):
    """One place per key; `page(key)` builds the page there on first use. `built(key, page)`
    tells the window, which wires the page's signals."""

    built = Signal(str, QWidget)

    def __init__(self, keys: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keys = list(keys)
        self._factories: dict[str, Factory] = {}
        self._pages: dict[str, QWidget] = {}
        for _key in self.keys:
            self.addWidget(QWidget())  # holds the place until the page is built

    def define(self, key: str, factory: Factory) -> None:
        """How the page for `key` is built."""
        self._factories[key] = factory

    def is_built(self, key: str) -> bool:
        return key in self._pages

    def built_pages(self) -> list[QWidget]:
        return list(self._pages.values())

    def page(self, key: str) -> QWidget:
        """The page for `key`, built now if it was not yet."""
        page = self._pages.get(key)
        if page is not None:
            return page
        page = self._factories[key]()
        self._pages[key] = page
        if key in self.keys:
            index = self.keys.index(key)
            holder = self.widget(index)
            current = self.currentIndex()
            self.insertWidget(index, page)
            if holder is not None:
                self.removeWidget(holder)
                holder.deleteLater()
            if current == index:
                self.setCurrentIndex(index)
        else:
            # A page this login does not see (a test, or a route the window offers every
            # login): Qt owns it through the stack, hidden. A widget only Python owned would
            # be destroyed by the collector, which may run in a worker thread, and crash Qt.
            page.setParent(self)
            page.hide()
        self.built.emit(key, page)
        return page

    def show_key(self, key: str) -> QWidget:
        """Build the page if needed and make it the current one."""
        page = self.page(key)
        self.setCurrentWidget(page)
        return page
