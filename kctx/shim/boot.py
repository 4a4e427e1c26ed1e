"""Boot the shim from one pre-compiled bundle of its hot-path modules.

Why: each import through importlib costs 0.1–0.3 ms here (path finders, stat calls, opening and checking
a .pyc), and the shim needs about forty modules on every call. The bundle (kctx/shim/bundle.py builds it)
holds their compiled code in an order where a module's imports come before it; loading it is one read,
one unmarshal and one stat per source file.

Like a .pyc, every module is checked against its source's mtime and size first: a stale bundle is never
used (the shim then imports normally and writes a fresh one).

This module is not imported by the shim: its compiled code travels at the front of the bundle and the
shim script runs it with exec, so it may use only builtins and modules loaded at interpreter start.
"""

# Annotations are evaluated when a function is defined (no __future__ import: this runs before the bundle's
# modules exist): names that exist only for the type checker are quoted.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import posix
    from types import CodeType

    Checks = tuple[tuple[str, int, int], ...]  # (source file, mtime_ns, size) of every file the bundle is made of
    Code = tuple[str, posix.stat_result, Checks]  # the bundle's path and fstat, and its checks
    ModuleList = tuple[tuple[str, str, bool], ...]  # (name, source file, is a package) in load order


def boot(path: str, st: "posix.stat_result", checks: "Checks", module_list: "ModuleList",
         codes: "list[CodeType]") -> "Code | None":
    """Install the bundle's modules in sys.modules. Returns what identifies the code now running (the
    bundle's ``path`` and fstat ``st``, and ``checks``: every file it was built from with its mtime and size:
    the modules' sources, this loader and the builder), which memo records check; None, with nothing
    installed, if a source changed or a module failed to run."""
    import posix

    for origin, mtime_ns, size in checks:
        try:
            s = posix.stat(origin)
        except OSError:
            return None
        if s.st_mtime_ns != mtime_ns or s.st_size != size:
            return None
    return (path, st, checks) if load(module_list, codes) else None


def load(module_list: "ModuleList", codes: "list[CodeType]") -> bool:
    """Install the modules in sys.modules; False (and nothing installed) if one fails to run.
    ``module_list``: each module's name, source and package flag, in load order."""
    import sys

    modules = sys.modules
    module_type = type(sys)
    added: list[str] = []
    try:
        for (name, origin, is_pkg), code in zip(module_list, codes, strict=True):
            if name in modules:  # e.g. __future__, when something imported it before
                continue
            module = module_type(name)  # no __spec__: building one per module cost more than all the rest
            module.__file__ = origin
            if is_pkg:
                module.__path__ = [origin.rpartition("/")[0]]
                module.__package__ = name
            else:
                module.__package__ = name.rpartition(".")[0]
            modules[name] = module
            added.append(name)
            exec(code, module.__dict__)
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(modules[parent], child, module)
    except Exception:  # a module failed to run: leave no half-initialised modules behind
        for name in added:
            modules.pop(name, None)
        return False
    return True
