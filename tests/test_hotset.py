"""The hot set (kctx/shim/hotset.py) is the one list of modules the shim loads: each imports, at its top
level, only modules listed before it and the cheap standard-library modules the list allows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from kctx.shim import bundle, hotset

ROOT = Path(bundle.package_root())


def _top_level_imports(path: Path) -> set[str]:
    """Every module a file imports outside functions (also under if/try), TYPE_CHECKING blocks excluded."""
    out: set[str] = set()
    stack = list(ast.parse(path.read_text()).body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                stack += node.body + node.orelse
        elif isinstance(node, ast.Try):
            stack += node.body + node.orelse + node.finalbody + [h for x in node.handlers for h in x.body]
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            stack += node.body
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names if (ROOT / node.module.replace(".", "/")
                                                                           / f"{a.name}.py").exists()}
    return out


@pytest.mark.parametrize("name", [m for m in hotset.MODULES if m != "__future__"])
def test_a_hot_module_imports_only_the_hot_set_and_cheap_builtins(name):
    origin, _is_pkg = bundle._source(name, str(ROOT))
    earlier = set(hotset.MODULES[:hotset.MODULES.index(name)])
    for dep in _top_level_imports(Path(origin)):
        if dep.split(".")[0] == "kctx":
            assert dep in earlier, f"{name} imports {dep}, which is not listed before it in the hot set"
        else:
            assert dep in hotset.STDLIB, f"{name} imports {dep}: not allowed on the shim's hot path"


def test_the_bundle_holds_exactly_the_hot_set():
    assert [name for name, _origin, _pkg in bundle.plan()] == list(hotset.MODULES)


def test_a_module_outside_the_list_stops_the_build():
    with pytest.raises(LookupError, match="kctx.kubectl.argv"):
        bundle.plan(modules=("kctx", "kctx.kubectl", "kctx.kubectl.classify"))


def test_importing_the_hot_set_loads_nothing_else():
    code = ("import sys; before = set(sys.modules); "
            f"import {', '.join(m for m in hotset.MODULES if m.startswith('kctx'))}; "
            "print('\\n'.join(sorted(set(sys.modules) - before)))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.split()
    assert set(out) <= set(hotset.MODULES) | hotset.STDLIB, set(out) - set(hotset.MODULES) - hotset.STDLIB


@pytest.mark.parametrize("name", [m for m in hotset.MODULES if m.startswith("kctx")])
def test_a_hot_module_has_no_asserts(name):
    """The bundle compiles the hot set with optimize=2 (kctx/shim/bundle.py), which drops asserts: one there
    would hold without the bundle and vanish with it."""
    origin, _is_pkg = bundle._source(name, str(ROOT))
    tree = ast.parse(Path(origin).read_text())
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert not lines, f"{origin}: assert on line(s) {lines}"


def test_the_type_checker_covers_the_hot_set():
    """scripts/test.sh runs mypy in strict mode over [tool.mypy] files: a module joining the hot set joins it too."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = ROOT / "pyproject.toml"
    if not project.exists():
        pytest.skip("not a checkout")
    listed = tomllib.loads(project.read_text())["tool"]["mypy"]["files"]
    for name in hotset.MODULES:
        if name == "__future__":
            continue
        path = Path(bundle._source(name, str(ROOT))[0]).relative_to(ROOT).as_posix()
        assert any(path == f or path.startswith(f.rstrip("/") + "/") for f in listed), f"{path} is not type-checked"
