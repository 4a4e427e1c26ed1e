"""Exit statuses, the error type every user-facing failure is raised as, and the one rule for how a message
starts on stderr.

Plain int constants, not an enum: the shim imports this on its hot path and enum costs milliseconds.
"""

from __future__ import annotations


class ExitStatus:
    OK = 0
    ERROR = 1  # kubectx/kubens use 1 for every failure; scripts rely on it
    USAGE = 2
    DECLINED = 3  # the user answered "no" at a confirmation
    REFUSED = 4  # confirmation needed but no terminal to ask on (CI, pipes), or the target is unclear
    KUBECTL_MISSING = 5
    INTERRUPTED = 130


def prefix(kind: str, drop_in: bool = False) -> str:
    """How a message of ``kind`` (error, warning, note, debug) starts on stderr: "kctx: error: " for kctx's
    own commands, the shim and the REPL, so it reads apart from kubectl's lines around it. ``drop_in``: where
    kctx stands in for another tool it prints that tool's "error: " (`kctx ctx` and `kctx ns` for kubectx and
    kubens, `kubectl config use-context` in a session for kubectl): scripts match those lines."""
    return f"{kind}: " if drop_in else f"kctx: {kind}: "


def line(kind: str, message: str, drop_in: bool = False) -> str:
    """One message as a line for stderr, with the prefix above."""
    return f"{prefix(kind, drop_in)}{message}\n"


class KctxError(Exception):
    """A failure to report as one line on stderr, with an exit status."""

    status: int = ExitStatus.ERROR

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class UsageError(KctxError):
    status = ExitStatus.USAGE


class KubeconfigError(KctxError):
    """A kubeconfig file is missing, unreadable, malformed or inconsistent."""
