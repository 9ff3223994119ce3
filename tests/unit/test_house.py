"""The rules of the house that a syntax tree can check (ARCHITECTURE.md, issue 7).

- The window acts only through the runner: no module under app/ui calls a service function
  itself (it hands `call(service.fn, ...)` to `Page.run` / `Runner.run` / `Runner.now`), and none
  catches `DomainError` by hand: refusals are turned into words in one place, the runner.
- Small modules and functions: no file over 800 lines, no function over 80.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
UI = APP / "ui"

# Service modules a page may call in place: pure words, values and arithmetic, no store.
PURE_MODULES = frozenset(
    {
        "app.services.kernel.terms",
        "app.services.kernel.views",
        "app.services.kernel.context",
    }
)
PURE_FUNCTIONS = frozenset(
    {
        ("app.services.kernel.numbering", "parse_number"),
        ("app.services.handover.returns", "normalize_code"),
    }
)
# Where refusals become words: the only place in the window that may catch DomainError.
ERROR_HOME = frozenset({"app/ui/kit/runner.py"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.what}"


def _service_names(tree: ast.AST) -> tuple[dict[str, str], dict[str, str]]:
    """Names bound to service modules, and names of functions imported from them."""
    modules: dict[str, str] = {}
    functions: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("app.services"):
                continue
            for alias in node.names:
                name = alias.asname or alias.name
                full = f"{node.module}.{alias.name}"
                if (APP.parent / (full.replace(".", "/") + ".py")).exists():
                    modules[name] = full
                else:
                    functions[name] = node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("app.services") and alias.asname:
                    modules[alias.asname] = alias.name
    return modules, functions


def _direct_call(node: ast.Call, modules: dict[str, str], functions: dict[str, str]) -> str:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        module = modules.get(func.value.id)
        pure = module in PURE_MODULES or (module, func.attr) in PURE_FUNCTIONS
        # A class (a dataclass a service takes, like repairs.Part) is a value, not a call.
        if module and not pure and not func.attr[:1].isupper():
            return f"{func.value.id}.{func.attr}(…)"
    if isinstance(func, ast.Name) and func.id in functions:
        module = functions[func.id]
        pure = module in PURE_MODULES or (module, func.id) in PURE_FUNCTIONS
        if not pure and not func.id[:1].isupper():  # a class (a dataclass of views) is a value
            return f"{func.id}(…)"
    return ""


def _catches_domain_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds] if kinds else []
    return any(
        (isinstance(n, ast.Name) and n.id in _DOMAIN_ERRORS)
        or (isinstance(n, ast.Attribute) and n.attr in _DOMAIN_ERRORS)
        for n in names
    )


_DOMAIN_ERRORS = frozenset(
    {
        "DomainError",
        "NotFound",
        "PermissionDenied",
        "WrongState",
        "ListFileError",
        "StoreUnavailable",
        "StoreBusy",
    }
)


def runner_bypasses(source: str, path: str) -> list[Finding]:
    tree = ast.parse(source)
    modules, functions = _service_names(tree)
    found: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            what = _direct_call(node, modules, functions)
            if what:
                found.append(Finding(path, node.lineno, f"calls the service {what} itself"))
        elif (
            isinstance(node, ast.ExceptHandler)
            and path not in ERROR_HOME
            and _catches_domain_error(node)
        ):
            found.append(Finding(path, node.lineno, "catches DomainError by hand"))
    return found


def _ui_files() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def test_no_page_calls_a_service_outside_the_runner() -> None:
    files = _ui_files()
    assert len(files) > 30
    found: list[str] = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        found += [str(f) for f in runner_bypasses(path.read_text(encoding="utf-8"), rel)]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "from app.services.handover import returns\ndef f(db):\n    returns.scan(db)\n",
        "from app.services.handover.returns import scan\ndef f(db):\n    scan(db)\n",
        "from app.services.oversight import inbox as box\ndef f(db):\n    box.inbox(db)\n",
        "from app.errors import DomainError\ntry:\n    pass\nexcept DomainError:\n    pass\n",
        "from app import errors\ntry:\n    pass\nexcept (ValueError, errors.NotFound):\n    pass\n",
    ],
)
def test_the_checker_sees_a_bypass(source: str) -> None:
    assert runner_bypasses(source, "app/ui/x.py") != []


@pytest.mark.parametrize(
    "source",
    [
        "from app.services.handover import returns\nfrom app.ui.kit.runner import call\n"
        "def f(page, db):\n    page.run(call(returns.scan, db, 1))\n",
        "from app.services.kernel.terms import line_status_label\nline_status_label('x')\n",
        "from app.services.kernel.views import LineRow\nLineRow(1)\n",
        "from app.services.kernel.numbering import parse_number\nparse_number('FX-2026-1')\n",
    ],
)
def test_the_checker_lets_the_runner_and_pure_helpers_be(source: str) -> None:
    assert runner_bypasses(source, "app/ui/x.py") == []


def _long_functions(path: Path, limit: int) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > limit
    ]


def test_small_modules_and_functions() -> None:
    files = sorted(APP.rglob("*.py"))
    too_long = [
        f"{p.relative_to(ROOT)} ({n})"
        for p in files
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800
    ]
    assert too_long == []
    assert [f for p in files for f in _long_functions(p, 80)] == []
