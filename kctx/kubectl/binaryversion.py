"""Ask a kubectl binary for its version, for kctx/kubectl/kuberc.py (which caches the answer by the file's stat).

Cold path: runs the binary once per file. Plain string search instead of json, so the shim's cold path stays
free of json (tests/test_kuberc.py).
"""

from __future__ import annotations

from kctx.util import parsecache

TIMEOUT = 20.0


def ask(path: str, cache: str, magic: str, key: tuple[object, ...]) -> str:
    """``path version --client -o json``'s gitVersion as "1.31.9" (remembered under ``key``); "" when the
    binary does not run or does not say (remembered too, unless it could not be started or timed out)."""
    import subprocess

    from kctx.kubectl.binaries import is_dispatcher
    from kctx.versions.parse import fmt, parse

    if is_dispatcher(path):  # it reports whichever kubectl it would run now: no version of its own
        parsecache.store(cache, magic, key, "")
        return ""
    try:
        proc = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    text = proc.stdout.decode(errors="replace")
    at = text.find('"gitVersion"')
    start = text.find('"', text.find(":", at) + 1) if at >= 0 else -1
    end = text.find('"', start + 1) if start >= 0 else -1
    found = parse(text[start + 1:end]) if 0 <= start < end else None
    # A binary that ran but does not say (a wrapper script, a dispatcher) is remembered as unknown too: asking
    # again on every call would cost a process each time for the same answer.
    version = fmt(found) if proc.returncode == 0 and found is not None else ""
    parsecache.store(cache, magic, key, version)
    return version
