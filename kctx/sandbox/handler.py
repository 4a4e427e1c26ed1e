"""HTTP/1.1 over TLS: authentication, request recording, the hang switch, then routing."""

from __future__ import annotations

import json
import ssl
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from kctx.sandbox import routes, watch
from kctx.sandbox.errors import ApiError

if TYPE_CHECKING:
    from kctx.sandbox.served import ServedCluster

ANONYMOUS = "system:anonymous"
_HANDSHAKE_TIMEOUT = 5.0
_MAX_BODY = 16 << 20


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked watches, as kubectl expects
    server_version = "kctx-sandbox"

    @property
    def cluster(self) -> ServedCluster:
        return self.server.cluster  # type: ignore[attr-defined]

    def setup(self) -> None:
        # The handshake runs here, in the connection's own thread, so a stuck client can't
        # block the accept loop.
        self.request.settimeout(_HANDSHAKE_TIMEOUT)
        self.request.do_handshake()
        self.request.settimeout(None)
        self.server.track(self.request)  # type: ignore[attr-defined]
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.request)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class signature
        pass  # the request log is the record; stderr noise would only clutter test output

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        user = self._identity()
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = routes.Request(self.command, url.path, query, headers, body)
        self.cluster.record(self.command, url.path, url.query, user or ANONYMOUS,
                            self.headers.get("User-Agent", ""), routes.is_dry_run(request))
        if not self.cluster.wait_while_hung():
            self.close_connection = True  # the server is stopping: drop the request unanswered
            return
        if user is None:
            self.send(routes.Response(401, ApiError(401, "Unauthorized").status()))
            return
        result = routes.handle(self.cluster, request)
        if isinstance(result, routes.WatchPlan):
            watch.stream(self, self.cluster, result)
        else:
            self.send(result)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, _MAX_BODY)) if length else b""

    def _read_chunked(self) -> bytes:
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    def _identity(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.cluster.user_for_token(auth[len("Bearer "):].strip())
        try:
            cert = self.connection.getpeercert()
        except (ValueError, ssl.SSLError):
            cert = None
        return self.cluster.user_for_cert(cert) if cert else None

    def send(self, response: routes.Response) -> None:
        body = response.body if isinstance(response.body, bytes) else json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
