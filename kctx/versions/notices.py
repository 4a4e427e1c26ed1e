"""Say a fallback once per period, not on every kubectl call: a marker file per cluster whose mtime is when
it was last said. Shim path: ``posix`` and ``time`` only.

``<cache_dir>/fallback-notices-v1/<server URL, % and / escaped>`` (or ``-`` for a call without a server).
"""

from __future__ import annotations

import posix
import time

from kctx.util.fastos import join

PERIOD = 600.0  # as long as a failed detection or install is remembered: the fallback holds that long
FOLDER = "fallback-notices-v1"


def folder(cache_dir: str) -> str:
    return join(cache_dir, FOLDER)


def due(cache_dir: str, key: str, now: float | None = None) -> bool:
    """Whether the notice for ``key`` was not given in the last PERIOD; if so, note that it is given now."""
    name = (key.replace("%", "%25").replace("/", "%2F") or "-")[:200]
    path = join(folder(cache_dir), name)
    now = time.time() if now is None else now
    try:
        if 0 <= now - posix.stat(path).st_mtime < PERIOD:
            return False
    except OSError:
        pass
    try:
        if not posix.access(folder(cache_dir), posix.F_OK):
            from kctx.util.fsutil import ensure_private_dir

            ensure_private_dir(folder(cache_dir))
        posix.close(posix.open(path, posix.O_WRONLY | posix.O_CREAT, 0o600))
        posix.utime(path, (now, now))
    except OSError:
        pass  # an unwritable cache: say it every time rather than never
    return True
