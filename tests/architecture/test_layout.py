"""The package's layout: imports run one way (docs/architecture.md), no cycles, a small face, a wheel that works."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from alliance_analytics.core.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "alliance_analytics"

LAYERS: list[set[str]] = [
    {"core"},
    {"case"},
    {"fit", "risk"},
    {"sensitivity", "health", "thesis"},
    {"review"},
    {"portfolio"},
    {"brief"},
    {"__init__"},
    {"charts"},
    {"notebook"},
    {"compare"},
    {"reporting"},
    {"batch"},
    {"cli"},
]
"""The import rule: a module may import its own package and the layers below it, never a sibling or above.
``__init__`` is the package's face (``import alliance_analytics``): it sits above the analyses it exports."""

LEVEL = {name: index for index, layer in enumerate(LAYERS) for name in layer}


def _modules() -> dict[str, Path]:
    return {".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts): path
            for path in PACKAGE.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Every ``alliance_analytics…`` module a file imports, at the top, in a function or under TYPE_CHECKING."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("alliance_analytics"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("alliance_analytics"))
    modules = _modules()
    return {name for name in found if name in modules}


def _package(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1] if parts[1] != "__init__" else "__init__"


def _top(module: str) -> str:
    """The layer name of a module: its subpackage, ``cli``, or ``__init__`` for the face."""
    name = _package(module)
    return name.removesuffix(".__init__")


def test_every_subpackage_has_a_layer():
    packages = {_top(module) for module in _modules()}
    assert packages <= set(LEVEL), f"add {packages - set(LEVEL)} to LAYERS and docs/architecture.md"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_run_one_way(module):
    here = _top(module)
    wrong = []
    for imported in _imports(_modules()[module]):
        there = _top(imported)
        if there != here and LEVEL[there] >= LEVEL[here]:
            wrong.append(imported)
    assert not wrong, f"{module} ({here}) imports {wrong}, which are not below it"


def test_no_import_cycle_between_modules():
    graph = {module: {imported for imported in _imports(path) if imported != module}
             for module, path in _modules().items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle.extend(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, trail + [nxt]):
                return True
        state[node] = 2
        return False

    for start in graph:
        if state.get(start) is None and visit(start, [start]):
            break
    assert not cycle, " -> ".join(cycle)


def test_the_face_is_small_and_loads_no_heavy_machinery():
    code = ("import sys, alliance_analytics as a; "
            "print(sorted(m for m in ('papermill', 'nbconvert', 'dask', 'matplotlib', 'jsonschema') if m in sys.modules));"
            "print(sorted(a.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "[]"
    names = set(ast.literal_eval(out[1]))
    verbs = {"analyse_partner_fit", "analyse_weight_sensitivity", "analyse_risk_simulation", "analyse_portfolio",
             "analyse_decision_brief", "analyse_alliance_health", "analyse_thesis_check"}
    assert verbs | {"load_case", "Case", "InputError", "Problem"} <= names


def test_the_cli_starts_without_papermill_nbconvert_or_jsonschema():
    code = ("import sys; from alliance_analytics import cli; "
            "print(sorted(m for m in ('papermill', 'nbconvert', 'jsonschema', 'dask') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_wheel_ships_every_subpackage_and_the_templates(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                    str(PROJECT_ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("alliance_analytics-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.endswith("reporting/templates/front_page.html.j2") for name in names)
    assert any(name.endswith("reporting/templates/offline/index.html.j2") for name in names)
    target = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    subpackages = sorted({module for module in _modules() if module.count(".") == 1 and not module.endswith("__init__")
                          and (PACKAGE / module.split(".")[1]).is_dir()})
    code = ("import importlib, sys; sys.path.insert(0, sys.argv[1]); "
            "mods = [importlib.import_module(m) for m in sys.argv[2:]]; "
            "print(all(m.__file__.startswith(sys.argv[1]) for m in mods))")
    out = subprocess.run([sys.executable, "-c", code, str(target), "alliance_analytics", *subpackages],
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.strip() == "True", "every subpackage imports from the wheel, not from the source tree"
