"""Apply minimal text edits to users' kubeconfig files: all edits computed first, then written atomically
under kubectl's own lock protocol, so a failed edit writes nothing."""

from __future__ import annotations

import os
from collections.abc import Callable

from kctx.errors import KctxError
from kctx.util.fsutil import atomic_write, kubeconfig_lock

Edit = Callable[[str], str]


class Transaction:
    """Collect edits per file; ``commit`` writes every changed file, or none if an edit fails."""

    def __init__(self) -> None:
        self._edits: dict[str, list[Edit]] = {}

    def add(self, path: str, edit: Edit) -> None:
        self._edits.setdefault(os.path.abspath(path), []).append(edit)

    def commit(self, backup: bool = False) -> list[str]:
        """``backup``: first copy each changed file to ``<file>.<timestamp>.bak`` beside it (0600)."""
        from kctx.kubeconfig.edit import EditError

        planned: dict[str, tuple[str, str]] = {}
        for path, edits in self._edits.items():
            old = _read(path)
            new = old
            for edit in edits:
                try:
                    new = edit(new)
                except EditError as exc:
                    raise KctxError(f"{path}: {exc}") from None
            if new != old:
                planned[path] = (old, new)
        written = []
        for path, (old, new) in planned.items():
            with kubeconfig_lock(path):
                if _read(path) != old:
                    raise KctxError(f"{path} changed while kctx was editing it; nothing more was written, "
                                    "try again")
                if backup:
                    atomic_write(backup_path(path), old, mode=0o600)
                atomic_write(path, new)
            written.append(path)
        return written


def backup_path(path: str) -> str:
    """Beside the file, named like onboarding's backups (kctx's globs skip them)."""
    import time

    return f"{path}.{time.strftime('%Y%m%d-%H%M%S')}.bak"


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise KctxError(f"{path}: kubeconfig file not found") from None
    except OSError as exc:
        raise KctxError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise KctxError(f"{path}: cannot read: not UTF-8 text") from None


def default_file(files: list[str]) -> str:
    """Where kubectl writes a new current-context: one file → it; several → first existing, else last."""
    if len(files) == 1:
        return files[0]
    for f in files:
        if os.path.exists(f):
            return f
    return files[-1]
