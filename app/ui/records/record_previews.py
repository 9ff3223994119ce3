"""Print previews for the dispatch page, the bench and the item history: any record by its
number, and a task's item labels. The PDF is rendered off the GUI thread, then previewed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.ui.kit.print_preview import PdfLoadError, PrintPreviewDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.worker import Progress, ServiceOp, run_with_progress
from app.ui.repair.step_labels import record_title

if TYPE_CHECKING:
    from app.db import Database

LABEL_SIZES = (("60×40 热敏标签", "60x40"), ("A4 标签页", "a4"))


class Previewer:
    """Renders with the printing services and shows `PrintPreviewDialog` (打印… / 另存为 PDF…)."""

    def __init__(self, db: Database, prompts: Prompts) -> None:
        self.db = db
        self.prompts = prompts

    def show_record(self, number: str, parent: QWidget) -> ServiceOp:
        db = self.db

        def render(_progress: Progress) -> bytes:
            from app.services.records.printing import render_record

            return render_record(db, number)

        return self._show(render, record_title(number), number, parent)

    def show_labels(self, task_number: str, size: str, parent: QWidget) -> ServiceOp:
        db = self.db

        def render(_progress: Progress) -> bytes:
            from app.services.dispatch.item_labels import render_task_labels

            return render_task_labels(db, task_number, size)

        size_text = dict((code, text) for text, code in LABEL_SIZES).get(size, size)
        title = f"产品标签 {task_number}（{size_text}）"
        return self._show(render, title, f"标签-{task_number}-{size}", parent)

    def _show(
        self, render: Callable[[Progress], bytes], title: str, stem: str, parent: QWidget
    ) -> ServiceOp:
        def rendered(pdf: bytes) -> None:
            try:
                dialog = PrintPreviewDialog(pdf, title, stem, self.prompts, parent)
            except PdfLoadError as exc:
                self.prompts.error(parent, "无法预览", str(exc))
                return
            self.prompts.run(dialog)
            dialog.deleteLater()

        return run_with_progress(
            parent, self.prompts, f"正在生成 {title}…", render, rendered, failure_title="无法打印"
        )
