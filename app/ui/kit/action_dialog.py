"""A small form whose OK runs one write through the runner.

A refusal (a name taken, a weak password, a loop in the kit tree) shows in the form itself and
the person corrects it there; while the write runs, OK and 取消 wait for its answer.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtWidgets import QWidget

from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.page import Desk
from app.ui.kit.runner import Call, Change, Operation

T = TypeVar("T")


class ActionDialog(FormDialog, Generic[T]):
    """Subclasses build their fields and say `job()`; `result_` is what the service returned."""

    changes: Change = Change.NONE

    def __init__(self, desk: Desk, title: str, heading: str, ok: str, parent: QWidget | None):
        super().__init__(title, heading, ok, "取消", parent)
        self.desk = desk
        self.result_: T | None = None
        self._op: Operation | None = None

    def job(self) -> Call[T] | None:
        """The call OK makes; None when the form itself is not filled right (it says why)."""
        raise NotImplementedError

    def accept(self) -> None:
        if self._op is not None:
            return
        self.show_error("")
        job = self.job()
        if job is None:
            return
        self.set_ok_enabled(False)
        op = self.desk.runner.run(
            self, job, done=self._done, failed=self._refused, changes=self.changes
        )
        self._op = None if op.done else op

    def _done(self, result: T) -> None:
        self._op = None
        self.result_ = result
        super().accept()

    def _refused(self, message: str) -> None:
        self._op = None
        self.set_ok_enabled(True)
        self.show_error(message)

    def reject(self) -> None:
        if self._op is None:
            super().reject()
