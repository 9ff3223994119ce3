"""导入清单: preview a unit's Excel handover list off the GUI thread, then import it all or nothing.

Rows with a problem show in red and new models are flagged; when there are bad rows the only way
on is 仅导入无误的行 (or cancel): nothing is ever half-imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.admin import masterdata
from app.services.handover import list_import
from app.services.kernel.context import local_today
from app.services.kernel.terms import UnitKind
from app.services.kernel.views import ImportResult
from app.ui.kit.date_edit import OptionalDateEdit
from app.ui.kit.form_dialog import editable_combo
from app.ui.kit.paged_model import CENTER, Column, PagedTableModel, list_fetcher
from app.ui.kit.runner import Call, Change, Operation, call, call_with_progress
from app.ui.kit.style import Tone, message_css, scaled_font
from app.ui.kit.tables import make_table

if TYPE_CHECKING:
    from app.services.handover.list_import import ListPreview
    from app.ui.kit.page import Page


@dataclass(frozen=True)
class ShownRow:
    """A preview row, or a sheet row the reader refused (only its number and the reason)."""

    row: int
    seq: str = ""
    product_name: str = ""
    model_code: str = ""
    drawing_no: str = ""
    serial_no: str = ""
    fault_description: str = ""
    remark: str = ""
    new_model: bool = False
    problem: str = ""
    warnings: tuple[str, ...] = ()


def shown_rows(preview: ListPreview) -> list[ShownRow]:
    """Every row of the sheet that matters, in sheet order, good and bad together."""
    rows = [
        ShownRow(
            r.row,
            r.seq,
            r.product_name,
            r.model_code,
            r.drawing_no,
            r.serial_no,
            r.fault_description,
            r.remark,
            r.new_model,
            r.problem,
            tuple(r.warnings),
        )
        for r in preview.rows
    ]
    listed = {r.row for r in rows}
    rows += [ShownRow(row, problem=reason) for row, reason in preview.rejected if row not in listed]
    return sorted(rows, key=lambda r: r.row)


def _row_tone(row: ShownRow) -> Tone | None:
    if row.problem:
        return Tone.bad
    return Tone.warn if row.warnings else None


def _model_tone(row: ShownRow) -> Tone | None:
    return Tone.bad if row.problem else (Tone.warn if row.new_model else None)


def _remark(row: ShownRow) -> str:
    return "；".join(part for part in (row.problem, *row.warnings, row.remark) if part)


ROW_WARNINGS_SHOWN = 8


def _row_warning_lines(preview: ListPreview) -> list[str]:
    """The rows imported with something to check, by sheet row (the first few; all in the table)."""
    found = preview.row_warnings
    lines = [f"· 第 {row} 行：{reason}" for row, reason in found[:ROW_WARNINGS_SHOWN]]
    if len(found) > ROW_WARNINGS_SHOWN:
        lines.append(f"· 另有 {len(found) - ROW_WARNINGS_SHOWN} 处需核对，见表中黄色行")
    return lines


PREVIEW_COLUMNS = (
    Column("行号", lambda r: str(r.row), CENTER, tone=_row_tone, width=46),
    Column("序号", lambda r: r.seq, CENTER, tone=_row_tone, width=46),
    Column("产品名称", lambda r: r.product_name, tone=_row_tone, width=110),
    Column(
        "型号",
        lambda r: f"{r.model_code}（新型号）" if r.new_model else r.model_code,
        tone=_model_tone,
        tooltip=lambda r: "主数据中没有此型号，导入时新建" if r.new_model else "",
        width=130,
    ),
    Column("图号", lambda r: r.drawing_no, tone=_row_tone, width=100),
    Column("出厂编号", lambda r: r.serial_no, tone=_row_tone, width=120),
    Column("故障现象", lambda r: r.fault_description, tone=_row_tone, width=150),
    Column("问题 / 备注", _remark, tone=_row_tone, tooltip=_remark, width=220),
)


class ImportDialog(QDialog):
    """Built with the chosen file; the preview starts at once in a worker thread."""

    preview_ready = Signal()
    import_done = Signal()

    def __init__(
        self,
        page: Page,
        path: str,
        units: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.page = page
        self.path = path
        self.preview: ListPreview | None = None
        self.result_value: ImportResult | None = None
        self._op: Operation | None = None
        self._cancelled = False
        self.setWindowTitle(f"导入交接清单 — {Path(path).name}")

        self.file_label = QLabel(f"文件：{path}")
        self.file_label.setWordWrap(True)
        self.title_label = QLabel()
        self.title_label.setFont(scaled_font(self.font(), 1.15, bold=True))
        self.summary = QLabel("正在读取清单…")
        self.summary.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(message_css(Tone.warn))
        self.warnings.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setFormat("%v / %m 行")
        self.stop_button = QPushButton("取消读取")
        self.stop_button.clicked.connect(self._stop)

        self.model = PagedTableModel(PREVIEW_COLUMNS, list_fetcher([]), parent=self)
        self.table = make_table(self.model, stretch=7)

        self.unit_box = editable_combo(units, "选择或输入交回产品的用户单位")
        self.node_date = OptionalDateEdit(local_today())
        self.kitting_deadline = OptionalDateEdit(None)
        form = QFormLayout()
        form.addRow("用户单位：", self.unit_box)
        form.addRow("任务节点日期：", self.node_date)
        form.addRow("齐套时间节点：", self.kitting_deadline)
        # A model the list brings in: its manufacturer named here, so its lines can be dispatched
        # without waiting for an admin (left empty, the model goes on the models-to-complete list).
        self.makers_box = QGroupBox("新型号的承制单位（不选则由管理员在“型号与配套”中补充）")
        self.makers_form = QFormLayout(self.makers_box)
        self.maker_boxes: dict[str, QComboBox] = {}
        self.makers_box.hide()

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(message_css(Tone.bad))
        self.error_label.hide()
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.title_label)
        layout.addWidget(self.summary)
        layout.addWidget(self.warnings)
        layout.addLayout(progress_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.makers_box)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(1040, 640)
        self.unit_box.currentTextChanged.connect(self._update_buttons)
        self._update_buttons()
        self._start_preview()

    # --- preview ------------------------------------------------------------------------------

    def _start_preview(self) -> None:
        job = call_with_progress(list_import.preview_list, self.page.db, self.path)
        self._run(job, self._previewed, "正在读取清单…", Change.NONE)

    def _previewed(self, preview: ListPreview) -> None:
        self.preview = preview
        rows = shown_rows(preview)
        self.model.set_fetcher(list_fetcher(rows))
        self.title_label.setText(preview.title or Path(self.path).name)
        bad = len(preview.rejected)
        good = len(preview.good_rows)
        parts = [f"共 {good + bad} 行：可导入 {good} 行"]
        if bad:
            parts.append(f"有问题 {bad} 行（红色）")
        checked = sorted({row for row, _ in preview.row_warnings})
        if checked:
            parts.append(f"需核对 {len(checked)} 行（黄色）")
        if preview.new_models:
            parts.append(f"新型号 {len(preview.new_models)} 个：{'、'.join(preview.new_models)}")
        self.summary.setText("，".join(parts) + "。")
        self.summary.setStyleSheet(message_css(Tone.bad if bad else Tone.ok))
        lines = [f"· {w}" for w in preview.warnings] + _row_warning_lines(preview)
        if lines:
            self.warnings.setText("\n".join(lines))
            self.warnings.show()
        self._ask_manufacturers(preview.new_models)
        self._update_buttons()
        self.preview_ready.emit()

    def _ask_manufacturers(self, codes: Sequence[str]) -> None:
        if not codes:
            return
        units = self.page.now(
            call(masterdata.list_units, self.page.db, UnitKind.manufacturer), default=[]
        )
        names = [u.name for u in units]
        for code in codes:
            box = editable_combo(names, "选择承制单位")
            box.setCurrentIndex(-1)
            self.maker_boxes[code] = box
            self.makers_form.addRow(f"{code}：", box)
        self.makers_box.show()

    # --- import -------------------------------------------------------------------------------

    def start_import(self) -> None:
        if self.preview is None or self._op is not None:
            return
        user_unit = self.unit_box.currentText().strip()
        node_date = self.node_date.value()
        kitting = self.kitting_deadline.value()
        if node_date and kitting and kitting < node_date:
            self._show_error("齐套时间节点不能早于任务节点日期。")
            return
        job = call_with_progress(
            list_import.import_list,
            self.page.db,
            self.page.actor,
            self.path,
            user_unit=user_unit,
            node_date=node_date,
            kitting_deadline=kitting,
            skip_bad_rows=bool(self.preview.rejected),
            manufacturers={code: box.currentText() for code, box in self.maker_boxes.items()},
        )
        self._run(
            job, self._imported, "正在导入…", Change.TASKS | Change.LINES | Change.MASTER_DATA
        )

    def _imported(self, result: ImportResult) -> None:
        if result.task_number is None:
            self._show_error("清单中有问题行，没有导入任何产品。")
            return
        self.result_value = result
        self.import_done.emit()
        self.accept()

    # --- running ------------------------------------------------------------------------------

    def _run(self, job: Call[Any], on_done: Any, label: str, changes: Change) -> None:
        """Through the window's runner, with this dialog's own bar (no "请稍候" box on top)."""
        self._show_error("")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.stop_button.show()
        self.stop_button.setEnabled(True)
        if self.preview is None:
            self.summary.setText(label)
        op = self.page.runner.run(
            self, job, done=on_done, failed=self._failed, changes=changes, origin=self.page
        )
        if op.done:
            self._ended()  # answered within the runner's grace: nothing more will come
            return
        self._op = op
        op.progressed.connect(self._progressed)
        op.ended.connect(self._ended)
        self._update_buttons()

    def _progressed(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def _failed(self, message: str) -> None:
        if self.preview is None:
            self.summary.setText("清单无法导入。")
            self.summary.setStyleSheet(message_css(Tone.bad))
        self._show_error(message)

    def _ended(self) -> None:
        self._op = None
        if self._cancelled:  # the runner says nothing of a call the person stopped: say it here
            self._cancelled = False
            self._show_error("导入已取消")
        self.progress.hide()
        self.stop_button.hide()
        self._update_buttons()

    def _stop(self) -> None:
        if self._op is not None:
            self._op.cancel()
            self.stop_button.setEnabled(False)
            self._cancelled = True

    def reject(self) -> None:
        """取消 while working asks the worker to stop; the dialog closes when it has."""
        if self._op is not None:
            op = self._op
            op.cancel()
            op.ended.connect(super().reject)
            return
        super().reject()

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _update_buttons(self) -> None:
        preview = self.preview
        busy = self._op is not None
        bad = len(preview.rejected) if preview else 0
        self.import_button.setText(f"仅导入无误的行（跳过 {bad} 行）" if bad else "导入")
        reason = ""
        if busy:
            reason = "正在处理，请稍候。"
        elif preview is None:
            reason = "清单还没有读取完成。"
        elif not preview.good_rows:
            reason = "清单中没有可以导入的产品行。"
        elif not self.unit_box.currentText().strip():
            reason = "请填写交回产品的用户单位。"
        self.import_button.setEnabled(not reason)
        self.import_button.setToolTip(reason)
        for widget in (self.unit_box, self.node_date, self.kitting_deadline, self.makers_box):
            widget.setEnabled(not busy)
        self.import_button.setDefault(True)
