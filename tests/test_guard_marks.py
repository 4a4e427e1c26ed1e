"""Through the real shim: a server protected by a kubeconfig mark or a protect rule stays protected in every
spelling kubectl reaches it with, through -s/--server and through other contexts or cluster entries.

Each refused write is checked where it would land: the stand-in's request log shows nothing was sent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from kctx.sandbox import Sandbox
from tests.worlds import sandbox_world

MARK = [{"name": "kctx", "extension": {"protected": True}}]


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)
    (home / ".config" / "kctx" / "config.yaml").write_text("{}\n")  # no protect rules: only what each test adds
    return w


def shim(world: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], env=world["env"], capture_output=True, text=True, timeout=60,
                          start_new_session=True)  # no terminal, like CI


def edit_kubeconfig(world: dict, change) -> None:
    path = world["home"] / ".kube" / "config"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))


def entry(doc: dict, section: str, name: str) -> dict:
    return next(e for e in doc[section] if e["name"] == name)


def mark(section: str, name: str):
    def change(doc: dict) -> None:
        entry(doc, section, name)[section[:-1]]["extensions"] = MARK
    return change


def writes(sandbox: Sandbox, name: str) -> list:
    """What reached the cluster to change it (a confirmation's preview sends server-side dry runs only)."""
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD") and not r.dry_run]


def spellings(sandbox: Sandbox) -> list[str]:
    port = sandbox.cluster("prod").port
    return [f"https://localhost:{port}", f"HTTPS://u:p@127.0.0.1:0{port}/", f"https://[::ffff:127.0.0.1]:{port}#x",
            f"https://127.0.0.1:{port}/#"]  # the last reaches /%23/api on prod: a path under the protected server


def refused(p: subprocess.CompletedProcess, sandbox: Sandbox) -> bool:
    return p.returncode == 4 and "refused" in p.stderr and writes(sandbox, "prod") == []


@pytest.mark.parametrize("section", ["clusters", "contexts"])
def test_a_mark_protects_its_server_in_every_spelling_through_s(world, sandbox, section):
    edit_kubeconfig(world, mark(section, "prod"))
    for server in spellings(sandbox):
        p = shim(world, "--context", "dev", "-s", server, "delete", "configmap", "x")
        assert refused(p, sandbox), (server, p.stderr)


def test_a_marked_cluster_protects_other_contexts_and_entries_with_its_server(world, sandbox):
    port = sandbox.cluster("prod").port

    def alias(doc: dict) -> None:
        entry(doc, "clusters", "prod")["cluster"]["extensions"] = MARK
        copy = {"name": "prod-copy", "cluster": dict(entry(doc, "clusters", "prod")["cluster"])}
        copy["cluster"].pop("extensions")
        copy["cluster"]["server"] = f"https://LOCALHOST.:{port}/"
        doc["clusters"].append(copy)
        doc["contexts"].append({"name": "alias", "context": {"cluster": "prod-copy", "user": "prod-admin"}})

    edit_kubeconfig(world, alias)
    p = shim(world, "--context", "alias", "delete", "configmap", "x")
    assert refused(p, sandbox) and 'the protected cluster "prod"' in p.stderr, p.stderr
    p = shim(world, "--context", "dev", "--cluster", "prod-copy", "--user", "prod-admin", "delete", "configmap", "x")
    assert refused(p, sandbox), p.stderr


def test_a_cluster_mark_follows_the_server_reached_not_the_entry_name(world, sandbox):
    """`--cluster prod -s <dev>` reaches dev: prod's mark does not apply there (the write goes to dev)."""
    edit_kubeconfig(world, mark("clusters", "prod"))
    p = shim(world, "--context", "dev", "--cluster", "prod", "-s", sandbox.server_url("dev"), "delete", "configmap",
             "x")
    assert p.returncode != 4, p.stderr
    assert writes(sandbox, "dev") and writes(sandbox, "prod") == []
    p = shim(world, "--context", "dev", "--cluster", "prod", "delete", "configmap", "x")
    assert refused(p, sandbox), p.stderr


def test_a_protected_server_glob_in_another_spelling(world, sandbox):
    port = sandbox.cluster("prod").port
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text(
        f"protect:\n  servers: ['HTTPS://LOCALHOST:0{port}/']\n")
    for server in [sandbox.server_url("prod"), *spellings(sandbox)]:
        p = shim(world, "--context", "dev", "-s", server, "delete", "configmap", "x")
        assert refused(p, sandbox) and "protect.servers" in p.stderr, (server, p.stderr)


def test_a_server_url_kubectl_refuses_fails_closed(world, sandbox):
    edit_kubeconfig(world, mark("clusters", "prod"))
    port = sandbox.cluster("prod").port
    p = shim(world, "--context", "dev", "-s", f"https://127.0.0.1:{port}/%zz", "delete", "configmap", "x")
    assert refused(p, sandbox) and "not a URL kubectl reads" in p.stderr, p.stderr
