"""The package's import graph: no cycle among ws2s modules, and the two recipes never import each other.

The static graph counts every import statement, at module level or inside a function (a lazy import is
still a dependency). A fresh interpreter per module then checks that each imports on its own and that
importing a module of one recipe never loads a module of the other.
"""

import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
RECIPES = ("ws2s.classification", "ws2s.generation")


def module_names() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "ws2s").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ws2s modules ``name`` imports (``from pkg import sub`` counts as importing ``pkg.sub``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state, stack = {}, []

    def visit(n):
        state[n] = "open"
        stack.append(n)
        for m in sorted(g[n]):
            if state.get(m) == "open":
                return stack[stack.index(m):] + [m]
            if m not in state and (c := visit(m)):
                return c
        state[n] = "done"
        stack.pop()
        return None

    for n in sorted(g):
        if n not in state and (c := visit(n)):
            return c
    return None


def recipe_of(name: str) -> str | None:
    return next((r for r in RECIPES if name == r or name.startswith(r + ".")), None)


def test_the_graph_sees_lazy_and_relative_imports():
    g = graph()
    assert "ws2s.pipelines" in g["ws2s.config"]  # module level
    assert "ws2s.generation.weak" in g["ws2s.pipelines"]  # inside a function
    assert "ws2s.generation.word_targets" in g["ws2s.generation.students"]  # relative


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_ws2s_modules():
    assert find_cycle(graph()) is None


def test_the_recipes_never_import_each_other():
    crossing = [(a, b) for a, deps in graph().items() for b in deps if recipe_of(a) and recipe_of(b) and recipe_of(a) != recipe_of(b)]
    assert crossing == []


def test_shipped_recipes_never_import_the_testing_builders():
    users = [a for a, deps in graph().items() if recipe_of(a) and any(d.startswith("ws2s.testing") for d in deps)]
    assert users == []


PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.startswith("ws2s"))))
"""


def probe(name: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", PROBE, name], capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter_without_the_other_recipe():
    """One interpreter per module (most of each one's time is importing torch: they run side by side)."""
    names = [n for n in module_names() if n != "ws2s.__main__"]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = dict(zip(names, pool.map(probe, names)))
    failures, crossing = {}, {}
    for name, r in runs.items():
        if r.returncode != 0:
            failures[name] = r.stderr[-1500:]
            continue
        loaded = json.loads(r.stdout.strip().splitlines()[-1])
        own = recipe_of(name)
        other = [m for m in loaded if own and recipe_of(m) not in (None, own)]
        if other:
            crossing[name] = other
    assert failures == {}
    assert crossing == {}
