"""Process replacement through one helper: exit codes, signals, stdin and the TTY pass through untouched."""

from __future__ import annotations

import posix
import sys

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping


def replace_process(binary: str, argv: list[str], environ: Mapping[str, str]) -> None:
    """exec ``binary`` with ``argv`` (argv[0] included); only returns by raising on failure."""
    sys.stdout.flush()
    sys.stderr.flush()
    posix.execve(binary, argv, environ)
