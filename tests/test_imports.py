"""No import cycle among qaweb's modules: what a module imports when it loads (its top-level
``import`` and ``from … import`` statements, outside ``if TYPE_CHECKING:``) never leads back
to it. Imports inside a function run later and are not counted."""

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qaweb"


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _load_time_imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The qaweb modules ``path`` (module ``name``) imports when it loads."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module in modules and module != name}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of ``package`` -> the package's modules it imports when it loads."""
    names = {path: _module_name(path, package) for path in sorted(package.rglob("*.py"))}
    modules = set(names.values())
    return {name: _load_time_imports(path, name, modules) for path, name in names.items()}


def test_no_module_imports_itself_round_a_cycle():
    graph = import_graph()
    assert len(graph) > 100  # the walk found the package
    assert "qaweb.core.lists" in graph["qaweb.actions.views"] | graph["qaweb.actions.services"]
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail("Import cycle: " + " -> ".join(error.args[1]))


def test_the_check_sees_a_cycle(tmp_path):
    """The walk is not blind: two modules importing each other are reported."""
    package = tmp_path / "qaweb"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from qaweb import b\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nfrom . import a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qaweb import d\n"
    )
    (package / "d.py").write_text("from qaweb import c\n")
    graph = import_graph(package)
    assert graph["qaweb.c"] == set()  # a type-checking import is not a load-time one
    with pytest.raises(graphlib.CycleError) as raised:
        graphlib.TopologicalSorter(graph).prepare()
    assert set(raised.value.args[1]) == {"qaweb.a", "qaweb.b"}
