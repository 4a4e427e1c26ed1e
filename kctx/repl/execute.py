"""Run a command in the foreground of the terminal, as a shell does.

The child inherits the terminal (no captured output: colours, pagers, `exec -it`, confirmations on
/dev/tty all work) and stays in our process group, so Ctrl-C reaches it and Ctrl-Z suspends it together
with the shell. While it runs, the REPL itself shrugs off SIGINT/SIGQUIT with a Python handler (not
SIG_IGN, which the child would inherit through exec), so Ctrl-C stops the command, never the shell.
"""

from __future__ import annotations

import os
import signal
import subprocess

from kctx.errors import ExitStatus, KctxError


class Result:
    __slots__ = ("code", "interrupted")

    def __init__(self, code: int, interrupted: bool) -> None:
        self.code, self.interrupted = code, interrupted


def foreground(argv: list[str], env: dict) -> Result:
    """Run ``argv`` with the terminal; its exit status is 128+N when killed by signal N."""
    seen: list[int] = []

    def _shrug(signum, frame) -> None:
        seen.append(signum)

    saved = {sig: signal.signal(sig, _shrug) for sig in (signal.SIGINT, signal.SIGQUIT)}
    try:
        try:
            proc = subprocess.Popen(argv, env=env)
        except OSError as exc:
            raise KctxError(f"cannot run {argv[0]}: {exc.strerror}", ExitStatus.KUBECTL_MISSING) from None
        code = proc.wait()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return Result(128 - code if code < 0 else code, bool(seen))


def shell_command(command: str, env: dict) -> list[str]:
    """`!cmd`: the user's shell when it is a POSIX one, else /bin/sh."""
    shell = env.get("SHELL", "")
    if not shell or os.path.basename(shell) not in ("bash", "zsh", "sh", "dash", "ksh"):
        shell = "/bin/sh"
    return [shell, "-c", command]


def pipeline(kubectl: list[str], rest: str) -> list[str]:
    """`get pods | grep web`: kubectl's words go in as "$@" (no re-quoting), the rest is shell text."""
    return ["/bin/sh", "-c", f'"$0" "$@" {rest}', *kubectl]
