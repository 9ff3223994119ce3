"""Every modal question the window asks goes through one object, so a test can answer it.

The program uses `Prompts` (message boxes, file dialogs, `QDialog.exec`); tests hand the windows
a scripted subclass that fills and accepts the same dialog objects without a nested event loop.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from app.settings import Settings, UnknownSetting

# Qt's own file dialog, labelled in Chinese whatever translations the system has, so that no
# "Look in:" or "Files of type:" shows (issue 7, defect 7).
FILE_DIALOG_LABELS = {
    QFileDialog.DialogLabel.LookIn: "查找范围：",
    QFileDialog.DialogLabel.FileName: "文件名：",
    QFileDialog.DialogLabel.FileType: "文件类型：",
    QFileDialog.DialogLabel.Reject: "取消",
}


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
        dialog = self.file_dialog(parent, title, filters, save=False)
        return self._chosen(dialog)

    def save_file(self, parent: QWidget | None, title: str, suggested: str, filters: str) -> str:
        """Where to save; `suggested` is a file name (it lands in the last folder used)."""
        dialog = self.file_dialog(parent, title, filters, save=True, suggested=suggested)
        return self._chosen(dialog)

    def file_dialog(
        self,
        parent: QWidget | None,
        title: str,
        filters: str,
        *,
        save: bool,
        suggested: str = "",
    ) -> QFileDialog:
        """The open or save dialog, in Chinese, opening where the person last opened or saved."""
        start = last_directory()
        dialog = QFileDialog(parent, title, str(start), filters)
        # Qt's own dialog: the same Chinese labels on every system (a native one may be English).
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        if save:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setFileMode(QFileDialog.FileMode.AnyFile)
            dialog.setLabelText(QFileDialog.DialogLabel.Accept, "保存")
            if suggested:
                name = Path(suggested)
                dialog.selectFile(str(name if name.is_absolute() else start / name))
        else:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            dialog.setLabelText(QFileDialog.DialogLabel.Accept, "打开")
        for label, text in FILE_DIALOG_LABELS.items():
            dialog.setLabelText(label, text)
        return dialog

    def _chosen(self, dialog: QFileDialog) -> str:
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return ""
        path = dialog.selectedFiles()[0]
        remember_directory(Path(path).parent)
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


def last_directory() -> Path:
    """The folder the person last opened or saved a file in, else their home folder."""
    try:
        saved = Settings().get("last_directory")
    except (UnknownSetting, OSError, ValueError):
        saved = ""
    folder = Path(saved) if saved else Path.home()
    return folder if folder.is_dir() else Path.home()


def remember_directory(folder: Path) -> None:
    # An unwritable settings file must not stop the person's save.
    with contextlib.suppress(UnknownSetting, OSError, ValueError):
        Settings().set("last_directory", str(folder))
