"""Process replacement through one helper: exit codes, signals, stdin and the TTY pass through untouched."""

from __future__ import annotations

import posix
import sys


def replace_process(binary: str, argv: list[str], environ) -> None:
    """exec ``binary`` with ``argv`` (argv[0] included); only returns by raising on failure."""
    sys.stdout.flush()
    sys.stderr.flush()
    posix.execve(binary, argv, environ)


def child_env(environ=None) -> dict:
    """Environment for a `python -m kctx.…` helper child: kctx importable even when the parent started with
    ``python -S`` from a checkout (the shim), where site-packages and .pth files were never read."""
    import os

    env = dict(os.environ if environ is None else environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env
