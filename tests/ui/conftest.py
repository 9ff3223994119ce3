"""The window's test kit: a scripted `Prompts` that fills the real dialogs, and a clerk's window."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from app.db import Database
from app.services.kernel.context import Actor
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.page import Desk
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Runner
from tests.conftest import Org

Handler = Callable[[Any], bool]


class ScriptedPrompts(Prompts):
    """Answers every modal question from a script; an unexpected dialog fails the test."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.handlers: list[Handler] = []
        self.answers: list[bool] = []
        self.files: list[str] = []
        self.infos: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str]] = []
        self.questions: list[tuple[str, str]] = []
        self.seen: list[QDialog] = []

    def expect(
        self, kind: type[FormDialog], fill: Callable[[Any], None] | None = None, accept: bool = True
    ) -> None:
        """The next dialog must be a `kind`: `fill` it, then press its OK (or cancel) button."""

        def handle(dialog: Any) -> bool:
            assert isinstance(dialog, kind), (
                f"expected {kind.__name__}, got {type(dialog).__name__}"
            )
            dialog.show()
            self.qtbot.waitExposed(dialog)
            if fill is not None:
                fill(dialog)
            if accept:
                button = dialog.ok_button
                assert button.isEnabled(), f"{kind.__name__}: OK is disabled ({button.toolTip()})"
                self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            else:
                self.qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
            # Some dialogs finish off the GUI thread (login, first start): wait until they close.
            self.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
            return dialog.result() == QDialog.DialogCode.Accepted

        self.handlers.append(handle)

    def then(self, handler: Handler) -> None:
        """The next dialog goes to `handler`, which returns whether it was accepted."""
        self.handlers.append(handler)

    def run(self, dialog: QDialog) -> bool:
        self.seen.append(dialog)
        if not self.handlers:
            raise AssertionError(
                f"unexpected dialog {type(dialog).__name__}: {dialog.windowTitle()}"
            )
        return self.handlers.pop(0)(dialog)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.infos.append((title, text))

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.errors.append((title, text))

    def ask(
        self, parent: QWidget | None, title: str, text: str, yes: str = "是", no: str = "否"
    ) -> bool:
        self.questions.append((title, text))
        if not self.answers:
            raise AssertionError(f"unexpected question {title}: {text}")
        return self.answers.pop(0)

    def open_file(self, parent: QWidget | None, title: str, filters: str) -> str:
        return self.files.pop(0) if self.files else ""

    def save_file(self, parent: QWidget | None, title: str, suggested: str, filters: str) -> str:
        return self.files.pop(0) if self.files else ""

    def done(self) -> bool:
        return not self.handlers and not self.answers


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """Garbage collected on the GUI thread only, as the program does (ui/kit/collector.py):
    automatic collection is off while a window test runs and each test's windows are freed
    here. Left on, a collection a runner's worker thread happened to start destroyed a Qt widget
    there and crashed the process (seen: a segfault inside a later test's render)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_on:
            gc.enable()


@pytest.fixture
def prompts(qtbot: Any) -> Iterator[ScriptedPrompts]:
    scripted = ScriptedPrompts(qtbot)
    yield scripted


# Tests wait for every answer in place (as a fast call does at a desk), so they read like a
# person's steps; the tests of the hand-over path give the runner a short grace of their own.
TEST_GRACE_MS = 60_000


@pytest.fixture
def runner(prompts: ScriptedPrompts) -> Iterator[Runner]:
    made = Runner(prompts, grace_ms=TEST_GRACE_MS, label_grace_ms=TEST_GRACE_MS)
    yield made
    made.shutdown()


@pytest.fixture
def live_runner(prompts: ScriptedPrompts) -> Iterator[Runner]:
    """A runner with the program's own grace: a call that lasts is handed over, as at a desk."""
    made = Runner(prompts)
    yield made
    made.shutdown()


@pytest.fixture
def make_desk(sqlite_db: Database, prompts: ScriptedPrompts, runner: Runner) -> Callable[..., Desk]:
    """`make_desk(actor)` (or `make_desk(actor, db)`): what a page is built with."""

    def make(actor: Actor, db: Database | None = None) -> Desk:
        return Desk(db or sqlite_db, actor, prompts, runner)

    return make


@pytest.fixture
def org(sqlite_db: Database) -> Org:
    return Org(sqlite_db)


@pytest.fixture
def open_window(
    qtbot: Any, sqlite_db: Database, prompts: ScriptedPrompts, runner: Runner
) -> Callable[[Actor], Any]:
    """A main window for `actor`, shown at its default size."""
    from app.ui.shell.main_window import MainWindow

    def make(actor: Actor) -> Any:
        window = MainWindow(sqlite_db, actor, prompts, runner=runner)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        # The dashboard opens first; most tests work at the desk, where a clerk goes next.
        window.go("desk")
        return window

    return make
