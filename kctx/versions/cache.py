"""The server-version cache: one small marshal file per API server, keyed by server URL + CA fingerprint.

Keyed by what identifies the cluster, not by context name: many contexts may share a cluster, and a
context name may be reused for another cluster. Shim path: ``posix``, ``marshal`` and ``time`` only.
``<cache_dir>/server-versions-v1/<escaped server URL>@<CA sha256 prefix>.m`` holds
``(MAGIC, server, ca_sha256, version, checked, ok_at, error)``.
"""

from __future__ import annotations

import marshal
import time

from kctx.util.fastos import join

MAGIC = "kctx-server-version-1"
OK_TTL = 86400.0  # a detected version is trusted for a day
FAIL_TTL = 600.0  # a failed detection (unreachable, 401…) is not retried for ten minutes
_MAX_NAME = 180  # keep file names well under the usual 255-byte limit


class Entry:
    """What we know about one server: ``version`` is the last detected one ("" if never), ``error`` the
    last attempt's failure ("" when it succeeded), ``checked``/``ok_at`` are epoch seconds."""

    __slots__ = ("server", "ca", "version", "checked", "ok_at", "error")

    def __init__(self, server: str, ca: str, version: str = "", checked: float = 0.0, ok_at: float = 0.0,
                 error: str = "") -> None:
        self.server, self.ca, self.version = server, ca, version
        self.checked, self.ok_at, self.error = checked, ok_at, error

    def fresh(self, now: float) -> bool:
        return self.checked <= now < self.expires()

    def expires(self) -> float:
        return self.checked + (FAIL_TTL if self.error else OK_TTL)

    def failed(self, error: str, now: float) -> Entry:
        """This entry after a failed attempt: the last known version is kept."""
        return Entry(self.server, self.ca, self.version, now, self.ok_at, error)


def folder(cache_dir: str) -> str:
    return join(cache_dir, "server-versions-v1")


def entry_path(cache_folder: str, server: str, ca: str) -> str:
    name = server.replace("%", "%25").replace("/", "%2F") + "@" + (ca[:32] or "-")
    if len(name) > _MAX_NAME:  # rare: the entry itself records server and CA, so a clash is only a miss
        import zlib

        name = f"{name[:_MAX_NAME - 9]}~{zlib.crc32(name.encode()):08x}"
    return join(cache_folder, name + ".m")


def read(cache_folder: str, server: str, ca: str) -> Entry | None:
    try:
        with open(entry_path(cache_folder, server, ca), "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return from_record(data, server, ca)


def record(entry: Entry) -> tuple[str, str, str, str, float, float, str]:
    """What the cache file holds for ``entry`` (and what the detection child answers)."""
    return (MAGIC, entry.server, entry.ca, entry.version, float(entry.checked), float(entry.ok_at), entry.error)


def from_record(data: object, server: str, ca: str) -> Entry | None:
    """The Entry in ``data`` when it is a record for ``server`` and ``ca``, else None."""
    if not isinstance(data, tuple) or len(data) != 7 or data[0] != MAGIC or data[1:3] != (server, ca):
        return None
    return Entry(*data[1:])


def write(cache_folder: str, entry: Entry) -> None:
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    try:
        ensure_private_dir(cache_folder)
        atomic_write(entry_path(cache_folder, entry.server, entry.ca), marshal.dumps(record(entry)), mode=0o600)
    except OSError:
        pass  # a cache that cannot be written only costs a detection next time


def age(entry: Entry, now: float | None = None) -> str:
    """How long ago the last successful detection was ("3h ago"), for explanations."""
    seconds = (time.time() if now is None else now) - entry.ok_at
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"
