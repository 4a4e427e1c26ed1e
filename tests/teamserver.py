"""Loopback web servers for onboarding tests: files over http or https (a CA made for the test), a plain
http proxy that stands in for other machines, and redirects. Each records the paths it was asked for."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from kctx.sandbox.certs import CertificateAuthority


class Site:
    """What a server was asked for: ``hits`` lists the request paths (absolute URLs for the proxy)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.hits: list[str] = []


def _handler(folder: Path, site: Site, redirects: dict[str, str]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            site.hits.append(self.path)
            path = urlsplit(self.path).path  # a proxy is asked for absolute URLs
            if path in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[path])
                self.end_headers()
                return
            file = folder / path.lstrip("/")
            if not file.is_file():
                self.send_error(404, "File not found")
                return
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, serving certificate, key) for 127.0.0.1 and localhost, made for this test."""
    ca = CertificateAuthority()
    pair = ca.serving_pair()
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.crt", folder / "tls.crt", folder / "tls.key"
    for path, data in zip(paths, (ca.cert_pem, pair.cert_pem, pair.key_pem), strict=True):
        path.write_bytes(data)
    return paths


@contextmanager
def serve(folder: Path, tls: tuple[Path, Path, Path] | None = None,
          redirects: dict[str, str] | None = None) -> Iterator[Site]:
    """Serve ``folder`` on 127.0.0.1 (https with ``tls``); ``redirects`` maps paths to Location URLs."""
    site = Site("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(folder, site, redirects or {}))
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[1]), str(tls[2]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    site.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def proxy_env(site: Site) -> dict[str, str]:
    """Send plain http for every host through ``site`` (serve() answers absolute URLs from its folder)."""
    return {"http_proxy": site.base, "HTTP_PROXY": site.base, "no_proxy": "", "NO_PROXY": ""}
