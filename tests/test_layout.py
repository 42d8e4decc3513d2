"""The house rules of the folder layout (README, "How it is built"), checked two ways:

- **what a package loads**: every module of the package is imported in a fresh interpreter and
  ``sys.modules`` is inspected afterwards (catches what a dependency drags in);
- **what a module writes**: every ``import`` statement of every file, function-level ones
  included, is read from the source (catches a lazy import that the first check cannot see,
  and a direct import that some other module happened to load anyway).

Rules: ``services/`` use no streamlit, altair or pandas; ``ui/`` and ``app_pages/`` (and the
router) use no sqlmodel or sqlalchemy (pages get sessions from ``ui.shell``); the pure
packages ``analysis/``, ``wellbeing/`` and ``scenarios/`` use nothing of the app (``core``,
``services``, ``ui``, ``demo``, ``app_pages``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ("core", "services", "ui", "demo", "app_pages", "streamlit_app")
PURE = ("analysis", "wellbeing", "scenarios")


def _files(package: str) -> list[Path]:
    target = ROOT / package
    if target.suffix == ".py":
        return [target]
    return sorted(p for p in target.rglob("*.py") if "__pycache__" not in p.parts)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_roots(path: Path) -> set[str]:
    """The top-level names a file imports, at any level of the file (relative imports: none)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _written(packages: tuple[str, ...], forbidden: set[str]) -> dict[str, list[str]]:
    found = {}
    for package in packages:
        for path in _files(package):
            bad = sorted(_imported_roots(path) & forbidden)
            if bad:
                found[str(path.relative_to(ROOT))] = bad
    return found


def _loaded(packages: tuple[str, ...], forbidden: set[str]) -> list[str]:
    """Import every (non-``__main__``) module of ``packages`` in a fresh interpreter; the
    forbidden top-level packages found in ``sys.modules`` afterwards."""
    modules = [_module(p) for package in packages for p in _files(package)
               if p.name != "__main__.py"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(forbidden)!r}))\n"
        "print(','.join(bad))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       check=False, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return [m for m in p.stdout.strip().split(",") if m]


SERVICES_FORBIDDEN = {"streamlit", "altair", "pandas"}
UI_FORBIDDEN = {"sqlmodel", "sqlalchemy"}
PURE_FORBIDDEN = {"core", "services", "ui", "demo", "app_pages", "streamlit_app"}


def test_services_write_no_streamlit_altair_or_pandas():
    assert _written(("services",), SERVICES_FORBIDDEN) == {}


def test_services_load_no_streamlit_altair_or_pandas():
    assert _loaded(("services",), SERVICES_FORBIDDEN) == []


@pytest.mark.parametrize("package", ["ui", "app_pages", "streamlit_app.py"])
def test_ui_and_pages_write_no_sqlmodel_or_sqlalchemy(package):
    assert _written((package,), UI_FORBIDDEN) == {}


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_write_nothing_of_the_app(package):
    assert _written((package,), PURE_FORBIDDEN) == {}


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_load_nothing_of_the_app(package):
    assert _loaded((package,), PURE_FORBIDDEN) == []


def test_the_checks_can_fail(tmp_path):
    """The source reader sees a function-level import (the rules above are not vacuous)."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    import altair as alt\n    from sqlmodel import Session\n")
    assert _imported_roots(probe) == {"altair", "sqlmodel"}
