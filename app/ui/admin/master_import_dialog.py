"""导入主数据清单: what the factory's master list would create, and every row it refuses, named by
sheet and row; 导入 writes it all (or, when a row is bad, nothing)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QWidget

from app.services.admin.master_list import MasterPreview, MasterResult, import_master_list
from app.services.kernel.terms import model_level_label, unit_kind_label
from app.ui.admin.master_dialogs import MasterActionDialog
from app.ui.kit.page import Desk
from app.ui.kit.runner import Call
from app.ui.kit.runner import call as service_call
from app.ui.kit.style import Tone, foreground


def _table(headers: list[str], rows: list[list[str]], tone: Tone | None = None) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if tone is not None:
                item.setForeground(foreground(tone))
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def summary(preview: MasterPreview) -> str:
    parts = [f"新增单位 {len(preview.new_units)} 个", f"新增型号 {len(preview.new_models)} 个"]
    if preview.updated_models:
        parts.append(f"补全已有型号 {len(preview.updated_models)} 个")
    if preview.unchanged_units:
        parts.append(f"已有单位 {preview.unchanged_units} 个不变")
    return "，".join(parts) + "。"


class MasterImportDialog(MasterActionDialog[MasterResult]):
    """The preview of one master list; OK (导入) writes it in one transaction."""

    def __init__(
        self, desk: Desk, path: str, preview: MasterPreview, parent: QWidget | None = None
    ) -> None:
        bad = len(preview.rejected)
        heading = f"文件：{Path(path).name}\n将{summary(preview)}"
        if bad:
            heading += (
                f"\n有 {bad} 行有问题：请在 Excel 中改正后重新导入（有问题时不会导入任何内容）。"
            )
        super().__init__(desk, "导入主数据清单", heading, "导入", parent)
        self.path = path
        self.preview = preview
        self.setMinimumSize(820, 560)
        created = [
            ["单位", u.sheet, str(u.row), u.name, unit_kind_label(u.kind), "", ""]
            for u in preview.new_units
        ]
        for label, models in (("新型号", preview.new_models), ("补全", preview.updated_models)):
            created += [
                [
                    label,
                    m.sheet,
                    str(m.row),
                    m.code,
                    model_level_label(m.level) if m.level else "",
                    m.parent,
                    m.manufacturer,
                ]
                for m in models
            ]
        self.created_table = _table(
            ["内容", "工作表", "行", "名称/代号", "类别/层级", "上级", "承制单位"], created
        )
        self.rejected_table = _table(
            ["工作表", "行", "问题"],
            [[r.sheet, str(r.row), r.reason] for r in preview.rejected],
            Tone.bad,
        )
        self.form.addRow(QLabel("将写入："))
        self.form.addRow(self.created_table)
        if bad:
            self.form.addRow(QLabel(f"有问题的行（{bad}）："))
            self.form.addRow(self.rejected_table)
        # Rows that import with a cell to check (a formula without result, an error value).
        self.warnings_table = _table(
            ["工作表", "行", "请核对"],
            [[r.sheet, str(r.row), r.reason] for r in preview.warnings],
            Tone.warn,
        )
        if preview.warnings:
            self.form.addRow(QLabel(f"需核对的行（{len(preview.warnings)}）："))
            self.form.addRow(self.warnings_table)
        self.set_ok_enabled(preview.ok)
        self.ok_button.setToolTip("" if preview.ok else "清单有问题或没有新内容，不能导入")

    def job(self) -> Call[MasterResult] | None:
        d = self.desk
        return service_call(import_master_list, d.db, d.actor, self.path)

    def _done(self, result: MasterResult) -> None:
        if result.rejected:  # the store changed since the preview: nothing was written
            self._refused(
                "；".join(f"“{r.sheet}”第 {r.row} 行：{r.reason}" for r in result.rejected[:5])
            )
            return
        super()._done(result)
