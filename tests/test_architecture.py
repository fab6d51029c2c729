"""
The project's layers, checked from the source: the domain (``cases``) depends on nothing above it.

``alerts``, ``clocks`` and ``exchange`` build on the case record; the record announces what
happened (``cases.signals``) and never calls them. ``clocks`` keeps its reminders as deadlines of
``alerts``, which knows nothing of clocks. ``analytics`` reads the record and nothing else. ``accounts`` (security log, sessions, permissions) sits
beside the domain and calls neither. Commands that span every app (generate_data, benchmark) live
in the project package, ``tracker``. The imports are read with ``ast``, so an import inside a
function or under ``if TYPE_CHECKING`` counts as much as one at the top of a module.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Package -> the project packages it must never import.
FORBIDDEN = {
    "cases": {"alerts", "exchange", "clocks", "analytics"},
    "accounts": {"alerts", "exchange", "clocks", "analytics"},
    # Alerts build on the record only; exchange may read follows (a user's feed of followed cases).
    "alerts": {"exchange", "clocks", "analytics"},
    # Clocks build on the record and keep their reminders as alerts' deadlines.
    "clocks": {"exchange", "analytics"},
    # Analytics read the record only; nothing builds on them.
    "analytics": {"alerts", "exchange", "clocks"},
    "exchange": {"analytics"},
}


def imported_modules(source: str, *, package: str, module_path: Path) -> set[str]:
    """Every module a source file imports, relative imports resolved against its package."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = [package, *module_path.parent.parts]
                base = parts[: len(parts) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module
            found.add(name)
            # "from . import x" may import the module x.
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def forbidden_imports(package: str, forbidden: set[str]) -> list[str]:
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT / package)
        for name in imported_modules(path.read_text(encoding="utf-8"), package=package, module_path=relative):
            if name.split(".")[0] in forbidden:
                problems.append(f"{package}/{relative} imports {name}")
    return problems


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_layer_imports_nothing_above_it(package):
    assert forbidden_imports(package, FORBIDDEN[package]) == []


@pytest.mark.parametrize(
    "source",
    [
        "from alerts.services import event_alerts_queue",
        "import alerts.models",
        "import exchange",
        "def f():\n    from exchange import drafting\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from alerts.models import Alert\n",
        "import importlib\nimportlib.import_module('alerts.services')\n",
    ],
)
def test_the_check_sees_an_import_of_a_higher_layer(source):
    names = imported_modules(source, package="cases", module_path=Path("services.py"))
    assert {name.split(".")[0] for name in names} & {"alerts", "exchange"}


def test_the_check_resolves_relative_imports_inside_the_package():
    names = imported_modules(
        "from ..models import Case\nfrom . import search\n",
        package="cases",
        module_path=Path("management/commands/load_demo.py"),
    )
    assert names == {
        "cases.management.models",
        "cases.management.models.Case",
        "cases.management.commands",
        "cases.management.commands.search",
    }
