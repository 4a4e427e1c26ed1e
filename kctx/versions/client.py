"""Ask a kubectl binary for its own version (``kubectl version --client -o json``). Not on the shim's path."""

from __future__ import annotations

import errno
import time

from kctx.errors import KctxError
from kctx.versions.parse import from_info

TIMEOUT = 30.0


def client_version(binary: str) -> str:
    """The version ("1.29.3") of ``binary``; KctxError when it does not run or says something odd."""
    import json
    import subprocess

    for attempt in range(5):
        try:
            proc = subprocess.run([binary, "version", "--client", "-o", "json"], capture_output=True,
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False)
            break
        except OSError as exc:
            # ETXTBSY: another thread forked while this file was still open for writing; it clears at once.
            if exc.errno == errno.ETXTBSY and attempt < 4:
                time.sleep(0.05 * (attempt + 1))
                continue
            raise KctxError(f"{binary}: cannot run: {exc.strerror or exc}") from None
        except subprocess.TimeoutExpired:
            raise KctxError(f"{binary}: 'version --client' did not finish in {TIMEOUT:.0f} s") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        raise KctxError(f"{binary}: 'version --client' failed: {lines[-1] if lines else proc.returncode}")
    try:
        version = from_info(json.loads(proc.stdout).get("clientVersion"))
    except (ValueError, AttributeError):
        version = ""
    if not version:
        raise KctxError(f"{binary}: 'version --client -o json' did not report a version; is it kubectl?")
    return version
