"""Builders for realistic kubeconfig files used across the tests."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import yaml

FAKE_CERT = base64.b64encode(os.urandom(1100)).decode()  # ~1.5 KB of base64, like a real certificate


def kubeconfig(contexts: dict[str, tuple[str, str, str]] | None = None, *, clusters: dict[str, str] | None = None,
               users: list[str] | None = None, current: str | None = None) -> dict:
    """contexts: name -> (cluster, user, namespace); clusters: name -> server."""
    doc: dict = {"apiVersion": "v1", "kind": "Config", "preferences": {}}
    if current is not None:
        doc["current-context"] = current
    doc["clusters"] = [{"name": n, "cluster": {"server": s, "certificate-authority-data": FAKE_CERT}}
                       for n, s in (clusters or {}).items()]
    doc["users"] = [{"name": u, "user": {"token": f"secret-token-{u}", "client-key-data": FAKE_CERT}}
                    for u in (users or [])]
    doc["contexts"] = []
    for name, (cl, user, ns) in (contexts or {}).items():
        body = {"cluster": cl, "user": user}
        if ns:
            body["namespace"] = ns
        doc["contexts"].append({"name": name, "context": body})
    return doc


def write(path: Path, doc: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    path.chmod(0o600)
    return path


def simple(path: Path, name: str, server: str = "", namespace: str = "", current: bool = True) -> Path:
    """One file with one context/cluster/user, all called ``name``. The default server is a closed loopback
    port (connections are refused at once), so nothing a test triggers ever leaves the machine."""
    server = server or f"https://127.0.0.1:9/{name}"
    return write(path, kubeconfig({name: (name, name, namespace)}, clusters={name: server},
                                  users=[name], current=name if current else None))
