"""Detect a cluster's Kubernetes version: ``GET /version`` with the kubeconfig's TLS settings, then cache it.

Short timeouts (1.5 s to connect, 3 s in all) so an unreachable cluster costs little, once: failures are
cached too (cache.FAIL_TTL). 401/403 keep the last known version. This runs in a child process
(``detect_for_cache``, see refresh.py), so yaml, ssl and http.client stay out of the shim.
"""

from __future__ import annotations

import http.client
import os
import time

from kctx.errors import KctxError
from kctx.versions import cache
from kctx.versions.endpoint import Endpoint, load
from kctx.versions.parse import from_info

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    import ssl
    from urllib.parse import SplitResult

CONNECT_TIMEOUT = 1.5
TOTAL_TIMEOUT = 3.0
_MAX_BODY = 1 << 16


class DetectError(Exception):
    """Why /version could not be read (one line)."""


class Unauthorized(DetectError):
    pass


def detect_and_store(cache_folder: str, server: str, ca: str, cluster: str, user: str, files: list[str],
                     now: float | None = None) -> cache.Entry:
    """Ask the server, record the outcome (success or failure) in the cache and return the entry."""
    previous = cache.read(cache_folder, server, ca) or cache.Entry(server, ca)
    try:
        version = request_version(load(files, cluster, user, server))
        done = _now(now)
        entry = cache.Entry(server, ca, version, done, done, "")
    except Unauthorized as exc:
        entry = previous.failed(f"{exc} (the last known version is kept)", _now(now))
    except (DetectError, KctxError) as exc:
        entry = previous.failed(str(exc), _now(now))
    cache.write(cache_folder, entry)
    return entry


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def request_version(ep: Endpoint, connect_timeout: float = CONNECT_TIMEOUT,
                    total_timeout: float = TOTAL_TIMEOUT) -> str:
    """The server's version ("1.29.3"), or DetectError."""
    import json
    import ssl
    from urllib.parse import urlsplit

    deadline = time.monotonic() + total_timeout
    url = urlsplit(ep.server)
    if url.scheme not in ("https", "http") or not url.hostname:
        raise DetectError(f"{ep.server}: not an http(s) server URL")
    try:
        conn, path = _connection(ep, url, connect_timeout)
        try:
            conn.connect()
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.05))
            conn.request("GET", path, headers=_headers(ep, url))
            resp = conn.getresponse()
            body = resp.read(_MAX_BODY)
        finally:
            conn.close()
    except TimeoutError:
        raise DetectError(f"{ep.server}: timed out") from None
    except ssl.SSLCertVerificationError as exc:
        raise DetectError(f"{ep.server}: TLS: {exc.verify_message or exc.reason}") from None
    except ssl.SSLError as exc:
        raise DetectError(f"{ep.server}: TLS: {exc.reason or exc}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DetectError(f"{ep.server}: {_reason(exc)}") from None
    if resp.status in (401, 403):
        raise Unauthorized(f"{ep.server}: /version answered HTTP {resp.status}")
    if resp.status != 200:
        raise DetectError(f"{ep.server}: /version answered HTTP {resp.status}")
    try:
        version = from_info(json.loads(body))
    except ValueError:
        version = ""
    if not version:
        raise DetectError(f"{ep.server}: /version did not hold a Kubernetes version")
    return version


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _connection(ep: Endpoint, url: SplitResult, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection (direct or through the proxy) and the request path."""
    from urllib.parse import urlsplit

    host, https = url.hostname or "", url.scheme == "https"  # (request_version checked there is one)
    port = url.port or (443 if https else 80)
    path = url.path.rstrip("/") + "/version"
    proxy = ep.proxy_url or _env_proxy(url.scheme, host)
    if not proxy:
        conn = _TLS(host, port, timeout, _ssl_context(ep), ep.tls_server_name or host) if https else \
            http.client.HTTPConnection(host, port, timeout=timeout)
        return conn, path
    p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if p.scheme != "http" or not p.hostname:
        raise DetectError(f"proxy {proxy}: only http:// proxies are supported for version detection")
    if not https:
        conn = http.client.HTTPConnection(p.hostname, p.port or 80, timeout=timeout)
        return conn, ep.server.rstrip("/") + "/version"  # a plain proxy takes the absolute URL
    conn = _TLS(p.hostname, p.port or 80, timeout, _ssl_context(ep), ep.tls_server_name or host)
    conn.set_tunnel(host, port, headers=_proxy_auth(p))
    return conn, path


def _env_proxy(scheme: str, host: str) -> str:
    from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]  # undocumented, so not in the stubs

    proxies = getproxies_environment()
    if not proxies.get(scheme) or proxy_bypass_environment(host, proxies):
        return ""
    return proxies[scheme]


def _proxy_auth(p: SplitResult) -> dict[str, str]:
    if not p.username:
        return {}
    import base64
    from urllib.parse import unquote

    raw = f"{unquote(p.username)}:{unquote(p.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + base64.b64encode(raw).decode()}


def _headers(ep: Endpoint, url: SplitResult) -> dict[str, str]:
    from kctx import __version__

    headers = {"Accept": "application/json", "User-Agent": f"kctx/{__version__} (version detection)"}
    if url.scheme == "https" or url.hostname in ("127.0.0.1", "localhost", "::1"):
        if ep.token:
            headers["Authorization"] = f"Bearer {ep.token}"
        elif ep.username:
            import base64

            raw = f"{ep.username}:{ep.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
    return headers


class _TLS(http.client.HTTPSConnection):
    """HTTPS with a chosen SNI / verification name (kubeconfig's tls-server-name)."""

    def __init__(self, host: str, port: int, timeout: float, context: ssl.SSLContext, server_name: str) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._kctx_context, self._kctx_name = context, server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # TCP, and the proxy tunnel if any
        self.sock = self._kctx_context.wrap_socket(self.sock, server_hostname=self._kctx_name)


def _ssl_context(ep: Endpoint) -> ssl.SSLContext:
    import ssl

    if ep.insecure:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    elif ep.ca_data or ep.ca_file:  # like kubectl: the kubeconfig's CA only, not the system's
        try:
            cadata = ep.ca_data.decode("ascii") if ep.ca_data else None
            ctx = ssl.create_default_context(cafile=ep.ca_file or None, cadata=cadata)
        except UnicodeDecodeError:  # binary garbage, not PEM text (ssl would raise TypeError)
            raise DetectError(f"{ep.server}: cannot load the cluster's CA: certificate-authority-data is not "
                              "PEM") from None
        except (OSError, ValueError, ssl.SSLError) as exc:
            raise DetectError(f"{ep.server}: cannot load the cluster's CA: {_reason(exc)}") from None
    else:
        ctx = ssl.create_default_context()  # system roots (SSL_CERT_FILE / SSL_CERT_DIR honoured by OpenSSL)
    _client_cert(ctx, ep)
    return ctx


def _client_cert(ctx: ssl.SSLContext, ep: Endpoint) -> None:
    import ssl

    if not ((ep.cert_data or ep.cert_file) and (ep.key_data or ep.key_file)):
        return
    try:
        with _Material(ep.cert_data, ep.cert_file) as cert, _Material(ep.key_data, ep.key_file) as key:
            ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise DetectError(f"{ep.server}: cannot load the client certificate: {_reason(exc)}") from None


class _Material:
    """A file path for inline PEM data (ssl loads certificates only from files): an anonymous memory file
    where the OS has one, else a 0600 file in a private temp folder, removed right after loading."""

    def __init__(self, data: bytes, path: str) -> None:
        self.data, self.path, self.fd, self.tmpdir = data, path, -1, ""

    def __enter__(self) -> str:
        if not self.data:
            return self.path
        if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
            self.fd = os.memfd_create("kctx-cred")
            os.write(self.fd, self.data)
            return f"/proc/self/fd/{self.fd}"
        import tempfile

        self.tmpdir = tempfile.mkdtemp(prefix="kctx-")
        path = os.path.join(self.tmpdir, "pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, self.data)
        os.close(fd)
        return path

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        if self.tmpdir:
            import shutil

            shutil.rmtree(self.tmpdir, ignore_errors=True)


def detect_for_cache(args: list[str]) -> tuple[str, str, str, str, float, float, str]:
    """[cache folder, server, CA sha256, cluster, user, kubeconfig file...]: detect and record the outcome;
    returns the entry's cache record. Run in a child process (kctx/versions/refresh.py)."""
    folder, server, ca, cluster, user, *files = args
    return cache.record(detect_and_store(folder, server, ca, cluster, user, files))
