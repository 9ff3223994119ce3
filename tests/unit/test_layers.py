"""One way down: ui → services → models. Widgets never touch SQL; nothing below the UI knows Qt.

Checked by reading each module's syntax tree (`ast`), so imports inside functions count too, and
an import under `if TYPE_CHECKING:` (for annotations only, never run) is allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# What each layer must not import (a module and everything under it).
UI_FORBIDDEN = ("sqlalchemy", "app.db", "app.models")
QT_FORBIDDEN = ("PySide6", "shiboken6", "app.ui")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.module}"


def module_name(path: Path, root: Path = APP.parent) -> str:
    """app/ui/kit/tables.py → app.ui.kit.tables; app/ui/__init__.py → app.ui."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run, leaving out the body of `if TYPE_CHECKING:` (not its else)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(
    source: str, module: str, is_package: bool = False
) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of each import that runs; `from a import b` gives a.b as
    well as a, since b may be a module (`from app import db`)."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{target}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def _matches(name: str, forbidden: tuple[str, ...]) -> str | None:
    for prefix in forbidden:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def check_source(
    source: str, module: str, forbidden: tuple[str, ...], path: str = "", is_package: bool = False
) -> list[Violation]:
    found: dict[tuple[int, str], Violation] = {}
    for line, name in imported_modules(source, module, is_package):
        prefix = _matches(name, forbidden)
        if prefix is not None:
            found.setdefault((line, prefix), Violation(path or module, line, name))
    return sorted(found.values(), key=lambda v: v.line)


def check_tree(directory: Path, forbidden: tuple[str, ...]) -> tuple[int, list[Violation]]:
    """(files read, violations) for every .py under `directory`."""
    files = sorted(directory.rglob("*.py"))
    violations = []
    for path in files:
        violations += check_source(
            path.read_text(encoding="utf-8"),
            module_name(path),
            forbidden,
            str(path.relative_to(APP.parent)),
            is_package=path.name == "__init__.py",
        )
    return len(files), violations


# --- the rules, on the real code --------------------------------------------------------------


def test_ui_never_touches_sqlalchemy_the_session_or_the_models() -> None:
    count, violations = check_tree(APP / "ui", UI_FORBIDDEN)
    assert count >= 1
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize("layer", ["services", "models", "printing"])
def test_no_qt_below_the_ui(layer: str) -> None:
    count, violations = check_tree(APP / layer, QT_FORBIDDEN)
    assert count >= 2, f"app/{layer} has no modules?"
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize("module", ["db", "errors", "settings"])
def test_no_qt_in_the_shared_modules(module: str) -> None:
    path = APP / f"{module}.py"
    violations = check_source(path.read_text(encoding="utf-8"), f"app.{module}", QT_FORBIDDEN)
    assert violations == [], "\n".join(map(str, violations))


# --- the checker catches what it should -------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("import sqlalchemy\n", "app.ui.kit.tables", False),
        ("import sqlalchemy.orm as orm\n", "app.ui.kit.tables", False),
        ("from sqlalchemy.orm import Session\n", "app.ui.kit.tables", False),
        ("from app.db import Database\n", "app.ui.kit.tables", False),
        ("from app import db\n", "app.ui.kit.tables", False),
        ("from app import models\n", "app.ui.kit.tables", False),
        ("from app.models.returns import ReturnLine\n", "app.ui.kit.tables", False),
        ("from ...models import returns\n", "app.ui.kit.tables", False),
        ("from ... import db\n", "app.ui.kit.tables", False),
        ("from . import db\n", "app", True),
        ("def f():\n    import sqlalchemy\n", "app.ui.kit.tables", False),
        ("class W:\n    def m(self):\n        from app.models import org\n", "app.ui.w", False),
        (
            "try:\n    import sqlalchemy\nexcept ImportError:\n    pass\n",
            "app.ui.kit.tables",
            False,
        ),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n"
            "else:\n    import sqlalchemy\n",
            "app.ui.kit.tables",
            False,
        ),
        ("import importlib\nimportlib.import_module('sqlalchemy')\n", "app.ui.kit.tables", False),
    ],
)
def test_checker_finds_database_imports_in_the_ui(
    source: str, module: str, is_package: bool
) -> None:
    assert check_source(source, module, UI_FORBIDDEN, is_package=is_package) != []


@pytest.mark.parametrize(
    "source",
    [
        "import PySide6\n",
        "from PySide6.QtCore import QObject\n",
        "from PySide6 import QtWidgets\n",
        "import shiboken6\n",
        "from app.ui.kit.runner import Runner\n",
        "from app import ui\n",
        "from ...ui import tables\n",
        "def later():\n    from PySide6.QtGui import QColor\n",
    ],
)
def test_checker_finds_qt_imports_below_the_ui(source: str) -> None:
    assert check_source(source, "app.services.handover.returns", QT_FORBIDDEN) != []


@pytest.mark.parametrize(
    ("source", "module", "forbidden"),
    [
        # Annotations only: never imported when the program runs.
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from sqlalchemy.orm import Session\n    from app.db import Database\n",
            "app.ui.kit.tables",
            UI_FORBIDDEN,
        ),
        (
            "import typing\nif typing.TYPE_CHECKING:\n    import sqlalchemy\n",
            "app.ui.kit.tables",
            UI_FORBIDDEN,
        ),
        # The UI may use services, errors, settings; a name that merely starts the same is fine.
        (
            "from app.services import returns\nfrom app.errors import DomainError\n"
            "from app import settings\nimport sqlalchemy_utils\nfrom app.models_cache import x\n",
            "app.ui.kit.tables",
            UI_FORBIDDEN,
        ),
        ("from .columns import COLUMNS\nfrom . import worker\n", "app.ui.kit.tables", UI_FORBIDDEN),
        # Services may use the database and models, and print with reportlab.
        (
            "from sqlalchemy import select\nfrom app.models.returns import ReturnLine\n"
            "from app.printing import handover\nimport reportlab\n",
            "app.services.records.printing",
            QT_FORBIDDEN,
        ),
        ("from ..printing import fonts\n", "app.services.records.printing", QT_FORBIDDEN),
    ],
)
def test_checker_allows_what_is_allowed(
    source: str, module: str, forbidden: tuple[str, ...]
) -> None:
    assert check_source(source, module, forbidden) == []


def test_checker_reports_file_and_line(tmp_path: Path) -> None:
    ui = tmp_path / "app" / "ui"
    ui.mkdir(parents=True)
    (ui / "__init__.py").write_text("")
    (ui / "ok.py").write_text("from app.services import returns\n")
    (ui / "bad.py").write_text('"""doc"""\n\nfrom sqlalchemy import select\n')
    files = sorted(ui.rglob("*.py"))
    violations = [
        v
        for path in files
        for v in check_source(
            path.read_text(),
            module_name(path, tmp_path),
            UI_FORBIDDEN,
            str(path.relative_to(tmp_path)),
        )
    ]
    assert [str(v) for v in violations] == ["app/ui/bad.py:3 imports sqlalchemy"]
