"""Build the shim's hot-path bundle (see kctx/shim/boot.py for why and how it is loaded).

The bundle is one file beside the shim script, named after the exact interpreter version
(``.kctx-hot4-<sys.hexversion>``): the marshalled ``(loader code, checks, modules, codes)``. ``checks``
holds the mtime and size of every file the bundle was made from (module sources, the loader, this builder:
a change to any makes it stale); ``modules`` each module's name, source file and whether it is a package,
in load order, and ``codes`` their code. Not on the hot path itself: the shim imports this only to write
a missing or stale bundle, and `kctx shim install` writes one up front.
"""

from __future__ import annotations

import ast
import marshal
import os
import sys

from kctx.shim import hotset
from kctx.util.fsutil import atomic_write

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any

PREFIX = ".kctx-hot4-"
LEGACY_PREFIXES = (".kctx-hot-", ".kctx-hot3-")  # bundles of older shim scripts, removed when a new one is written


def bundle_path(shim_dir: str) -> str:
    return os.path.join(shim_dir, f"{PREFIX}{sys.hexversion:x}")


def _source(name: str, root: str) -> tuple[str, bool]:
    """(source file, is package) of a kctx module or of __future__."""
    if name == "__future__":
        import __future__

        return os.path.abspath(__future__.__file__), False
    base = os.path.join(root, *name.split("."))
    init = os.path.join(base, "__init__.py")
    if os.path.isfile(init):
        return init, True
    if os.path.isfile(base + ".py"):
        return base + ".py", False
    raise LookupError(f"no source for {name} under {root}")


def _top_level_imports(tree: ast.Module, root: str) -> list[str]:
    """Modules a module imports while it runs (not inside functions, not under `if TYPE_CHECKING`)."""
    out: list[str] = []
    stack = list(tree.body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            stack[:0] = node.body + node.orelse
        elif isinstance(node, ast.Try):
            stack[:0] = node.body + node.orelse + node.finalbody
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.split(".")[0] == "kctx"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == "__future__" or node.module.split(".")[0] == "kctx"):
            out.append(node.module)
            for alias in node.names:  # `from kctx import guard` imports the module kctx.guard.decision
                sub = f"{node.module}.{alias.name}"
                if node.module != "__future__" and _is_module(sub, root):
                    out.append(sub)
    return out


def _is_module(name: str, root: str) -> bool:
    try:
        _source(name, root)
    except LookupError:
        return False
    return True


def package_root() -> str:
    """The folder that holds the kctx package (the shim script puts it on sys.path)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2])


def plan(root: str | None = None, modules: tuple[str, ...] = hotset.MODULES) -> list[tuple[str, str, bool]]:
    """(name, source, is package) of the hot set, in its order; LookupError when a module's parent or one of
    its top-level kctx imports is not listed before it (kctx/shim/hotset.py is the one list)."""
    root = package_root() if root is None else root
    order: list[tuple[str, str, bool]] = []
    done: set[str] = set()
    for name in modules:
        origin, is_pkg = _source(name, root)
        needs = [name.rpartition(".")[0]] if "." in name else []
        if name != "__future__":
            with open(origin, "rb") as fh:
                needs += _top_level_imports(ast.parse(fh.read(), origin), root)
        missing = [dep for dep in needs if dep and dep not in done]
        if missing:
            raise LookupError(f"{name} imports {', '.join(missing)}, which is not listed before it in the hot set")
        done.add(name)
        order.append((name, origin, is_pkg))
    return order


def build(root: str | None = None) -> bytes:
    from kctx.shim import boot as hotload

    checks: list[tuple[str, int, int]] = []
    modules: list[tuple[str, str, bool]] = []
    codes: list[CodeType] = []
    for name, origin, is_pkg in plan(root):
        source = _read(origin, checks)
        # optimize=2 drops docstrings (a tenth of the bytes to read and unmarshal); hot modules have no asserts.
        codes.append(compile(source, origin, "exec", dont_inherit=True, optimize=2))
        modules.append((name, origin, is_pkg))
    loader_file = os.path.abspath(hotload.__file__)
    loader = compile(_read(loader_file, checks), loader_file, "exec", dont_inherit=True)
    _read(os.path.abspath(__file__), checks)
    return marshal.dumps((loader, tuple(checks), tuple(modules), codes))


def parse(data: bytes) -> tuple[Any, ...]:
    """(loader, checks, modules, codes) of a bundle's bytes, unchecked beyond that; ValueError if it is not one."""
    try:
        bundle = marshal.loads(data)
    except (EOFError, TypeError) as exc:
        raise ValueError(f"not a kctx hot-path bundle: {exc}") from None
    if type(bundle) is not tuple or len(bundle) != 4:
        raise ValueError("not a kctx hot-path bundle")
    return bundle


def _read(path: str, checks: list[tuple[str, int, int]]) -> bytes:
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())  # before reading: an edit while we read makes the bundle stale
        checks.append((path, st.st_mtime_ns, st.st_size))
        return fh.read()


def is_fresh(path: str) -> bool:
    """Whether the bundle at ``path`` exists and matches every source it was built from."""
    try:
        with open(path, "rb") as fh:
            _loader, checks, _modules, _codes = parse(fh.read())
        return all(_unchanged(origin, mtime_ns, size) for origin, mtime_ns, size in checks)
    except (OSError, ValueError, EOFError, TypeError):
        return False


def _unchanged(origin: str, mtime_ns: int, size: int) -> bool:
    st = os.stat(origin)
    return st.st_mtime_ns == mtime_ns and st.st_size == size


def ensure(path: str) -> bool:
    return is_fresh(path) or write(path)


def write(path: str, root: str | None = None) -> bool:
    """Write the bundle at ``path``; False when its folder is not writable (the shim then works without)."""
    folder = os.path.dirname(path)
    if not os.access(folder, os.W_OK):
        return False
    try:
        atomic_write(path, build(root), mode=0o644, durable=False)
    except (OSError, SyntaxError, LookupError):
        return False
    for name in os.listdir(folder):  # bundles for interpreters this shim no longer runs on
        if (name.startswith((PREFIX, *LEGACY_PREFIXES)) and os.path.join(folder, name) != path
                and not name.endswith(".tmp")):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
    return True
