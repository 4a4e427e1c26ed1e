"""The audit log: one JSON line per confirmation, refusal, decline, environment-allowed or unlocked call on a
protected target, and per unlock and lock, with secret flag values redacted (also in what the confirmation
shows). The file is 0600 and rotated by size; `kctx audit` reads it."""

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
    """argv with secrets replaced: secret flag values (``--token x``, ``--token=x``), ``NAME=VALUE`` words whose
    name says it holds one (``set env deploy/x DB_PASSWORD=...``), and passwords in URLs."""
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
        if eq and not name.startswith("-") and any(w in name.lower() for w in SECRET_WORDS):
            out.append(f"{name}=REDACTED")
            continue
        out.append(_url_password(arg))
    return out


def _url_password(word: str) -> str:
    """``https://user:secret@host`` as ``https://user:REDACTED@host``."""
    scheme, sep, rest = word.partition("://")
    userinfo, at, host = rest.partition("@")
    if not (sep and at and ":" in userinfo and "/" not in userinfo):
        return word
    return f"{scheme}{sep}{userinfo.partition(':')[0]}:REDACTED@{host}"


def audit(log_path: str, target: Target, argv: list[str], c: Classification, decision: str, reason: str,
          environ: Mapping[str, str], **extra: object) -> None:
    """Append one record of a judged kubectl call; ``extra``: more fields (a preview's summary...)."""
    record: dict[str, object] = {"context": target.context, "cluster": target.cluster,
                                 "server": _url_password(target.server), "kubeconfig_user": target.user,
                                 "namespace": target.namespace, "class": c.cls, "argv": redact(argv),
                                 "decision": decision, "reason": reason}
    record.update(extra)
    write(log_path, record, environ)


MAX_BYTES = 1 << 20  # a log past this size is rotated: audit.jsonl -> .1 -> .2 -> .3, the oldest dropped
KEEP = 3


def write(log_path: str, record: dict[str, object], environ: Mapping[str, str]) -> None:
    """Append ``record`` with the time, user and folder as one JSON line (0600, rotated by size); never let
    logging stop kubectl (the guard's decision already stands)."""
    import json
    import os
    import time

    head = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "user": environ.get("USER") or environ.get("LOGNAME") or str(posix.getuid())}
    line = (json.dumps({**head, **record, "cwd": posix.getcwd()}) + "\n").encode()
    try:
        os.makedirs(os.path.dirname(log_path), mode=0o700, exist_ok=True)
        fd = _open_rotated(log_path)
        try:
            posix.write(fd, line)
        finally:
            posix.close(fd)
    except OSError:
        pass


def _open_rotated(log_path: str) -> int:
    """The log opened for appending, rotated first when it has grown past MAX_BYTES. The rotation happens under
    an exclusive lock on the log, and a writer that opened a log just rotated away opens the new one."""
    import fcntl
    import os

    while True:
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        st = os.fstat(fd)
        if st.st_size < MAX_BYTES:
            return fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(log_path).st_ino == st.st_ino:  # nobody rotated it meanwhile
                for n in range(KEEP - 1, 0, -1):
                    try:
                        os.replace(f"{log_path}.{n}", f"{log_path}.{n + 1}")
                    except FileNotFoundError:
                        pass
                os.replace(log_path, f"{log_path}.1")
        except FileNotFoundError:
            pass
        finally:
            posix.close(fd)
