"""Walk-arounds found by trying to get a write past the guard, each held against the real kubectl: what kubectl
does with the line (the stand-in's request log says), and that the shim, with no terminal, refuses it on a
protected context and sends nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from kctx.sandbox import Sandbox
from tests.worlds import sandbox_world


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)
    w["real"] = kubectl
    return w


def shim(world: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], env={**world["env"], **(env or {})}, capture_output=True, text=True,
                          timeout=60, start_new_session=True)  # no terminal


def direct(world: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(world["real"]), *args], env=world["env"], capture_output=True, text=True, timeout=60)


def writes(sandbox: Sandbox, name: str) -> list:
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD") and not r.dry_run]


# cobra looks for the command before it defines the help flag: a bare -h/--help then takes the next word.
HELP_FIRST = [
    ("-h", "get", "create", "namespace", "--help=false"),  # creates the namespace "get"
    ("--help", "describe", "create", "configmap", "--help=0"),  # creates the configmap "describe"
    ("-h", "get", "delete", "--raw", "/api/v1/namespaces/default/configmaps/swallowed", "--help=false"),
]


@pytest.mark.parametrize("line", HELP_FIRST, ids=[" ".join(line[:3]) for line in HELP_FIRST])
def test_help_before_the_command_word_swallows_the_next_word(world, sandbox, line):
    if "delete" in line:
        direct(world, "--context", "dev", "create", "configmap", "swallowed")
    sandbox.clear_requests()
    p = direct(world, "--context", "dev", *line)
    assert writes(sandbox, "dev"), (p.stdout, p.stderr)  # the fact: kubectl really writes
    p = shim(world, "--context", "prod", *line)
    assert p.returncode == 4, (p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []


def test_a_kubeconfig_path_through_a_symlink_and_dot_dot_is_the_file_kubectl_opens(world, sandbox, tmp_path):
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text("protect:\n  clusters: [prod]\n")
    real = tmp_path / "dot" / "real" / "sub"
    real.mkdir(parents=True)
    (tmp_path / "dot" / "lnk").symlink_to(real)
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    as_dev = {**doc, "current-context": "dev"}
    prod_cluster_for_dev = {**doc, "current-context": "dev", "contexts": [
        {"name": "dev", "context": next(c["context"] for c in doc["contexts"] if c["name"] == "prod")}]}
    (tmp_path / "dot" / "kc.yaml").write_text(yaml.safe_dump(as_dev))  # what `lnk/..` reads as text
    (tmp_path / "dot" / "real" / "kc.yaml").write_text(yaml.safe_dump(prod_cluster_for_dev))  # what it opens
    path = f"{tmp_path}/dot/lnk/../kc.yaml"
    for args in (["--kubeconfig", path], []):
        p = shim(world, *args, "create", "configmap", "x", env={} if args else {"KUBECONFIG": path})
        assert p.returncode == 4, (p.stdout, p.stderr)  # judged as what kubectl reads: the protected cluster
    assert writes(sandbox, "prod") == []
    assert os.path.exists(path)


def test_completing_a_plugin_line_runs_its_completion_program():
    from kctx.kubectl.argv import parse
    from kctx.kubectl.classify import classify

    assert classify(parse(["__complete", "foo", "--context", "prod", ""])).cls == "unknown"
    assert classify(parse(["__complete", "kuberc", ""]), "1.35").cls == "unknown"  # a plugin there
    assert classify(parse(["__complete", "get", "po", ""])).cls == "read"


def test_an_alias_named_like_a_command_only_newer_releases_have_fails_closed(tmp_path):
    from kctx.kubectl.kuberc import apply
    from kctx.paths import Paths

    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "kuberc").write_text(
        "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
        "aliases:\n- name: kuberc\n  command: delete\n  appendArgs: [--context, prod]\n")
    environ = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    # kubectl 1.36+ run their own `kuberc`, 1.33-1.35 the alias (a delete on prod): not judged as either
    assert "only in some kubectl releases" in apply(["kuberc", "configmap", "x"], environ, Paths(environ)).problem


def _split_world(world: dict, tmp_path: Path) -> tuple[Path, dict]:
    """prod's context lives in a file only the config's `kubeconfigs:` glob names (kubectl never reads it); a
    file kubectl reads holds a context "side" that points at prod's cluster entry, or the same server."""
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    team = world["home"] / ".kube" / "team"
    team.mkdir()
    prod_ctx = next(c for c in doc["contexts"] if c["name"] == "prod")
    prod_cluster = next(c for c in doc["clusters"] if c["name"] == prod_ctx["context"]["cluster"])
    user = next(u for u in doc["users"] if u["name"] == prod_ctx["context"]["user"])
    (team / "prod.yaml").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "contexts": [prod_ctx], "clusters": [prod_cluster], "users": [user]}))
    side = {"name": "side", "context": {"cluster": "side-cluster", "user": user["name"]}}
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "side", "contexts": [side],
        "clusters": [{"name": "side-cluster", "cluster": prod_cluster["cluster"]}, prod_cluster], "users": [user]}))
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text("protect:\n  contexts: ['prod*']\nkubeconfigs: ['~/.kube/team/*.yaml']\n")
    return mine, prod_cluster


def test_a_protected_context_in_a_file_kubectl_does_not_read_protects_its_server(world, sandbox, tmp_path):
    mine, _ = _split_world(world, tmp_path)
    for env, args in (({"KUBECONFIG": str(mine)}, []), ({}, ["--kubeconfig", str(mine)])):
        p = shim(world, *args, "create", "configmap", "x", env=env)
        assert p.returncode == 4, (p.stdout, p.stderr)
        assert "the protected context" in p.stderr
    assert writes(sandbox, "prod") == []


def test_re_pointing_a_cluster_a_protected_context_in_another_file_uses_asks(world, sandbox, tmp_path):
    mine, prod_cluster = _split_world(world, tmp_path)
    before = mine.read_text()
    p = shim(world, "config", "set-cluster", prod_cluster["name"], "--server=https://127.0.0.1:9",
             env={"KUBECONFIG": str(mine)})
    assert p.returncode == 4, (p.stdout, p.stderr)
    assert mine.read_text() == before


def test_a_copy_of_a_protected_server_in_another_kubeconfig_is_that_server(world, sandbox, tmp_path):
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    prod = next(c for c in doc["contexts"] if c["name"] == "prod")
    copy = {**doc, "current-context": "innocent",
            "contexts": [{"name": "innocent", "context": prod["context"]}]}
    other = tmp_path / "copy.yaml"
    other.write_text(yaml.safe_dump(copy))
    for env, args in (({"KUBECONFIG": str(other)}, []), ({}, ["--kubeconfig", str(other)])):
        p = shim(world, *args, "create", "configmap", "x", env=env)
        assert p.returncode == 4, (p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []


def test_kctx_confirm_names_the_protected_context_a_target_borrows_its_cluster_from(world, sandbox, tmp_path):
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    prod = next(c for c in doc["contexts"] if c["name"] == "prod")
    first = tmp_path / "first.yaml"  # names only: "dev" here uses prod's cluster and user entries
    first.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config",
                                     "contexts": [{"name": "dev", "context": prod["context"]}]}))
    env = {"KUBECONFIG": f"{first}:{world['home'] / '.kube' / 'config'}"}
    p = shim(world, "--context", "dev", "create", "configmap", "x", env={**env, "KCTX_CONFIRM": "dev"})
    assert p.returncode == 4 and "KCTX_CONFIRM=prod" in p.stderr, (p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []
    p = shim(world, "--context", "dev", "create", "configmap", "x", env={**env, "KCTX_CONFIRM": "prod"})
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert len(writes(sandbox, "prod")) == 1


@pytest.mark.parametrize("rule", ["servers", "clusters"])
def test_kctx_confirm_names_prods_context_whichever_rule_protects_its_server(world, sandbox, tmp_path, rule):
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    prod = next(c for c in doc["contexts"] if c["name"] == "prod")
    cluster = next(c for c in doc["clusters"] if c["name"] == prod["context"]["cluster"])
    value = cluster["cluster"]["server"] if rule == "servers" else cluster["name"]
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text(
        f"protect:\n  contexts: ['prod*']\n  {rule}: ['{value}']\n")
    first = tmp_path / "first.yaml"
    first.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config",
                                     "contexts": [{"name": "dev", "context": prod["context"]}]}))
    env = {"KUBECONFIG": f"{first}:{world['home'] / '.kube' / 'config'}", "KCTX_CONFIRM": "dev"}
    p = shim(world, "--context", "dev", "create", "configmap", "x", env=env)
    assert p.returncode == 4 and "KCTX_CONFIRM=prod" in p.stderr, (p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []


def test_read_only_is_read_over_kctx_s_whole_view(world, sandbox, tmp_path):
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text(
        "protect:\n  contexts: ['prod*']\n  readonly: {contexts: [prod]}\n")
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    prod = next(c for c in doc["contexts"] if c["name"] == "prod")
    cluster = next(c for c in doc["clusters"] if c["name"] == prod["context"]["cluster"])
    user = next(u for u in doc["users"] if u["name"] == prod["context"]["user"])
    copy = tmp_path / "copy.yaml"  # prod's server and user under other names, in a file kubectl alone reads
    copy.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "p2", "cluster": cluster["cluster"]}], "users": [{"name": "u2", "user": user["user"]}],
        "contexts": [{"name": "x", "context": {"cluster": "p2", "user": "u2"}}]}))
    p = shim(world, "create", "configmap", "x", env={"KUBECONFIG": str(copy), "KCTX_CONFIRM": "prod"})
    assert p.returncode == 4 and "read-only" in p.stderr, (p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []


def test_a_same_named_context_earlier_in_the_list_does_not_hide_protection(world, sandbox, tmp_path):
    """An unmarked "prod" pointing at dev, first in KUBECONFIG, hides the real prod from kubectl; a context x on
    prod's cluster is still protected (and read-only stays read-only)."""
    shadow = tmp_path / "shadow.yaml"
    shadow.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "contexts": [
        {"name": "prod", "context": {"cluster": "dev", "user": "dev-admin"}},
        {"name": "x", "context": {"cluster": "prod", "user": "prod-admin"}}]}))
    env = {"KUBECONFIG": f"{shadow}:{world['home'] / '.kube' / 'config'}"}
    for config in ("protect:\n  contexts: ['prod*']\n", "protect:\n  readonly: {contexts: [prod]}\n"):
        (world["home"] / ".config" / "kctx" / "config.yaml").write_text(config)
        p = shim(world, "--context", "x", "create", "configmap", "x", env=env)
        assert p.returncode == 4, (config, p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []


def test_moving_a_protected_context_onto_another_protected_cluster_needs_that_context(world, sandbox):
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text("protect:\n  contexts: ['prod*', dev]\n")
    before = (world["home"] / ".kube" / "config").read_text()
    p = shim(world, "config", "set-context", "prod", "--cluster=dev", "--user=dev-admin", env={"KCTX_CONFIRM": "prod"})
    assert p.returncode == 4 and "KCTX_CONFIRM=dev" in p.stderr, (p.stdout, p.stderr)
    assert (world["home"] / ".kube" / "config").read_text() == before


def test_a_same_named_cluster_entry_in_a_third_file_does_not_hide_protection(world, sandbox, tmp_path):
    """Contexts in one file, clusters in another: a file listed first with its own "prod" cluster entry (at dev)
    makes kubectl's "prod" cluster dev's, not the real prod server any less protected."""
    doc = yaml.safe_load((world["home"] / ".kube" / "config").read_text())
    by_name = {c["name"]: c for c in doc["clusters"]}
    prod = next(c for c in doc["contexts"] if c["name"] == "prod")
    user = next(u for u in doc["users"] if u["name"] == prod["context"]["user"])
    contexts, clusters, evil = tmp_path / "contexts.yaml", tmp_path / "clusters.yaml", tmp_path / "evil.yaml"
    contexts.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "contexts": doc["contexts"]}))
    clusters.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "clusters": doc["clusters"],
                                        "users": doc["users"]}))
    dev_cluster = next(c for c in doc["contexts"] if c["name"] == "dev")["context"]["cluster"]
    evil.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": prod["context"]["cluster"], "cluster": by_name[dev_cluster]["cluster"]},
                     {"name": "p2", "cluster": by_name[prod["context"]["cluster"]]["cluster"]}],
        "users": [{"name": "u", "user": user["user"]}],
        "contexts": [{"name": "x", "context": {"cluster": "p2", "user": "u"}}]}))
    (world["home"] / ".kube" / "config").unlink()  # the user's kubeconfig is the split pair
    env = {"KUBECONFIG": f"{evil}:{contexts}:{clusters}"}
    for config in ("protect:\n  contexts: ['prod*']\n", "protect:\n  readonly: {contexts: [prod]}\n"):
        (world["home"] / ".config" / "kctx" / "config.yaml").write_text(config)
        p = shim(world, "create", "configmap", "x", env=env)
        assert p.returncode == 4, (config, p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []
