"""`kctx explain`: the contract other tools rely on."""

from __future__ import annotations

import json

import pytest

from tests.kubeconfigs import simple
from tests.runner import kctx

CONTRACT = ["context", "cluster", "server", "user", "namespace", "files", "protected", "class", "decision",
            "kubectl_version", "kubectl_path"]


@pytest.fixture
def kube(home, kubectl, monkeypatch):
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    simple(home / ".kube" / "config", "dev", namespace="apps")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False)
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: [prod]\n")
    monkeypatch.setenv("KUBECONFIG", f"{home}/.kube/config:{home}/.kube/configs/prod.yaml")
    return home


def explain(*args: str) -> dict:
    r = kctx("explain", "--json", "--", *args)
    assert r.code == 0, r
    return json.loads(r.out)


def test_json_keys_are_the_contract(kube):
    data = explain("get", "pods")
    assert list(data)[:len(CONTRACT)] == CONTRACT
    assert data["context"] == "dev" and data["namespace"] == "apps" and data["class"] == "read"
    assert data["decision"] == "allow" and data["kubectl_path"]


@pytest.mark.parametrize("args, cls, decision", [
    (["--context", "prod", "delete", "pod", "x"], "mutate", "deny"),  # no terminal in tests
    (["-n", "x", "delete", "pod", "y", "--context=prod", "--dry-run=server"], "read", "allow"),
    (["--context", "prod", "exec", "-it", "x", "--", "sh"], "access", "deny"),
    (["--context", "prod", "get", "pods"], "read", "allow"),
    (["--context", "prod", "version", "--client"], "local", "allow"),
    (["delete", "pod", "x"], "mutate", "allow"),
    (["--cluster", "prod", "delete", "pod", "x"], "mutate", "deny"),
])
def test_classes_and_decisions(kube, args, cls, decision):
    data = explain(*args)
    assert (data["class"], data["decision"]) == (cls, decision), data


def test_namespace_and_overrides(kube):
    data = explain("-nkube-system", "--context=prod", "get", "pods")
    assert (data["context"], data["namespace"], data["cluster"], data["protected"]) == (
        "prod", "kube-system", "prod", True)


def test_kctx_confirm_allows_named_context(kube, monkeypatch):
    monkeypatch.setenv("KCTX_CONFIRM", "prod")
    assert explain("--context", "prod", "delete", "pod", "x")["decision"] == "allow"


def test_text_output(kube):
    r = kctx("explain", "--", "--context", "prod", "delete", "pod", "x")
    assert r.code == 0 and "decision" in r.out and "deny" in r.out
