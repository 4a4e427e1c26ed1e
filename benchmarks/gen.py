"""Generate the benchmark data set: N kubeconfig files × 4 contexts with realistic certificate blobs."""

from __future__ import annotations

import base64
import os
import random
from pathlib import Path

import yaml


def blob(rng: random.Random, size: int = 1100) -> str:
    return base64.b64encode(rng.randbytes(size)).decode()  # ~1.5 KB of base64 like a real certificate


def generate(folder: Path, files: int = 250, per_file: int = 4, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(files):
        doc: dict = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": [], "users": [],
                     "contexts": []}
        if i == 0:
            doc["current-context"] = "ctx-0000"
        for j in range(per_file):
            n = i * per_file + j
            name = f"ctx-{n:04d}"
            doc["clusters"].append({"name": f"cluster-{n:04d}", "cluster": {
                "server": f"https://10.{n // 250}.{n % 250}.1:6443", "certificate-authority-data": blob(rng)}})
            doc["users"].append({"name": f"user-{n:04d}", "user": {
                "client-certificate-data": blob(rng), "client-key-data": blob(rng, 900)}})
            doc["contexts"].append({"name": name, "context": {
                "cluster": f"cluster-{n:04d}", "user": f"user-{n:04d}", "namespace": f"team-{n % 17}"}})
        path = folder / f"cluster-{i:03d}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        os.chmod(path, 0o600)
        out.append(path)
    return out


def bench_home(tmp: Path) -> tuple[Path, list[Path]]:
    """A home with the generated files under ~/.kube/configs and the first one as ~/.kube/config, and a
    kctx config protecting some contexts (as a real user's would: the shim reads it on every call)."""
    import shutil

    home = tmp / "home"
    files = generate(home / ".kube" / "configs")
    shutil.copy(files[0], home / ".kube" / "config")
    config = home / ".config" / "kctx" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('protect:\n  contexts: ["ctx-09*"]\n  servers: ["https://prod.*"]\nconfirm: name\n')
    return home, files
