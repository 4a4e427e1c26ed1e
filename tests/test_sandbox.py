"""The loopback sandbox API server, driven by real kubectl binaries (and a little urllib)."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kctx.sandbox import ClusterSpec, Sandbox
from kctx.sandbox.__main__ import parse_clusters
from kctx.sandbox.patch import json_patch, merge_patch, strategic_merge_patch
from kctx.sandbox.protobuf import decode
from kctx.sandbox.resources import by_plural
from kctx.sandbox.selectors import matcher

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:IMAGE
        ports:
        - containerPort: 80
"""


class Kubectl:
    """Runs one kubectl binary against a sandbox kubeconfig with an isolated HOME."""

    def __init__(self, binary: Path, kubeconfig: Path, home: Path) -> None:
        self.binary, self.kubeconfig, self.home = binary, kubeconfig, home

    def argv(self, *args: str) -> list[str]:
        return [str(self.binary), "--kubeconfig", str(self.kubeconfig), *args]

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBECONFIG", "KCTX_"))}
        return dict(env, HOME=str(self.home))

    def __call__(self, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        proc = subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox([ClusterSpec("dev", "v1.36.4"), ClusterSpec("prod", "v1.37.1", auth="cert")]) as sb:
        yield sb


@pytest.fixture
def kube(sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> Kubectl:
    (tmp_path / "home").mkdir()
    return Kubectl(kubectl, sandbox.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path / "home")


def _wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _lines(stream) -> queue.Queue:
    q: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [q.put(line) for line in stream], daemon=True).start()
    return q


def _read_until(q: queue.Queue, needle: str, timeout: float = 10.0) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while needle not in seen:
        try:
            seen += q.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"{needle!r} not seen in output within {timeout}s:\n{seen}") from None
    return seen


# --- start-up, lifecycle, kubeconfig ----------------------------------------------------------

def test_starts_fast_and_stops_cleanly() -> None:
    began = time.perf_counter()
    sb = Sandbox([ClusterSpec("dev"), ClusterSpec("staging"), ClusterSpec("prod", auth="cert")]).start()
    elapsed = time.perf_counter() - began
    print(f"\nsandbox with 3 clusters started in {elapsed * 1000:.1f} ms")
    urls = [sb.server_url(n) for n in sb.names]
    assert elapsed < 5  # generous sanity bound; typically tens of milliseconds
    assert all(u.startswith("https://127.0.0.1:") for u in urls) and len(set(urls)) == 3
    workdir = sb.workdir
    sb.stop()
    sb.stop()  # idempotent
    assert workdir is not None and not workdir.exists()
    for url in urls:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1).close()


def test_process_exit_stops_a_forgotten_sandbox(tmp_path: Path) -> None:
    code = ("from kctx.sandbox import Sandbox, ClusterSpec\n"
            "sb = Sandbox([ClusterSpec('dev')]).start()\n"
            "print(sb.workdir, flush=True)\n")  # no stop(): atexit must clean up
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    assert not Path(proc.stdout.strip()).exists()


def test_cli_runs_until_sigterm(kubectl: Path, tmp_path: Path) -> None:
    config = tmp_path / "kc"
    argv = [sys.executable, "-m", "kctx.sandbox", "--clusters", "dev=v1.36.4,prod=v1.37.1:cert",
            "--kubeconfig", str(config)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    try:
        banner = _read_until(_lines(proc.stdout), "kubeconfig:", timeout=20)
        assert "v1.36.4" in banner and "https://127.0.0.1:" in banner
        (tmp_path / "h").mkdir()
        kube = Kubectl(kubectl, config, tmp_path / "h")
        assert "Server Version: v1.37.1" in kube("--context", "prod", "version").stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()


def test_kubeconfig_shape_and_mode(sandbox: Sandbox, tmp_path: Path) -> None:
    path = sandbox.write_kubeconfig(tmp_path / "sub" / "config", context_prefix="sb-", current="prod")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert 'current-context: "sb-prod"' in text
    assert text.count("certificate-authority-data:") == 2
    assert "token:" in text and "client-certificate-data:" in text and "client-key-data:" in text
    only_dev = sandbox.kubeconfig(["dev"])
    assert sandbox.server_url("prod") not in only_dev and 'current-context: "dev"' in only_dev


def test_rejects_bad_specs() -> None:
    with pytest.raises(ValueError):
        Sandbox([ClusterSpec("dev"), ClusterSpec("dev")])
    with pytest.raises(ValueError):
        Sandbox([ClusterSpec("dev", version="1.29")])
    with pytest.raises(ValueError):
        Sandbox([ClusterSpec("dev", auth="basic")])


def test_cli_cluster_parsing() -> None:
    specs = parse_clusters("dev=v1.36.4, prod=v1.37.1:cert,staging")
    assert [(s.name, s.version, s.auth) for s in specs] == [
        ("dev", "v1.36.4", "token"), ("prod", "v1.37.1", "cert"), ("staging", "v1.37.1", "token")]


# --- kubectl: version, discovery, tables -----------------------------------------------------

def test_version_per_cluster_and_set_version(sandbox: Sandbox, kube: Kubectl) -> None:
    dev = json.loads(kube("version", "-o", "json").stdout)["serverVersion"]
    assert (dev["gitVersion"], dev["major"], dev["minor"]) == ("v1.36.4", "1", "36")
    prod = json.loads(kube("--context", "prod", "version", "-o", "json").stdout)["serverVersion"]
    assert prod["gitVersion"] == "v1.37.1"
    sandbox.set_version("dev", "v1.29.3")
    out = kube("version", check=False)  # skew warning only; the server version must show
    assert "Server Version: v1.29.3" in out.stdout


@pytest.mark.parametrize("minor", ["1.37", "1.36"])
def test_get_tables_with_both_kubectl_minors(sandbox: Sandbox, tmp_path: Path, minor: str) -> None:
    from tests.kubectl_bins import kubectl_binary

    (tmp_path / "home").mkdir()
    kube = Kubectl(kubectl_binary(minor), sandbox.write_kubeconfig(tmp_path / "kc"), tmp_path / "home")
    ns = kube("get", "ns").stdout.splitlines()
    assert ns[0].split() == ["NAME", "STATUS", "AGE"]
    assert {line.split()[0] for line in ns[1:]} == {"default", "kube-system"}
    assert "No resources found in default namespace." in kube("get", "pods").stderr
    kube("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    pods = kube("get", "pods").stdout.splitlines()
    assert pods[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(pods) == 3 and all("1/1" in p and "Running" in p for p in pods[1:])
    wide = kube("get", "deploy", "-o", "wide").stdout
    assert "nginx:1.25" in wide and "app=web" in wide


def test_discovery_answers_aggregated_and_plain(sandbox: Sandbox) -> None:
    agg = _raw(sandbox, "dev", "/apis", accept="application/json;g=apidiscovery.k8s.io;v=v2;"
                                               "as=APIGroupDiscoveryList,application/json")
    assert agg["kind"] == "APIGroupDiscoveryList" and agg["items"][0]["metadata"]["name"] == "apps"
    plain = _raw(sandbox, "dev", "/apis")
    assert plain["kind"] == "APIGroupList"
    core = _raw(sandbox, "dev", "/api/v1")
    assert {"pods", "pods/exec", "configmaps", "namespaces"} <= {r["name"] for r in core["resources"]}


# --- kubectl: writes -----------------------------------------------------------------------

def test_create_configmap_and_deployment(sandbox: Sandbox, kube: Kubectl) -> None:
    kube("create", "configmap", "settings", "--from-literal=color=blue", "--from-literal=size=2")
    kube("create", "deployment", "api", "--image=busybox:1.36", "--port=8080", "--", "sleep", "3600")
    cm = json.loads(kube("get", "cm", "settings", "-o", "json").stdout)
    assert cm["data"] == {"color": "blue", "size": "2"}
    assert cm["metadata"]["uid"] and int(cm["metadata"]["resourceVersion"]) > 0
    deploy = json.loads(kube("get", "deploy", "api", "-o", "json").stdout)
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "busybox:1.36" and container["command"] == ["sleep", "3600"]
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert "already exists" in kube("create", "configmap", "settings", check=False).stderr


def test_apply_client_side_then_server_side(kube: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT.replace("IMAGE", "1.25"))
    assert "deployment.apps/web created" in kube("apply", "-f", str(manifest)).stdout
    assert "deployment.apps/web unchanged" in kube("apply", "-f", str(manifest)).stdout
    manifest.write_text(DEPLOYMENT.replace("IMAGE", "1.26").replace("replicas: 2", "replicas: 3"))
    assert "deployment.apps/web configured" in kube("apply", "-f", str(manifest)).stdout
    yaml_out = kube("get", "deploy", "web", "-o", "yaml").stdout
    assert "image: nginx:1.26" in yaml_out and "containerPort: 80" in yaml_out
    assert "kubectl.kubernetes.io/last-applied-configuration" in yaml_out
    assert "generation: 2" in yaml_out
    assert len(kube("get", "pods", "-l", "app=web", "-o", "name").stdout.split()) == 3
    manifest.write_text(DEPLOYMENT.replace("IMAGE", "1.27"))
    assert "serverside-applied" in kube("apply", "--server-side", "-f", str(manifest)).stdout
    assert "nginx:1.27" in kube("get", "deploy", "web", "-o", "jsonpath={..image}").stdout
    assert "successfully rolled out" in kube("rollout", "status", "deploy/web", "--timeout=10s").stdout


def test_server_side_apply_creates(sandbox: Sandbox, kube: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: '1'}\n")
    assert "configmap/ssa serverside-applied" in kube("apply", "--server-side", "-f", str(manifest)).stdout
    patches = [r for r in sandbox.requests("dev") if r.method == "PATCH"]
    assert patches and "fieldManager=kubectl" in patches[0].query


def test_patch_variants_and_delete(kube: Kubectl) -> None:
    kube("create", "configmap", "cfg", "--from-literal=a=1")
    kube("patch", "cm", "cfg", "-p", '{"data":{"b":"2"}}')
    kube("patch", "cm", "cfg", "--type=merge", "-p", '{"data":{"a":null}}')
    kube("patch", "cm", "cfg", "--type=json", "-p", '[{"op":"add","path":"/data/c","value":"3"}]')
    assert json.loads(kube("get", "cm", "cfg", "-o", "jsonpath={.data}").stdout) == {"b": "2", "c": "3"}
    out = kube("delete", "cm", "cfg")
    assert 'configmap "cfg" deleted' in out.stdout
    assert "NotFound" in kube("get", "cm", "cfg", check=False).stderr
    assert "may not be deleted" in kube("delete", "ns", "kube-system", check=False).stderr


def test_scale_and_namespaces(kube: Kubectl) -> None:
    kube("create", "namespace", "team")
    kube("-n", "team", "create", "deployment", "web", "--image=nginx")
    kube("-n", "team", "scale", "deploy/web", "--replicas=3")
    assert len(kube("-n", "team", "get", "pods", "-o", "name").stdout.split()) == 3
    kube("delete", "namespace", "team")
    assert "NotFound" in kube("-n", "team", "get", "deploy", "web", check=False).stderr
    assert "not found" in kube("-n", "nowhere", "create", "configmap", "x", check=False).stderr


# --- kubectl: watch, exec, hang ------------------------------------------------------------

def test_watch_streams_and_ends_when_killed(sandbox: Sandbox, kube: Kubectl) -> None:
    proc = kube.popen("get", "configmaps", "-w", "--output-watch-events")
    try:
        out = _lines(proc.stdout)
        assert _wait_until(lambda: any("watch=true" in r.query for r in sandbox.requests("dev")))
        cmaps = by_plural("configmaps")
        sandbox.cluster("dev").api.create(cmaps, "default", {"metadata": {"name": "live"}})
        assert "live" in _read_until(out, "ADDED")
        sandbox.cluster("dev").api.delete(cmaps, "default", "live")
        _read_until(out, "DELETED")
    finally:
        proc.kill()
        proc.wait(timeout=5)
    # The server notices the closed connection and ends the stream: no connection stays open.
    assert _wait_until(lambda: sandbox.cluster("dev").open_connections == 0)


def test_watch_ends_on_request_timeout(kube: Kubectl) -> None:
    began = time.monotonic()
    proc = kube("get", "pods", "-w", "--request-timeout=2s", check=False, timeout=20)
    assert 1.5 < time.monotonic() - began < 15
    assert "Traceback" not in proc.stderr


def test_watch_ends_when_server_stops(sandbox: Sandbox, kube: Kubectl) -> None:
    proc = kube.popen("get", "ns", "-w")
    try:
        assert _wait_until(lambda: any("watch=true" in r.query for r in sandbox.requests("dev")))
        sandbox.stop()
        proc.wait(timeout=10)
    finally:
        proc.kill()


def test_exec_is_refused_cleanly(kube: Kubectl) -> None:
    kube("run", "shell", "--image=busybox")
    began = time.monotonic()
    proc = kube("exec", "shell", "--", "ls", check=False, timeout=20)
    assert proc.returncode != 0
    assert "exec is not supported by the kctx sandbox" in proc.stderr
    assert time.monotonic() - began < 15
    assert "not supported" in kube("port-forward", "shell", "8080:80", check=False, timeout=20).stderr


def test_hang_switch_times_out_then_recovers(sandbox: Sandbox, kube: Kubectl) -> None:
    sandbox.set_hang("dev", True)
    began = time.monotonic()
    proc = kube("version", "--request-timeout=1s", check=False, timeout=20)
    elapsed = time.monotonic() - began
    assert proc.returncode != 0 and "Unable to connect to the server" in proc.stderr
    assert 0.9 < elapsed < 5, elapsed
    assert any(r.path == "/version" for r in sandbox.requests("dev"))  # recorded even while hanging
    sandbox.set_hang("dev", False)
    assert "Server Version" in kube("version", "--request-timeout=5s").stdout


def test_stop_releases_hanging_requests(sandbox: Sandbox, kube: Kubectl) -> None:
    sandbox.set_hang("dev", True)
    proc = kube.popen("version", "--request-timeout=30s")
    try:
        assert _wait_until(lambda: bool(sandbox.requests("dev")))
        began = time.monotonic()
        sandbox.stop()
        assert time.monotonic() - began < 3
        assert proc.wait(timeout=10) != 0
    finally:
        proc.kill()


# --- request log, auth, several clusters ------------------------------------------------------

def test_request_log_and_identities(sandbox: Sandbox, kube: Kubectl) -> None:
    kube("get", "ns")
    dev = sandbox.requests("dev")
    assert sandbox.requests("prod") == []  # nothing reached prod
    listed = [r for r in dev if r.path == "/api/v1/namespaces"]
    assert listed and listed[0].method == "GET" and listed[0].user == "dev-admin"
    assert "limit=500" in listed[0].query and listed[0].user_agent.startswith("kubectl/v1.37")
    assert all(abs(r.time - time.time()) < 60 for r in dev)
    kube("--context", "prod", "get", "ns")
    assert {r.user for r in sandbox.requests("prod")} == {"prod-admin"}  # client certificate
    sandbox.clear_requests("dev")
    assert sandbox.requests("dev") == [] and sandbox.requests("prod")
    sandbox.clear_requests()
    assert sandbox.requests("prod") == []


def test_wrong_credentials_are_rejected(sandbox: Sandbox, kube: Kubectl, tmp_path: Path) -> None:
    text = kube.kubeconfig.read_text()
    token = next(line.split('"')[1] for line in text.splitlines() if "token:" in line)
    kube.kubeconfig.write_text(text.replace(token, "not-the-token"))
    proc = kube("get", "ns", check=False)
    assert proc.returncode != 0 and "You must be logged in" in proc.stderr
    assert {r.user for r in sandbox.requests("dev")} == {"system:anonymous"}
    with pytest.raises(urllib.error.HTTPError) as err:  # dev's token means nothing to prod
        _raw(sandbox, "prod", "/version", token=sandbox.cluster("dev").token)
    assert err.value.code == 401


def test_two_sandbox_versions_side_by_side(kubectl: Path, kubectl_old: Path, tmp_path: Path) -> None:
    with Sandbox([ClusterSpec("old", "v1.29.3"), ClusterSpec("new", "v1.37.1")]) as sb:
        (tmp_path / "h").mkdir()
        config = sb.write_kubeconfig(tmp_path / "kc", context_prefix="sb-")
        for binary in (kubectl, kubectl_old):
            kube = Kubectl(binary, config, tmp_path / "h")
            old = json.loads(kube("--context", "sb-old", "version", "-o", "json", check=False).stdout)
            new = json.loads(kube("--context", "sb-new", "version", "-o", "json").stdout)
            assert old["serverVersion"]["gitVersion"] == "v1.29.3"
            assert new["serverVersion"]["gitVersion"] == "v1.37.1"


# --- pieces without kubectl -----------------------------------------------------------------

def _raw(sb: Sandbox, name: str, path: str, accept: str = "application/json", token: str | None = None):
    """GET ``path`` with a bearer token (the cluster's own unless given)."""
    assert sb.workdir is not None
    ctx = ssl.create_default_context(cadata=(sb.workdir / "ca.crt").read_text())
    req = urllib.request.Request(sb.server_url(name) + path, headers={"Accept": accept})
    req.add_header("Authorization", f"Bearer {token or sb.cluster(name).token}")
    with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
        return json.loads(resp.read())


def test_patch_helpers() -> None:
    assert merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}}) == {"a": 1, "b": {"d": 3}}
    target = {"containers": [{"name": "a", "image": "x", "ports": [1]}, {"name": "b", "image": "y"}]}
    patch = {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
             "containers": [{"name": "a", "image": "z"}, {"name": "b", "$patch": "delete"}]}
    assert strategic_merge_patch(target, patch) == {"containers": [{"name": "a", "image": "z", "ports": [1]}]}
    doc = json_patch({"a": [1, 2]}, [{"op": "add", "path": "/a/-", "value": 3},
                                    {"op": "replace", "path": "/a/0", "value": 0},
                                    {"op": "move", "from": "/a", "path": "/b"}])
    assert doc == {"b": [0, 2, 3]}


def test_selectors() -> None:
    obj = {"metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "fe"}}}
    assert matcher("app=web,tier in (fe,be)", "metadata.name=web")(obj)
    assert not matcher("app!=web")(obj)
    assert matcher("!missing,tier")(obj)
    assert not matcher("", "metadata.namespace=kube-system")(obj)


def test_protobuf_decoding() -> None:
    def field(number: int, payload: bytes) -> bytes:
        return bytes([number << 3 | 2, len(payload)]) + payload

    meta = field(1, b"cfg") + field(11, field(1, b"app") + field(2, b"x")) + field(2, b"")
    body = field(1, meta) + field(2, field(1, b"k") + field(2, b"v"))
    envelope = b"k8s\x00" + field(1, field(1, b"v1") + field(2, b"ConfigMap")) + field(2, body)
    assert decode(envelope) == {"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": "cfg", "labels": {"app": "x"}}, "data": {"k": "v"}}
