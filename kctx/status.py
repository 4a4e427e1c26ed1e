"""Exit statuses and the error type every user-facing failure is raised as.

Standard library only: the shim imports this on its hot path.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1  # kubectx/kubens use 1 for every failure; scripts rely on it
    USAGE = 2
    DECLINED = 3  # the user answered "no" at a confirmation
    REFUSED = 4  # confirmation needed but no terminal to ask on (CI, pipes)
    KUBECTL_MISSING = 5
    INTERRUPTED = 130


class KctxError(Exception):
    """A failure to report as one line on stderr, with an exit status."""

    status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
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
