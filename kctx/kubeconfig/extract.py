"""Turn a parsed kubeconfig document into a FileIndex: names, references, servers, CA fingerprints.

Standard library only, so JSON documents (our session files) can be indexed on the shim's path; and
cheap to import, since the prompt's refresh indexes changed files: no base64 (it imports re), hashlib
(it loads OpenSSL) or typing.
"""

from __future__ import annotations

import binascii
import os
import sys

from kctx.kubeconfig.model import FileIndex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PROTECT_EXTENSION = "kctx"  # extensions: [{name: kctx, extension: {protected: true}}] (or readonly: true)
_SHA256 = None  # the sha256 constructor, found on first use (_sha256)


class NotAKubeconfig(ValueError):
    pass


def fill(idx: FileIndex, doc: Any, base: str) -> None:
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise NotAKubeconfig("the top level is not a mapping")
    kind = doc.get("kind")
    if kind not in (None, "", "Config"):
        raise NotAKubeconfig(f'kind is "{kind}", expected "Config"')
    cur = doc.get("current-context") or ""
    idx.current_context = cur if isinstance(cur, str) else str(cur)
    for item in _named(doc, "clusters", "cluster"):
        name, body, ext = item
        idx.clusters.setdefault(name, _cluster(body, base, ext))
    for name, body, _ext in _named(doc, "users", "user"):
        idx.users.setdefault(name, {"auth": _auth_kind(body)})
    for name, body, ext in _named(doc, "contexts", "context"):
        idx.contexts.setdefault(name, {
            "cluster": _str(body.get("cluster")),
            "user": _str(body.get("user")),
            "namespace": _str(body.get("namespace")),
            **_marks(ext, body),
        })


def _named(doc: dict[str, Any], section: str, inner: str) -> list[tuple[str, dict[str, Any], Any]]:
    items = doc.get(section)
    if items is None:
        return []
    if not isinstance(items, list):
        raise NotAKubeconfig(f'"{section}" is not a list')
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name", ""), str):
            raise NotAKubeconfig(f'{section}[{i}] has no name')
        item.setdefault("name", "")  # kubectl keys a nameless entry as "": so do we
        body = item.get(inner) or {}
        if not isinstance(body, dict):
            raise NotAKubeconfig(f'{section}[{i}] ("{item["name"]}"): "{inner}" is not a mapping')
        out.append((item["name"], body, item.get("extensions")))
    return out


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _resolve(base: str, value: Any) -> str:
    if not value or not isinstance(value, str):
        return ""
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(base, value))


def _cluster(body: dict[str, Any], base: str, ext: Any) -> dict[str, Any]:
    ca_file = _resolve(base, body.get("certificate-authority"))
    return {
        "server": _str(body.get("server")),
        "ca_sha256": _ca_fingerprint(body.get("certificate-authority-data"), ca_file),
        "ca_file": ca_file,
        "insecure": bool(body.get("insecure-skip-tls-verify")),
        "tls_server_name": _str(body.get("tls-server-name")),
        "proxy_url": _str(body.get("proxy-url")),
        **_marks(ext, body),
    }


def _ca_fingerprint(data: Any, ca_file: str) -> str:
    raw = b""
    if isinstance(data, str) and data:
        try:
            raw = binascii.a2b_base64(data.encode("ascii"))  # what base64.b64decode(data) does
        except (binascii.Error, ValueError):
            raw = data.encode()
    elif ca_file:
        try:
            with open(ca_file, "rb") as fh:
                raw = fh.read()
        except OSError:
            return ""
    return _sha256()(raw).hexdigest() if raw else ""


def _auth_kind(body: dict[str, Any]) -> str:
    if body.get("exec"):
        return "exec"
    if body.get("auth-provider"):
        return "auth-provider"
    if body.get("token") or body.get("tokenFile"):
        return "token"
    if body.get("client-certificate") or body.get("client-certificate-data"):
        return "cert"
    if body.get("username"):
        return "basic"
    return "none"


def _marks(ext: Any, body: dict[str, Any]) -> dict[str, bool]:
    """An entry's marks (on the named item or inside its body). A read-only entry is protected too: everything
    protection means holds for it, and more."""
    readonly = _marked(ext, "readonly") or _marked(body.get("extensions"), "readonly")
    marks = {"protected": readonly or _marked(ext, "protected") or _marked(body.get("extensions"), "protected")}
    if readonly:
        marks["readonly"] = True
    return marks


def _marked(extensions: Any, key: str) -> bool:
    """True when an ``extensions`` list carries ``{name: kctx, extension: {<key>: true}}``."""
    if not isinstance(extensions, list):
        return False
    for ext in extensions:
        if isinstance(ext, dict) and ext.get("name") == PROTECT_EXTENSION:
            body = ext.get("extension")
            if isinstance(body, dict) and body.get(key) is True:
                return True
    return False


def _sha256():
    """hashlib's sha256 loads OpenSSL, which is slow; the interpreter's own implementation gives the same digest."""
    global _SHA256
    if _SHA256 is None:
        try:
            if sys.version_info >= (3, 12):
                from _sha2 import sha256
            else:
                from _sha256 import sha256
        except ImportError:  # pragma: no cover - a build without them
            from hashlib import sha256
        _SHA256 = sha256
    return _SHA256
