"""Regression tests for ways a write could reach a protected cluster without confirmation."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from kctx.guard.audit import redact
from kctx.guard.protection import normalize_server
from tests.kubeconfigs import kubeconfig, simple, write
from tests.runner import kctx

PROD = "https://127.0.0.1:9/prod"


@pytest.fixture
def kube(home, kubectl, monkeypatch):
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    monkeypatch.setenv("KCTX_KUBECTL_VERSION", "system")
    simple(home / ".kube" / "config", "dev")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", server=PROD, current=False)
    monkeypatch.setenv("KUBECONFIG", f"{home}/.kube/config:{home}/.kube/configs/prod.yaml")
    return home


def protect(home, text: str) -> None:
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text)


def decision(*args: str, env: dict | None = None) -> dict:
    r = kctx("explain", "--json", "--", *args, env=env)
    assert r.code == 0, r
    return json.loads(r.out)


@pytest.mark.parametrize("server", [PROD + "/", "HTTPS://127.0.0.1:9/prod", "https://127.0.0.1:9/prod/"])
def test_server_spellings_are_one_server(kube, server):
    protect(kube, f"protect:\n  servers: ['{PROD}']\n")
    assert decision("-s", server, "delete", "pod", "x")["decision"] == "deny"


def test_normalize_server():
    assert normalize_server("HTTPS://Host.Example/") == "host.example:443"
    assert normalize_server("https://h:6443/x/") == "h:6443/x"
    assert normalize_server("http://h") == "h:80"
    assert normalize_server("https://h:x") == "https://h:x"  # kubectl refuses it: kept as written


@pytest.mark.parametrize("glob,server,hit", [
    ("https://prod.example.com/*", "https://PROD.example.com:443", True),
    ("https://prod.example.com/*", "https://prod.example.com/k8s/x", True),
    ("https://*.example.com", "https://u@api.EXAMPLE.com.:0443/", True),
    ("https://[::1]:6443", "https://127.0.0.1:6443/x", True),  # a server without a path covers every path
    ("https://rancher/k8s/clusters/c-1", "https://rancher/k8s/clusters/c-2", False),
    ("https://prod.example.com", "https://prod.example.com:6443", False),
])
def test_protect_servers_globs_match_every_spelling(glob, server, hit):
    from kctx.config import Config
    from kctx.guard.protection import protection
    from kctx.kubeconfig.model import View

    cfg = Config()
    cfg.protect_servers = [glob]
    assert bool(protection(cfg, View([]), "", "", server)) is hit


def test_server_used_by_a_protected_context_in_another_spelling(kube):
    protect(kube, "protect:\n  contexts: [prod]\n")
    assert decision("-s", "HTTPS://127.0.0.1:9/prod/", "delete", "pod", "x")["decision"] == "deny"


def test_kuberc_defaults_that_change_the_target_are_seen(kube):
    protect(kube, "protect:\n  contexts: [prod]\n")
    (kube / ".kube" / "kuberc").write_text(
        "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\ndefaults:\n"
        "- command: delete\n  options:\n  - name: context\n    default: prod\n")
    d = decision("delete", "pod", "x")
    assert (d["context"], d["decision"]) == ("prod", "deny") and "--context=prod" in d["kuberc"]
    assert decision("delete", "pod", "x", "--context", "dev")["decision"] == "allow"  # the typed flag wins
    assert decision("get", "pods")["decision"] == "allow"
    assert decision("delete", "pod", "x", env={"KUBERC": "off"})["decision"] == "allow"


def test_kuberc_kctx_cannot_read_fails_closed(kube):
    protect(kube, "protect:\n  contexts: [prod]\n")
    (kube / ".kube" / "kuberc").write_text("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\naliases: [\n")
    d = decision("delete", "pod", "x")
    assert d["decision"] == "deny" and "kuberc" in d["problem"] and "invalid YAML" in d["problem"]
    assert decision("get", "pods")["decision"] == "allow"
    assert decision("delete", "pod", "x", env={"KUBERC": "off"})["decision"] == "allow"


def test_kubeconfig_from_a_pipe_fails_closed(kube, tmp_path):
    protect(kube, "protect:\n  contexts: [prod]\n")
    script = f"kctx explain --json -- --kubeconfig <(cat {kube}/.kube/configs/prod.yaml) delete pod x"
    env = {k: v for k, v in os.environ.items()}
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    data = json.loads(p.stdout)
    assert data["decision"] == "deny" and "not a regular file" in data["problem"]


def test_kubernetes_master_is_the_server_when_none_is_configured(kube, tmp_path):
    protect(kube, f"protect:\n  servers: ['{PROD}']\n")
    empty = write(tmp_path / "empty.yaml", kubeconfig())
    d = decision("delete", "pod", "x", env={"KUBECONFIG": str(empty), "KUBERNETES_MASTER": PROD})
    assert d["server"] == PROD and d["decision"] == "deny"


def test_no_home_means_kubectls_relative_path(kube, tmp_path, monkeypatch):
    from kctx.kubeconfig.files import kubectl_files
    from kctx.paths import Paths

    assert kubectl_files({}, Paths({"HOME": "/x"})) == [".kube/config"]


def marked(home):
    doc = kubeconfig({"prod": ("prod", "prod", "")}, clusters={"prod": PROD}, users=["prod"])
    doc["contexts"][0]["extensions"] = [{"name": "kctx", "extension": {"protected": True}}]
    write(home / ".kube" / "configs" / "prod.yaml", doc)


def test_a_marked_context_stays_protected_with_overrides(kube):
    marked(kube)
    assert decision("--context", "prod", "--cluster", "prod", "delete", "pod", "x")["decision"] == "deny"
    assert decision("--context", "prod", "-s", PROD, "delete", "pod", "x")["decision"] == "deny"


def test_a_marked_context_stays_protected_inside_a_session(kube):
    marked(kube)
    r = kctx("session", "start", "--pid", str(os.getpid()), "--context", "prod")
    session = r.out.strip()
    from kctx.session.envfile import read

    d = decision("delete", "pod", "x", env={"KCTX_SESSION": session, "KUBECONFIG": read(session)["KUBECONFIG"]})
    assert (d["context"], d["protected"], d["decision"]) == ("prod", True, "deny")


def test_only_the_first_yaml_document_counts_like_kubectl(kube, kubectl, tmp_path):
    protect(kube, "protect:\n  contexts: [prod]\n")
    multi = tmp_path / "multi.yaml"
    multi.write_text("apiVersion: v1\nkind: Config\ncurrent-context: prod\n---\nfoo: bar\n")
    env = {"KUBECONFIG": f"{multi}:{kube}/.kube/configs/prod.yaml"}
    theirs = subprocess.run([str(kubectl), "config", "current-context"], capture_output=True, text=True,
                            env={**os.environ, **env}).stdout.strip()
    d = decision("delete", "pod", "x", env=env)
    assert d["context"] == theirs == "prod" and d["decision"] == "deny"


def test_kctx_confirm_does_not_follow_a_cluster_override(kube):
    protect(kube, "protect:\n  contexts: [prod]\n")
    d = decision("--context", "dev", "--cluster", "prod", "delete", "pod", "x", env={"KCTX_CONFIRM": "dev"})
    assert d["decision"] == "deny" and "KCTX_CONFIRM=" not in d["reason"]


def test_secret_values_are_redacted():
    argv = ["create", "secret", "generic", "s", "--from-literal=password=s3cr3t", "--docker-password", "hunter2",
            "--token=abc", "--my-api-key", "zzz"]
    out = " ".join(redact(argv))
    assert not any(s in out for s in ("s3cr3t", "hunter2", "abc", "zzz"))
