"""Read-only contexts (protect.readonly and the kubeconfig mark), through the real shim and a real kubectl:
writes and access refused even on a terminal with one line, reads work, nothing but reads reach the stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from kctx.config import from_dict
from kctx.errors import KctxError
from kctx.sandbox import Sandbox
from tests.worlds import sandbox_world

READONLY = [{"name": "kctx", "extension": {"readonly": True}}]


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    return sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)


def configure(world: dict, text: str) -> None:
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text(text)


def mark(world: dict, section: str, name: str) -> None:
    path = world["home"] / ".kube" / "config"
    doc = yaml.safe_load(path.read_text())
    entry = next(e for e in doc[section] if e["name"] == name)
    entry[section[:-1]]["extensions"] = READONLY
    path.write_text(yaml.safe_dump(doc))


def writes(sandbox: Sandbox, name: str) -> list:
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD")]


def on_terminal(world: dict, *args: str, answer: str = "prod", env: dict | None = None) -> tuple[int, str]:
    """Run kubectl through the shim on a terminal, answering any question with ``answer``."""
    child = pexpect.spawn("kubectl", list(args), env={**world["env"], **(env or {})}, encoding="utf-8", timeout=30)
    if child.expect(["to continue", pexpect.EOF]) == 0:
        child.sendline(answer)
        child.expect(pexpect.EOF)
    out = child.before or ""
    child.close()
    return child.exitstatus if child.exitstatus is not None else -1, out


def test_a_readonly_context_refuses_writes_and_access_on_a_terminal_and_lets_reads_through(world, sandbox):
    configure(world, "protect:\n  readonly:\n    contexts: ['prod']\n")
    for line in (["delete", "configmap", "x"], ["create", "configmap", "y"], ["exec", "p1", "--", "true"],
                 ["port-forward", "pod/p1", "0:80"]):
        status, out = on_terminal(world, "--context", "prod", *line)
        assert status == 4, (line, out)
        refusal = [row for row in out.splitlines() if "refused" in row]
        assert len(refusal) == 1 and "read-only" in refusal[0] and 'protect.readonly.contexts "prod"' in refusal[0]
        assert "kctx unlock prod" in refusal[0]
    assert writes(sandbox, "prod") == []
    assert not [r for r in sandbox.requests("prod") if "/exec" in r.path or "/portforward" in r.path]
    status, out = on_terminal(world, "--context", "prod", "get", "configmaps", "-o", "name")
    assert status == 0, out
    # KCTX_CONFIRM does not lift read-only; other contexts are untouched
    p = subprocess.run(["kubectl", "--context", "prod", "delete", "configmap", "x"], env={**world["env"],
                       "KCTX_CONFIRM": "prod"}, capture_output=True, text=True, timeout=60, start_new_session=True)
    assert p.returncode == 4 and "read-only" in p.stderr
    status, out = on_terminal(world, "--context", "dev", "create", "configmap", "ro-dev")
    assert status == 0, out
    assert writes(sandbox, "prod") == []


@pytest.mark.parametrize("section", ["contexts", "clusters"])
def test_the_readonly_mark_refuses_writes_and_reaches_the_server_through_s(world, sandbox, section):
    configure(world, "{}\n")
    mark(world, section, "prod")
    status, out = on_terminal(world, "--context", "prod", "delete", "configmap", "x")
    assert status == 4 and "is marked read-only in" in out, out
    port = sandbox.cluster("prod").port
    status, out = on_terminal(world, "--context", "dev", "-s", f"https://localhost:{port}", "delete", "cm", "x")
    assert status == 4 and "read-only" in out, out
    assert writes(sandbox, "prod") == []


def test_a_readonly_server_glob_and_explain(world, sandbox):
    port = sandbox.cluster("prod").port
    configure(world, f"protect:\n  readonly:\n    servers: ['https://127.0.0.1:{port}']\n")
    p = subprocess.run([sys.executable, "-m", "kctx", "explain", "--json", "--", "--context", "prod", "delete",
                        "cm", "x"], env=world["env"], capture_output=True, text=True, timeout=60,
                       start_new_session=True)
    report = json.loads(p.stdout)
    assert report["protected"] is True and report["decision"] == "deny"
    assert "protect.readonly.servers" in report["readonly"] and "read-only" in report["reason"]


@pytest.mark.parametrize(("text", "error"), [
    ("protect:\n  readonly: [prod]\n", "protect.readonly: expected a mapping"),
    ("protect:\n  readonly:\n    context: [a]\n", "protect.readonly.context: unknown key"),
    ("protect:\n  readonly:\n    contexts: 3\n", "protect.readonly.contexts: expected a list of strings"),
    ("unlock:\n  max: 10x\n", "unlock.max: expected a duration"),
    ("unlock:\n  idle: 0\n", "unlock.idle: expected a duration"),
])
def test_bad_readonly_and_unlock_settings_are_one_line_errors(text, error):
    with pytest.raises(KctxError, match=error.replace(".", "\\.")):
        from_dict(yaml.safe_load(text), "cfg.yaml")


def test_readonly_globs_are_protection_globs_and_unlock_limits_parse():
    cfg = from_dict(yaml.safe_load("protect:\n  contexts: [p]\n  readonly: {contexts: [r]}\n"
                                   "unlock: {max: 2h, idle: 5m}\n"), "cfg.yaml")
    assert cfg.protect_contexts == ["p", "r"] and cfg.readonly_contexts == ["r"]
    assert (cfg.unlock_max, cfg.unlock_idle) == (7200, 300)


def shim(world: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], env={**world["env"], **(env or {})}, capture_output=True, text=True,
                          timeout=60, start_new_session=True)  # no terminal


@pytest.mark.parametrize("new", ["zz", "prod-ro"])
def test_renaming_a_readonly_context_away_is_refused_even_with_kctx_confirm(world, sandbox, new):
    configure(world, "protect:\n  contexts: ['prod*']\n  readonly: {contexts: [prod]}\n")
    before = (world["home"] / ".kube" / "config").read_text()
    p = shim(world, "config", "rename-context", "prod", new, env={"KCTX_CONFIRM": "prod"})
    assert p.returncode == 4 and "read-only" in p.stderr, (p.stdout, p.stderr)
    assert (world["home"] / ".kube" / "config").read_text() == before


def test_a_session_keeps_the_readonly_mark(world, sandbox, tmp_path):
    mark(world, "contexts", "prod")
    env = {**world["env"], "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    session = subprocess.run([sys.executable, "-m", "kctx", "session", "start", "--pid", "1"], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
    env["KCTX_SESSION"] = session
    subprocess.run([sys.executable, "-m", "kctx", "use", "prod"], env=env, capture_output=True, check=True)
    values = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
    p = shim(world, "create", "configmap", "s", env={"KCTX_SESSION": session, "KUBECONFIG": values["KUBECONFIG"],
                                                      "KCTX_CONFIRM": "prod"})
    assert p.returncode == 4 and "read-only" in p.stderr, (p.stdout, p.stderr)
    assert writes(sandbox, "prod") == []
