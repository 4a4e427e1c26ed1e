"""Kubeconfig text for sandbox clusters, written by hand so the sandbox needs no YAML library.

Every scalar is emitted as a JSON string, which is also a valid YAML double-quoted scalar.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    context: str
    cluster: str
    user: str
    server: str
    ca_pem: bytes
    token: str | None = None
    cert_pem: bytes | None = None
    key_pem: bytes | None = None


def _q(value: str) -> str:
    return json.dumps(value)


def _b64(data: bytes) -> str:
    return _q(base64.b64encode(data).decode())


def _user_lines(e: Entry) -> list[str]:
    if e.token is not None:
        return [f"    token: {_q(e.token)}"]
    assert e.cert_pem is not None and e.key_pem is not None
    return [f"    client-certificate-data: {_b64(e.cert_pem)}", f"    client-key-data: {_b64(e.key_pem)}"]


def render(entries: list[Entry], current: str | None) -> str:
    lines = ["apiVersion: v1", "kind: Config", "preferences: {}", "clusters:"]
    for e in entries:
        lines += [f"- name: {_q(e.cluster)}", "  cluster:", f"    server: {_q(e.server)}",
                  f"    certificate-authority-data: {_b64(e.ca_pem)}"]
    lines.append("users:")
    for e in entries:
        lines += [f"- name: {_q(e.user)}", "  user:", *_user_lines(e)]
    lines.append("contexts:")
    for e in entries:
        lines += [f"- name: {_q(e.context)}", "  context:", f"    cluster: {_q(e.cluster)}",
                  f"    user: {_q(e.user)}"]
    lines.append(f"current-context: {_q(current or '')}")
    return "\n".join(lines) + "\n"
