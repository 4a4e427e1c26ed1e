"""The kubectl shim end to end: real kubectl, the stand-in API server, a real terminal for confirmations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from kctx.sandbox import Sandbox
from kctx.shim import bundle as hotbundle
from kctx.shim import install as shiminstall
from tests.runner import kctx
from tests.worlds import sandbox_world

FORBIDDEN_ON_HOT_PATH = ("yaml", "json", "re", "enum", "dataclasses", "typing", "prompt_toolkit", "kubernetes",
                         "argparse", "pathlib", "subprocess", "socket", "ssl")


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    return sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)


def run(world: dict, *args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    e = dict(world["env"])
    e.update(env or {})
    # start_new_session: no controlling terminal, like CI; /dev/tty cannot be opened.
    return subprocess.run(["kubectl", *args], env=e, capture_output=True, text=True, input=stdin, timeout=60,
                          start_new_session=True)


def writes(sandbox: Sandbox, name: str) -> list:
    """What reached the cluster to change it (a confirmation's preview sends server-side dry runs only)."""
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD") and not r.dry_run]


def test_reads_and_unprotected_writes_pass_through(world, sandbox):
    assert run(world, "get", "ns").returncode == 0
    p = run(world, "create", "configmap", "a", "--from-literal=k=v")
    assert p.returncode == 0, p.stderr
    assert run(world, "--context", "prod", "get", "configmaps").returncode == 0
    assert writes(sandbox, "prod") == []


def test_exit_code_passes_through(world):
    p = run(world, "get", "configmap", "does-not-exist")
    assert p.returncode == 1 and "NotFound" in p.stderr


def test_protected_write_without_terminal_is_refused_and_sends_nothing(world, sandbox):
    p = run(world, "--context", "prod", "create", "configmap", "x", "--from-literal=a=b")
    assert p.returncode == 4
    assert p.stderr.startswith("kctx: error: refused: no terminal to confirm on") and "KCTX_CONFIRM=prod" in p.stderr
    # Only kctx's own version detection (GET /version, cached afterwards) may reach prod; kubectl never ran.
    assert [r.path for r in sandbox.requests("prod")] in ([], ["/version"])
    assert all("kubectl" not in r.user_agent for r in sandbox.requests("prod"))


@pytest.mark.parametrize("form", [
    ["--context", "prod", "delete", "configmap", "x"],
    ["delete", "--context=prod", "configmap", "x"],
    ["delete", "configmap", "x", "--context", "prod"],
    ["--cluster", "prod", "--user", "prod-admin", "delete", "configmap", "x"],
    ["-s", "PROD", "delete", "configmap", "x"],
])
def test_flag_position_and_overrides_cannot_bypass(world, sandbox, form):
    form = [sandbox.server_url("prod") if a == "PROD" else a for a in form]
    p = run(world, *form)
    assert p.returncode == 4, (form, p.stderr)
    assert writes(sandbox, "prod") == []


def test_server_flag_reaching_prod_is_caught(world, sandbox):
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text(f"protect:\n  servers: ['{sandbox.server_url('prod')}*']\n")
    p = run(world, "-s", sandbox.server_url("prod"), "--insecure-skip-tls-verify", "delete", "configmap", "x")
    assert p.returncode == 4
    assert writes(sandbox, "prod") == []


def test_kctx_confirm_allows_that_context_only(world, sandbox):
    p = run(world, "--context", "prod", "create", "configmap", "ok", "--from-literal=a=b",
            env={"KCTX_CONFIRM": "prod"})
    assert p.returncode == 0, p.stderr
    assert [r.method for r in writes(sandbox, "prod")] == ["POST"]
    p = run(world, "--context", "prod", "delete", "configmap", "ok", env={"KCTX_CONFIRM": "prod-other"})
    assert p.returncode == 4


def test_dry_run_is_not_a_write(world, sandbox):
    p = run(world, "--context", "prod", "create", "configmap", "d", "--from-literal=a=b", "--dry-run=client",
            "-o", "name")
    assert p.returncode == 0, p.stderr
    assert writes(sandbox, "prod") == []


def test_confirmation_is_read_from_the_terminal(world, sandbox):
    def spawn(*args: str) -> pexpect.spawn:
        return pexpect.spawn("kubectl", list(args), env=world["env"], encoding="utf-8", timeout=30)

    child = spawn("--context", "prod", "create", "configmap", "t", "--from-literal=a=b")
    child.expect("Type the context name \\(prod\\) to continue")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert writes(sandbox, "prod") == []
    child = spawn("--context", "prod", "create", "configmap", "t", "--from-literal=a=b")
    child.expect("server +https://127.0.0.1")
    child.expect("to continue")
    child.sendline("prod")
    child.expect("configmap/t created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [r.method for r in writes(sandbox, "prod")] == ["POST"]
    log = [json.loads(line) for line in (world["home"] / ".local/state/kctx/audit.jsonl").read_text().splitlines()]
    assert [e["decision"] for e in log][-3:] == ["declined", "confirmed", "finished"]
    assert log[-1]["status"] == 0 and log[-1]["seconds"] >= 0  # kubectl ran as a child: its status is audited


def test_an_answer_typed_before_the_question_is_discarded(world, sandbox):
    child = pexpect.spawn("kubectl", ["--context", "prod", "delete", "configmap", "t"], env=world["env"],
                          encoding="utf-8", timeout=30)
    child.sendline("prod")  # typed ahead, before kctx has shown anything
    child.expect("Type the context name \\(prod\\) to continue")
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert writes(sandbox, "prod") == []


def test_stdin_is_never_the_answer(world, sandbox, tmp_path):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: piped}\ndata: {a: b}\n"
    p = run(world, "--context", "prod", "apply", "-f", "-", stdin="prod\n" + manifest)
    assert p.returncode == 4
    assert writes(sandbox, "prod") == []


def test_audit_log_redacts_tokens(world, sandbox):
    run(world, "--context", "prod", "--token", "s3cret", "delete", "configmap", "x")
    run(world, "--context", "prod", "--token=s3cret2", "delete", "configmap", "x")
    text = (world["home"] / ".local/state/kctx/audit.jsonl").read_text()
    assert "s3cret" not in text and text.count("REDACTED") == 2
    assert oct((world["home"] / ".local/state/kctx/audit.jsonl").stat().st_mode & 0o777) == "0o600"


def test_unknown_context_fails_closed_for_writes(world, sandbox):
    p = run(world, "--context", "typo", "delete", "configmap", "x")
    assert p.returncode == 4 and "cannot be resolved" in p.stderr


def test_broken_config_fails_closed_for_writes(world):
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text("protect: [\n")
    p = run(world, "delete", "configmap", "x")
    assert p.returncode == 4 and "config.yaml: line" in p.stderr
    assert run(world, "get", "ns").returncode == 0  # reads still work


def test_no_recursion_when_only_the_shim_exists(world):
    env = dict(world["env"])
    other = world["home"] / "other-shim"
    shiminstall.install(other)  # a second copy of the shim elsewhere on PATH is skipped too
    env["PATH"] = f"{world['shim'].parent}:{other}"
    p = subprocess.run([str(world["shim"]), "version", "--client"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 5 and "no kubectl to run" in p.stderr


def test_session_use_context_changes_only_the_session(world, sandbox):
    start = kctx("session", "start", "--pid", str(os.getpid()), env=world["env"])
    session = start.out.strip()
    before = (world["home"] / ".kube" / "config").read_bytes()
    p = run(world, "config", "use-context", "prod", env={"KCTX_SESSION": session})
    assert (p.returncode, p.stdout) == (0, 'Switched to context "prod".\n')
    assert (world["home"] / ".kube" / "config").read_bytes() == before
    p = run(world, "config", "current-context", env={"KCTX_SESSION": session})
    assert p.stdout == "prod\n"
    p = run(world, "delete", "configmap", "x", env={"KCTX_SESSION": session})
    assert p.returncode == 4  # the guard sees the session's context


def imported(world: dict, *args: str, env: dict | None = None) -> set[str]:
    """Modules the shim imports through the import system (``-X importtime``), for one kubectl call."""
    p = subprocess.run([sys.executable, "-S", "-X", "importtime", str(world["shim"]), *args],
                       env=dict(world["env"], **(env or {})), capture_output=True, text=True, timeout=60,
                       start_new_session=True)
    assert "Traceback" not in p.stderr, p.stderr
    return {line.split("|")[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}


def test_hot_path_imports_only_cheap_stdlib(world):
    run(world, "version", "--client")  # warm the caches: the hot path is the warm path
    modules = imported(world, "version", "--client")
    # Every kctx module comes from the pre-compiled bundle; not even os is imported (1.2 ms).
    assert not {m for m in modules if m.startswith("kctx")}, modules
    assert not modules & {*FORBIDDEN_ON_HOT_PATH, "os"}, modules & {*FORBIDDEN_ON_HOT_PATH, "os"}


def test_hot_path_without_the_bundle_imports_normally_and_writes_it(world):
    bundle = hotbundle.bundle_path(str(world["shim"].parent))
    os.unlink(bundle)
    modules = imported(world, "version", "--client")
    assert "kctx.shim.fullpath" in modules and not modules & {"yaml", "prompt_toolkit", "kubernetes"}
    assert hotbundle.is_fresh(bundle)


def test_a_bundle_others_could_have_written_is_not_run(world):
    bundle = hotbundle.bundle_path(str(world["shim"].parent))
    os.chmod(bundle, 0o666)
    assert "kctx.shim.fullpath" in imported(world, "version", "--client")
    assert os.stat(bundle).st_mode & 0o777 == 0o644  # rewritten by the shim, as its own file


def test_a_corrupt_bundle_is_ignored_and_replaced(world):
    bundle = hotbundle.bundle_path(str(world["shim"].parent))
    Path(bundle).write_bytes(b"\xe3not marshal at all")
    p = run(world, "version", "--client")
    assert p.returncode == 0 and "Client Version" in p.stdout, p.stderr
    assert hotbundle.is_fresh(bundle)


def test_hot_path_of_a_guarded_write_avoids_yaml(world):
    run(world, "--context", "dev", "get", "ns")  # warm the caches
    modules = imported(world, "--context", "dev", "delete", "configmap", "nothing-here", "--dry-run=none",
                       env={"KCTX_CONFIRM": "prod"})
    assert not {m for m in modules if m.startswith("kctx")}, modules
    assert not modules & {"yaml", "prompt_toolkit", "kubernetes", "dataclasses", "typing", "os"}


def test_a_child_run_passes_its_status_and_signal_on():
    from kctx.shim.exec import run_child

    assert run_child("/bin/sh", ["sh", "-c", "exit 7"], dict(os.environ)) == 7
    assert run_child("/bin/sh", ["sh", "-c", "kill -TERM $$"], dict(os.environ)) == -15
    # the shim leaves the way kubectl did: killed by the same signal
    code = "from kctx.shim.exec import exit_like, run_child; import os, sys; " \
           "sys.exit(exit_like(run_child('/bin/sh', ['sh', '-c', 'kill -TERM $$'], dict(os.environ))))"
    p = subprocess.run([sys.executable, "-c", code], timeout=30)
    assert p.returncode == -15
