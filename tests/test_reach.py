"""kubectl reaches every context kctx lists (kctx/guard/reach.py): contexts of the config's `kubeconfigs:` globs
and, inside a session, contexts outside the session's narrowed KUBECONFIG — through the shim, judged alike."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from kctx.sandbox import Sandbox
from tests.runner import kctx
from tests.worlds import sandbox_world


def _renamed(doc: dict, old: str, new: str) -> dict:
    """The kubeconfig ``doc`` with context, cluster and user ``old`` called ``new`` (and ``new``-cluster/-user)."""
    for section, name in (("contexts", new), ("clusters", f"{new}-cluster"), ("users", f"{new}-user")):
        for item in doc[section]:
            item["name"] = name
    for item in doc["contexts"]:
        item["context"].update(cluster=f"{new}-cluster", user=f"{new}-user")
    doc["current-context"] = ""
    return doc


@pytest.fixture(params=[False, True], ids=["no-session", "session"])
def world(request, home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)
    sandbox.write_kubeconfig(home / ".kube" / "config", ["dev"], current="dev")
    extra = sandbox.write_kubeconfig(home / ".kube" / "configs" / "eu.yaml", ["prod"])  # found by the globs only
    extra.write_text(yaml.safe_dump(_renamed(yaml.safe_load(extra.read_text()), "prod", "prod-eu")))
    if request.param:
        start = kctx("session", "start", "--pid", str(os.getpid()), env=w["env"])
        assert start.code == 0, start
        w["env"]["KCTX_SESSION"] = start.out.strip()
    return w


def run(world: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], env=world["env"], capture_output=True, text=True, timeout=60,
                          start_new_session=True)  # no terminal


def test_kctx_lists_the_context_of_a_glob_file(world):
    assert "prod-eu" in kctx("ls", "-o", "name", env=world["env"]).out.split()


def test_kubectl_reaches_a_context_that_only_kctx_knew(world, sandbox):
    p = run(world, "--context", "prod-eu", "get", "configmaps", "-o", "name")
    assert p.returncode == 0, p.stderr
    assert any(r.method == "GET" for r in sandbox.requests("prod"))


def test_such_a_context_is_judged_like_any_other(world, sandbox):
    p = run(world, "--context", "prod-eu", "delete", "configmap", "x")
    assert p.returncode == 4 and "prod-eu" in p.stderr, p.stderr
    assert not [r for r in sandbox.requests("prod") if r.method == "DELETE"]


def test_kubectl_lists_and_completes_every_context_kctx_lists(world):
    listed = run(world, "config", "get-contexts", "-o", "name")
    assert listed.returncode == 0 and {"dev", "prod-eu"} <= set(listed.stdout.split()), listed
    completed = run(world, "__complete", "--context", "")
    assert {"dev", "prod-eu"} <= set(completed.stdout.split()), completed


def test_plain_calls_keep_kubectls_own_files(world, sandbox):
    p = run(world, "get", "configmaps", "-o", "name")  # the current context, dev: nothing more to read
    assert p.returncode == 0, p.stderr
    assert not sandbox.requests("prod")
