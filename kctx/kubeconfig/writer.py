"""Apply minimal text edits to users' kubeconfig files under kubectl's own lock protocol.

Every edit runs on the text on disk while the lock is held (never on an earlier read), so a concurrent
kubectl or kctx write is waited for and built upon instead of failing or being lost. All edits are
computed before anything is written, so a failed edit writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from kctx.errors import KctxError
from kctx.util.fsutil import atomic_write, kubeconfig_locks

Edit = Callable[[str], str]


class Transaction:
    """Collect edits per file; ``commit`` locks every file involved (sorted, as kubectl does), reads them,
    applies the edits and writes each changed file atomically, or none if an edit fails.

    An edit may also only check the text (return it unchanged, raise when a precondition no longer holds):
    its file is then locked and read but not written.
    """

    def __init__(self) -> None:
        self._edits: dict[str, list[Edit]] = {}

    def add(self, path: str, edit: Edit) -> None:
        self._edits.setdefault(os.path.abspath(path), []).append(edit)

    def commit(self, backup: bool = False) -> list[str]:
        """``backup``: first copy each changed file to ``<file>.<timestamp>.bak`` beside it (0600)."""
        from kctx.kubeconfig.edit import EditError

        with kubeconfig_locks(list(self._edits)):
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
            for path, (old, new) in planned.items():
                if backup:
                    _write(backup_path(path), old, mode=0o600)
                _write(path, new)
        return list(planned)


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


def _write(path: str, text: str, mode: int | None = None) -> None:
    # A symlinked kubeconfig (dotfiles) stays a link: the file it points to is replaced, as kubectl
    # (which writes in place) leaves it.
    try:
        atomic_write(os.path.realpath(path), text, mode=mode)
    except OSError as exc:
        raise KctxError(f"{path}: cannot write: {exc.strerror}") from None


def default_file(files: list[str]) -> str:
    """Where kubectl writes a new current-context: one file → it; several → first existing, else last."""
    if len(files) == 1:
        return files[0]
    for f in files:
        if os.path.exists(f):
            return f
    return files[-1]
