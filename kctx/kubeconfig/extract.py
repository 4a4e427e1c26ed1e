"""Turn a parsed kubeconfig document into a FileIndex: names, references, servers, CA fingerprints, when
credentials expire (kctx/kubeconfig/credentials.py).

Standard library only, so JSON documents (our session files) can be indexed on the shim's path; and
cheap to import, since the prompt's refresh indexes changed files: no base64 (it imports re), hashlib
(it loads OpenSSL) or typing.
"""

from __future__ import annotations

import os
import sys

from kctx.kubeconfig import credentials
from kctx.kubeconfig.goscalar import go_base64, is_go_base64, resolve
from kctx.kubeconfig.model import FileIndex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from kctx.kubeconfig.model import UserEntry

PROTECT_EXTENSION = "kctx"  # extensions: [{name: kctx, extension: {protected: true}}] (or readonly: true)
_SHA256 = None  # the sha256 constructor, found on first use (_sha256)


class NotAKubeconfig(ValueError):
    """Not a kubeconfig kubectl reads; ``path`` leads to the offending node (keys and list indexes)."""

    def __init__(self, problem: str, path: tuple = ()) -> None:
        super().__init__(problem)
        self.path = path


# kubectl's Config (k8s.io/client-go/tools/clientcmd/api/v1) as Go's JSON decoder checks it: a field of a
# known name (case-sensitive) holds its type or null, else kubectl refuses the whole file; other names are
# ignored. TEXT, FLAG and DATA stand for Go's string, bool and []byte (base64 text); a dict for a struct,
# [x] for a list of x, {str: x} for a map, ANY for any JSON.
TEXT, FLAG, DATA, ANY = "text", "true or false", "base64 text", "any"
_EXTENSIONS = [{"name": TEXT, "extension": ANY}]
_CLUSTER = {"server": TEXT, "tls-server-name": TEXT, "insecure-skip-tls-verify": FLAG, "certificate-authority": TEXT,
            "certificate-authority-data": DATA, "proxy-url": TEXT, "disable-compression": FLAG,
            "extensions": _EXTENSIONS}
_EXEC = {"command": TEXT, "args": [TEXT], "env": [{"name": TEXT, "value": TEXT}], "apiVersion": TEXT,
         "installHint": TEXT, "provideClusterInfo": FLAG, "interactiveMode": TEXT}
_USER = {"client-certificate": TEXT, "client-certificate-data": DATA, "client-key": TEXT, "client-key-data": DATA,
         "token": TEXT, "tokenFile": TEXT, "as": TEXT, "as-uid": TEXT, "as-groups": [TEXT],
         "as-user-extra": {str: [TEXT]}, "username": TEXT, "password": TEXT,
         "auth-provider": {"name": TEXT, "config": {str: TEXT}}, "exec": _EXEC, "extensions": _EXTENSIONS}
_CONTEXT = {"cluster": TEXT, "user": TEXT, "namespace": TEXT, "extensions": _EXTENSIONS}
_CONFIG = {"kind": TEXT, "apiVersion": TEXT, "preferences": {"colors": FLAG, "extensions": _EXTENSIONS},
           "current-context": TEXT, "extensions": _EXTENSIONS}


def json_doc(raw: bytes) -> Any:
    """A JSON kubeconfig (kctx's session files) read without yaml, as kubectl reads it. ValueError when it is no
    JSON, or holds what Python's JSON reader reads otherwise than kubectl's YAML reader (NaN, ``\\/``, escaped
    surrogates, characters YAML forbids, very long lines): kctx/kubeconfig/parse.py decides then."""
    import json

    text = raw.decode("utf-8")
    if b"\\/" in raw or _surrogate_escape(raw) or not _yaml_printable(text):
        raise ValueError("JSON that kubectl's YAML reader reads otherwise")
    if max(map(len, text.split("\n"))) > 1000:
        raise ValueError("a line too long for a YAML key")  # kubectl's YAML keys end at 1024 characters
    # Numbers typed as go-yaml types them: 1e400 is text to it (too large for a float64).
    return json.loads(text, parse_constant=_refuse, parse_int=resolve, parse_float=resolve)


def _refuse(word: str) -> None:
    raise ValueError(word)


def _surrogate_escape(raw: bytes) -> bool:
    i = raw.find(b"\\u")
    while i >= 0:
        if raw[i + 2:i + 3] in (b"d", b"D") and raw[i + 3:i + 4] in tuple(b"89abAB"[j:j + 1] for j in range(6)):
            return True
        i = raw.find(b"\\u", i + 2)
    return False


def _yaml_printable(text: str) -> bool:
    """YAML's printable set, as far as Python's isprintable() agrees with it (it refuses a few more, such as
    no-break spaces, which only sends a file to the YAML reader)."""
    return text.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable()


def fill(idx: FileIndex, doc: Any, base: str) -> None:
    """Index ``doc`` (as kctx/kubeconfig/kubeyaml.py or JSON reads it) into ``idx``; NotAKubeconfig where
    kubectl would refuse it."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise NotAKubeconfig("the top level is not a mapping")
    _check_kind(doc)
    _check(doc, _CONFIG, ())
    idx.current_context = doc.get("current-context") or ""
    for name, body, ext in _named(doc, "clusters", "cluster", _CLUSTER):
        idx.clusters[name] = _cluster(body, base, ext)
    for name, body, _ext in _named(doc, "users", "user", _USER):
        idx.users[name] = _user(body, base)
    for name, body, ext in _named(doc, "contexts", "context", _CONTEXT):
        idx.contexts[name] = {
            "cluster": body.get("cluster") or "",
            "user": body.get("user") or "",
            "namespace": body.get("namespace") or "",
            **_marks(ext, body),
        }


def _check_kind(doc: dict[str, Any]) -> None:
    """kubectl finds kind and apiVersion with Go's case-insensitive JSON decoder (the last of several spellings,
    in sorted order, wins) and knows only v1 Config."""
    found: dict[str, Any] = {}
    for key in sorted(doc):
        folded = key.casefold()
        if folded in ("kind", "apiversion") and len(folded) == len(key):
            found[folded] = doc[key]
    for field, allowed in (("kind", ("", "Config")), ("apiversion", ("", "v1"))):
        value = found.get(field)
        if value is not None and not isinstance(value, str):
            raise NotAKubeconfig(f"{field} is {_what(value)}, expected text", (field,))
        if value not in (None, *allowed):
            expected = "Config" if field == "kind" else "v1"
            raise NotAKubeconfig(f'{"kind" if field == "kind" else "apiVersion"} is "{value}", expected '
                                 f'"{expected}"', (field,))


def _check(value: Any, spec: Any, path: tuple) -> None:
    """Raise NotAKubeconfig where ``value`` does not have the type ``spec`` gives (null always does)."""
    if value is None or spec is ANY:
        return
    if spec is TEXT or spec is FLAG or spec is DATA:
        ok = isinstance(value, bool) if spec is FLAG else isinstance(value, str)
        if not ok:
            raise NotAKubeconfig(f"{_where(path)} is {_what(value)}; kubectl reads only {spec} there", path)
        if spec is DATA and not is_go_base64(value):
            raise NotAKubeconfig(f"{_where(path)} is not valid base64, which kubectl refuses", path)
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise NotAKubeconfig(f"{_where(path)} is {_what(value)}; kubectl reads only a list there", path)
        for i, item in enumerate(value):
            _check(item, spec[0], (*path, i))
        if spec is _EXTENSIONS:
            _check_extension_names(value, path)
        return
    if not isinstance(value, dict):
        raise NotAKubeconfig(f"{_where(path)} is {_what(value)}; kubectl reads only a mapping there", path)
    if str in spec:
        for key, item in value.items():
            _check(item, spec[str], (*path, key))
        return
    for key, item in value.items():  # a body holds a few of its spec's many fields
        field = spec.get(key)
        if field is not None and item is not None and not (field is TEXT and item.__class__ is str):
            _check(item, field, (*path, key))


def _check_extension_names(items: list, path: tuple) -> None:
    """kubectl refuses two extensions of one name in a list (unless the first one is empty)."""
    held: dict[str, bool] = {}
    for i, item in enumerate(items):
        item = item or {}
        name = item.get("name") or ""
        if held.get(name):
            raise NotAKubeconfig(f'{_where(path)} names the extension "{name}" twice, which kubectl refuses',
                                 (*path, i))
        held[name] = item.get("extension") is not None


def _where(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "the document"


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _named(doc: dict[str, Any], section: str, inner: str, spec: dict) -> list[tuple[str, dict[str, Any], Any]]:
    """(name, body, the item's own extensions) of each entry of ``section``; kubectl reads a null entry or
    name as "", and refuses two entries of one name."""
    items = doc.get(section)
    if items is None:
        return []
    if not isinstance(items, list):
        raise NotAKubeconfig(f'"{section}" is {_what(items)}, not a list', (section,))
    out = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        item = {} if item is None else item
        if not isinstance(item, dict):
            raise NotAKubeconfig(f"{section}[{i}] is {_what(item)}, not a mapping", (section, i))
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise NotAKubeconfig(f"{section}[{i}].name is {_what(name)}; kubectl reads only text there",
                                 (section, i, "name"))
        name = name or ""
        if name in seen:
            raise NotAKubeconfig(f'{section}[{i}]: a second entry named "{name}", which kubectl refuses',
                                 (section, i, "name"))
        seen.add(name)
        body = item.get(inner)
        _check(body, spec, (section, i, inner))
        out.append((name, body or {}, item.get("extensions")))
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
    if data:
        raw = go_base64(data)  # checked by fill
    elif ca_file:
        try:
            with open(ca_file, "rb") as fh:
                raw = fh.read()
        except OSError:
            return ""
    return _sha256()(raw).hexdigest() if raw else ""


def _user(body: dict[str, Any], base: str) -> UserEntry:
    """How the user authenticates, when its credential expires and which plugin it runs: never the secret."""
    entry: UserEntry = {"auth": _auth_kind(body)}
    expires, what = credentials.expiry(body, base)
    if expires:
        entry["expires"], entry["expiring"] = expires, what
    command = credentials.exec_command(body)
    if command:
        entry["exec"] = command
    return entry


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
