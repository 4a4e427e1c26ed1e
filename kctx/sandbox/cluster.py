"""One sandbox cluster: its own threaded HTTPS server, credentials, object store and request log."""

from __future__ import annotations

import socket
import socketserver
import ssl
import sys
import threading
import time
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from kctx.sandbox.api import ClusterApi
from kctx.sandbox.discovery import parse_version
from kctx.sandbox.handler import Handler


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str  # raw query string, e.g. "limit=500"
    user: str  # authenticated user, or "system:anonymous"
    time: float  # time.time() on arrival
    user_agent: str = ""  # e.g. "kubectl/v1.37.1 (linux/amd64) ..." - tells which binary called
    dry_run: bool = False  # a server-side dry run (dryRun=All in the query or the DeleteOptions body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cluster: ClusterServer, context: ssl.SSLContext) -> None:
        self.cluster = cluster
        self._context = context
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can be slow; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        # Headers and body go out in separate writes; without this, Nagle plus delayed ACKs
        # add ~40 ms to every response.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (OSError, ValueError)):
            return  # clients hanging up, failed handshakes, shutdown: all routine here
        super().handle_error(request, client_address)

    def track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    @property
    def connection_count(self) -> int:
        with self._conn_lock:
            return len(self._connections)

    def sever_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                # socket.socket.shutdown, not SSLSocket's: wake blocked readers without touching TLS state.
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
            except OSError:
                pass


class ClusterServer:
    def __init__(self, name: str, version: str, auth: str, context: ssl.SSLContext,
                 token: str | None) -> None:
        parse_version(version)
        self.name, self.version, self.auth = name, version, auth
        self.user = f"{name}-admin"
        self.token = token
        self.api = ClusterApi()
        self.stopping = threading.Event()
        self._context = context
        self._log: list[RecordedRequest] = []
        self._log_lock = threading.Lock()
        self._hang = threading.Condition()
        self._hanging = False
        self.refusing = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._server = _Server(self, self._context)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"kctx-sandbox-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for cond in (self._hang, self.api.store.cond):
            with cond:
                cond.notify_all()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.sever_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"sandbox cluster {self.name!r} is not started")
        return self._server.server_address[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.address}"

    @property
    def open_connections(self) -> int:
        """Client connections being served right now (a running watch holds one)."""
        return self._server.connection_count if self._server is not None else 0

    # --- authentication ------------------------------------------------------------------------
    def user_for_token(self, token: str) -> str | None:
        ok = self.auth == "token" and self.token and token == self.token and not self.refusing
        return self.user if ok else None

    def user_for_cert(self, cert: dict[str, Any]) -> str | None:
        # The TLS layer already verified the chain against our CA; only the name is left to check.
        names = [value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"]
        return self.user if self.auth == "cert" and names == [self.user] and not self.refusing else None

    def set_refuse_auth(self, refuse: bool) -> None:
        """While on, every credential is refused (401), as when a token was revoked."""
        self.refusing = refuse

    # --- request log and hang switch -------------------------------------------------------------
    def record(self, method: str, path: str, query: str, user: str, user_agent: str,
               dry_run: bool = False) -> None:
        entry = RecordedRequest(method, path, query, user, time.time(), user_agent, dry_run)
        with self._log_lock:
            self._log.append(entry)

    def requests(self) -> list[RecordedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def reset(self) -> ClusterApi:
        """Forget every object (a fresh store with only the built-in namespaces) and return the new API."""
        self.api = ClusterApi()
        return self.api

    def set_hang(self, hang: bool) -> None:
        with self._hang:
            self._hanging = hang
            self._hang.notify_all()

    def set_version(self, version: str) -> None:
        parse_version(version)
        self.version = version

    def wait_while_hung(self) -> bool:
        """Block while the hang switch is on; False if the server began stopping meanwhile."""
        with self._hang:
            self._hang.wait_for(lambda: not self._hanging or self.stopping.is_set())
        return not self.stopping.is_set()
