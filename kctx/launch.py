"""Fast start for the shell integration: ``python -S .../kctx/launch.py ARGS``.

Interpreter start-up with ``site`` runs every ``.pth`` import hook in site-packages; on some machines
that alone costs 20+ ms per call. Here we add the site-packages folders (and the plain path lines of
their .pth files) without running those hooks. Anything that still fails to import falls back to the
normal ``site`` set-up.
"""

import os
import sys


def _add_site_dirs() -> None:
    import site

    dirs = list(site.getsitepackages())
    if site.check_enableusersite():
        dirs.insert(0, site.getusersitepackages())
    for folder in dirs:
        if not os.path.isdir(folder) or folder in sys.path:
            continue
        sys.path.append(folder)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".pth"))
        except OSError:
            continue
        for name in names:
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    lines = fh.read().splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for line in lines:
                line = line.strip()
                if not line or line.startswith(("#", "import ", "import\t")):
                    continue
                path = os.path.join(folder, line)
                if os.path.isdir(path) and path not in sys.path:
                    sys.path.append(path)


# The prompt's refresh: a short run that flushes what it prints and leaves no threads, atexit hooks or open
# files behind. It needs neither the cycle collector (its passes over the freshly loaded index cost ~1 ms)
# nor the interpreter's teardown (~2 ms: every module and object freed one by one).
FAST_EXIT = ("session",)


def _exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: the descriptor was closed when Python started
                stream.flush()
        except (OSError, ValueError):
            sys.exit(code)  # the normal exit reports it
    os._exit(code)


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # run as a script: the package folder itself must not shadow anything
    sys.path.insert(0, os.path.dirname(here))
    if sys.flags.no_site:
        _add_site_dirs()
    fast = len(sys.argv) > 1 and sys.argv[1] in FAST_EXIT
    if fast:
        import gc

        gc.disable()
    from kctx.cli import main as cli_main

    code = cli_main()
    if fast:
        _exit(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
