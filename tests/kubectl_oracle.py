"""Run kubectl command lines through a real binary against the stand-in and report what reached it.

kubectl is the oracle for the guard's classes: a command line is a write when a POST, PUT, PATCH
or DELETE arrived without a server-side dry run, an access when a request reached an exec,
attach, portforward or proxy endpoint (or `kubectl proxy` relayed another client's request), a
read when only other requests arrived, local when nothing arrived, and a plugin call when one of
the fake plugins put on PATH ran. Every run starts from the same seeded objects (`seed`), with its
own copy of the kubeconfig, so runs are independent and can go two or three at a time.

Used by scripts/gen_guard_facts.py (the whole table) and tests/test_guard_facts.py (a live sample).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from kctx.sandbox import ClusterSpec, Sandbox
from kctx.sandbox.certs import CertificateAuthority
from kctx.sandbox.cluster import RecordedRequest
from kctx.sandbox.resources import by_plural
from tests.kubectl_bins import kubectl_binary

NS = "default"
DIR = "{dir}"  # stands for the run's folder of manifests in a command line
PLUGINS = ("foo", "kuberc", "create-networkpolicy")  # fake plugins on PATH: kubectl-foo, ...
_WRITES = ("POST", "PUT", "PATCH", "DELETE")
_ACCESS = ("exec", "attach", "portforward", "proxy")
# POSTs that create nothing: access reviews answer a question (`auth can-i`, `auth whoami`).
_REVIEW = re.compile(r"reviews$")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Outcome:
    """What one command line did: its class as kubectl showed it, and evidence."""

    observed: str  # "mutate", "access", "read", "local" or "unknown" (a plugin ran)
    write: bool
    access: bool
    rc: int  # kubectl's exit status; -9 when it was stopped (it stayed open)
    evidence: str  # the first write or access request, "plugin", or ""
    output: str = field(default="", compare=False)  # the end of kubectl's output, for a person to read


def access_path(path: str) -> bool:
    """Whether an API path is an exec/attach/portforward/proxy endpoint (decoded and cleaned first)."""
    segments: list[str] = []
    for seg in unquote(path).split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            segments = segments[:-1]
        else:
            segments.append(seg)
    return any(seg.lower() in _ACCESS for seg in segments[1:])


def judge(requests: Sequence[RecordedRequest], agent: str, plugin_ran: bool, rc: int) -> Outcome:
    """Sort a run's request log into an Outcome."""
    write = access = None
    for r in requests:
        relayed = agent and not r.user_agent.startswith(agent)  # `kubectl proxy` passing on our probe
        if access_path(r.path) or relayed:
            access = access or f"{r.method} {r.path}"
        elif write is None and r.method in _WRITES and not r.dry_run and not _REVIEW.search(r.path):
            write = f"{r.method} {r.path}"
    if plugin_ran:
        return Outcome("unknown", False, False, rc, "plugin")
    observed = "mutate" if write else "access" if access else "read" if requests else "local"
    return Outcome(observed, bool(write), bool(access), rc, write or access or "")


# --- the world every run starts from -----------------------------------------------------------

def _meta(name: str, **extra: object) -> dict:
    return {"name": name, **extra}


def _template(image: str) -> dict:
    return {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": image}]}}


def seed(sb: Sandbox, name: str) -> None:
    """Objects every command form needs to get as far as its write (see FORMS)."""
    sb.reset(name)
    api = sb.cluster(name).api
    cm1 = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("cm1", namespace=NS), "data": {"k": "EDITME"}}
    api.create(by_plural("configmaps"), NS, {**cm1, "metadata": _meta(
        "cm1", annotations={LAST_APPLIED: json.dumps(cm1)})})
    web = api.create(by_plural("deployments"), NS, {
        "metadata": _meta("web", labels={"app": "web"}, annotations={"deployment.kubernetes.io/revision": "2"}),
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": _template("busybox:2")}})
    api.create(by_plural("deployments"), NS, {
        "metadata": _meta("held", labels={"app": "held"}),
        "spec": {"paused": True, "selector": {"matchLabels": {"app": "held"}},
                 "template": {"metadata": {"labels": {"app": "held"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
    owner = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": web["metadata"]["uid"],
              "controller": True}]
    for revision, image in (("1", "busybox:1"), ("2", "busybox:2")):
        api.create(by_plural("replicasets"), NS, {
            "metadata": _meta(f"web-{revision}", labels={"app": "web"}, ownerReferences=owner,
                              annotations={"deployment.kubernetes.io/revision": revision}),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": _template(image)}})
    api.create(by_plural("pods"), NS, {"metadata": _meta("p1", labels={"run": "p1"}),
                                       "spec": {"containers": [{"name": "c", "image": "busybox",
                                                                "ports": [{"containerPort": 80}]}]}})
    api.create(by_plural("services"), NS, {"metadata": _meta("svc1"), "spec": {
        "selector": {"run": "p1"}, "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}})
    api.create(by_plural("serviceaccounts"), NS, {"metadata": _meta("sa1")})
    api.create(by_plural("secrets"), NS, {"metadata": _meta("s1"), "data": {"a": "Yg=="}})
    api.create(by_plural("roles"), NS, {"metadata": _meta("role1"), "rules": []})
    api.create(by_plural("rolebindings"), NS, {"metadata": _meta("rb1"), "subjects": [], "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "role1"}})
    for node, cordoned in (("n1", False), ("n2", True), ("sandbox-node", False)):
        api.create(by_plural("nodes"), "", {"metadata": _meta(node), "spec": {"unschedulable": cordoned} if cordoned
                                            else {}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    api.create(by_plural("certificatesigningrequests"), "", {"metadata": _meta("csr1"), "spec": {
        "request": "", "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"]}})


_EDITOR = """#!/bin/sh
# A non-interactive editor: changes the marker value, so kubectl sees an edit.
sed -i 's/EDITME/edited/' "$1"
"""
_PLUGIN = """#!/bin/sh
touch "$KCTX_FACT_PLUGIN_MARK"
"""


def _manifest(kind: str, name: str, api_version: str = "v1", **body: object) -> str:
    return json.dumps({"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": NS}, **body})


def write_files(folder: Path) -> None:
    """The manifests, editor, plugins and key pair the command forms refer to as {dir}/..."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cm-new.yaml": _manifest("ConfigMap", "cm2", data={"k": "EDITME"}),
        "cm1.yaml": _manifest("ConfigMap", "cm1", data={"k": "v2"}),
        "web.yaml": _manifest("Deployment", "web", "apps/v1", spec={
            "selector": {"matchLabels": {"app": "web"}}, "template": _template("busybox:2")}),
        "svc1.yaml": _manifest("Service", "svc1", spec={"selector": {"run": "p1"}, "ports": [{"port": 80}]}),
        "rb1.yaml": _manifest("RoleBinding", "rb1", "rbac.authorization.k8s.io/v1", roleRef={
            "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "role1"}),
        "role.yaml": _manifest("Role", "role2", "rbac.authorization.k8s.io/v1",
                               rules=[{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]),
        "kustomize/kustomization.yaml": "resources: [cm.yaml]\n",
        "kustomize/cm.yaml": _manifest("ConfigMap", "k1", data={"a": "b"}),
        "editor": _EDITOR,
    }
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    (folder / "editor").chmod(0o755)
    pair = CertificateAuthority().client_pair("tls")
    (folder / "tls.crt").write_bytes(pair.cert_pem)
    (folder / "tls.key").write_bytes(pair.key_pem)
    plugins = folder / "plugins"
    plugins.mkdir(exist_ok=True)
    for name in PLUGINS:
        (plugins / f"kubectl-{name}").write_text(_PLUGIN)
        (plugins / f"kubectl-{name}").chmod(0o755)


# --- running ---------------------------------------------------------------------------------

class Oracle:
    """A sandbox with one cluster per worker, and the files the command forms use."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self.names = [f"w{i}" for i in range(workers)]
        self._free: list[str] = list(self.names)
        self._lock = threading.Lock()
        self.root = Path(tempfile.mkdtemp(prefix="kctx-oracle-"))
        self.sandbox = Sandbox([ClusterSpec(n) for n in self.names], workdir=self.root / "sandbox")

    def __enter__(self) -> Oracle:
        self.sandbox.start()
        write_files(self.root / "files")
        for name in self.names:  # every context, the worker's own current: `config use-context w1` works
            self.sandbox.write_kubeconfig(self.root / name / "kubeconfig", current=name)
        return self

    def __exit__(self, *exc: object) -> None:
        self.sandbox.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @contextmanager
    def _worker(self) -> Iterator[str]:
        with self._lock:
            name = self._free.pop()
        try:
            yield name
        finally:
            with self._lock:
                self._free.append(name)

    def run(self, minor: str, argv: Sequence[str], timeout: float = 20.0) -> Outcome:
        """Run ``argv`` (with {dir} placeholders) through kubectl ``minor`` on a freshly seeded cluster."""
        with self._worker() as name:
            return self._run(name, minor, argv, timeout)

    def run_all(self, cases: Sequence[tuple[str, Sequence[str]]]) -> list[Outcome]:
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(lambda case: self.run(*case), cases))

    def _run(self, name: str, minor: str, argv: Sequence[str], timeout: float) -> Outcome:
        home = self.root / name
        files = self.root / "files"
        kubeconfig = home / "run.kubeconfig"
        shutil.copyfile(home / "kubeconfig", kubeconfig)
        mark = home / "plugin-ran"
        mark.unlink(missing_ok=True)
        (home / ".kube" / "kuberc").unlink(missing_ok=True)  # `kuberc set` writes one
        seed(self.sandbox, name)
        self.sandbox.set_version(name, f"v{minor}.0")
        self.sandbox.clear_requests(name)
        env = {"PATH": f"{files / 'plugins'}:/usr/bin:/bin", "HOME": str(home), "KUBECONFIG": str(kubeconfig),
               "KUBE_EDITOR": str(files / "editor"), "EDITOR": str(files / "editor"),
               "KCTX_FACT_PLUGIN_MARK": str(mark), "LANG": "C"}
        words = [w.replace(DIR, str(files)) for w in argv]
        rc, output = _supervise([str(kubectl_binary(minor)), *words], env, home,
                                lambda: self.sandbox.requests(name), timeout)
        outcome = judge(self.sandbox.requests(name), f"kubectl/v{minor}", mark.exists(), rc)
        return replace(outcome, output=output.replace(str(files), DIR)[-400:])


def _supervise(cmd: list[str], env: dict[str, str], cwd: Path, requests, timeout: float) -> tuple[int, str]:
    """Run until kubectl exits; stop it once it serves (proxy) or holds an access stream open."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
        deadline, probed, stop_at = time.monotonic() + timeout, False, None
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            if not probed and cmd[1:2] == ["proxy"]:
                probed = _probe_proxy(out)
            if stop_at is None and (probed or any(access_path(r.path) for r in requests())):
                stop_at = time.monotonic() + 1.0  # time to send anything else it would
            if stop_at is not None and time.monotonic() > stop_at:
                break
        if proc.poll() is None:
            proc.kill()
        rc = proc.wait()
        out.seek(0)
        return (-9 if rc < 0 else rc), out.read().decode(errors="replace")


def _probe_proxy(out) -> bool:
    """Send one request through `kubectl proxy` once it says where it listens."""
    out.seek(0)
    m = re.search(rb"Starting to serve on 127\.0\.0\.1:(\d+)", out.read())
    out.seek(0, os.SEEK_END)
    if not m:
        return False
    url = f"http://127.0.0.1:{int(m.group(1))}/api/v1/namespaces/{NS}/configmaps"
    try:
        urllib.request.urlopen(url, timeout=5).read()  # noqa: S310 - loopback, a URL we built
    except OSError:
        pass
    return True
