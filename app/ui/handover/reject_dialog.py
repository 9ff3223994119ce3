"""拒收: the reason a line is refused, which goes onto the rejection notice."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QLabel, QWidget

from app.services.kernel.terms import DocumentVerdict, document_label
from app.services.kernel.views import LineView
from app.ui.kit.form_dialog import FormDialog, editable_combo

COMMON_REASONS = (
    "产品证明文件缺失",
    "故障单缺失",
    "装箱清单缺失",
    "文物不一致（型号或出厂编号与文件不符）",
    "外观破损，与故障单描述不符",
)


def suggested_reason(line: LineView) -> str:
    """What a rejection of this line most likely says: its documents not found in order, with
    the clerk's notes (a document not matching the item defaults the reason to say so)."""
    parts = []
    for doc in line.documents:
        label = document_label(doc.kind)
        note = doc.note.strip()
        if doc.verdict == DocumentVerdict.missing:
            parts.append(f"{label}缺失")
        elif doc.verdict == DocumentVerdict.inconsistent:
            parts.append(f"{label}与实物不一致（{note}）" if note else f"{label}与实物不一致")
    return "；".join(parts)


class RejectDialog(FormDialog):
    def __init__(
        self,
        item_code: str,
        suggested: Sequence[str] = (),
        parent: QWidget | None = None,
        common: Sequence[str] = COMMON_REASONS,
    ) -> None:
        super().__init__(
            "拒收产品",
            "拒收的产品在确认交接时列入拒收通知，发给总体单位。",
            ok_text="拒收",
            parent=parent,
        )
        self.form.addRow("产品：", QLabel(item_code))
        suggested = [s for s in suggested if s]
        # The admin's list of reject reasons (代码表), or these defaults where none is given.
        reasons = list(dict.fromkeys([*suggested, *(common or COMMON_REASONS)]))
        self.reason_box = editable_combo(reasons, "选择或填写拒收原因（必填）")
        self.reason_box.setCurrentIndex(0 if suggested else -1)
        self.form.addRow("拒收原因：", self.reason_box)
        self.reason_box.currentTextChanged.connect(self._check)
        self._check()
        self.reason_box.setFocus()  # the keyboard starts at the reason, not at a button

    def reason(self) -> str:
        return self.reason_box.currentText().strip()

    def _check(self) -> None:
        self.set_ok_enabled(bool(self.reason()))
