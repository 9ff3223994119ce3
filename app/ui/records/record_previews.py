"""Print previews for every page: any record by its number, a task's item labels, or any PDF a
service renders. The render goes through the desk's runner (off the GUI thread, "正在生成…" only
when it lasts); the runner removes that box before the preview opens, so the preview's buttons
answer at once (issue 7, defect 1: the old worker left the box over every preview).

A manager previewing an issued record also gets 作废… (issue 9): the reason is asked in a
`VoidDialog`, the voiding runs through the runner, and the record is shown again with its stamp.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

from app.services.dispatch import item_labels
from app.services.kernel.numbering import parse_number
from app.services.kernel.terms import VOID_AND_REISSUE, record_title
from app.services.records import printing, voiding
from app.services.records.voiding import VoidResult
from app.ui.kit.action_dialog import ActionDialog
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PdfLoadError, PrintPreviewDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Call, Change, Operation, Runner, call

if TYPE_CHECKING:
    from app.db import Database

LABEL_SIZES = (("60×40 热敏标签", "60x40"), ("A4 标签页", "a4"))
RENDERING = "正在生成…"
# Builds the preview for a rendered PDF (a page may add buttons of its own to it).
DialogFactory = Callable[[bytes, str, str, Prompts, QWidget], PrintPreviewDialog]


def _plain_preview(
    pdf: bytes, title: str, stem: str, prompts: Prompts, parent: QWidget
) -> PrintPreviewDialog:
    return PrintPreviewDialog(pdf, title, stem, prompts, parent)


def _may_void(desk: Desk, number: str) -> bool:
    """作废… is offered to a manager on a record of a kind that can be voided."""
    parsed = parse_number(number.strip().upper())
    actor = desk.actor
    allowed = actor.system or actor.role in voiding.VOIDERS
    return allowed and parsed is not None and parsed[0] in voiding.VOIDABLE


class VoidDialog(ActionDialog[VoidResult]):
    """作废: the reason (required) and, where the kind allows the choice, 作废并重开."""

    changes = Change.ALL  # a record's voiding shows wherever it is listed

    def __init__(self, desk: Desk, number: str, parent: QWidget | None = None) -> None:
        self.number = number = number.strip().upper()
        self.rule = voiding.REISSUE[number[:2]]
        heading = {
            "always": "作废后将以新编号重新出具同样内容的记录，新记录注明所替代的编号。",
            "optional": "可仅作废，或勾选“作废并重开”以新编号重新出具。",
            "never": "此类记录只作废，不重新出具。",
        }[self.rule]
        title = record_title(number)
        super().__init__(
            desk,
            f"作废 {title}",
            f"作废 {title}：记录保留，打印时标明“作废”、原因、作废人和时间。{heading}",
            "作废",
            parent,
        )
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("必填：为什么作废")
        self.reason.setFixedHeight(80)
        self.reissue = QCheckBox(VOID_AND_REISSUE)
        self.reissue.setChecked(self.rule == "always")
        self.reissue.setEnabled(self.rule == "optional")
        self.reissue.setVisible(self.rule != "never")
        self.form.addRow("作废原因：", self.reason)
        self.form.addRow("", self.reissue)
        self.reason.setFocus()

    def job(self) -> Call[VoidResult] | None:
        if not self.reason.toPlainText().strip():
            self.show_error("请填写作废原因。")
            return None
        d = self.desk
        reissue = self.reissue.isChecked() if self.rule != "never" else False
        return call(
            voiding.void_record,
            d.db,
            d.actor,
            self.number,
            self.reason.toPlainText(),
            reissue=reissue,
        )


class Previewer:
    """Renders through the runner and shows `PrintPreviewDialog` (打印… / 另存为 PDF…)."""

    def __init__(self, desk: Desk | Database, prompts: Prompts | None = None) -> None:
        self.desk = desk if isinstance(desk, Desk) else None
        if isinstance(desk, Desk):
            self.db, self.prompts, self.runner = desk.db, desk.prompts, desk.runner
        else:
            # A page not yet built with a Desk: a runner of its own (issue 7 moves every
            # page to the window's one runner).
            self.db, self.prompts = desk, prompts or Prompts()
            self.runner = Runner(self.prompts)

    def show_record(self, number: str, parent: QWidget) -> Operation:
        """The record with this number (a scan, a history row, the 打印 menu)."""
        job = call(printing.render_record, self.db, number)
        desk = self.desk
        if desk is None or not _may_void(desk, number):
            return self.show_pdf(job, record_title(number), number, parent)

        def with_void_button(
            pdf: bytes, title: str, stem: str, prompts: Prompts, parent_: QWidget
        ) -> PrintPreviewDialog:
            dialog = PrintPreviewDialog(pdf, title, stem, prompts, parent_)
            dialog.void_button = QPushButton("作废…")  # type: ignore[attr-defined]
            dialog.void_button.setToolTip("作废此记录（经理）")  # type: ignore[attr-defined]
            layout = dialog.layout()
            item = layout.itemAt(0) if layout is not None else None
            bar = item.layout() if item is not None else None
            assert isinstance(bar, QHBoxLayout)
            bar.insertWidget(bar.indexOf(dialog.print_button), dialog.void_button)  # type: ignore[attr-defined]
            dialog.void_button.clicked.connect(  # type: ignore[attr-defined]
                lambda: self._void(desk, number, dialog)
            )
            return dialog

        return self.show_pdf(job, record_title(number), number, parent, with_void_button)

    def _void(self, desk: Desk, number: str, preview: PrintPreviewDialog) -> None:
        """Ask the reason; once voided, close the preview and show the record with its stamp."""
        dialog = VoidDialog(desk, number, preview)
        accepted = self.prompts.run(dialog)
        done = dialog.result_
        dialog.deleteLater()
        if not accepted or done is None:
            return
        parent = preview.parentWidget() or preview
        preview.accept()
        if done.reissued:
            self.prompts.info(parent, "已作废", f"{number} 已作废，重新出具为 {done.reissued}。")
        self.show_record(number, parent)

    def show_labels(self, task_number: str, size: str, parent: QWidget) -> Operation:
        job = call(item_labels.render_task_labels, self.db, task_number, size)
        size_text = {code: text for text, code in LABEL_SIZES}.get(size, size)
        title = f"产品标签 {task_number}（{size_text}）"
        return self.show_pdf(job, title, f"标签-{task_number}-{size}", parent)

    def show_pdf(
        self,
        job: Call[bytes],
        title: str,
        stem: str,
        parent: QWidget,
        make_dialog: DialogFactory = _plain_preview,
    ) -> Operation:
        """Render `job`, then preview it under `title` (saved as `stem`.pdf)."""

        def rendered(pdf: bytes) -> None:
            try:
                dialog = make_dialog(pdf, title, stem, self.prompts, parent)
            except PdfLoadError as exc:
                self.prompts.error(parent, "无法预览", str(exc))
                return
            self.prompts.run(dialog)
            dialog.deleteLater()

        return self.runner.run(
            parent, job, done=rendered, label=RENDERING, title="无法打印", origin=parent
        )
