"""`kctx ns` against kubens's behaviour, with a real kubectl talking to the loopback stand-in API server."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from kctx.sandbox import Sandbox
from tests.runner import kctx


@pytest.fixture
def kube(home: Path, sandbox: Sandbox, kubectl: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    monkeypatch.setenv("NO_COLOR", "1")
    path = sandbox.write_kubeconfig(home / ".kube" / "config", current="dev")
    return path


def test_list_marks_current_and_needs_the_cluster(kube):
    r = kctx("ns")
    assert r.code == 0, r
    assert r.out.splitlines() == ["default", "kube-system"]


def test_switch_checks_existence_and_edits_only_the_namespace(kube):
    before = kube.read_text()
    r = kctx("ns", "kube-system")
    assert (r.code, r.out, r.err) == (0, "", '✔ Active namespace is "kube-system"\n')
    diff = [d for d in difflib.unified_diff(before.splitlines(), kube.read_text().splitlines(), lineterm="", n=0)
            if d[:1] in "+-" and not d.startswith(("+++", "---"))]
    assert len(diff) == 1 and diff[0].replace(" ", "") == "+namespace:kube-system"
    assert kctx("ns", "-c").out == "kube-system\n"
    assert kctx("ns", "-").err == '✔ Active namespace is "default"\n'
    assert kctx("ns", "-c").out == "default\n"


def test_unknown_namespace_is_refused_unless_forced(kube):
    before = kube.read_text()
    r = kctx("ns", "nope")
    assert (r.code, r.err) == (1, 'error: no namespace exists with name "nope"\n')
    assert kube.read_text() == before
    r = kctx("ns", "nope", "--force")
    assert r.code == 0 and kctx("ns", "-c").out == "nope\n"


def test_a_mistyped_namespace_gets_a_did_you_mean(kube):
    r = kctx("ns", "kube-sytem")
    assert (r.code, r.err) == (1, 'error: no namespace exists with name "kube-sytem" (did you mean "kube-system"?)\n')


def test_unreachable_cluster_is_one_clear_line(kube, sandbox):
    sandbox.set_hang("dev", True)
    try:
        r = kctx("ns", "kube-system")
    finally:
        sandbox.set_hang("dev", False)
    assert r.code == 1
    assert r.err.startswith("error: failed to query if namespace exists (is cluster accessible?)")
    assert len(r.err.splitlines()) == 1


def test_previous_without_history(kube):
    r = kctx("ns", "-")
    assert (r.code, r.err) == (1, "error: No previous namespace found for current context (dev)\n")


@pytest.mark.parametrize("argv, message", [
    (["a", "b"], "unsupported arguments ['a', 'b']"),
    (["--bogus"], "unsupported option '--bogus'"),
])
def test_usage_errors(kube, argv, message):
    r = kctx("ns", *argv)
    assert (r.code, r.err) == (1, f"error: {message}\n")


def test_no_current_context(home, kubectl, monkeypatch):
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    (home / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    r = kctx("ns", "-c", env={"NO_COLOR": "1"})
    assert (r.code, r.err) == (1, "error: current-context is not set\n")
