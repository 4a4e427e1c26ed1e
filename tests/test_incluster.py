"""kubectl with no kubeconfig of its own: in a pod (the service account's in-cluster config) and with a legacy
~/.kube/.kubeconfig. The real kubectl and `kctx explain` run side by side; what kubectl sent (the stand-in's
request log) is what kctx predicts.

A pod's service account lives at /var/run/secrets/kubernetes.io/serviceaccount. The tests make it exist for
their commands only: each runs in a private mount namespace (`unshare -m`, as root) where a tmpfs covers
/var/run (or /var/run/secrets) and a temporary folder is bind-mounted at the service-account path. Nothing
outside that namespace sees it, and it goes away with the command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kctx.guard.target import SERVICE_ACCOUNT
from kctx.sandbox import Sandbox
from kctx.sandbox.resources import by_plural
from tests.kubectl_bins import kubectl_binary
from tests.test_kuberc import observe, seed
from tests.tools import missing

# In the private namespace: cover /var/run (or its secrets folder) with a tmpfs, put the folder $SA at the
# service-account path, then run the command.
WRAP = """set -e
top=/var/run/secrets; [ -d "$top" ] || top=$(readlink -f /var/run)
mount -t tmpfs kctx-test "$top"
mkdir -p "$SERVICE_ACCOUNT"
mount --bind "$SA" "$SERVICE_ACCOUNT"
exec "$@"
"""


def _namespaces_work() -> str:
    """Why the private-mount tests cannot run here, or ""."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root (a private mount namespace)"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    p = subprocess.run(["unshare", "-m", "sh", "-c", WRAP, "sh", "true"], capture_output=True, text=True,
                       env={"PATH": os.environ.get("PATH", ""), "SA": "/", "SERVICE_ACCOUNT": SERVICE_ACCOUNT})
    return "" if p.returncode == 0 else f"cannot make a private mount namespace: {p.stderr.strip()[-200:]}"


SKIP = _namespaces_work()


@pytest.fixture
def private_mounts() -> None:
    if SKIP:
        missing(SKIP)


in_pod_only = pytest.mark.usefixtures("private_mounts")


class Pod:
    """A home (no kubeconfig unless a test writes one), a service-account folder, and the pod's variables."""

    def __init__(self, home: Path, sandbox: Sandbox, tmp_path: Path) -> None:
        self.home, self.sandbox = home, sandbox
        self.sa = tmp_path / "serviceaccount"
        self.sa.mkdir()
        dev = sandbox.cluster("dev")
        (self.sa / "token").write_text(dev.token)
        (self.sa / "ca.crt").write_bytes(sandbox._ca_pem)
        (self.sa / "namespace").write_text("team-a\n")
        host, port = sandbox.server_url("dev").split("//")[1].rsplit(":", 1)
        self.env = {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
        self.kubectl = kubectl_binary()

    def run(self, cmd: list[str], env: dict | None = None, pod: bool = True) -> subprocess.CompletedProcess:
        full = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBE", "POD_"))}
        full.update(HOME=str(self.home), SA=str(self.sa), SERVICE_ACCOUNT=SERVICE_ACCOUNT,
                    KCTX_KUBECTL=str(self.kubectl), KCTX_KUBECTL_VERSION="system", **(env or {}))
        if pod:
            cmd = ["unshare", "-m", "sh", "-c", WRAP, "sh", *cmd]
        return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    def kubectl_does(self, argv: list[str], env: dict | None = None, pod: bool = True) -> tuple[set, set, set]:
        before = seed(self.sandbox)
        self.run([str(self.kubectl), *argv], env, pod)
        return observe(self.sandbox, before)

    def explain(self, argv: list[str], env: dict | None = None, pod: bool = True) -> dict:
        p = self.run([sys.executable, "-m", "kctx", "explain", "--json", "--", *argv], env, pod)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)


@pytest.fixture
def pod(home: Path, sandbox: Sandbox, tmp_path: Path) -> Pod:
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f"protect:\n  servers: ['{sandbox.server_url('dev')}']\n  contexts: ['prod']\n")
    return Pod(home, sandbox, tmp_path)


CREATE = ["create", "cm", "y", "--from-literal=a=b"]


@in_pod_only
def test_no_kubeconfig_in_a_pod_is_the_pods_cluster_and_namespace(pod, sandbox):
    assert pod.kubectl_does(["get", "cm"], pod.env)[:2] == ({"dev"}, {"team-a"})
    d = pod.explain(["get", "cm"], pod.env)
    assert (d["server"], d["namespace"], d["context"]) == (sandbox.server_url("dev"), "team-a", "")
    # protect.servers covers the pod's API server: a write is refused without a terminal, and does happen
    d = pod.explain(CREATE, pod.env)
    assert d["protected"] and d["decision"] == "deny", d
    api = sandbox.cluster("dev").api
    namespaces = by_plural("namespaces")
    if not api.store.exists(namespaces, "", "team-a"):
        api.create(namespaces, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    assert pod.kubectl_does(CREATE, pod.env)[2] == {"dev"}
    assert api.store.exists(by_plural("configmaps"), "team-a", "y")


@in_pod_only
@pytest.mark.parametrize("change, namespace", [
    ({"POD_NAMESPACE": "pod-ns"}, "pod-ns"),  # the downward API's variable comes first
    ({"-n": "x"}, "x"),
    ({"namespace file": ""}, "default"),
    ({"namespace file": "  team-b \n"}, "team-b"),
])
def test_the_pods_namespace(pod, change, namespace):
    env, argv = dict(pod.env), ["get", "cm"]
    for key, value in change.items():
        if key == "-n":
            argv += ["-n", value]
        elif key == "namespace file":
            (pod.sa / "namespace").write_text(value)
        else:
            env[key] = value
    assert pod.kubectl_does(argv, env)[:2] == ({"dev"}, {namespace})
    assert pod.explain(argv, env)["namespace"] == namespace


@in_pod_only
def test_a_kubeconfig_wins_in_a_pod_but_its_context_takes_the_pods_namespace(pod, sandbox):
    sandbox.write_kubeconfig(pod.home / ".kube" / "config", current="prod")
    assert pod.kubectl_does(["get", "cm"], pod.env)[:2] == ({"prod"}, {"team-a"})
    d = pod.explain(["get", "cm"], pod.env)
    assert (d["context"], d["server"], d["namespace"]) == ("prod", sandbox.server_url("prod"), "team-a")


@in_pod_only
@pytest.mark.parametrize("missing", ["token", "KUBERNETES_SERVICE_HOST"])
def test_without_the_token_or_the_variables_there_is_no_pod_config(pod, missing):
    env = dict(pod.env)
    if missing == "token":
        (pod.sa / "token").unlink()
    else:
        del env[missing]
    assert pod.kubectl_does(["get", "cm", "--request-timeout=2s"], env)[0] == set()  # localhost:8080
    d = pod.explain(["get", "cm"], env)
    assert (d["server"], d["namespace"]) == ("", "default")


@in_pod_only
def test_a_flag_that_sends_kubectl_elsewhere_is_still_judged_on_the_pods_cluster(pod):
    """--request-timeout makes kubectl skip the in-cluster config (localhost:8080): kctx judges the pod's
    protected server all the same, erring on the careful side."""
    assert pod.kubectl_does(["--request-timeout=2s", *CREATE], pod.env) == (set(), set(), set())
    assert pod.explain(["--request-timeout=2s", *CREATE], pod.env)["decision"] == "deny"


def test_a_legacy_kubeconfig_is_what_kubectl_reads(pod, sandbox):
    legacy = pod.home / ".kube" / ".kubeconfig"
    sandbox.write_kubeconfig(legacy, current="prod")
    config = pod.home / ".kube" / "config"
    d = pod.explain(["delete", "cm", "x"], pod=False)
    assert (d["context"], d["files"], d["decision"]) == ("prod", [str(legacy)], "deny"), d
    assert not config.exists()  # kctx reads it in place; kubectl copies it
    assert pod.kubectl_does(["delete", "cm", "x"], pod=False)[2] == {"prod"}
    assert config.read_text() == legacy.read_text()


def test_a_legacy_kubeconfig_is_read_where_kubeconfig_names_the_default_file(pod, sandbox):
    sandbox.write_kubeconfig(pod.home / ".kube" / ".kubeconfig", current="prod")
    env = {"KUBECONFIG": f"{pod.home}/none.yaml:{pod.home}/.kube/config"}
    assert pod.explain(["get", "cm"], env, pod=False)["context"] == "prod"
    assert pod.kubectl_does(["get", "cm"], env, pod=False)[0] == {"prod"}
    other = {"KUBECONFIG": f"{pod.home}/none.yaml"}  # the copy is made, but not read
    assert pod.explain(["get", "cm"], other, pod=False)["context"] == ""
