"""Load the shim's hot-path modules from one pre-compiled bundle instead of ~20 separate imports.

Why: each import through importlib costs 0.1–0.3 ms here (path finders, stat calls, opening and checking
a .pyc), and the shim needs about twenty modules on every call. The bundle (kctx/hotbundle.py builds it)
holds their compiled code in an order where a module's imports come before it; loading it is one read,
one unmarshal and one stat per source file.

Like a .pyc, every module is checked against its source's mtime and size first: a stale bundle is never
used (the shim then imports normally and writes a fresh one).

This module is not imported by the shim: its compiled code travels at the front of the bundle and the
shim script runs it with exec, so it may use only builtins and modules loaded at interpreter start.
"""


def load(manifest, codes) -> bool:
    """Install the bundle's modules in sys.modules; False (and nothing installed) if any source changed.

    ``manifest`` is (checks, modules): every file the bundle depends on with its mtime and size (the
    modules' sources, this loader and the builder), then each module's name, source and package flag.
    """
    import posix
    import sys

    checks, module_list = manifest
    for origin, mtime_ns, size in checks:
        try:
            st = posix.stat(origin)
        except OSError:
            return False
        if st.st_mtime_ns != mtime_ns or st.st_size != size:
            return False
    modules = sys.modules
    module_type = type(sys)
    added = []
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
