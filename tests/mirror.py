"""A loopback stand-in for https://dl.k8s.io serving real kubectl binaries, and ways for it to misbehave.

``Mirror({"1.37.1": path, ...})`` serves, under ``base(mode)``, the official layout
``release/vX.Y.Z/bin/<os>/<arch>/kubectl`` (+ ``kubectl.sha256``), ``release/stable-X.Y.txt`` and
``release/stable.txt``. The mode (the first path segment) picks a behaviour:

- ``good``: correct files; ``named-sum``: the checksum file reads ``<digest>  kubectl``;
- ``bad-digest``: a wrong checksum; ``no-sum``: no checksum file (404);
- ``html``: the binary URL answers 200 with an HTML page; ``truncated``: the binary's Content-Length is
  the full size but the connection closes halfway;
- ``redirect``: every file is reached through a 302 → 301 chain ending in ``good``;
- ``slow``: like ``good``, but the binary's response starts after a pause (to make installs overlap);
- ``trickle``: the binary in 16 pieces, ``pause`` seconds spread between them;
- ``stall``: half the binary, then nothing for a minute (the connection stays open).

It also answers as a plain HTTP proxy (absolute URLs in the request line), for proxy tests.

Only 127.0.0.1, an ephemeral port, one thread per connection. ``downloads(version)`` counts how often a
binary body was sent. ``file_mirror`` lays out the same files for a file:// mirror.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MODES = ("good", "named-sum", "bad-digest", "no-sum", "html", "truncated", "redirect", "slow", "trickle", "stall")
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
CHUNK = 1 << 20


def host_platform() -> tuple[str, str]:
    u = os.uname()
    return u.sysname.lower(), _ARCH.get(u.machine.lower(), u.machine.lower())


@functools.cache
def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def stable_files(releases: dict[str, Path]) -> dict[str, str]:
    """release/stable-X.Y.txt and release/stable.txt for ``releases``."""
    newest: dict[str, tuple[int, ...]] = {}
    for version in releases:
        v = tuple(int(x) for x in version.split("."))
        minor = f"{v[0]}.{v[1]}"
        newest[minor] = max(newest.get(minor, v), v)
    files = {f"stable-{m}.txt": "v" + ".".join(map(str, v)) + "\n" for m, v in newest.items()}
    files["stable.txt"] = "v" + ".".join(map(str, max(newest.values()))) + "\n"
    return files


class Mirror:
    def __init__(self, releases: dict[str, Path], pause: float = 1.0) -> None:
        self.releases = {v: Path(p) for v, p in releases.items()}
        self.stable = stable_files(self.releases)
        self.os, self.arch = host_platform()
        self.pause = pause
        self.log: list[tuple[str, str]] = []  # (method, path)
        self._downloads: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> Mirror:
        handler = type("Handler", (_Handler,), {"mirror": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def base(self, mode: str = "good") -> str:
        assert mode in MODES, mode
        return f"http://127.0.0.1:{self.port}/{mode}"

    def downloads(self, version: str) -> int:
        with self._lock:
            return self._downloads.get(version, 0)

    def count(self, version: str) -> None:
        with self._lock:
            self._downloads[version] = self._downloads.get(version, 0) + 1

    def binary_for(self, rel: str) -> tuple[str, Path] | None:
        """(version, file) for ``release/vX.Y.Z/bin/<os>/<arch>/kubectl``."""
        parts = rel.split("/")
        if len(parts) == 6 and parts[0] == "release" and parts[2:5] == ["bin", self.os, self.arch]:
            version = parts[1][1:]
            if parts[1].startswith("v") and version in self.releases and parts[5] == "kubectl":
                return version, self.releases[version]
        return None


class _Handler(BaseHTTPRequestHandler):
    mirror: Mirror
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass

    head = False

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.head = True
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        m = self.mirror
        with m._lock:
            m.log.append(("HEAD" if self.head else "GET", self.path))
        path = self.path
        if path.startswith("http://"):  # asked as an HTTP proxy: serve the path of the absolute URL
            path = "/" + path[len("http://"):].partition("/")[2]
        mode, _, rel = path.lstrip("/").partition("/")
        if mode == "redirect":
            return self._redirect(302, f"/redirect2/{rel}")
        if mode == "redirect2":
            return self._redirect(301, f"/good/{rel}")
        if mode not in MODES:
            return self._send(404, b"no such mode\n")
        if rel.startswith("release/") and rel[len("release/"):] in m.stable:
            return self._send(200, m.stable[rel[len("release/"):]].encode(), "text/plain")
        if rel.endswith("/kubectl.sha256"):
            return self._checksum(mode, rel[: -len(".sha256")])
        hit = m.binary_for(rel)
        if hit is None:
            return self._send(404, b"404 page not found\n")
        if mode == "html":
            return self._send(200, b"<!DOCTYPE html><html><body>Sign in</body></html>\n", "text/html")
        self._binary(mode, *hit)

    def _checksum(self, mode: str, rel: str) -> None:
        hit = self.mirror.binary_for(rel)
        if hit is None or mode == "no-sum":
            return self._send(404, b"404 page not found\n")
        digest = sha256_of(str(hit[1]))
        if mode == "bad-digest":
            digest = hashlib.sha256(b"something else").hexdigest()
        body = f"{digest}  kubectl\n" if mode == "named-sum" else digest
        self._send(200, body.encode(), "text/plain")

    def _binary(self, mode: str, version: str, path: Path) -> None:
        size = path.stat().st_size
        if mode == "slow" and not self.head:
            time.sleep(self.mirror.pause)
        if not self.head:
            self.mirror.count(version)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if self.head:
            return
        limit = size // 2 if mode in ("truncated", "stall") else size
        piece = -(-size // 16) if mode == "trickle" else CHUNK
        sent = 0
        with open(path, "rb") as fh:
            while sent < limit and (chunk := fh.read(min(piece, limit - sent))):
                try:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                except OSError:
                    return
                sent += len(chunk)
                if mode == "trickle":
                    time.sleep(self.mirror.pause / 16)
        if mode == "stall":
            time.sleep(60)
        if mode == "truncated":
            self.close_connection = True  # the client sees EOF before Content-Length bytes

    def _redirect(self, code: int, location: str) -> None:
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, code: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self.head:
            self.wfile.write(body)


def file_mirror(root: Path, releases: dict[str, Path]) -> str:
    """The same layout as a folder (binaries symlinked); returns its file:// URL."""
    os_name, arch = host_platform()
    for version, binary in releases.items():
        folder = root / "release" / f"v{version}" / "bin" / os_name / arch
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kubectl").symlink_to(binary)
        (folder / "kubectl.sha256").write_text(sha256_of(str(binary)))
    for name, text in stable_files({v: Path(p) for v, p in releases.items()}).items():
        (root / "release" / name).write_text(text)
    return root.as_uri()
