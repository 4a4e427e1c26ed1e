"""The audit log: one JSON line per confirmation, refusal, decline or environment-allowed write on a protected
target, with secret flag values redacted (also in what the confirmation shows)."""

from __future__ import annotations

import posix

from kctx.guard.target import Target
from kctx.kubectl.classify import Classification

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

SECRET_FLAGS = ("--token", "--password", "--client-key", "--as-user-extra", "--docker-password",
                "--from-literal", "--from-env-file")  # values never logged or shown
SECRET_WORDS = ("password", "token", "secret", "key")  # any other flag whose name says it holds one


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


def audit(log_path: str, target: Target, argv: list[str], c: Classification, decision: str, reason: str,
          environ: Mapping[str, str]) -> None:
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
