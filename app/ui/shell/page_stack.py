"""The main window's pages, each built the first time it is asked for.

Building every page at sign-in cost the window's start a quarter of a second at a million lines
(their widgets, and the first reads of the pages that read as they are built: issue 10). Until a
page is built its place in the stack holds an empty widget, so the navigation's rows and the
stack's indexes always agree.
"""

from __future__ import annotations

import importlib
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from app.ui.kit.page import Desk


def imported(target: str) -> Any:
    """`module:Name` → the object, importing its module now if it was not yet."""
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def preload(targets: list[str]) -> None:
    """Import the modules (in a worker thread: the first open of each page then only builds)."""
    for target in targets:
        imported(target)


class PageStack(QStackedWidget):
    """One place per key; `page(key)` builds the page there on first use. `built(key, page)`
    tells the window, which wires the page's signals."""

    built = Signal(str, QWidget)

    def __init__(
        self, desk: Desk, keys: list[str], types: dict[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        # No reference back to the window: a cycle through it would keep a signed-out
        # window's Python half alive after Qt destroyed it.
        self.desk = desk
        self.keys = list(keys)
        self.types = dict(types)  # key → "module:Class", built as Class(desk)
        self._pages: dict[str, QWidget] = {}
        for _key in self.keys:
            self.addWidget(QWidget())  # holds the place until the page is built

    def not_built(self) -> list[str]:
        """The modules of this login's pages not built yet."""
        return [self.types[key] for key in self.keys if key not in self._pages]

    def is_built(self, key: str) -> bool:
        return key in self._pages

    def page(self, key: str) -> QWidget:
        """The page for `key`, built now if it was not yet."""
        if key in self._pages:
            return self._pages[key]
        page: QWidget = imported(self.types[key])(self.desk)
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
