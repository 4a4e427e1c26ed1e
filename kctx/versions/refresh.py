"""Refresh one server's cached version, at most once per TTL, with a hard time limit.

Called from selection when the entry is missing or stale. Under a per-entry flock (so N shims starting
together cause one detection) it re-reads the entry, then runs detection (kctx/versions/detect.py) in a child
process killed after CHILD_TIMEOUT (kctx/util/parsecache.py runs it), and records a failure itself if the
child could not. Always a child, whoever asks: only a process can be stopped at a deadline (name lookups and
TLS handshakes do not all obey socket timeouts), and the shim so never imports yaml, ssl or http.client. An
unreachable cluster costs one bounded wait, then nothing until the failure entry expires.
"""

from __future__ import annotations

import marshal
import time

from kctx.util import parsecache
from kctx.util.fsutil import ensure_private_dir, locked
from kctx.versions import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.guard.target import Target
    from kctx.paths import Paths

CHILD_TIMEOUT = 5.0  # the child's own limits are 1.5 s to connect and 3 s in all; this covers start-up
DETECTOR = "kctx.versions.detect:detect_for_cache"


def refresh(target: Target, paths: Paths, environ: Mapping[str, str], *, force: bool = False) -> cache.Entry:
    """The entry for ``target``'s server after a detection (skipped when another process just did one)."""
    folder = cache.folder(paths.cache_dir)
    server, ca = target.server, target.ca_sha256
    ensure_private_dir(folder)
    with locked(cache.entry_path(folder, server, ca)):
        entry = cache.read(folder, server, ca)
        if entry is not None and entry.fresh(time.time()) and not force:
            return entry  # another process refreshed it while we waited for the lock
        entry, why = _detect(folder, target, environ)
        if entry is None:
            previous = cache.read(folder, server, ca) or cache.Entry(server, ca)
            entry = previous.failed(why, time.time())
            cache.write(folder, entry)
    return entry


def _detect(folder: str, target: Target, environ: Mapping[str, str]) -> tuple[cache.Entry | None, str]:
    """(the entry the detection child recorded, or None and why it gave none: one line)."""
    args = [folder, target.server, target.ca_sha256, target.cluster, target.user, *target.files]
    try:
        out = parsecache.run_child(DETECTOR, args, environ=environ, timeout=CHILD_TIMEOUT)
    except parsecache.ChildFailed as exc:
        return None, f"{target.server}: version detection failed: {exc}"
    try:
        entry = cache.from_record(marshal.loads(out), target.server, target.ca_sha256)
    except (ValueError, EOFError, TypeError):
        entry = None
    return entry, "" if entry is not None else f"{target.server}: version detection gave no answer kctx knows"
