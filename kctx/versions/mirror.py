"""Where kubectl releases come from: the official site (https://dl.k8s.io) or $KCTX_KUBECTL_MIRROR.

Layout (the official one): ``<base>/release/vX.Y.Z/bin/<os>/<arch>/kubectl`` with ``kubectl.sha256``
beside it, and ``<base>/release/stable-X.Y.txt`` / ``stable.txt`` holding the newest patch ("v1.29.3").
https, http and file URLs work; redirects are followed; HTTPS_PROXY/HTTP_PROXY/NO_PROXY and
SSL_CERT_FILE/SSL_CERT_DIR come from the environment passed in. Not on the shim's warm path.
"""

from __future__ import annotations

import os

from kctx.errors import KctxError
from kctx.versions.parse import fmt, parse

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping
    from http.client import HTTPResponse
    from urllib.response import addinfourl

    Response = HTTPResponse | addinfourl  # what urllib opens an http(s) URL and a file URL as

DEFAULT_BASE = "https://dl.k8s.io"
ENV = "KCTX_KUBECTL_MIRROR"
SCHEMES = ("https://", "http://", "file://")
STALL = 10.0  # seconds without a byte (connecting, or any read): a stalled mirror fails instead of hanging
_ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_DARWIN_ARM64_SINCE = (1, 21)  # older releases have no darwin/arm64 build: Rosetta runs amd64


class NotFound(KctxError):
    """The mirror has no such file (HTTP 404/410, or a missing file:// path)."""


def base_url(environ: Mapping[str, str]) -> str:
    base = (environ.get(ENV) or DEFAULT_BASE).strip().rstrip("/")
    if not base.startswith(SCHEMES):
        raise KctxError(f"{ENV}={base}: expected an https://, http:// or file:// URL")
    return base


def platform(version: str, system: str = "", machine: str = "") -> tuple[str, str]:
    """The (os, arch) folder to download ``version`` for on this machine."""
    if not system or not machine:
        u = os.uname()
        system, machine = system or u.sysname, machine or u.machine
    os_name = system.lower()
    arch = _ARCHES.get(machine.lower(), "")
    if os_name not in ("linux", "darwin") or not arch:
        raise KctxError(f"no kubectl downloads for {system}/{machine} (supported: linux and darwin, "
                        "amd64 and arm64)")
    v = parse(version)
    if os_name == "darwin" and arch == "arm64" and v is not None and v[:2] < _DARWIN_ARM64_SINCE:
        arch = "amd64"
    return os_name, arch


def binary_url(base: str, version: str, os_arch: tuple[str, str]) -> str:
    return f"{base}/release/v{version}/bin/{os_arch[0]}/{os_arch[1]}/kubectl"


def _ssl_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    import ssl

    cafile, capath = environ.get("SSL_CERT_FILE") or None, environ.get("SSL_CERT_DIR") or None
    if cafile and not os.path.exists(cafile):
        raise KctxError(f"SSL_CERT_FILE={cafile}: no such file")
    return ssl.create_default_context(cafile=cafile, capath=capath)


def _proxies(environ: Mapping[str, str], url: str) -> dict[str, str]:
    """HTTP(S)_PROXY from ``environ`` (lower case wins, as in curl), unless NO_PROXY covers the host."""
    from urllib.parse import urlsplit
    from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]  # undocumented, so not in the stubs

    found: dict[str, str] = {}
    for scheme in ("http", "https", "no"):
        value = environ.get(f"{scheme}_proxy") or environ.get(f"{scheme.upper()}_PROXY")
        if value:
            found[scheme] = value
    host = urlsplit(url).hostname or ""
    if host and "no" in found and proxy_bypass_environment(host, found):
        return {}
    found.pop("no", None)
    return found


def head(url: str, environ: Mapping[str, str]) -> None:
    """Raise NotFound (or KctxError) unless ``url`` exists."""
    open_url(url, environ, method="HEAD").close()


def open_url(url: str, environ: Mapping[str, str], timeout: float | None = None, method: str = "GET") -> Response:
    """A urllib response for ``url`` (redirects followed); raises NotFound or KctxError, one line each."""
    import urllib.error
    import urllib.request

    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler(_proxies(environ, url))]
    if not url.startswith("file://"):  # also for http: a redirect may lead to https
        handlers.append(urllib.request.HTTPSHandler(context=_ssl_context(environ)))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent()}, method=method)
    try:
        resp: Response = opener.open(request, timeout=STALL if timeout is None else timeout)
        return resp
    except urllib.error.HTTPError as exc:
        exc.close()
        kind = NotFound if exc.code in (404, 410) else KctxError
        raise kind(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, FileNotFoundError):
            raise NotFound(f"{url}: no such file") from None
        if isinstance(reason, TimeoutError):
            raise KctxError(f"{url}: no answer for {STALL:g} s: the mirror stalled") from None
        raise KctxError(f"{url}: {getattr(reason, 'strerror', None) or reason}") from None
    except TimeoutError:
        raise KctxError(f"{url}: no answer for {STALL:g} s: the mirror stalled") from None
    except (OSError, ValueError) as exc:
        raise KctxError(f"{url}: {exc}") from None


def _user_agent() -> str:
    from kctx import __version__

    return f"kctx/{__version__}"


def fetch_text(url: str, environ: Mapping[str, str], limit: int = 4096) -> str:
    """A small text file (checksums, stable-X.Y.txt)."""
    with open_url(url, environ) as resp:
        try:
            data = resp.read(limit + 1)
        except OSError as exc:
            raise KctxError(f"{url}: {exc}") from None
    if len(data) > limit:
        raise KctxError(f"{url}: unexpectedly large ({limit}+ bytes) for a small text file")
    return data.decode("utf-8", "replace").strip()


def latest_patch(environ: Mapping[str, str], major: int, minor: int) -> str:
    """The newest patch release of major.minor, e.g. "1.29.3", from ``stable-X.Y.txt``."""
    url = f"{base_url(environ)}/release/stable-{major}.{minor}.txt"
    text = fetch_text(url, environ)
    v = parse(text.split()[0] if text else "")
    if v is None or v[:2] != (major, minor):
        raise KctxError(f"{url}: expected a v{major}.{minor}.N version, got {text[:40]!r}")
    return fmt(v)


def latest(environ: Mapping[str, str]) -> tuple[int, int, int]:
    """The newest stable release, from ``stable.txt``."""
    url = f"{base_url(environ)}/release/stable.txt"
    text = fetch_text(url, environ)
    v = parse(text.split()[0] if text else "")
    if v is None:
        raise KctxError(f"{url}: expected a version like v1.29.3, got {text[:40]!r}")
    return v


def remote_versions(environ: Mapping[str, str], minors: int = 6) -> list[str]:
    """The newest patch of each of the last ``minors`` minor releases, newest first."""
    newest = latest(environ)
    found = []
    for minor in range(newest[1], max(newest[1] - minors, -1), -1):
        try:
            found.append(latest_patch(environ, newest[0], minor))
        except NotFound:
            continue
    return found
