"""The shim's parsed-file caches cannot be fooled: an edit of the same size with the old mtime put back is seen
by the next kubectl call, and a config named by KCTX_CONFIG that is not there fails closed.

Through the real shim, real kubectl and the stand-in clusters. KCTX_SHIM_MEMO=0 where the shim's memo could
otherwise answer first (kctx/shim/recorder.py): these tests are about the caches behind it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kctx.sandbox import Sandbox
from tests.sneaky import rewrite_keeping_times
from tests.worlds import sandbox_world


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    return sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)


def kubectl(world: dict, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], env={**world["env"], "KCTX_SHIM_MEMO": "0", **env},
                          capture_output=True, text=True, timeout=60, start_new_session=True)  # no terminal


def writes(sandbox: Sandbox, name: str) -> list:
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD")]


def test_a_context_protected_by_such_an_edit_is_protected_at_once(world, sandbox):
    config = world["home"] / ".config" / "kctx" / "config.yaml"
    p = kubectl(world, "create", "configmap", "before", "--from-literal=a=b")  # dev: not protected
    assert p.returncode == 0, p.stderr
    sandbox.clear_requests()
    rewrite_keeping_times(config, "protect:\n  contexts: ['dev*']\n")
    p = kubectl(world, "create", "configmap", "after", "--from-literal=a=b")
    assert p.returncode == 4 and 'context "dev" matches protect.contexts' in p.stderr, p.stderr
    assert writes(sandbox, "dev") == []


def test_a_kubeconfig_switched_to_prod_by_such_an_edit_is_judged_as_prod(world, sandbox):
    kubeconfig = world["home"] / ".kube" / "config"
    p = kubectl(world, "create", "configmap", "before-switch", "--from-literal=a=b")  # current context: dev
    assert p.returncode == 0, p.stderr
    sandbox.clear_requests()
    text = kubeconfig.read_text()
    assert 'current-context: "dev"\n' in text
    rewrite_keeping_times(kubeconfig, text.replace('current-context: "dev"\n', 'current-context: "prod"\n'))
    p = kubectl(world, "config", "current-context")
    assert p.stdout == "prod\n"  # kubectl reads the new file
    p = kubectl(world, "create", "configmap", "after-switch", "--from-literal=a=b")
    assert p.returncode == 4 and 'context "prod" matches protect.contexts' in p.stderr, p.stderr
    assert writes(sandbox, "prod") == [] and writes(sandbox, "dev") == []


def test_a_missing_config_named_by_kctx_config_fails_closed_for_writes(world, sandbox):
    p = kubectl(world, "--context", "prod", "delete", "configmap", "x", KCTX_CONFIG="/typo/config.yaml")
    assert p.returncode == 4, p.stderr
    assert p.stderr == ("kctx: error: refused: cannot read the kctx config, so protection cannot be ruled out: "
                        "/typo/config.yaml: no such file (named by KCTX_CONFIG)\n")
    p = kubectl(world, "--context", "dev", "delete", "configmap", "x", KCTX_CONFIG="/typo/config.yaml")
    assert p.returncode == 4, p.stderr  # any write: the rules that would say which are protected are unknown
    assert writes(sandbox, "prod") == [] and writes(sandbox, "dev") == []
    p = kubectl(world, "--context", "prod", "get", "configmaps", KCTX_CONFIG="/typo/config.yaml")
    assert p.returncode == 0, p.stderr  # reads keep working, with the warning on every call
    assert p.stderr.startswith("kctx: warning: /typo/config.yaml: no such file (named by KCTX_CONFIG) "
                               "(using defaults)\n")
    p = kubectl(world, "version", "--client", KCTX_CONFIG="/typo/config.yaml", KCTX_SHIM_MEMO="1")
    assert p.returncode == 0 and "kctx: warning: /typo/config.yaml" in p.stderr
