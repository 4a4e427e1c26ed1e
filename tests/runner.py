"""Run kctx in-process with a swapped Environment (fast), or as a real subprocess (end-to-end)."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
from pathlib import Path

from kctx.cli import main
from kctx.env import Environment

ROOT = Path(__file__).resolve().parent.parent  # the checkout under test


def checkout_pythonpath(environ: dict[str, str]) -> str:
    """PYTHONPATH with this checkout first: `python -m kctx` then runs it from any working directory."""
    rest = environ.get("PYTHONPATH", "")
    return os.pathsep.join([str(ROOT), rest]) if rest else str(ROOT)


def checkout_kctx(folder: str | Path) -> Path:
    """Write ``folder/kctx``: a `kctx` command that runs this checkout with this interpreter, whatever
    other kctx is installed (tests/conftest.py puts it first on PATH)."""
    wrapper = Path(folder) / "kctx"
    wrapper.write_text("#!/bin/sh\n"
                       f"PYTHONPATH={shlex.quote(str(ROOT))}${{PYTHONPATH:+:$PYTHONPATH}} "
                       f"exec {shlex.quote(sys.executable)} -m kctx \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


def kctx(*argv: str, env: dict | None = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    environ = dict(os.environ)
    environ.update(env or {})
    code = main(list(argv), Environment(stdout=out, stderr=err, environ=environ, tty_path="/nonexistent/tty"))
    return Result(code, out.getvalue(), err.getvalue())


def kctx_proc(*argv: str, env: dict | None = None, cwd: Path | None = None, input: str | None = None) -> Result:
    environ = dict(os.environ)
    environ.update(env or {})
    environ["PYTHONPATH"] = checkout_pythonpath(environ)
    p = subprocess.run([sys.executable, "-m", "kctx", *argv], capture_output=True, text=True, env=environ,
                       cwd=cwd, input=input, timeout=60)
    return Result(p.returncode, p.stdout, p.stderr)
