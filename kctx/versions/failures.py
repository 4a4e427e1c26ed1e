"""Remembered install failures: one small file per version spec under the cache dir, so an offline machine
tries a download once per FAILURE_TTL instead of on every kubectl call. The check runs on the shim's path
(``posix`` only); remembering and forgetting happen in the installer."""

from __future__ import annotations

import posix
import time

from kctx.util.fastos import join

FAILURE_TTL = 600.0


def path(cache_dir: str, spec: str) -> str:
    return join(cache_dir, "install-failures-v1", spec)


def recent(cache_dir: str, spec: str) -> str:
    """The message for a failure of ``spec`` less than FAILURE_TTL ago, else ""."""
    return check(cache_dir, spec)[0]


def check(cache_dir: str, spec: str) -> tuple[str, float]:
    """(message, when it is forgotten) for a failure of ``spec`` less than FAILURE_TTL ago, else ("", 0.0)."""
    p = path(cache_dir, spec)
    try:
        mtime = posix.stat(p).st_mtime
        age = time.time() - mtime
        if not 0 <= age < FAILURE_TTL:
            return "", 0.0
        with open(p, encoding="utf-8", errors="replace") as fh:
            why = fh.read().strip()
    except OSError:
        return "", 0.0
    return (f"installing kubectl {spec} failed {int(age // 60)} min ago ({why}); "
            f"retry now with 'kctx kubectl install {spec}'", mtime + FAILURE_TTL)


def remember(cache_dir: str, spec: str, message: str) -> None:
    from kctx.util.fastos import dirname
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    try:
        ensure_private_dir(dirname(path(cache_dir, spec)))
        atomic_write(path(cache_dir, spec), message.splitlines()[0] if message else "failed", mode=0o600)
    except OSError:
        pass


def forget(cache_dir: str, spec: str) -> None:
    try:
        posix.unlink(path(cache_dir, spec))
    except OSError:
        pass
