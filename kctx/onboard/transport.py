"""How team files and kubeconfig URLs may be fetched: https with certificate verification; plain http only
from this machine (loopback) or when the user says --insecure-http, which warns once per URL on stderr.

The rule holds for every hop: a redirect from https to a plain http host is refused like a plain http URL.
Proxies and CA settings (HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE, SSL_CERT_DIR) come from the environment
passed in, as for kubectl downloads; a loopback URL never goes through a proxy (plain http would then cross
the network after all).
"""

from __future__ import annotations

import ipaddress
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from kctx.errors import KctxError
from kctx.versions.mirror import _proxies, _ssl_context, _user_agent  # the same rules as kubectl downloads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from http.client import HTTPMessage
    from typing import IO

FETCH_TIMEOUT = 20.0


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine literally (127.0.0.0/8, ::1, localhost). No other name counts:
    what a name resolves to is up to DNS. A host part with user info or a backslash does not count either
    (URL parsers disagree on which host such a URL names)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if "@" in parts.netloc or "\\" in parts.netloc:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Transport:
    """The fetch rules of one run. ``warn`` says one warning (the message alone: the caller prefixes it)."""

    def __init__(self, environ: Mapping[str, str], warn: Callable[[str], None], insecure_http: bool = False) -> None:
        self.environ, self.warn, self.insecure_http = environ, warn, insecure_http
        self._warned: set[str] = set()

    def allow(self, url: str, what: str = "") -> None:
        """Raise unless ``url`` may be fetched; warn (once) for plain http allowed by --insecure-http."""
        try:
            urlsplit(url).port  # noqa: B018 - parses the host and port, raising on a malformed one
        except ValueError as exc:
            raise KctxError(f"{what or url}: not a valid URL ({exc})") from None
        if url.startswith("https://") or (url.startswith("http://") and is_loopback(url)):
            return
        if not url.startswith("http://"):
            raise KctxError(f"{what or url}: only https:// URLs can be fetched")
        if not self.insecure_http:
            raise KctxError(f"{what or url}: refusing plain http from another machine (anyone on the network "
                            "path could change what it brings, and its commands run as you); use https://, "
                            "or --insecure-http if you accept that")
        if url not in self._warned:
            self._warned.add(url)
            self.warn(f"--insecure-http: {url} comes without TLS; anyone on the network "
                      "path can change it, and what it brings runs as you")

    def read(self, url: str, limit: int) -> bytes:
        """At most ``limit + 1`` bytes from ``url`` (the caller judges the size); one-line errors."""
        self.allow(url)
        with self._open(url) as resp:
            try:
                data: bytes = resp.read(limit + 1)
            except OSError as exc:
                raise KctxError(f"{url}: {exc}") from None
        return data

    def _open(self, url: str) -> IO[bytes]:
        try:
            tls = _ssl_context(self.environ)
        except ssl.SSLError as exc:  # a CA file that holds no certificate
            named = [f"{k}={self.environ[k]}" for k in ("SSL_CERT_FILE", "SSL_CERT_DIR") if self.environ.get(k)]
            raise KctxError(f"{' '.join(named) or 'the system CA certificates'}: cannot load CA certificates "
                            f"({exc.reason or exc})") from None
        opener = urllib.request.build_opener(_Proxies(self.environ), urllib.request.HTTPSHandler(context=tls),
                                             _Redirects(self, url))
        request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})
        try:
            resp: IO[bytes] = opener.open(request, timeout=FETCH_TIMEOUT)
            return resp
        except urllib.error.HTTPError as exc:
            exc.close()
            raise KctxError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise KctxError(f"{url}: the server's certificate cannot be verified "
                                f"({reason.verify_message or reason}); SSL_CERT_FILE names extra CAs") from None
            raise KctxError(f"{url}: {getattr(reason, 'strerror', None) or reason}") from None
        except (OSError, ValueError) as exc:
            raise KctxError(f"{url}: {exc}") from None


class _Proxies(urllib.request.ProxyHandler):
    """The proxy is chosen per request (the first URL and each redirect hop): none for loopback, none where
    NO_PROXY says so, else HTTP(S)_PROXY of the environment passed in."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        schemes = {"http", "https"} & set(_proxies(environ, "http://").keys())
        super().__init__({scheme: "unused" for scheme in schemes})  # registers <scheme>_open for those

    def proxy_open(self, req: urllib.request.Request, proxy: str, type: str) -> object:  # noqa: A002 - urllib's name
        chosen = "" if is_loopback(req.full_url) else _proxies(self.environ, req.full_url).get(type, "")
        if not chosen:
            return None  # the next handler connects directly
        return super().proxy_open(req, chosen, type)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Every hop obeys the same rule as the first URL."""

    def __init__(self, transport: Transport, first: str) -> None:
        self.transport, self.first = transport, first

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        self.transport.allow(newurl, f"{self.first} redirects to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
