"""The installed kubectl binaries: ``<kubectl_dir>/<X.Y.Z>/kubectl`` (a file, or a symlink for `add`).

Shim path: ``posix`` and ``time`` only. A version counts as installed once its ``kubectl`` exists, which
install.py guarantees happens by an atomic rename of a verified file.
"""

from __future__ import annotations

import posix
import time

from kctx.util.fastos import islink
from kctx.versions.parse import fmt, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.versions.parse import Version

BINARY = "kubectl"
USED = ".last-used"  # its mtime is the last time selection picked this version
UNVERIFIED = ".unverified"  # installed with --no-verify and no published checksum
USED_EVERY = 3600.0  # touch at most once an hour: a stat per call, a write per hour


def version_dir(kubectl_dir: str, version: str) -> str:
    return f"{kubectl_dir}/{version}"


def binary_path(kubectl_dir: str, version: str) -> str:
    return f"{kubectl_dir}/{version}/{BINARY}"


def installed(kubectl_dir: str) -> list[Version]:
    """Installed versions, newest first (folders named X.Y.Z holding an executable kubectl)."""
    try:
        names = posix.listdir(kubectl_dir)
    except OSError:
        return []
    found = []
    for name in names:
        v = parse(name) if name[:1].isdigit() else None
        if v is not None and fmt(v) == name and posix.access(f"{kubectl_dir}/{name}/{BINARY}", posix.X_OK):
            found.append(v)
    found.sort(reverse=True)
    return found


def best(have: list[Version], major: int, minor: int, patch: int = -1) -> Version | None:
    """The newest installed patch of major.minor, or exactly major.minor.patch when patch >= 0."""
    for v in have:  # newest first
        if v[0] == major and v[1] == minor and (patch < 0 or v[2] == patch):
            return v
    return None


def mark_used(kubectl_dir: str, version: str, now: float | None = None) -> float:
    """Note that selection picked ``version`` now (at most hourly); returns when the next mark is due."""
    path = f"{kubectl_dir}/{version}/{USED}"
    now = time.time() if now is None else now
    try:
        last = posix.stat(path).st_mtime
        if 0 <= now - last < USED_EVERY:
            return last + USED_EVERY
        posix.utime(path, (now, now))
    except FileNotFoundError:
        try:
            posix.close(posix.open(path, posix.O_WRONLY | posix.O_CREAT, 0o644))
            posix.utime(path, (now, now))
        except OSError:
            return 0.0
    except OSError:
        return 0.0  # a read-only data dir only costs gc accuracy
    return now + USED_EVERY


def last_used(kubectl_dir: str, version: str) -> float:
    """When selection last picked this version; the install (or add) time if never."""
    folder = f"{kubectl_dir}/{version}"
    for name in (USED, BINARY):
        try:
            return posix.lstat(f"{folder}/{name}").st_mtime
        except OSError:
            continue
    return 0.0


def used_at(kubectl_dir: str, version: str) -> float:
    """When selection last picked this version; 0.0 if never."""
    try:
        return posix.stat(f"{kubectl_dir}/{version}/{USED}").st_mtime
    except OSError:
        return 0.0


def installed_at(kubectl_dir: str, version: str) -> float:
    """When this version was installed (or added)."""
    try:
        return posix.lstat(binary_path(kubectl_dir, version)).st_mtime
    except OSError:
        return 0.0


def is_verified(kubectl_dir: str, version: str) -> bool:
    return not posix.access(f"{kubectl_dir}/{version}/{UNVERIFIED}", posix.F_OK)


def is_registered(kubectl_dir: str, version: str) -> bool:
    """True for a kubectl registered with `kctx kubectl add` (a symlink to a binary we did not download)."""
    return islink(binary_path(kubectl_dir, version))
