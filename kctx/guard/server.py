"""One identity for an API server URL: spellings that kubectl connects with to the same server compare equal.

``identity(url)`` is ``host:port`` plus the path prefix kubectl puts before ``/api``, or None when kubectl
refuses the URL (the guard then fails closed). It follows what kubectl does, established with the real binaries
against the stand-in server (tests/server_spellings.py holds those runs):

- kubectl's Go URL rules, not the WHATWG/RFC leniencies of urllib.parse.urlsplit (which strips blanks and tabs
  kubectl rejects): a URL without a scheme is tried again as ``http://`` + URL, then plain HTTP, port 80;
  before that, a URL with a path longer than ``/`` is read with the fragment as part of the path and the query
  dropped (so ``/x#y`` reaches ``/x%23y``, ``#y`` alone is dropped); the path is percent-decoded and cleaned
  like Go's path.Join (``//``, ``.``, ``..``, a trailing ``/``).
- Left out: the scheme (http and https to one host and port reach the same socket), userinfo, the query.
- Kept apart: the path prefix (a proxy such as Rancher routes ``/k8s/clusters/<id>`` to different clusters).
- Host: case and one trailing dot do not matter; IPv4-mapped IPv6 is the IPv4 address; IPv6 is compressed;
  the forms a system resolver reads as IPv4 (``127.1``, ``0x7f.1``, ``0177.0.0.1``, ``2130706433``) are that
  address (kubectl's own resolver sends them to DNS, a kubectl built against the system resolver does not).
- Every spelling of this machine is one host, ``localhost``: ``localhost`` resolves to 127.0.0.1 or ::1
  depending on /etc/hosts, and an API server listening on all addresses answers on 127.0.0.0/8, ::1,
  0.0.0.0 and :: alike (kubectl reaches the stand-in through each); ``*.localhost`` too (RFC 6761).
  Errs towards protection: two servers on one port of two loopback addresses count as one.

Standard library only; the common spellings take a string-only path (the shim runs this on every call),
the others import urllib.parse and ipaddress.
"""

from __future__ import annotations

LOOPBACK = "localhost"
DEFAULT_SERVER = "http://localhost:8080"  # kubectl's server when none is configured
_PORTS = {"https": "443", "http": "80"}
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_NAME_CHARS = _HOST_CHARS | {"_"}  # what a host name may hold beyond the fast path (Go's resolver allows _)
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
_GLOB = frozenset("*?[")


def identity(url: str) -> str | None:
    """``host:port[/path]`` for the server kubectl reaches with ``url`` ("" is kubectl's default server), or
    None when kubectl refuses it."""
    url = url or DEFAULT_SERVER
    plain = _plain(url)
    return plain if plain is not None else _parsed(url)


def covering(ident: str) -> list[str]:
    """``ident`` and its path prefixes down to ``host:port``: a server protected without a path is protected
    whatever path prefix a call adds."""
    out = [ident]
    cut = ident.rfind("/")
    while cut > 0:
        ident = ident[:cut]
        out.append(ident)
        cut = ident.rfind("/")
    return out


def server_glob(pattern: str) -> tuple[str, bool]:
    """A protect.servers entry in the spelling of identity(), and whether it is a glob. A URL without ``*``,
    ``?`` or a ``[`` class becomes its identity. In a glob the scheme and userinfo go, and the host, port and
    (when absent) default port are normalised where they are literal; a glob without ``://`` keeps its path
    and has its host part lower-cased."""
    if not ("*" in pattern or "?" in pattern or "[" in pattern.replace("://[", "://", 1)):
        ident = identity(pattern) if pattern else None
        if ident is not None:
            return ident, False
    scheme, sep, rest = pattern.partition("://")
    if not sep:
        head, slash, path = pattern.partition("/")
        return head.lower() + slash + path, True
    authority, slash, path = rest.partition("/")
    hostport = authority.rpartition("@")[2].lower()
    host, colon, port = _split_hostport(hostport)
    if host is None:
        return hostport + slash + path, True
    if host.startswith("[") and not ("*" in host or "?" in host):
        host = (_host(host) or host).replace("[", "[[]")  # an IPv6 address, not a class
    elif not _GLOB.intersection(host):
        host = _host(host) or host
    if colon and port.isdigit():
        port = str(int(port))
    elif not colon and not _GLOB.intersection(hostport[-1:]):
        colon, port = ":", _PORTS.get(scheme.lower(), "")
    path = path.rstrip("/")
    return f"{host}{colon}{port}" + (f"/{path}" if path else ""), True


# --- the common spellings, without imports ---------------------------------------------------------------

def _plain(url: str) -> str | None:
    """The identity of ``http(s)://host[:port][/path]`` with a plain host name or dotted-quad IPv4 address, a
    canonical port and a plain path, or None to take the full parse."""
    scheme, sep, rest = url.partition("://")
    default = _PORTS.get(scheme)
    if not sep or default is None:
        return None
    authority, slash, path = rest.partition("/")
    host, colon, port = authority.lower().partition(":")  # EKS endpoints are upper-case hex
    if colon and not (port.isascii() and port.isdigit() and port[0] != "0" and int(port) <= 65535):
        return None
    labels = host.split(".")
    if not all(label and _HOST_CHARS.issuperset(label) for label in labels):
        return None
    if all(label[0].isdigit() for label in labels):  # an IPv4 address, or a form of one
        if len(labels) != 4 or not all(x.isdigit() and (x == "0" or x[0] != "0") and int(x) < 256 for x in labels):
            return None
        if labels[0] == "127" or host == "0.0.0.0":
            host = LOOPBACK
    elif labels[-1] == LOOPBACK:
        host = LOOPBACK
    if slash:
        path = path.rstrip("/")
        if path and not (_PATH_CHARS.issuperset(path) and all(s not in ("", ".", "..") for s in path.split("/"))):
            return None
    return f"{host}:{port if colon else default}" + (f"/{path}" if path else "")


# --- the rest: kubectl's reading, step by step -----------------------------------------------------------

class _Url:
    __slots__ = ("scheme", "hostport", "host", "port", "path", "opaque")

    def __init__(self, scheme: str, hostport: str | None, host: str, port: str, path: str, opaque: str) -> None:
        self.scheme, self.hostport, self.host, self.port = scheme, hostport, host, port
        self.path, self.opaque = path, opaque


def _parsed(url: str) -> str | None:
    if url != url.strip():
        return None  # a blank before the scheme or after the port: kubectl refuses it
    u = _go_parse(url, request_uri=True)
    if u is not None and not u.opaque and len(u.path) > 1:
        # kubectl's config loader rewrites such a server as a request URI: the query goes, a "#..." stays in the
        # path; what it cannot rewrite kubectl no longer reads as a URL with a host.
        if not (u.scheme and u.hostport):
            return None
    else:
        u = _go_parse(url, request_uri=False)
        if u is None or not u.scheme or not u.hostport:
            u = _go_parse("http://" + url, request_uri=False)  # kubectl's host:port form
            if u is None or u.path not in ("", "/"):
                return None
    if u.scheme not in _PORTS:
        return None  # kubectl: unsupported protocol scheme
    port = int(u.port or _PORTS[u.scheme])
    if port > 65535:
        return None
    host = _host(u.host)
    return None if host is None else f"{host}:{port}{_clean(u.path)}"


def _go_parse(raw: str, request_uri: bool) -> _Url | None:
    """Go's url.Parse (``request_uri``: url.ParseRequestURI, where "#" is no delimiter); None where it fails."""
    from urllib.parse import unquote

    if any(c < " " or c == "\x7f" for c in raw):
        return None
    if not request_uri:
        raw, _, fragment = raw.partition("#")
        if not _escapes_ok(fragment):
            return None
    scheme, rest = _scheme(raw)
    if scheme is None:
        return None
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    if not rest.startswith("/"):
        if scheme:
            return _Url(scheme, None, "", "", "", rest)
        if request_uri or ":" in rest.partition("/")[0]:
            return None
    hostport, host, port = None, "", ""
    if (scheme or not request_uri and not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        userinfo, at, hostport = authority.rpartition("@")
        if at and not _userinfo_ok(userinfo):
            return None
        raw_host, colon, port = _split_hostport(hostport)
        if raw_host is None or (port and not (port.isascii() and port.isdigit())) or not _escapes_ok(hostport):
            return None
        host = unquote(raw_host)
    if not _escapes_ok(rest):
        return None
    return _Url(scheme, hostport, host, port, unquote(rest), "")


def _scheme(raw: str) -> tuple[str | None, str]:
    """Go's getScheme: ("", raw) when there is none, (None, "") when a colon comes first."""
    for i, c in enumerate(raw):
        if c.isascii() and c.isalpha():
            continue
        if c.isascii() and (c.isdigit() or c in "+-."):
            if i == 0:
                return "", raw
            continue
        if c == ":":
            return (raw[:i].lower(), raw[i + 1:]) if i else (None, "")
        return "", raw
    return "", raw


def _split_hostport(hostport: str) -> tuple[str | None, str, str]:
    """(host, ":" or "", port) as Go splits them, brackets kept; host None when the port part is malformed."""
    if hostport.startswith("["):
        end = hostport.rfind("]")
        if end < 0:
            return None, "", ""
        host, after = hostport[:end + 1], hostport[end + 1:]
        if after and not after.startswith(":"):
            return None, "", ""
        return host, after[:1], after[1:]
    host, colon, port = hostport.partition(":")
    return (None, "", "") if ":" in port else (host, colon, port)


def _escapes_ok(text: str) -> bool:
    hexdigits = "0123456789abcdefABCDEF"
    i = text.find("%")
    while i >= 0:
        if len(text) < i + 3 or text[i + 1] not in hexdigits or text[i + 2] not in hexdigits:
            return False
        i = text.find("%", i + 3)
    return True


def _userinfo_ok(userinfo: str) -> bool:
    allowed = "-._:~!$&'()*+,;=%@"
    return all(c.isascii() and (c.isalnum() or c in allowed) for c in userinfo) and _escapes_ok(userinfo)


def _clean(path: str) -> str:
    """Go's path.Clean of the prefix, without a trailing slash ("" for the root)."""
    out: list[str] = []
    for seg in path.split("/"):
        if seg == "..":
            if out:
                out.pop()
        elif seg not in ("", "."):
            out.append(seg)
    return "/" + "/".join(out) if out else ""


def _host(host: str) -> str | None:
    """The canonical host, or None when kubectl cannot reach anything by that name."""
    if host.startswith("["):
        return _ipv6(host[1:-1])
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        return LOOPBACK  # Go dials the local system for an empty host (`https://:6443`)
    v4 = _inet_aton(name)
    if v4 is not None:
        return LOOPBACK if v4.startswith("127.") or v4 == "0.0.0.0" else v4
    labels = name.split(".")
    if not all(label and _NAME_CHARS.issuperset(label) for label in labels):
        return None
    return LOOPBACK if labels[-1] == LOOPBACK else name


def _ipv6(text: str) -> str | None:
    from ipaddress import IPv6Address

    address, _, zone = text.partition("%")
    try:
        ip = IPv6Address(address)
    except ValueError:
        return None
    if ip.ipv4_mapped is not None:
        v4 = str(ip.ipv4_mapped)
        return LOOPBACK if v4.startswith("127.") or v4 == "0.0.0.0" else v4
    if ip.is_loopback or ip.is_unspecified:
        return LOOPBACK
    return f"[{ip.compressed}" + (f"%{zone}]" if zone and ip.is_link_local else "]")


def _inet_aton(name: str) -> str | None:
    """The IPv4 address a system resolver reads ``name`` as (1 to 4 parts, decimal, 0-octal or 0x-hex)."""
    parts = name.split(".")
    if len(parts) > 4:
        return None
    nums = []
    for part in parts:
        if part.startswith("0x"):
            digits, base, allowed = part[2:], 16, "0123456789abcdef"
        elif len(part) > 1 and part.startswith("0"):
            digits, base, allowed = part[1:], 8, "01234567"
        else:
            digits, base, allowed = part, 10, "0123456789"
        if not digits or not all(c in allowed for c in digits):
            return None
        nums.append(int(digits, base))
    *head, last = nums
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))
