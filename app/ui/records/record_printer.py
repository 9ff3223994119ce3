"""Open any record's print preview by its number: render off the GUI thread, then show it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.ui.kit.print_preview import PdfLoadError, PrintPreviewDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.worker import Progress, ServiceOp, run_with_progress

if TYPE_CHECKING:
    from app.db import Database

RECORD_TITLES = {
    "FX": "返厂交接清单",
    "JJ": "交接记录单",
    "JS": "拒收通知",
    "CQ": "超期报告",
    "SJ": "升级报告",
    "DW": "故障定位情况报告",
    "QB": "齐套情况报告",
    "KX": "开箱检查记录",
    "PC": "故障排查方案",
    "WX": "维修记录",
    "YS": "验收记录",
    "JF": "交付计划",
    "QT": "齐套情况",
}


def record_title(number: str) -> str:
    return f"{RECORD_TITLES.get(number[:2].upper(), '记录')} {number}"


class RecordPrinter:
    """Renders with `app.services.records.printing.render_record` and shows `PrintPreviewDialog`."""

    def __init__(self, db: Database, prompts: Prompts) -> None:
        self.db = db
        self.prompts = prompts

    def show(self, number: str, parent: QWidget) -> ServiceOp:
        db = self.db

        def render(_progress: Progress) -> bytes:
            from app.services.records.printing import render_record

            return render_record(db, number)

        def rendered(pdf: bytes) -> None:
            try:
                dialog = PrintPreviewDialog(pdf, record_title(number), number, self.prompts, parent)
            except PdfLoadError as exc:
                self.prompts.error(parent, "无法预览", str(exc))
                return
            self.prompts.run(dialog)
            dialog.deleteLater()

        return run_with_progress(
            parent,
            self.prompts,
            f"正在生成 {record_title(number)}…",
            render,
            rendered,
            failure_title="无法打印",
        )
