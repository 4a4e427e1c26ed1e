"""onboard --check --online: the team file's access: questions asked of each cluster with `kubectl auth can-i`,
through the kubectl and files the shim would use; real kubectl against the stand-in clusters."""

from __future__ import annotations

import os
from pathlib import Path

from kctx.paths import Paths
from kctx.versions import manage
from tests.kubectl_bins import kubectl_binary
from tests.runner import kctx

NO_KUBECTL = "/nonexistent"
TEAM = """\
kctx-team: 1
team: pay
access: ["get pods", "create deployments -n payments"]
clusters:
  prod:
    environment: prod
    source: {file: prod.yaml}
  dev:
    environment: dev
    access: ["delete pods"]
    source: {file: dev.yaml}
"""


def test_online_asks_each_cluster_what_the_team_needs(home: Path, tmp_path: Path, sandbox) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    sandbox.write_kubeconfig(folder / "prod.yaml", ["prod"])
    sandbox.write_kubeconfig(folder / "dev.yaml", ["dev"])
    (folder / "team.yaml").write_text(TEAM)
    with open(os.devnull, "w") as quiet:
        manage.add(Paths(), str(kubectl_binary("1.37")), quiet)
    env = {"PATH": NO_KUBECTL}
    assert kctx("onboard", str(folder / "team.yaml"), env=env).code == 0
    assert kctx("onboard", "--check", str(folder / "team.yaml"), env=env).code == 0
    sandbox.clear_requests("prod")
    sandbox.clear_requests("dev")
    try:
        sandbox.set_denied("prod", {("create", "deployments")})
        sandbox.set_denied("dev", {("get", "pods")})  # dev asks its own question, not the team's
        r = kctx("onboard", "--check", "--online", str(folder / "team.yaml"), env=env)
        assert r.code == 1, r
        assert r.out.splitlines()[1:] == [
            '  - no access on "prod" (cluster prod): kubectl auth can-i create deployments -n payments says no']
        reviews = [q for q in sandbox.requests("prod") if q.path.endswith("/selfsubjectaccessreviews")]
        assert len(reviews) == 2 and len([q for q in sandbox.requests("dev") if q.method == "POST"]) == 1
        sandbox.set_refuse_auth("dev", True)
        r = kctx("onboard", "--check", "--online", str(folder / "team.yaml"), env=env)
        assert 'cannot check access on "dev" (cluster dev): kubectl auth can-i delete pods failed: ' in r.out, r
    finally:
        sandbox.set_denied("prod", set())
        sandbox.set_denied("dev", set())
        sandbox.set_refuse_auth("dev", False)
    assert kctx("onboard", "--check", "--online", str(folder / "team.yaml"), env=env).code == 0


def test_access_questions_may_only_narrow_what_is_asked(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    for question, why in (("get pods --as admin", "--as is not allowed here"),
                          ("pods", 'expected "VERB RESOURCE"')):
        (folder / "team.yaml").write_text(TEAM.replace('"delete pods"', f'"{question}"'))
        r = kctx("onboard", "--check", str(folder / "team.yaml"), env={"PATH": NO_KUBECTL})
        assert r.code == 1 and r.err.startswith(f"kctx: error: {folder / 'team.yaml'}:10: clusters.dev.access[0]: "), r
        assert why in r.err
