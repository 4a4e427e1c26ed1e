"""Run kctx in-process with a swapped Environment (fast), or as a real subprocess (end-to-end)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from kctx.cli import main
from kctx.env import Environment


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
    p = subprocess.run([sys.executable, "-m", "kctx", *argv], capture_output=True, text=True, env=environ,
                       cwd=cwd, input=input, timeout=60)
    return Result(p.returncode, p.stdout, p.stderr)
