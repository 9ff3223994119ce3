"""Open any record's print preview by its number (a scan, an inbox report, an overdue report):
the same `Previewer`, under the name the pages know."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.services.kernel.terms import record_title
from app.ui.kit.runner import Operation
from app.ui.records.record_previews import Previewer

__all__ = ["RecordPrinter", "record_title"]


class RecordPrinter(Previewer):
    """`show(number, parent)`: render through the runner, then preview."""

    def show(self, number: str, parent: QWidget) -> Operation:
        return self.show_record(number, parent)
