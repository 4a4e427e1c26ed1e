"""The edit a cache keyed on mtime, size and inode cannot see: new content of the same size written into the
same inode, then the old access and modification times put back (what `touch -d`, `cp -p` or os.utime do)."""

from __future__ import annotations

import os
import time
from pathlib import Path

TICK_NS = 20_000_000  # more than a file system timestamp tick (the kernel's coarse clock)


def rewrite_keeping_times(path: Path, text: str) -> None:
    """Write ``text`` into ``path`` in place, made the old size (blank lines added at the end, or trailing
    newlines dropped), and put the old times back. Only ctime tells the file changed.

    Waits until a timestamp tick has passed since the file's last change: two changes within one tick are
    the one case no stamp can tell apart (kctx/util/parsecache.py)."""
    before = path.stat()
    wait = before.st_ctime_ns + TICK_NS - time.time_ns()
    if wait > 0:
        time.sleep(wait / 1e9)
    data = text.encode()
    while len(data) > before.st_size and data.endswith(b"\n\n"):
        data = data[:-1]
    if len(data) > before.st_size and data.endswith(b"\n"):
        data = data[:-1]
    data += b"\n" * (before.st_size - len(data))
    assert len(data) == before.st_size, f"cannot make {len(text)} characters fit in {before.st_size} bytes"
    with open(path, "r+b") as fh:
        fh.write(data)
        fh.truncate()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns, "the edit fell in the same ctime tick; nothing could see it"
