"""The Sandbox: several loopback clusters sharing one throwaway CA, and the kubeconfig to reach them."""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kctx.sandbox import kubeconfig
from kctx.sandbox.certs import CertificateAuthority, KeyPair
from kctx.sandbox.cluster import ClusterServer, RecordedRequest
from kctx.sandbox.discovery import parse_version
from kctx.util.fsutil import atomic_write

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass
class ClusterSpec:
    name: str
    version: str = "v1.37.1"
    auth: str = "token"  # or "cert"


def _check_specs(specs: Sequence[ClusterSpec]) -> None:
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate sandbox cluster names: {names}")
    for spec in specs:
        if not _NAME.match(spec.name):
            raise ValueError(f"sandbox cluster name must be a DNS label: {spec.name!r}")
        if spec.auth not in ("token", "cert"):
            raise ValueError(f"auth must be 'token' or 'cert', not {spec.auth!r}")
        parse_version(spec.version)


def _server_context(workdir: Path, serving: KeyPair, ca_pem: bytes) -> ssl.SSLContext:
    # ssl can only load a key pair from files; they live in the private workdir.
    cert_file, key_file = workdir / "serving.crt", workdir / "serving.key"
    cert_file.write_bytes(serving.cert_pem)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(serving.key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    ctx.load_verify_locations(cadata=ca_pem.decode())
    ctx.verify_mode = ssl.CERT_OPTIONAL  # client certificates for "cert" clusters, tokens otherwise
    ctx.set_alpn_protocols(["http/1.1"])  # no HTTP/2: keeps watches and shutdown simple
    return ctx


class Sandbox:
    """Loopback stand-in API servers for tests and the demo. Not Kubernetes: see docs/sandbox.md."""

    def __init__(self, clusters: Sequence[ClusterSpec], workdir: Path | None = None) -> None:
        _check_specs(clusters)
        self._specs = [replace(s) for s in clusters]  # set_version must not mutate the caller's specs
        self._workdir_arg = workdir
        self.workdir: Path | None = None
        self.startup_seconds: float | None = None
        self._clusters: dict[str, ClusterServer] = {}
        self._client_pairs: dict[str, KeyPair] = {}
        self._ca_pem = b""
        self._owns_workdir = False
        self._lock = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Sandbox:
        with self._lock:
            if self._clusters:
                return self
            began = time.perf_counter()
            try:
                self._start_all()
            except BaseException:
                self._stop_all()
                raise
            atexit.register(self.stop)
            self.startup_seconds = time.perf_counter() - began
        return self

    def _start_all(self) -> None:
        self.workdir = self._make_workdir()
        ca = CertificateAuthority()  # one CA per sandbox: generating keys is the slow part
        self._ca_pem = ca.cert_pem
        (self.workdir / "ca.crt").write_bytes(ca.cert_pem)
        context = _server_context(self.workdir, ca.serving_pair(), ca.cert_pem)
        for spec in self._specs:
            token = secrets.token_urlsafe(32) if spec.auth == "token" else None
            cluster = ClusterServer(spec.name, spec.version, spec.auth, context, token)
            if spec.auth == "cert":
                self._client_pairs[spec.name] = ca.client_pair(cluster.user)
            self._clusters[spec.name] = cluster
            cluster.start()

    def _make_workdir(self) -> Path:
        if self._workdir_arg is not None:
            self._workdir_arg.mkdir(parents=True, exist_ok=True, mode=0o700)
            return self._workdir_arg
        self._owns_workdir = True
        return Path(tempfile.mkdtemp(prefix="kctx-sandbox-"))

    def stop(self) -> None:
        with self._lock:
            self._stop_all()
        atexit.unregister(self.stop)

    def _stop_all(self) -> None:
        for cluster in self._clusters.values():
            cluster.stop()
        self._clusters.clear()
        self._client_pairs.clear()
        if self._owns_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._owns_workdir = False

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- access --------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [s.name for s in self._specs]

    def cluster(self, name: str) -> ClusterServer:
        """The running cluster object (its store, credentials, ...); for tests that need more."""
        try:
            return self._clusters[name]
        except KeyError:
            raise KeyError(f"no running sandbox cluster {name!r} (have {self.names})") from None

    def server_url(self, name: str) -> str:
        return self.cluster(name).url

    def kubeconfig(self, names: Sequence[str] | None = None, *, context_prefix: str = "",
                   current: str | None = None) -> str:
        """Kubeconfig YAML with one cluster, user and context per sandbox cluster.

        With a ``context_prefix``, cluster and user entry names carry it too, so kubeconfigs
        from several sandboxes can be merged. ``current`` is a cluster name (or a context name);
        by default the first cluster's context is current.
        """
        chosen = list(names) if names is not None else self.names
        entries = [self._entry(n, context_prefix) for n in chosen]
        if current is None:
            current_ctx = entries[0].context if entries else ""
        else:
            current_ctx = context_prefix + current if current in chosen else current
        return kubeconfig.render(entries, current_ctx)

    def _entry(self, name: str, prefix: str) -> kubeconfig.Entry:
        cluster = self.cluster(name)
        pair = self._client_pairs.get(name)
        return kubeconfig.Entry(
            context=prefix + name, cluster=prefix + name, user=prefix + cluster.user, server=cluster.url,
            ca_pem=self._ca_pem, token=cluster.token,
            cert_pem=pair.cert_pem if pair else None, key_pem=pair.key_pem if pair else None)

    def write_kubeconfig(self, path: str | Path, names: Sequence[str] | None = None, **kw: Any) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, self.kubeconfig(names, **kw), mode=0o600)
        return path

    def requests(self, name: str) -> list[RecordedRequest]:
        return self.cluster(name).requests()

    def clear_requests(self, name: str | None = None) -> None:
        for cluster in ([self.cluster(name)] if name is not None else self._clusters.values()):
            cluster.clear_requests()

    def reset(self, name: str) -> None:
        """Forget every object of one cluster: only the built-in namespaces remain."""
        self.cluster(name).reset()

    def set_hang(self, name: str, hang: bool) -> None:
        self.cluster(name).set_hang(hang)

    def set_refuse_auth(self, name: str, refuse: bool) -> None:
        """While on, the cluster answers every request 401, whatever credential it carries."""
        self.cluster(name).set_refuse_auth(refuse)

    def set_version(self, name: str, version: str) -> None:
        """Change what /version reports; also works before start()."""
        parse_version(version)
        spec = next((s for s in self._specs if s.name == name), None)
        if spec is None:
            raise KeyError(f"no sandbox cluster {name!r} (have {self.names})")
        spec.version = version
        if name in self._clusters:
            self._clusters[name].set_version(version)
