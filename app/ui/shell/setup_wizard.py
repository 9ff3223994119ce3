"""设置向导: after the first admin exists, the factory's units, models and first logins.

Each step is a small table the admin fills and saves in one go (all rows or none, a bad row named
by its number). Every step may be left for later: the admin pages do the same work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.services.admin import first_start, logins, masterdata
from app.services.admin.first_start import NewLogin, NewModel, NewUnit
from app.services.admin.master_list import MasterResult, import_master_list
from app.services.kernel.context import Actor
from app.services.kernel.terms import (
    MODEL_LEVEL_LABELS,
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    Role,
    UnitKind,
)
from app.ui.kit.form_dialog import FormDialog
from app.ui.kit.prompts import Prompts
from app.ui.kit.runner import Call, Change, Operation, Runner, call

if TYPE_CHECKING:
    from app.db import Database

STEPS = 3
MASTER_LIST_FILTER = "Excel 工作簿 (*.xlsx)"


@dataclass(frozen=True)
class Column:
    """A column of a step's table: free text, a password, or a choice (shown word, stored value)."""

    header: str
    width: int = 140
    choices: tuple[tuple[str, str], ...] = ()
    secret: bool = False


class RowsTable(QTableWidget):
    """Rows typed in place; choice columns are combo boxes, passwords are hidden as typed."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self.columns = list(columns)
        self.setHorizontalHeaderLabels([c.header for c in columns])
        self.verticalHeader().setDefaultSectionSize(32)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        for i, column in enumerate(columns):
            self.setColumnWidth(i, column.width)
        header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(230)

    def add_row(self, *values: str) -> int:
        row = self.rowCount()
        self.insertRow(row)
        for i, column in enumerate(self.columns):
            value = values[i] if i < len(values) else ""
            if column.choices:
                combo = QComboBox()
                for word, stored in column.choices:
                    combo.addItem(word, stored)
                combo.setCurrentIndex(max(0, combo.findData(value)))
                self.setCellWidget(row, i, combo)
            elif column.secret:
                edit = QLineEdit(value)
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setFrame(False)
                self.setCellWidget(row, i, edit)
            else:
                self.setItem(row, i, QTableWidgetItem(value))
        return row

    def set_text(self, row: int, column: int, value: str) -> None:
        """Fill a cell as typing would (tests and prefilled rows)."""
        widget = self.cellWidget(row, column)
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QLineEdit):
            widget.setText(value)
        else:
            self.setItem(row, column, QTableWidgetItem(value))

    def text(self, row: int, column: int) -> str:
        widget = self.cellWidget(row, column)
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        if isinstance(widget, QLineEdit):
            return widget.text()
        item = self.item(row, column)
        return item.text().strip() if item is not None else ""

    def filled_rows(self) -> list[list[str]]:
        """The rows with anything typed in their first column; the others are left out."""
        rows = [
            [self.text(r, c) for c in range(self.columnCount())] for r in range(self.rowCount())
        ]
        return [row for row in rows if row[0]]

    def set_choices(self, column: int, choices: tuple[tuple[str, str], ...]) -> None:
        """New choices for a column (after an import added units); each row keeps its pick."""
        self.columns[column] = replace(self.columns[column], choices=choices)
        for row in range(self.rowCount()):
            kept = self.text(row, column)
            combo = QComboBox()
            for word, stored in choices:
                combo.addItem(word, stored)
            combo.setCurrentIndex(max(0, combo.findData(kept)))
            self.setCellWidget(row, column, combo)

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(row)


class StepDialog(FormDialog):
    """One step: a table, 添加一行 / 删除所选行, 下一步 saves it, 以后再说 skips it."""

    CHANGES = Change.MASTER_DATA

    def __init__(
        self,
        number: int,
        title: str,
        heading: str,
        columns: Sequence[Column],
        runner: Runner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"设置向导（第 {number} 步，共 {STEPS} 步）— {title}",
            f"<b>第 {number} 步，共 {STEPS} 步：{title}</b><br>{heading}",
            "保存，下一步" if number < STEPS else "保存，完成",
            "以后再说",
            parent,
        )
        self.runner = runner
        self._op: Operation | None = None
        self.saved = 0  # rows written by this step
        self.extra = QHBoxLayout()
        self.form.addRow(self.extra)
        self.table = RowsTable(columns)
        self.form.addRow(self.table)
        add = QPushButton("添加一行")
        add.clicked.connect(lambda: self.table.add_row())
        remove = QPushButton("删除所选行")
        remove.clicked.connect(self.table.remove_selected)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        self.form.addRow(row)
        self.setMinimumSize(760, 460)

    def job(self, rows: list[list[str]]) -> Call[Any]:
        raise NotImplementedError

    def accept(self) -> None:
        if self._op is not None:
            return
        rows = self.table.filled_rows()
        if not rows:
            super().accept()  # nothing typed: the same as 以后再说
            return
        self.show_error("")
        self.set_ok_enabled(False)
        op = self.runner.run(
            self, self.job(rows), done=self._saved, failed=self._refused, changes=self.CHANGES
        )
        self._op = None if op.done else op

    def _saved(self, result: Any) -> None:
        self._op = None
        self.saved = len(result) if isinstance(result, list) else int(result)
        self.set_ok_enabled(True)
        super().accept()

    def _refused(self, message: str) -> None:
        self._op = None
        self.set_ok_enabled(True)
        self.show_error(f"{message}\n这一步的内容都没有保存；改正后再保存。")

    def reject(self) -> None:
        if self._op is None:
            super().reject()


def _choices(labels: Any, keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((labels[key], str(key)) for key in keys)


class UnitsStep(StepDialog):
    def __init__(
        self, db: Database, actor: Actor, runner: Runner, parent: QWidget | None = None
    ) -> None:
        kinds = [k for k in UnitKind if k != UnitKind.materials_dept]
        super().__init__(
            1,
            "本厂的单位",
            "填写与返修有关的单位：送修的用户单位、总体单位、各承制单位和质量、主管部门。"
            "物资管理部门已经建好（系统管理员属于它）。以后可以在管理页面增改。",
            [
                Column("单位名称", 320),
                Column("类别", 160, _choices(UNIT_KIND_LABELS, [*kinds, UnitKind.materials_dept])),
            ],
            runner,
            parent,
        )
        self.db, self.actor = db, actor
        for kind in (UnitKind.user_unit, UnitKind.prime_unit, UnitKind.manufacturer):
            self.table.add_row("", kind)
        self.table.add_row("", UnitKind.quality_dept)

    def job(self, rows: list[list[str]]) -> Call[Any]:
        units = [NewUnit(name, UnitKind(kind)) for name, kind in rows]
        return call(first_start.add_units, self.db, self.actor, units)


class ModelsStep(StepDialog):
    def __init__(
        self,
        db: Database,
        actor: Actor,
        runner: Runner,
        prompts: Prompts,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            2,
            "产品型号",
            "导入本厂的主数据清单（Excel：单位表和型号表），或者在下表中逐个填写返修产品的型号。"
            "承制单位决定产品交给谁修；没有承制单位的型号不能分发。",
            [
                Column("型号代号", 130),
                Column("产品名称", 180),
                Column("图号", 130),
                Column("层级", 90, _choices(MODEL_LEVEL_LABELS, ["unit", "subsystem", "system"])),
                Column("承制单位", 160),
            ],
            runner,
            parent,
        )
        self.db, self.actor, self.prompts = db, actor, prompts
        makers = self._makers()
        self.table.set_choices(4, makers)
        self.import_button = QPushButton("导入主数据清单…")
        self.import_result = QLabel("")
        self.import_result.setWordWrap(True)
        self.import_button.setToolTip("Excel 工作簿：一张单位表、一张型号表，按表头识别")
        self.import_button.clicked.connect(self.import_master_list)
        self.extra.addWidget(self.import_button)
        self.extra.addWidget(self.import_result, 1)
        for _ in range(3):
            # With one manufacturer only, it is the likely one.
            self.table.add_row("", "", "", "unit", makers[1][1] if len(makers) == 2 else "")

    def job(self, rows: list[list[str]]) -> Call[Any]:
        models = [
            NewModel(code, name, drawing, level, maker)
            for code, name, drawing, level, maker in rows
        ]
        return call(first_start.add_models, self.db, self.actor, models)

    def import_master_list(self) -> None:
        path = self.prompts.open_file(self, "选择主数据清单", MASTER_LIST_FILTER)
        if not path:
            return
        self.show_error("")
        self.runner.run(
            self,
            call(import_master_list, self.db, self.actor, path),
            done=self._imported,
            failed=self.show_error,
            changes=Change.MASTER_DATA,
            label="正在导入主数据清单…",
        )

    def _imported(self, result: MasterResult) -> None:
        if result.rejected:
            lines = [f"{r.sheet} 第 {r.row} 行：{r.reason}" for r in result.rejected[:8]]
            more = len(result.rejected) - len(lines)
            tail = f"\n……另有 {more} 行" if more > 0 else ""
            self.show_error("清单有问题，什么都没有导入：\n" + "\n".join(lines) + tail)
            return
        self.import_result.setText(f"已导入 {result.units} 个单位、{result.models} 个型号。")
        self.import_button.setEnabled(False)
        self.table.set_choices(4, self._makers())

    def _makers(self) -> tuple[tuple[str, str], ...]:
        makers = self.runner.now(call(masterdata.list_units, self.db, UnitKind.manufacturer)) or []
        return (("（暂缺）", ""), *((m.name, m.name) for m in makers))


class LoginsStep(StepDialog):
    CHANGES = Change.LOGINS

    def __init__(
        self, db: Database, actor: Actor, runner: Runner, parent: QWidget | None = None
    ) -> None:
        units = runner.now(call(logins.login_units, db, actor)) or []
        roles = [Role.clerk, Role.engineer, Role.quality, Role.manager, Role.admin]
        super().__init__(
            3,
            "首批登录账号",
            "为各岗位的人建立登录：物资交接员属于物资管理部门，维修工程师属于承制单位。"
            "初始密码至少 8 位、不能包含登录名、不能是常见密码；请把它当面告诉本人，"
            "本人登录后可在状态栏“修改密码”。",
            [
                Column("登录名", 110),
                Column("姓名", 100),
                Column("单位", 170, tuple((u, u) for u in units)),
                Column("角色", 150, _choices(ROLE_LABELS, roles)),
                Column("初始密码", 140, secret=True),
            ],
            runner,
            parent,
        )
        self.db, self.actor = db, actor
        materials = next((u for u in units if u == "物资管理部门"), "")
        self.table.add_row("", "", materials, Role.clerk)
        self.table.add_row("", "", "", Role.engineer)

    def job(self, rows: list[list[str]]) -> Call[Any]:
        made = [NewLogin(login, name, unit, Role(role), pw) for login, name, unit, role, pw in rows]
        return call(first_start.add_logins, self.db, self.actor, made)


def run_setup_wizard(
    db: Database,
    actor: Actor,
    runner: Runner,
    prompts: Prompts,
    parent: QWidget | None = None,
) -> None:
    """The three steps in order; a skipped step is left for the admin pages."""
    steps: list[Callable[[], StepDialog]] = [
        lambda: UnitsStep(db, actor, runner, parent),
        lambda: ModelsStep(db, actor, runner, prompts, parent),
        lambda: LoginsStep(db, actor, runner, parent),
    ]
    for make in steps:
        prompts.run(make())
    prompts.info(
        parent,
        "设置完成",
        "基本设置已完成。请用系统管理员账号登录；单位、型号和登录以后都可以在管理页面增改。",
    )
