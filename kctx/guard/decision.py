"""The guard: decide allow / confirm / deny for a classified kubectl call on its effective target,
ask on the terminal (never stdin), and append every confirmation, refusal and decline to the audit log.

Standard library only; the terminal and audit parts import what they need when they run.
"""

from __future__ import annotations

import posix

from kctx.config import Config
from kctx.guard.target import Target
from kctx.kubectl.classify import Classification, needs_confirmation

ALLOW, CONFIRM, DENY = "allow", "confirm", "deny"
SECRET_FLAGS = ("--token", "--password", "--client-key", "--as-user-extra", "--docker-password",
                "--from-literal", "--from-env-file")  # values never logged or shown
SECRET_WORDS = ("password", "token", "secret", "key")  # any other flag whose name says it holds one


class Decision:
    __slots__ = ("action", "reason")

    def __init__(self, action: str, reason: str) -> None:
        self.action, self.reason = action, reason


def decide(target: Target, c: Classification, environ, config: Config, tty: bool, skew: str = "") -> Decision:
    """``tty``: whether a terminal is there to ask on (the shim checks /dev/tty). ``skew``: the chosen
    kubectl is outside the supported version skew of the server; on a protected target that needs
    confirmation even for a read."""
    if skew and target.protected:
        why = f"{skew}; the target is protected: {target.protected_by}"
    elif not needs_confirmation(c.cls):
        return Decision(ALLOW, c.reason or f"{c.cls} command")
    elif target.protected:
        why = f"{c.command or 'command'} is {c.cls} and the target is protected: {target.protected_by}"
    elif target.problem:
        # We cannot rule out a protected target (a kubeconfig mark may be in what we could not read): fail closed.
        why = f"the target cannot be resolved, so it may be protected: {target.problem}"
    else:
        return Decision(ALLOW, "target is not protected")
    # KCTX_CONFIRM names a context; with --cluster/-s the call may reach another cluster than that context's.
    plain = target.context and not target.problem and not {"cluster", "server"} & set(target.overridden)
    allowed = environ.get("KCTX_CONFIRM", "")
    if allowed and plain and allowed == target.context:
        return Decision(ALLOW, f"KCTX_CONFIRM={allowed} allows this context; {why}")
    if tty:
        return Decision(CONFIRM, why)
    hint = f"; set KCTX_CONFIRM={target.context} to allow it here" if plain else ""
    return Decision(DENY, f"no terminal to confirm on: {why}{hint}")


def redact(argv: list[str]) -> list[str]:
    """argv with secret flag values replaced (``--token x``, ``--token=x``)."""
    out, hide_next = [], False
    for arg in argv:
        if hide_next:
            out.append("REDACTED")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        if name.startswith("--") and (name in SECRET_FLAGS or any(w in name for w in SECRET_WORDS)):
            if eq:
                out.append(f"{name}=REDACTED")
            else:
                out.append(arg)
                hide_next = True
            continue
        out.append(arg)
    return out


def tty_available(tty_path: str = "/dev/tty") -> bool:
    try:
        fd = posix.open(tty_path, posix.O_RDWR | posix.O_NOCTTY)
    except OSError:
        return False
    posix.close(fd)
    return True


def summary(target: Target, argv: list[str], c: Classification, why: str) -> str:
    import shlex

    rows = [("context", target.context or "(none)"), ("cluster", target.cluster or "(none)"),
            ("server", target.server or "(none)"), ("namespace", target.namespace),
            ("command", "kubectl " + shlex.join(redact(argv))), ("why", why)]
    lines = [f"kctx: {c.command or 'this command'} ({c.cls}) on a protected target"]
    lines += [f"  {k:<9}  {v}" for k, v in rows]
    return "\n".join(lines) + "\n"


def ask(target: Target, argv: list[str], c: Classification, why: str, config: Config,
        tty_path: str = "/dev/tty") -> bool:
    """Show what will happen and read the answer from the terminal. True only for the exact answer."""
    want = target.context or "yes"
    if config.confirm == "yes":
        prompt = "Continue? [y/N] "
    else:
        prompt = f"Type the context name ({want}) to continue, anything else cancels: "
    try:
        fd = posix.open(tty_path, posix.O_RDWR | posix.O_NOCTTY)
    except OSError:
        return False
    try:
        posix.write(fd, (summary(target, argv, c, why) + prompt).encode())
        answer = _read_line(fd)
    except KeyboardInterrupt:
        answer = None
    finally:
        posix.close(fd)
    if answer is None:
        return False
    answer = answer.strip()
    if config.confirm == "yes":
        return answer.lower() in ("y", "yes")
    return answer == want


def _read_line(fd: int) -> str | None:
    """One line from the terminal (canonical mode hands it over whole); None on end of input."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = posix.read(fd, 1024)
        if not chunk:
            posix.write(fd, b"\n")
            return None
        data += chunk
    return data.decode(errors="replace")


def audit(log_path: str, target: Target, argv: list[str], c: Classification, decision: str, reason: str,
          environ) -> None:
    """Append one JSON line; never let logging stop kubectl (the guard's decision already stands)."""
    import json
    import os
    import time

    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "user": environ.get("USER") or environ.get("LOGNAME") or str(posix.getuid()),
        "context": target.context, "cluster": target.cluster, "server": target.server,
        "namespace": target.namespace, "class": c.cls, "argv": redact(argv),
        "decision": decision, "reason": reason, "cwd": posix.getcwd(),
    }
    try:
        os.makedirs(os.path.dirname(log_path), mode=0o700, exist_ok=True)
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            posix.write(fd, (json.dumps(record) + "\n").encode())
        finally:
            posix.close(fd)
    except OSError:
        pass
