"""How team files and kubeconfig URLs may be fetched: https with certificate verification; plain http only
from this machine (loopback) or when the user says --insecure-http, which warns once per URL on stderr.

The rule holds for every hop: a redirect from https to a plain http host is refused like a plain http URL.
Proxies and CA settings (HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE, SSL_CERT_DIR) come from the environment
passed in, as for kubectl downloads.
"""

from __future__ import annotations

import ipaddress
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from kctx.errors import KctxError
from kctx.versions.mirror import _proxies, _ssl_context, _user_agent  # the same rules as kubectl downloads

FETCH_TIMEOUT = 20.0
LOOPBACK_NAMES = ("localhost",)


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine literally (127.0.0.0/8, ::1, localhost). Names are not resolved:
    what a name resolves to can change between the check and the connection."""
    host = host_of(url).rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Transport:
    """The fetch rules of one run. ``warn`` writes one line (stderr)."""

    def __init__(self, environ, warn, insecure_http: bool = False) -> None:
        self.environ, self.warn, self.insecure_http = environ, warn, insecure_http
        self._warned: set[str] = set()

    def allow(self, url: str, what: str = "") -> None:
        """Raise unless ``url`` may be fetched; warn (once) for plain http allowed by --insecure-http."""
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
            self.warn(f"kctx onboard: warning: --insecure-http: {url} comes without TLS; anyone on the network "
                      "path can change it, and what it brings runs as you")

    def read(self, url: str, limit: int) -> bytes:
        """At most ``limit + 1`` bytes from ``url`` (the caller judges the size); one-line errors."""
        self.allow(url)
        with self._open(url) as resp:
            try:
                return resp.read(limit + 1)
            except OSError as exc:
                raise KctxError(f"{url}: {exc}") from None

    def _open(self, url: str):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler(_proxies(self.environ, url)),
                                             urllib.request.HTTPSHandler(context=_ssl_context(self.environ)),
                                             _Redirects(self, url))
        request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})
        try:
            return opener.open(request, timeout=FETCH_TIMEOUT)
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


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Every hop obeys the same rule as the first URL."""

    def __init__(self, transport: Transport, first: str) -> None:
        self.transport, self.first = transport, first

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.transport.allow(newurl, f"{self.first} redirects to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
