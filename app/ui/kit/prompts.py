"""Every modal question the window asks goes through one object, so a test can answer it.

The program uses `Prompts` (message boxes, file dialogs, `QDialog.exec`); tests hand the windows
a scripted subclass that fills and accepts the same dialog objects without a nested event loop.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget


class Prompts:
    """Modal dialogs and message boxes, with Chinese buttons whatever translations are loaded."""

    def run(self, dialog: QDialog) -> bool:
        """Show `dialog` modally; True when the person accepted it."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self._box(parent, QMessageBox.Icon.Information, title, text, ("确定",))

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self._box(parent, QMessageBox.Icon.Warning, title, text, ("确定",))

    def ask(
        self, parent: QWidget | None, title: str, text: str, yes: str = "是", no: str = "否"
    ) -> bool:
        return self._box(parent, QMessageBox.Icon.Question, title, text, (yes, no)) == 0

    def open_file(self, parent: QWidget | None, title: str, filters: str) -> str:
        """A path chosen by the person, or "" when they cancelled."""
        path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
        return path

    def save_file(self, parent: QWidget | None, title: str, suggested: str, filters: str) -> str:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
        return path

    def _box(
        self,
        parent: QWidget | None,
        icon: QMessageBox.Icon,
        title: str,
        text: str,
        buttons: tuple[str, ...],
    ) -> int:
        """The index of the button pressed (the last one when the box was closed)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
        made = []
        for i, label in enumerate(buttons):
            role = (
                QMessageBox.ButtonRole.AcceptRole if i == 0 else QMessageBox.ButtonRole.RejectRole
            )
            made.append(box.addButton(label, role))
        box.setDefaultButton(made[0])
        box.setEscapeButton(made[-1])
        box.exec()
        clicked = box.clickedButton()
        return made.index(clicked) if clicked in made else len(made) - 1
