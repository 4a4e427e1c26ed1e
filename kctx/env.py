"""One object for everything a command touches outside itself, so tests can swap it."""

from __future__ import annotations

import os
import sys

from kctx.paths import Paths

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import TextIO


class Environment:
    """stdout/stderr/stdin, the environment variables, and the terminal to ask confirmations on."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None, stdin: TextIO | None = None,
                 environ: dict[str, str] | None = None, tty_path: str = "/dev/tty") -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.stdin = stdin or sys.stdin
        self.environ = dict(os.environ) if environ is None else environ
        self.tty_path = tty_path  # confirmations are read here, never from stdin
        self.paths = Paths(self.environ)

    @property
    def stdout_isatty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_isatty(self) -> bool:
        return _isatty(self.stderr)

    def color(self, stream: TextIO) -> bool:
        """Colour like kubectx: on for a terminal, off with NO_COLOR, forced by _KUBECTX_FORCE_COLOR."""
        if self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("_KUBECTX_FORCE_COLOR") or self.environ.get("KCTX_FORCE_COLOR"):
            return True
        return _isatty(stream)

    @property
    def session_path(self) -> str | None:
        """The session file of this shell, or None outside a session."""
        return self.environ.get("KCTX_SESSION", "") or None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
