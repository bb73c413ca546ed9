"""The package layout: dependencies point one way, typer and rich stay at the edges."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conductatlas_cli"

# What each sub-package may import from the others (top-level leaf modules — atomic, errors,
# textsafe, timestamps — are allowed everywhere). cli is the top; nothing imports it.
ALLOWED = {
    "config": {"topics"},  # the `topics:` key is checked by the taxonomy's own rules
    "snapshot": set(),
    "fetch": {"config"},
    "extract": set(),
    "diff": {"snapshot"},
    "archive": {"config", "diff"},
    "run": {"config", "fetch", "extract", "snapshot", "archive", "diff", "topics"},
    "render": {"diff", "run", "topics"},
    "topics": {"diff"},
    "demo": {"config", "run", "render", "archive"},
    "notify": {"config", "archive", "diff", "render"},
    "feeds": {"config", "archive", "notify"},
    "site": {"config", "archive", "diff", "feeds", "topics"},
}
TOP_LEVEL = {"atomic", "errors", "textsafe", "timestamps", "__version__"}


def _imports(path: Path) -> list[str]:
    """Every module PATH imports, as a dotted name (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.append(node.module or "")
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
CORE = [p for p in MODULES if p.parent != PACKAGE and p.relative_to(PACKAGE).parts[0] != "cli"]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sub_packages_import_only_what_they_may(path):
    """A sub-package imports only the packages below it in the data flow."""
    own = path.relative_to(PACKAGE).parts[0]
    for name in _imports(path):
        if not name.startswith("conductatlas_cli."):
            continue
        other = name.split(".")[1]
        if other in TOP_LEVEL or other == own:
            continue
        assert other in ALLOWED[own], f"{path.relative_to(PACKAGE)} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_typer_only_in_cli_and_rich_only_in_cli_and_render(path):
    """typer is imported only by cli/, rich only by cli/ and render/."""
    area = path.relative_to(PACKAGE).parts[0]
    roots = {name.split(".")[0] for name in _imports(path)}
    if "typer" in roots:
        assert area == "cli", path
    if "rich" in roots:
        assert area in ("cli", "render"), path


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_past_450_lines(path):
    """A module past ~400 lines is two modules."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 450


def test_every_sub_package_says_what_it_owns():
    """Each sub-package's __init__ docstring says what it owns and what it may import."""
    folders = [p for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "demo"]
    assert len(folders) >= 9
    for folder in sorted(folders):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text())) or ""
        assert "Owns" in doc and "import" in doc, folder.name
