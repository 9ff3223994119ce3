"""app/ui talks to the services only: no SQLAlchemy, no models, and app.db only for type hints.

(tests/unit/test_layers.py checks the same rule for the whole program; this one keeps the
window's own suite honest when it runs alone.)"""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "app" / "ui"


def imports_of(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module, under TYPE_CHECKING) for every import in the module."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for item in child.body:
                    visit_node(item, True)
                for item in child.orelse:
                    visit_node(item, typing_only)
                continue
            visit_node(child, typing_only)

    def visit_node(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, typing_only))
        visit(node, typing_only)

    visit(tree, False)
    return found


def test_no_sqlalchemy_no_models_no_database_in_the_window() -> None:
    offenders = []
    files = sorted(UI.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        for module, typing_only in imports_of(ast.parse(path.read_text(encoding="utf-8"))):
            if module == "sqlalchemy" or module.startswith("sqlalchemy."):
                offenders.append(f"{path.name}: {module}")
            if (module == "app.db" or module.startswith("app.models")) and not typing_only:
                offenders.append(f"{path.name}: {module} outside TYPE_CHECKING")
    assert offenders == []


def test_the_checker_sees_what_it_must() -> None:
    tree = ast.parse(
        "import sqlalchemy\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from app.db import Database\n"
        "def f():\n    from app.db import open_database\n"
    )
    assert imports_of(tree) == [
        ("sqlalchemy", False),
        ("typing", False),
        ("app.db", True),
        ("app.db", False),
    ]
