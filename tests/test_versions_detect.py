"""Server-version detection against loopback stand-in API servers (kctx.sandbox), and its cache."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from kctx.config import Config
from kctx.guard.target import resolve
from kctx.paths import Paths
from kctx.sandbox import ClusterSpec, Sandbox
from kctx.versions import cache, manage
from kctx.versions.refresh import refresh
from kctx.versions.select import choose
from tests.kubectl_bins import kubectl_binary

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    specs = [ClusterSpec("dev", "v1.36.4"), ClusterSpec("prod", "v1.37.1-gke.1200", auth="cert"),
             ClusterSpec("edge", "v1.30.2+k3s1")]
    with Sandbox(specs, workdir=tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


class Home:
    """An isolated HOME whose kubeconfig points at the sandbox, with both real kubectl releases added."""

    def __init__(self, home: Path, sb: Sandbox, doc: dict | None = None) -> None:
        self.kubeconfig = home / ".kube" / "config"
        if doc is None:
            sb.write_kubeconfig(self.kubeconfig)
        else:
            self.kubeconfig.write_text(yaml.safe_dump(doc))
        self.environ = {"HOME": str(home), "PATH": "/nonexistent", "KUBECONFIG": str(self.kubeconfig),
                        "PYTHONPATH": str(ROOT)}
        self.paths = Paths(self.environ)
        self.config = Config()
        for minor in ("1.36", "1.37"):
            manage.add(self.paths, str(kubectl_binary(minor)), sys.stderr)

    def target(self, context: str):
        return resolve({"context": context}, self.environ, self.paths, self.config)

    def choose(self, context: str, **kw):
        kw.setdefault("install", False)
        return choose(self.target(context), self.config, self.environ, str(self.paths.home), self.paths, **kw)


def test_each_cluster_gets_its_matching_kubectl(home: Path, sandbox: Sandbox) -> None:
    h = Home(home, sandbox)
    sandbox.clear_requests()
    dev, prod = h.choose("dev"), h.choose("prod")
    assert (dev.rule, dev.version, dev.server_version) == ("server", "1.36.4", "1.36.4")
    assert (prod.rule, prod.version, prod.server_version) == ("server", "1.37.1", "1.37.1")  # gke suffix
    # Detection authenticated with the kubeconfig's own credentials: a token for dev, a client cert for prod.
    assert [(r.path, r.user) for r in sandbox.requests("dev")] == [("/version", "dev-admin")]
    assert [(r.path, r.user) for r in sandbox.requests("prod")] == [("/version", "prod-admin")]
    sandbox.clear_requests()
    for _ in range(3):
        assert h.choose("dev").version == "1.36.4"
    assert sandbox.requests("dev") == []  # the cache answers


def test_skew_warning_for_a_far_server(home: Path, sandbox: Sandbox) -> None:
    h = Home(home, sandbox)
    c = h.choose("edge", install=False)  # a 1.30 k3s server; only 1.36 and 1.37 are installed
    assert (c.rule, c.version, c.server_version) == ("default", "1.37.1", "1.30.2")
    assert "no kubectl 1.29–1.31 is installed" in c.why and "the newest installed" in c.why
    assert "outside the supported version skew" in c.skew
    h.environ["KCTX_KUBECTL_VERSION"] = "1.37"
    c = h.choose("edge")
    assert (c.rule, c.version) == ("env", "1.37.1")
    assert 'context "edge"' in c.skew and "server 1.30.2" in c.skew


def test_a_hanging_server_costs_the_timeout_once(home: Path, sandbox: Sandbox) -> None:
    h = Home(home, sandbox)
    sandbox.set_hang("prod", True)
    try:
        start = time.monotonic()
        first = h.choose("prod", install=False)
        first_took = time.monotonic() - start
        asked = len(sandbox.requests("prod"))
        start = time.monotonic()
        second = h.choose("prod", install=False)
        second_took = time.monotonic() - start
    finally:
        sandbox.set_hang("prod", False)
    assert first_took < 5.0 and second_took < 0.5, (first_took, second_took)
    assert len(sandbox.requests("prod")) == asked  # the failure was cached: not asked again
    for c in (first, second):
        assert c.server_version == "" and c.rule != "server"
        assert "server version of context \"prod\" unknown" in c.why and "timed out" in c.why


def test_an_unreachable_server_fails_fast_and_is_cached(home: Path, sandbox: Sandbox) -> None:
    doc = yaml.safe_load(sandbox.kubeconfig())
    doc["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"  # discard port: connection refused
    h = Home(home, sandbox, doc)
    start = time.monotonic()
    c = h.choose("dev")
    assert time.monotonic() - start < 5.0
    entry = cache.read(cache.folder(h.paths.cache_dir), "https://127.0.0.1:9", h.target("dev").ca_sha256)
    assert entry is not None and entry.error and entry.fresh(time.time())
    assert c.rule != "server"


def test_401_keeps_the_last_known_version(home: Path, sandbox: Sandbox) -> None:
    h = Home(home, sandbox)
    target = h.target("dev")
    folder = cache.folder(h.paths.cache_dir)
    stale = time.time() - cache.OK_TTL - 60
    cache.write(folder, cache.Entry(target.server, target.ca_sha256, "1.36.1", stale, stale, ""))
    doc = yaml.safe_load(h.kubeconfig.read_text())
    doc["users"][0]["user"]["token"] = "wrong"
    h.kubeconfig.write_text(yaml.safe_dump(doc))
    entry = refresh(h.target("dev"), h.paths, h.environ)
    assert "HTTP 401" in entry.error and entry.version == "1.36.1"
    c = h.choose("dev")
    assert (c.rule, c.version, c.server_version) == ("server", "1.36.4", "1.36.1")


def test_exec_plugins_are_never_run(home: Path, sandbox: Sandbox, tmp_path: Path) -> None:
    marker = tmp_path / "plugin-ran"
    plugin = tmp_path / "plugin.sh"
    plugin.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\n")
    plugin.chmod(0o755)
    doc = yaml.safe_load(sandbox.kubeconfig())
    exec_ = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin)}
    doc["users"][0]["user"] = {"exec": exec_}
    h = Home(home, sandbox, doc)
    sandbox.clear_requests("dev")
    entry = refresh(h.target("dev"), h.paths, h.environ, force=True)
    assert not marker.exists()
    assert [r.user for r in sandbox.requests("dev")] == ["system:anonymous"]  # asked anonymously
    assert "HTTP 401" in entry.error


def test_ca_file_token_file_and_tls_server_name(home: Path, sandbox: Sandbox) -> None:
    doc = yaml.safe_load(sandbox.kubeconfig())
    cluster, user = doc["clusters"][0]["cluster"], doc["users"][0]["user"]
    (home / ".kube" / "ca.crt").write_bytes((sandbox.workdir / "ca.crt").read_bytes())
    (home / ".kube" / "token").write_text(user.pop("token") + "\n")
    del cluster["certificate-authority-data"]
    cluster["certificate-authority"] = "ca.crt"  # relative to the kubeconfig's folder
    user["tokenFile"] = "token"
    cluster["tls-server-name"] = "localhost"  # in the serving certificate's SANs
    h = Home(home, sandbox, doc)
    entry = refresh(h.target("dev"), h.paths, h.environ, force=True)
    assert (entry.version, entry.error) == ("1.36.4", "")
    cluster["tls-server-name"] = "wrong.example"
    h.kubeconfig.write_text(yaml.safe_dump(doc))
    entry = refresh(h.target("dev"), h.paths, h.environ, force=True)
    assert "TLS" in entry.error and entry.version == "1.36.4"  # kept


def test_insecure_skip_tls_verify(home: Path, sandbox: Sandbox) -> None:
    doc = yaml.safe_load(sandbox.kubeconfig())
    cluster = doc["clusters"][0]["cluster"]
    del cluster["certificate-authority-data"]
    cluster["insecure-skip-tls-verify"] = True
    h = Home(home, sandbox, doc)
    entry = refresh(h.target("dev"), h.paths, h.environ, force=True)
    assert (entry.version, entry.error) == ("1.36.4", "")


WARM_PATH_PROBE = r"""
import sys
from kctx.config import Config
from kctx.paths import Paths
from kctx.guard.target import Target
t = Target()
t.context, t.cluster, t.server, t.ca_sha256, t.user = sys.argv[1:6]
paths, config = Paths(), Config()
before = set(sys.modules)
forbidden_events = ("socket.__new__", "socket.connect", "subprocess.Popen", "os.posix_spawn", "os.exec",
                    "os.fork")
def hook(event, args):
    if event.startswith(forbidden_events):
        raise RuntimeError(f"selection path did {event}")
sys.addaudithook(hook)
from kctx.versions.select import choose
c = choose(t, config, dict(__import__("os").environ), "/", paths)
print(c.version, c.rule)
print(" ".join(sorted(set(sys.modules) - before)))
"""
HEAVY = {"json", "re", "yaml", "ssl", "socket", "subprocess", "typing", "dataclasses", "enum", "pathlib",
         "urllib", "hashlib", "http", "packaging", "argparse"}


def test_warm_selection_opens_no_socket_and_imports_nothing_heavy(home: Path, sandbox: Sandbox) -> None:
    h = Home(home, sandbox)
    assert h.choose("prod").version == "1.37.1"  # warms the cache
    t = h.target("prod")
    env = {**os.environ, **h.environ}
    env.pop("KCTX_KUBECTL_VERSION", None)
    proc = subprocess.run([sys.executable, "-c", WARM_PATH_PROBE, t.context, t.cluster, t.server, t.ca_sha256,
                           t.user], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    chosen, imported = proc.stdout.splitlines()
    assert chosen == "1.37.1 server"
    loaded = {name.split(".")[0] for name in imported.split()}
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_a_ca_that_is_not_pem_is_a_cached_failure_not_a_crash(home: Path, sandbox: Sandbox) -> None:
    doc = yaml.safe_load(sandbox.kubeconfig())
    cluster = doc["clusters"][0]["cluster"]
    cluster["certificate-authority-data"] = base64.b64encode(bytes(range(200, 256)) * 20).decode()
    h = Home(home, sandbox, doc)
    entry = refresh(h.target("dev"), h.paths, h.environ, force=True)
    assert entry.error.endswith("cannot load the cluster's CA: certificate-authority-data is not PEM")
    cluster["certificate-authority-data"] = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nnope\n").decode()
    h.kubeconfig.write_text(yaml.safe_dump(doc))
    entry = refresh(h.target("dev"), h.paths, h.environ, force=True)
    assert "cannot load the cluster's CA" in entry.error
