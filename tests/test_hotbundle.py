"""The shim's pre-compiled bundle: built in import order, used only while every source is unchanged."""

from __future__ import annotations

import ast
import marshal
import shutil
import subprocess
import sys
from pathlib import Path

from kctx.shim import bundle as hotbundle

ROOT = Path(hotbundle.__file__).resolve().parents[2]


def test_type_checking_imports_and_function_level_imports_stay_out():
    tree = ast.parse("TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from kctx.paths import Paths\n"
                     "def f():\n    from kctx import guard\nfrom kctx.errors import KctxError\n")
    assert hotbundle._top_level_imports(tree, str(ROOT)) == ["kctx.errors"]


def _copy_package(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(ROOT / "kctx", root / "kctx", ignore=shutil.ignore_patterns("__pycache__", "sandbox", "repl"))
    return root


def _load_in_child(root: Path, bundle: Path) -> str:
    """Boot from the bundle the way the shim script does; report what it did."""
    code = (f"import sys, marshal, posix\nsys.path.insert(0, {str(root)!r})\n"
            f"fh = open({str(bundle)!r}, 'rb')\nst = posix.fstat(fh.fileno())\n"
            "boot, *data = marshal.loads(fh.read())\n"
            f"scope = {{}}\nexec(boot, scope)\nok = scope['boot']({str(bundle)!r}, st, *data) is not None\n"
            "names = sorted(m for m in sys.modules if m.startswith('kctx'))\n"
            "print(ok, len(names), sys.modules['kctx.shim.fullpath'].__file__ if ok else '-', "
            "'os' in sys.modules)\n")
    p = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_a_fresh_bundle_loads_every_module_from_its_sources_folder(tmp_path):
    root = _copy_package(tmp_path)
    bundle = tmp_path / "b"
    bundle.write_bytes(hotbundle.build(str(root)))
    ok, count, shim_file, has_os = _load_in_child(root, bundle).split()
    assert (ok, shim_file, has_os) == ("True", str(root / "kctx" / "shim" / "fullpath.py"), "False")
    assert int(count) == len([n for n, _, _ in hotbundle.plan(str(root)) if n.startswith("kctx")])


def test_an_edited_source_makes_the_bundle_stale_and_nothing_is_loaded(tmp_path):
    root = _copy_package(tmp_path)
    bundle = tmp_path / "b"
    bundle.write_bytes(hotbundle.build(str(root)))
    argv = root / "kctx" / "kubectl" / "argv.py"
    argv.write_text(argv.read_text() + "\n# edited\n")
    assert not hotbundle.is_fresh(str(bundle))
    assert _load_in_child(root, bundle) == "False 0 - False"


def test_a_module_failing_to_run_leaves_no_half_loaded_modules(tmp_path):
    root = _copy_package(tmp_path)
    bundle = tmp_path / "b"
    loader, checks, modules, codes = hotbundle.parse(hotbundle.build(str(root)))
    broken = [name for name, *_ in modules].index("kctx.guard.target")
    codes[broken] = compile("raise RuntimeError('boom')", "x", "exec")
    bundle.write_bytes(marshal.dumps((loader, checks, modules, codes)))
    assert _load_in_child(root, bundle) == "False 0 - False"


def test_write_replaces_bundles_of_other_interpreters(tmp_path):
    old = tmp_path / f"{hotbundle.PREFIX}3090000"
    old.write_bytes(b"old")
    path = hotbundle.bundle_path(str(tmp_path))
    assert hotbundle.write(path)
    assert hotbundle.is_fresh(path) and not old.exists()


def test_a_change_to_the_loader_or_the_builder_makes_bundles_stale():
    _loader, checks, modules, _codes = hotbundle.parse(hotbundle.build())
    checked = {path for path, _mtime, _size in checks}
    assert {str(ROOT / "kctx" / "shim" / "boot.py"), str(ROOT / "kctx" / "shim" / "bundle.py")} <= checked
    assert {origin for _name, origin, _pkg in modules} <= checked
