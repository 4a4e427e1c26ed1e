"""Refresh one server's cached version, at most once per TTL, with a hard time limit.

Called from selection when the entry is missing or stale. Under a per-entry flock (so N shims starting
together cause one detection) it re-reads the entry, then runs detection in a child process
(``python -m kctx.versions.detect``) killed after CHILD_TIMEOUT, and records a failure itself if the
child could not. The shim so never imports yaml, ssl or http.client, and an unreachable cluster costs
one bounded wait, then nothing until the failure entry expires. Imports subprocess only when it runs.
"""

from __future__ import annotations

import sys
import time

from kctx.util.fsutil import ensure_private_dir, locked
from kctx.versions import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.guard.target import Target
    from kctx.paths import Paths

CHILD_TIMEOUT = 5.0  # the child's own limits are 1.5 s to connect and 3 s in all; this covers start-up


def refresh(target: Target, paths: Paths, environ, *, force: bool = False,
            in_process: bool = False) -> cache.Entry:
    """The entry for ``target``'s server after a detection (skipped when another process just did one)."""
    folder = cache.folder(paths.cache_dir)
    server, ca = target.server, target.ca_sha256
    ensure_private_dir(folder)
    with locked(cache.entry_path(folder, server, ca)):
        entry = cache.read(folder, server, ca)
        if entry is not None and entry.fresh(time.time()) and not force:
            return entry  # another process refreshed it while we waited for the lock
        if in_process:
            from kctx.versions.detect import detect_and_store

            return detect_and_store(folder, server, ca, target.cluster, target.user, list(target.files))
        started = time.time()
        why = _run_child(folder, target, environ)
        entry = cache.read(folder, server, ca)
        if entry is None or entry.checked < started:
            entry = (entry or cache.Entry(server, ca)).failed(why or "version detection failed", time.time())
            cache.write(folder, entry)
    return entry


def _run_child(folder: str, target: Target, environ) -> str:
    """Run the detection child; "" when it finished, else why not (one line)."""
    import subprocess

    from kctx.shim.exec import child_env

    env = child_env(environ)
    cmd = [sys.executable or "python3", "-m", "kctx.versions.detect", folder, target.server, target.ca_sha256,
           target.cluster, target.user, *target.files]
    try:
        proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=CHILD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"{target.server}: version detection did not finish in {CHILD_TIMEOUT:.0f} s"
    except OSError as exc:
        return f"cannot start version detection: {exc.strerror or exc}"
    if proc.returncode not in (0, 1):  # 1: detection failed and said so in the cache
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        return f"version detection failed: {lines[-1] if lines else f'exit status {proc.returncode}'}"
    return ""
