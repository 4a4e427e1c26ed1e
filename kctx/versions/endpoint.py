"""How to reach one API server: TLS settings and static credentials, read from the defining kubeconfig files.

kubectl's rule: the first file that defines a cluster (or user) name wins; relative paths resolve against
that file's folder. Only static credentials are used (token, tokenFile, client certificate, basic auth):
exec plugins and auth providers are never run, so detection is anonymous for those users. Imports yaml:
runs in the detection child or in `kctx kubectl refresh`, never on the shim's path.
"""

from __future__ import annotations

import base64
import binascii
import os

from kctx.errors import KctxError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Endpoint:
    __slots__ = ("server", "ca_data", "ca_file", "insecure", "tls_server_name", "proxy_url", "cert_data",
                 "cert_file", "key_data", "key_file", "token", "username", "password")

    def __init__(self, server: str) -> None:
        self.server = server
        self.ca_data = self.cert_data = self.key_data = b""
        self.ca_file = self.cert_file = self.key_file = ""
        self.insecure = False
        self.tls_server_name = self.proxy_url = self.token = self.username = self.password = ""


def load(files: list[str], cluster: str, user: str, server: str) -> Endpoint:
    """The endpoint for ``server`` with the TLS settings of ``cluster`` and the credentials of ``user``."""
    ep = Endpoint(server)
    want = {"clusters": cluster, "users": user}
    for path in files:
        if not any(want.values()):
            break
        doc = _read(path)
        base = os.path.dirname(os.path.abspath(path))
        for section, name in list(want.items()):
            body = _entry(doc, section, name) if name else None
            if body is not None:
                (_cluster if section == "clusters" else _user)(ep, body, base, path)
                want[section] = ""
    return ep


def _read(path: str) -> Any:
    import yaml

    try:
        with open(path, "rb") as fh:
            return yaml.load(fh.read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return None  # kubectl would complain loudly; detection just does without this file


def _entry(doc: Any, section: str, name: str) -> dict[str, object] | None:
    inner = section[:-1]  # "clusters" -> "cluster"
    items = doc.get(section) if isinstance(doc, dict) else None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("name") == name:
            body = item.get(inner)
            return body if isinstance(body, dict) else {}
    return None


def _cluster(ep: Endpoint, body: dict[str, object], base: str, path: str) -> None:
    ep.ca_data = _b64(body.get("certificate-authority-data"), path, "certificate-authority-data")
    ep.ca_file = _path(base, body.get("certificate-authority"))
    ep.insecure = body.get("insecure-skip-tls-verify") is True
    ep.tls_server_name = _text(body.get("tls-server-name"))
    ep.proxy_url = _text(body.get("proxy-url"))


def _user(ep: Endpoint, body: dict[str, object], base: str, path: str) -> None:
    ep.cert_data = _b64(body.get("client-certificate-data"), path, "client-certificate-data")
    ep.key_data = _b64(body.get("client-key-data"), path, "client-key-data")
    ep.cert_file = _path(base, body.get("client-certificate"))
    ep.key_file = _path(base, body.get("client-key"))
    ep.token = _text(body.get("token"))
    token_file = _path(base, body.get("tokenFile"))
    if token_file:  # like client-go, a readable token file wins over an inline token
        try:
            with open(token_file, encoding="utf-8") as fh:
                ep.token = fh.read().strip() or ep.token
        except (OSError, UnicodeDecodeError):
            pass
    ep.username, ep.password = _text(body.get("username")), _text(body.get("password"))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _path(base: str, value: object) -> str:
    text = _text(value)
    return os.path.normpath(os.path.join(base, os.path.expanduser(text))) if text else ""


def _b64(value: object, path: str, key: str) -> bytes:
    text = _text(value)
    if not text:
        return b""
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        raise KctxError(f"{path}: {key} is not valid base64") from None
