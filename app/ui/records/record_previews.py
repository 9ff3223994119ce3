"""Print previews for every page: any record by its number, a task's item labels, or any PDF a
service renders. The render goes through the desk's runner (off the GUI thread, "正在生成…" only
when it lasts); the runner removes that box before the preview opens, so the preview's buttons
answer at once (issue 7, defect 1: the old worker left the box over every preview).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.services.dispatch import item_labels
from app.services.kernel.terms import record_title
from app.services.records import printing
from app.ui.kit.page import Desk
from app.ui.kit.print_preview import PdfLoadError, PrintPreviewDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Call, Operation, Runner, call

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


class Previewer:
    """Renders through the runner and shows `PrintPreviewDialog` (打印… / 另存为 PDF…)."""

    def __init__(self, desk: Desk | Database, prompts: Prompts | None = None) -> None:
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
        return self.show_pdf(job, record_title(number), number, parent)

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
