"""What a test needs from the machine (a shell, tmux, strace, a C compiler, pexpect), and what happens
when it is missing: locally the test is skipped with the reason; in CI (CI=true) it fails, because the
tests that need these cover the native launcher, the memo and the shell integration, and a skip there
would pass a run that checked none of it. scripts/test.sh installs them with apt-get when it can."""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

HINT = "scripts/test.sh installs it with apt-get when run as root"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the calling test (or module) locally; fail it in CI."""
    if in_ci():
        pytest.fail(f"{reason}, and CI=true makes that a failure ({HINT})", pytrace=False)
    pytest.skip(f"{reason} ({HINT})", allow_module_level=True)


def require_tool(name: str) -> str:
    """The path of the program ``name`` on PATH."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed")
    return path


def require_module(name: str) -> ModuleType:
    """The Python module ``name`` (a test extra)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python module {name} is not installed (pip install -e '.[test]')")


def require_cc() -> str:
    """The C compiler the shim's native launcher is built with."""
    from kctx.shim import native

    compiler = native.compiler()
    if not compiler:
        missing("no C compiler (cc, gcc or clang) is installed")
    return compiler
