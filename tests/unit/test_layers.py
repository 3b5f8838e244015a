"""The package's layering, checked by reading its source: storage has one door."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "hookline"
#: Only hookline/store/ may import these (and its private ``_…`` modules, such as
#: ``_queries``, where every statement is built).
STORAGE_ONLY = ("sqlalchemy", "asyncpg", "sqlite3", "hookline.store.tables")
OPENS_A_TRANSACTION = re.compile(r"\bstore\.(transaction|read)\(")


def _modules(under: str = "") -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py"))


def _outside_store() -> list[Path]:
    store = PACKAGE / "store"
    return [path for path in _modules() if store not in path.parents]


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_the_scan_sees_the_package() -> None:
    assert len(_outside_store()) > 50
    assert any(path.name == "worker.py" for path in _outside_store())


def test_only_the_store_imports_sqlalchemy_drivers_or_its_private_modules() -> None:
    leaks = []
    for path in _outside_store():
        for name in _imports(ast.parse(path.read_text(), str(path))):
            banned = any(name == b or name.startswith(b + ".") for b in STORAGE_ONLY)
            if banned or name.startswith("hookline.store._"):
                leaks.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert leaks == []


def _executes(tree: ast.AST) -> list[int]:
    """Lines calling ``….execute(`` (or its driver-level relatives)."""
    names = ("execute", "executemany", "exec_driver_sql")
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ]


def test_no_statement_is_executed_outside_the_store() -> None:
    calls = []
    for path in _outside_store():
        lines = _executes(ast.parse(path.read_text(), str(path)))
        calls += [f"{path.relative_to(PACKAGE)}:{line}" for line in lines]
    assert calls == []


def _transactions(under: str) -> list[str]:
    found = []
    for path in _modules(under):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if OPENS_A_TRANSACTION.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}")
    return found


@pytest.mark.parametrize("package", ["api", "control", "events_api", "web"])
def test_the_http_layers_open_no_transaction(package: str) -> None:
    assert _transactions(package) == []


def test_control_does_not_reach_into_api() -> None:
    """What both HTTP layers need lives in hookline/web."""
    for path in (PACKAGE / "control").rglob("*.py"):
        assert not any(
            name.startswith("hookline.api") for name in _imports(ast.parse(path.read_text()))
        ), path


def test_the_scans_catch_a_leak() -> None:
    sample = "from sqlalchemy import select\nasync def f(tx):\n    await tx.execute(select())\n"
    tree = ast.parse(sample)
    assert "sqlalchemy" in _imports(tree)
    assert _executes(tree) == [3]
    assert OPENS_A_TRANSACTION.search("    async with call.rt.store.read() as tx:")
