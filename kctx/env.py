"""One object for everything a command touches outside itself, so tests can swap it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TextIO

from kctx.paths import Paths


@dataclass
class Environment:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    tty_path: str = "/dev/tty"  # confirmations are read here, never from stdin

    @cached_property
    def paths(self) -> Paths:
        return Paths.from_env(self.environ)

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
    def session_path(self) -> Path | None:
        value = self.environ.get("KCTX_SESSION", "")
        return Path(value) if value else None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
