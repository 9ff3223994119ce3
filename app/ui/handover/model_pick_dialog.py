"""A scanned serial the program cannot place: pick its model, write the fault, register it;
or take it off the 待补登 list when it was scanned by mistake."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCompleter, QDialogButtonBox, QLabel, QLineEdit, QWidget

from app.services.kernel.views import ModelView
from app.ui.kit.form_dialog import FormDialog, editable_combo
from app.ui.kit.style import Tone, message_css


@dataclass(frozen=True)
class PickedModel:
    model_code: str
    serial_no: str
    fault_description: str


class ModelPickDialog(FormDialog):
    def __init__(
        self,
        models: Sequence[ModelView],
        serial_no: str,
        message: str,
        model_code: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "补登：选择产品型号", ok_text="登记", cancel_text="稍后再补登", parent=parent
        )
        self.dropped = False
        self.drop_button = self.buttons.addButton(
            "移出待补登", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.drop_button.setToolTip("扫错的编号：不登记，从待补登列表中移除")
        self.drop_button.clicked.connect(self._drop)
        note = QLabel(message)
        note.setWordWrap(True)
        note.setStyleSheet(message_css(Tone.warn))
        self.form.addRow(note)
        self.serial = QLineEdit(serial_no)
        self.model_box = editable_combo((), "输入型号代号或名称查找")
        for model in models:
            self.model_box.addItem(f"{model.code}　{model.name}", model.code)
        completer = QCompleter(self.model_box.model(), self.model_box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.model_box.setCompleter(completer)
        found = self.model_box.findData(model_code) if model_code else -1
        self.model_box.setCurrentIndex(found)
        self.fault = QLineEdit()
        self.fault.setPlaceholderText("按故障单填写故障现象")
        self.form.addRow("出厂编号：", self.serial)
        self.form.addRow("产品型号：", self.model_box)
        self.form.addRow("故障现象：", self.fault)
        self.serial.textChanged.connect(self._check)
        self.model_box.currentIndexChanged.connect(self._check)
        self.model_box.currentTextChanged.connect(self._check)
        self._check()
        self.model_box.setFocus()  # the keyboard starts at the model, not at a button

    def model_code(self) -> str:
        index = self.model_box.findText(self.model_box.currentText())
        if index >= 0:
            return str(self.model_box.itemData(index))
        return ""

    def values(self) -> PickedModel:
        return PickedModel(self.model_code(), self.serial.text().strip(), self.fault.text().strip())

    def choose(self, model_code: str) -> None:
        self.model_box.setCurrentIndex(self.model_box.findData(model_code))

    def _check(self) -> None:
        values = self.values()
        self.set_ok_enabled(bool(values.model_code and values.serial_no))

    def _drop(self) -> None:
        self.dropped = True
        self.reject()
