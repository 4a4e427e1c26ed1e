"""`kctx demo --script`: the guided tour runs non-interactively (CI and the README use it)."""

from __future__ import annotations

from tests.runner import kctx_proc


def test_demo_script(home, kubectl):
    r = kctx_proc("demo", "--script", env={"KCTX_KUBECTL": str(kubectl), "PATH": "/usr/bin:/bin"})
    assert r.code == 0, r.err
    out = r.out
    assert "$ kctx ls" in out and "prod" in out
    assert "deployment.apps/web created" in out
    assert 'Switched to context "prod".' in out
    assert "kctx: error: refused: no terminal to confirm on" in out and "(exit status 4)" in out
    assert "configmap/release created" in out
    assert 'deployment.apps "web" deleted' in out
    assert "prod received 1 write request(s): POST /api/v1/namespaces/default/configmaps" in out
    assert not list(home.iterdir()) or all(p.name == ".kube" for p in home.iterdir())  # nothing of ours touched
