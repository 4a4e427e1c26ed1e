"""`kctx prune`: stale contexts (from the detection cache), dangling contexts, unused entries; minimal edits
with a backup, team files named as such."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from kctx.paths import Paths
from kctx.versions import cache
from tests.runner import kctx

KUBECONFIG = """\
apiVersion: v1
kind: Config
# my clusters
clusters:
- name: live
  cluster: {server: "https://live.example:6443"}
- name: gone
  cluster: {server: "https://gone.example:6443"}
- name: spare
  cluster: {server: "https://spare.example:6443"}
users:
- name: me
  user: {token: abc}
- name: old
  user: {token: def}
contexts:
- name: live
  context: {cluster: live, user: me}
- name: gone
  context: {cluster: gone, user: me}
- name: broken
  context: {cluster: nowhere, user: me}
current-context: live
"""


def setup(home: Path) -> Path:
    path = home / ".kube/config"
    path.write_text(KUBECONFIG)
    path.chmod(0o600)
    now = time.time()
    folder = cache.folder(Paths(dict(os.environ)).cache_dir)
    cache.write(folder, cache.Entry("https://gone.example:6443", "", "1.30.1", now - 3600, now - 40 * 86400,
                                    "connection refused"))
    cache.write(folder, cache.Entry("https://live.example:6443", "", "1.30.1", now, now, ""))
    return path


def test_dry_run_lists_and_changes_nothing(home: Path) -> None:
    path = setup(home)
    r = kctx("prune", "--dry-run")
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert any("context 'gone'" in x and "has not answered since" in x and "connection refused" in x for x in lines)
    assert any("context 'broken'" in x and 'its cluster "nowhere"' in x for x in lines)
    assert any("cluster 'spare'" in x and "no context uses it" in x for x in lines)
    assert any("cluster 'gone'" in x for x in lines) and any("user 'old'" in x for x in lines)
    assert not any("'live'" in x or "user 'me'" in x for x in lines)
    assert path.read_text() == KUBECONFIG
    assert "nothing to prune" not in r.out


def test_yes_removes_with_a_backup_and_keeps_the_rest(home: Path) -> None:
    path = setup(home)
    r = kctx("prune", "--yes")
    assert r.code == 0, r
    text = path.read_text()
    assert "# my clusters" in text and "name: live" in text and "user: {token: abc}" in text
    for gone in ("name: gone", "name: broken", "name: spare", "name: old"):
        assert gone not in text
    (backup,) = path.parent.glob("config.*.bak")
    assert backup.read_text() == KUBECONFIG and backup.stat().st_mode & 0o777 == 0o600
    assert kctx("prune", "--dry-run").out == "nothing to prune\n"


def test_without_a_terminal_nothing_is_removed(home: Path) -> None:
    path = setup(home)
    r = kctx("prune")
    assert r.code == 1 and "no terminal" in r.err
    assert path.read_text() == KUBECONFIG


def test_team_files_are_named(home: Path) -> None:
    path = setup(home)
    state = Path(Paths(dict(os.environ)).state_dir) / "onboard"
    state.mkdir(parents=True)
    (state / "payments.json").write_text(json.dumps({"files": {str(path): "0" * 64}}))
    r = kctx("prune", "--dry-run")
    assert "a team file: kctx onboard writes it again" in r.out


def test_removing_protection_is_asked_like_kubectl_config_delete(home: Path) -> None:
    """--yes answers prune's own question, not the guard's: a protected context, or a cluster a protected
    context's server shares, goes only with KCTX_CONFIRM naming it (no terminal here), and is audited."""
    path = setup(home)
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: [gone]\n  clusters: [spare]\n")
    r = kctx("prune", "--yes")
    assert r.code == 4 and "protect" in r.err, r
    assert path.read_text() == KUBECONFIG
    r = kctx("prune", "--yes", env={"KCTX_CONFIRM": "gone"})
    assert r.code == 4, r  # the cluster "spare" (protect.clusters) has no context to name: still refused
    assert path.read_text() == KUBECONFIG
    cfg.write_text("protect:\n  contexts: [gone]\n")
    r = kctx("prune", "--yes", env={"KCTX_CONFIRM": "gone"})
    assert r.code == 0, r
    assert "name: gone" not in path.read_text()
    audit = Path(Paths(dict(os.environ)).audit_log).read_text()
    assert '"gone"' in audit
