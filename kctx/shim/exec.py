"""Process replacement through one helper: exit codes, signals, stdin and the TTY pass through untouched. A
confirmed call runs kubectl as a child instead, so that its exit status and duration can be audited."""

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


def run_child(binary: str, argv: list[str], environ: Mapping[str, str]) -> int:
    """Run ``binary`` as a child that keeps the terminal, stdin and process group (Ctrl-C and Ctrl-Z reach it
    from the terminal; SIGTERM and SIGHUP sent to this process are passed on). Its exit status, or minus the
    signal that ended it."""
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    pid = posix.fork()
    if pid == 0:
        try:
            posix.execve(binary, argv, environ)
        finally:
            posix._exit(127)

    def relay(signum: int, _frame: object) -> None:
        posix.kill(pid, signum)

    def shrug(_signum: int, _frame: object) -> None:
        """The terminal sent it to kubectl as well: kubectl decides what it means."""

    saved = {sig: signal.signal(sig, relay) for sig in (signal.SIGTERM, signal.SIGHUP)}
    saved.update({sig: signal.signal(sig, shrug) for sig in (signal.SIGINT, signal.SIGQUIT)})
    try:
        _, status = posix.waitpid(pid, 0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return posix.waitstatus_to_exitcode(status)


def exit_like(code: int) -> int:
    """Leave as the child did: killed by the same signal (then this does not return), else its status."""
    if code >= 0:
        return code
    import signal

    signal.signal(-code, signal.SIG_DFL)
    posix.kill(posix.getpid(), -code)
    return 128 - code
