"""Local writes that remove protection need confirmation: the pure rule (kctx/guard/localwrite.py) as a table,
then through the real shim (`kubectl config …`) and `kctx ctx` (kubectx's -d and NEW=OLD)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pexpect
import pytest
import yaml

from kctx.config import Config
from kctx.guard.localwrite import removal
from kctx.kubeconfig.model import FileIndex, View
from kctx.kubectl.argv import parse
from kctx.sandbox import Sandbox
from tests.runner import kctx
from tests.worlds import sandbox_world


def view() -> View:
    """prod: protected by protect.contexts; stage: marked; alias: reaches prod's server through another entry;
    locked and a.b: marked clusters no context uses; gc1: a cluster protect.clusters matches."""
    contexts = {"prod": {"cluster": "prod", "user": "u"}, "stage": {"cluster": "stage", "user": "u", "protected": True},
                "dev": {"cluster": "dev", "user": "u"}, "alias": {"cluster": "prod-copy", "user": "u"}}
    clusters = {"prod": {"server": "https://prod.example.com:6443"}, "stage": {"server": "https://stage:6443"},
                "dev": {"server": "https://dev:6443"}, "prod-copy": {"server": "HTTPS://PROD.example.com:6443/"},
                "locked": {"server": "https://locked:6443", "protected": True}, "gc1": {"server": "https://gc1"},
                "a.b": {"server": "https://ab:6443", "protected": True}}
    return View([FileIndex("/k/config", current_context="prod", contexts=contexts, clusters=clusters)])


def config() -> Config:
    cfg = Config()
    cfg.protect_contexts, cfg.protect_clusters = ["prod*"], ["gc*"]
    return cfg


# argv -> (context to confirm with, cluster) of what the write removes, or None when it removes nothing
CASES = [
    ("config delete-context prod", ("prod", "prod")),
    ("config delete-context stage", ("stage", "stage")),
    ("config delete-context dev", None),
    ("config delete-context alias", None),  # protected only through its server, which stays protected
    ("config delete-context nosuch", None),
    ("config rename-context prod p2", ("prod", "prod")),
    ("config rename-context prod prod-2", None),  # prod* still matches
    ("config rename-context stage s2", None),  # the mark goes with the context
    ("config rename-context dev prod-x", None),
    ("config set-context prod --cluster dev", ("prod", "prod")),
    ("config set-context prod --cluster=", ("prod", "prod")),
    ("config set-context prod --cluster prod", None),
    ("config set-context prod --cluster prod-copy", None),  # the same server in another spelling
    ("config set-context prod --namespace x --user v", None),
    ("config set-context --current --cluster dev", ("prod", "prod")),
    ("config set-context dev --cluster prod", None),
    ("config set-context new --cluster dev", None),
    ("config set-cluster prod --server https://elsewhere:6443", ("prod", "prod")),
    ("config set-cluster prod --server HTTPS://prod.example.com:06443/", None),
    ("config set-cluster prod --certificate-authority /ca.crt", None),
    ("config set-cluster locked --server https://x", ("", "locked")),
    ("config set-cluster gc1 --server https://x", ("", "gc1")),
    ("config set-cluster prod-copy --server https://x", None),
    ("config set-cluster dev --server https://prod.example.com:6443", None),  # adds protection
    ("config delete-cluster prod", ("prod", "prod")),
    ("config delete-cluster locked", ("", "locked")),
    ("config delete-cluster dev", None),
    ("config set clusters.prod.server https://x", ("prod", "prod")),
    ("config set clusters.a.b.server https://x", ("", "a.b")),
    ("config set clusters.prod.insecure-skip-tls-verify true", None),
    ("config set contexts.prod.cluster dev", ("prod", "prod")),
    ("config set contexts.prod.namespace x", None),
    ("config unset contexts.prod", ("prod", "prod")),
    ("config unset contexts.prod.cluster", ("prod", "prod")),
    ("config unset contexts.stage.extensions", ("stage", "stage")),
    ("config unset clusters.locked.extensions", ("", "locked")),
    ("config unset clusters.prod.server", ("prod", "prod")),
    ("config unset clusters.a.b", ("", "a.b")),
    ("config unset contexts.dev", None),
    ("config unset contexts", ("prod", "prod")),
    ("config unset clusters", ("prod", "prod")),
    ("config unset users.u", None),
    ("config unset current-context", None),
    ("config use-context dev", None),
    ("config set-credentials u --token t", None),
    ("--context dev config delete-context prod", ("prod", "prod")),
]


@pytest.mark.parametrize("line,expected", CASES, ids=[c[0] for c in CASES])
def test_what_a_local_write_removes(line, expected):
    r = removal(parse(line.split()), view(), config())
    assert (None if r is None else (r.context, r.cluster)) == expected, r


def test_the_reason_says_what_goes_and_why_it_was_protected():
    r = removal(parse(["config", "rename-context", "prod", "p2"]), view(), config())
    assert r.reason == 'renames context "prod" to "p2", which no protect rule matches: context "prod" matches ' \
                       'protect.contexts "prod*"'
    r = removal(parse(["config", "delete-cluster", "prod"]), view(), config())
    assert 'cluster "prod" is used by the protected context "prod"' in r.reason and r.server.startswith("https://")


# --- through the shim ------------------------------------------------------------------------------------------

@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    return sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)  # protect.contexts: prod*


def shim(world: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], env={**world["env"], **(env or {})}, capture_output=True, text=True,
                          timeout=60, start_new_session=True)  # no terminal, like CI


def kubeconfig(world: dict) -> str:
    return (world["home"] / ".kube" / "config").read_text()


def audit(world: dict) -> list[dict]:
    path = world["home"] / ".local/state/kctx/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


REFUSED = ["config delete-context prod", "config rename-context prod p2", "config set-context prod --cluster dev",
           "config set-cluster prod --server https://x", "config set clusters.prod.server https://x",
           "config unset contexts.prod", "config delete-cluster prod",
           "--kubeconfig {home}/.kube/config config unset clusters"]


@pytest.mark.parametrize("line", REFUSED)
def test_without_a_terminal_the_shim_refuses_and_changes_nothing(world, line):
    before = kubeconfig(world)
    p = shim(world, *line.format(home=world["home"]).split())
    assert p.returncode == 4 and "refused: no terminal to confirm on" in p.stderr, p.stderr
    assert kubeconfig(world) == before
    assert audit(world)[-1]["decision"] == "refused"


def test_kctx_confirm_names_the_context_it_allows(world):
    p = shim(world, "config", "rename-context", "prod", "p2", env={"KCTX_CONFIRM": "dev"})
    assert p.returncode == 4 and "set KCTX_CONFIRM=prod" in p.stderr, p.stderr
    p = shim(world, "config", "rename-context", "prod", "p2", env={"KCTX_CONFIRM": "prod"})
    assert p.returncode == 0 and "p2" in yaml.safe_load(kubeconfig(world))["current-context"] + "p2", p.stderr
    assert [c["name"] for c in yaml.safe_load(kubeconfig(world))["contexts"]] == ["dev", "p2"]
    assert audit(world)[-1]["decision"] == "allowed-by-env"


def test_writes_that_remove_nothing_go_through(world, sandbox):
    for line in ("config set-context prod --namespace web", "config rename-context dev dev2",
                 "config set-cluster dev --server " + sandbox.server_url("dev") + "/", "config delete-context dev2"):
        p = shim(world, *line.split())
        assert p.returncode == 0, (line, p.stderr)
    assert audit(world) == []


def test_a_mark_is_not_removed_without_confirmation(world):
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text("{}\n")
    path = world["home"] / ".kube" / "config"
    doc = yaml.safe_load(path.read_text())
    doc["clusters"][1]["cluster"]["extensions"] = [{"name": "kctx", "extension": {"protected": True}}]
    path.write_text(yaml.safe_dump(doc))
    p = shim(world, "config", "unset", f"clusters.{doc['clusters'][1]['name']}.extensions")
    assert p.returncode == 4 and "removes the protection mark" in p.stderr, p.stderr


def test_on_a_terminal_the_shim_asks(world):
    def spawn(*args: str) -> pexpect.spawn:
        return pexpect.spawn("kubectl", list(args), env=world["env"], encoding="utf-8", timeout=30)

    child = spawn("config", "delete-context", "prod")
    child.expect("config delete-context \\(local-write\\) on a protected target")
    child.expect("Type the context name \\(prod\\) to continue")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3 and "prod" in [c["name"] for c in yaml.safe_load(kubeconfig(world))["contexts"]]
    child = spawn("config", "delete-context", "prod")
    child.expect("to continue")
    child.sendline("prod")
    child.expect("deleted context prod")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [e["decision"] for e in audit(world)] == ["declined", "confirmed", "finished"]
    assert audit(world)[-1]["status"] == 0


# --- kctx ctx (kubectx) ----------------------------------------------------------------------------------------

def test_kctx_ctx_delete_and_rename_of_a_protected_context(world):
    """kubectx's exit status for any failure (1), with the guard's one-line reason."""
    env = {k: v for k, v in world["env"].items() if k != "PATH"}
    assert kctx("ctx", "prod", env=env).code == 0
    before = kubeconfig(world)
    for args in (["-d", "prod"], ["p2=prod"], ["-d", "."]):
        r = kctx("ctx", *args, env=env)
        assert r.code == 1 and "refused: no terminal" in r.err and 'matches protect.contexts' in r.err, r
        assert "You deleted" not in r.err
    assert kubeconfig(world) == before
    r = kctx("ctx", "p2=prod", env={**env, "KCTX_CONFIRM": "prod"})
    assert r.code == 0, r
    r = kctx("ctx", "-d", "dev", env=env)
    assert r.code == 0 and "You deleted" not in r.err, r
    assert [c["name"] for c in yaml.safe_load(kubeconfig(world))["contexts"]] == ["p2"]
    assert [e["decision"] for e in audit(world)] == ["refused"] * 3 + ["allowed-by-env"]
