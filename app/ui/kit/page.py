"""What every page of the main window shares: the store, the login, the questions, the runner.

A page acts only through `self.run(call(service.fn, ...), done=..., changes=...)` and reads a
quick keyset page with `self.now(call(...))`. It declares the changes it shows (`watches`); when
any page's action changed one of them, a visible page refreshes at once and a hidden one when it
is next shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.kernel.context import Actor
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Call, Change, Operation, Runner

if TYPE_CHECKING:
    from app.db import Database

T = TypeVar("T")


@dataclass(frozen=True)
class Desk:
    """Who works at this window and with what: handed to every page."""

    db: Database
    actor: Actor
    prompts: Prompts
    runner: Runner

    @classmethod
    def make(
        cls,
        db: Database,
        actor: Actor,
        prompts: Prompts | None = None,
        runner: Runner | None = None,
    ) -> Desk:
        prompts = prompts or Prompts()
        return cls(db, actor, prompts, runner or Runner(prompts))


class Page(QWidget):
    """A page of the main window. Subclasses build their widgets, then call `self.loaded()`."""

    # Another page should show a record, an item or a task (the window routes it).
    open_record = Signal(str)
    open_item = Signal(str)
    open_task = Signal(int)

    watches: Change = Change.NONE

    def __init__(self, desk: Desk, parent: QWidget | None = None, margins: int = 8) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = desk.db
        self.actor = desk.actor
        self.prompts = desk.prompts
        self.runner = desk.runner
        self._stale = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(margins, margins, margins, margins)
        self.runner.changed.connect(self._changed)

    # --- acting -------------------------------------------------------------------------------

    def run(
        self,
        job: Call[T],
        *,
        done: Callable[[T], None] | None = None,
        failed: Callable[[str], None] | None = None,
        changes: Change = Change.NONE,
        label: str = "",
        title: str = "操作未完成",
        background: bool = False,
    ) -> Operation:
        """Start a service call through the runner; see `Runner.run`."""
        return self.runner.run(
            self,
            job,
            done=done,
            failed=failed if failed is not None else self.show_failure,
            changes=changes,
            label=label,
            title=title,
            origin=self,
            background=background,
        )

    def now(self, job: Call[T], default: Any = None) -> Any:
        """A quick read in place (a keyset page, one row by key); `default` when refused."""
        value = self.runner.now(job, failed=self.show_failure)
        return default if value is None else value

    def show_failure(self, message: str) -> None:
        """Where this page shows a refusal; a page with a message line overrides this."""
        self.prompts.error(self, "操作未完成", message)

    # --- refreshing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read again what the page shows (override)."""

    def refresh_when_shown(self) -> None:
        """Read again now if the page is shown, else the next time it is."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def _changed(self, change: Change, origin: object) -> None:
        if not (change & self.watches) or origin is self:
            return
        self.refresh_when_shown()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()
