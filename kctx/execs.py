"""Process replacement through one helper: exit codes, signals, stdin and the TTY pass through untouched."""

from __future__ import annotations

import os
import sys


def replace_process(binary: str, argv: list[str], environ) -> None:
    """exec ``binary`` with ``argv`` (argv[0] included); only returns by raising on failure."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(binary, argv, environ)
