"""`kctx unlock` / `kctx lock` through the real shim and a real kubectl on a real terminal: an unlock lets
confirm-class commands (and read-only) through in the shell that asked for it only, for a while, and never a
replayed decision; another session, a script without a terminal and CI see nothing of it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
import yaml

from kctx.sandbox import Sandbox
from tests.worlds import sandbox_world

KCTX = f"{sys.executable} -m kctx"


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)
    (home / ".config" / "kctx" / "config.yaml").write_text(
        "protect:\n  contexts: ['prod']\n  readonly:\n    contexts: ['dev-ro']\nunlock: {max: 1h, idle: 4s}\n")
    return w


def writes(sandbox: Sandbox, name: str) -> list:
    """What reached the cluster to change it (a confirmation's preview sends server-side dry runs only)."""
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD") and not r.dry_run]


class Shell:
    """bash on a terminal of its own (its own kernel session), with the world's PATH and HOME."""

    def __init__(self, world: dict) -> None:
        self.child = pexpect.spawn("bash", ["--norc", "--noprofile"], env={**world["env"], "PS1": "$ "},
                                   encoding="utf-8", timeout=40)
        self.child.expect_exact("$ ")

    def status(self, line: str, answer: str = "no") -> tuple[int, str]:
        """Run ``line``, answering a question with ``answer``: its status, and its output after "ASKED" when it
        asked."""
        self.child.sendline(line + "; echo status=$?")
        asked = self.child.expect(["to continue", r"status=(\d+)\r\n"]) == 0
        question = ""
        if asked:
            question = self.child.before or ""
            self.child.sendline(answer)
            self.child.expect(r"status=(\d+)\r\n")
        out = question + (self.child.before or "")
        code = int(self.child.match.group(1))
        self.child.expect_exact("$ ")
        return code, ("ASKED\n" if asked else "") + out

    def close(self) -> None:
        self.child.sendline("exit")
        self.child.close()


def audit(world: dict) -> list[dict]:
    path = world["home"] / ".local/state/kctx/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_unlock_lets_confirmations_pass_in_this_shell_only_until_lock(world, sandbox):
    sh = Shell(world)
    try:
        code, out = sh.status("kubectl --context prod create configmap u0")
        assert code == 3 and out.startswith("ASKED"), out
        code, out = sh.status(f"{KCTX} unlock prod 10m --reason INC-1234", answer="prod")
        assert code == 0 and "unlocked prod in this shell" in out, out
        assert "INC-1234" in out  # the question showed the reason
        code, out = sh.status("kubectl --context prod create configmap u1")
        assert code == 0 and not out.startswith("ASKED") and "configmap/u1 created" in out, out
        code, out = sh.status("kubectl --context prod create configmap u2")  # again: decided in full, not asked
        assert code == 0 and not out.startswith("ASKED"), out
        code, out = sh.status("kubectl --context prod delete configmap missing")  # kubectl's own status passes
        assert code == 1 and "NotFound" in out, out
        code, out = sh.status(f"{KCTX} unlock")
        assert "prod is unlocked in this shell" in out and "INC-1234" in out, out
        # another terminal (another kernel session) and a script without a terminal see no unlock
        other = Shell(world)
        try:
            code, out = other.status("kubectl --context prod create configmap o1")
            assert code == 3 and out.startswith("ASKED"), out
        finally:
            other.close()
        p = subprocess.run(["kubectl", "--context", "prod", "create", "configmap", "o2"], env=world["env"],
                           capture_output=True, text=True, timeout=60, start_new_session=True)
        assert p.returncode == 4, p.stderr
        code, out = sh.status("setsid -w kubectl --context prod create configmap o3 </dev/null")
        assert code == 4, out
        code, out = sh.status(f"{KCTX} lock")
        assert code == 0 and "locked prod" in out, out
        # the same line as before the lock: asked again (an unlocked call is never replayed)
        code, out = sh.status("kubectl --context prod create configmap u2")
        assert code == 3 and out.startswith("ASKED"), out
    finally:
        sh.close()
    assert [r.path.rsplit("/", 1)[-1] for r in writes(sandbox, "prod")] == ["configmaps", "configmaps", "missing"]
    log = audit(world)
    assert [e["decision"] for e in log if e.get("event") in ("unlock", "lock")] == ["unlocked", "locked"]
    under = [e for e in log if e["decision"] == "unlocked" and "argv" in e]
    assert len(under) == 3 and all("INC-1234" in e["reason"] for e in under)
    finished = [e for e in log if e["decision"] == "finished"]  # run as a child: status and duration audited
    assert [e["status"] for e in finished] == [0, 0, 1] and all(e["seconds"] > 0 for e in finished)


def test_unlock_lifts_read_only_and_ends_after_the_idle_time(world, sandbox):
    path = world["home"] / ".kube" / "config"
    doc = yaml.safe_load(path.read_text())
    dev = next(e for e in doc["contexts"] if e["name"] == "dev")
    doc["contexts"].append({"name": "dev-ro", "context": dict(dev["context"])})
    path.write_text(yaml.safe_dump(doc))
    sh = Shell(world)
    try:
        code, out = sh.status("kubectl --context dev-ro create configmap r0")
        assert code == 4 and "read-only" in out and not out.startswith("ASKED"), out
        code, out = sh.status(f"{KCTX} unlock dev-ro 5m -r on-call", answer="dev-ro")
        assert code == 0, out
        code, out = sh.status("kubectl --context dev-ro create configmap r1")
        assert code == 0 and "configmap/r1 created" in out, out
        time.sleep(5)  # unlock.idle is 4s
        code, out = sh.status("kubectl --context dev-ro create configmap r2")
        assert code == 4 and "read-only" in out, out
    finally:
        sh.close()


def test_unlock_refuses_without_a_terminal_an_unprotected_context_and_too_long(world):
    def kctx(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kctx", *args], env=world["env"], capture_output=True,
                              text=True, timeout=60, start_new_session=True)

    p = kctx("unlock", "prod", "5m", "--reason", "x")
    assert p.returncode == 4 and "needs a terminal" in p.stderr and "KCTX_CONFIRM=prod" in p.stderr
    assert p.stderr.count("\n") == 1
    sh = Shell(world)
    try:
        code, out = sh.status(f"{KCTX} unlock dev 5m -r x")
        assert code != 0 and "dev is not protected" in out, out
        code, out = sh.status(f"{KCTX} unlock prod 2h -r x")
        assert code == 2 and "longer than unlock.max" in out, out
        code, out = sh.status(f"{KCTX} unlock prod 5m")
        assert code == 2 and "--reason is required" in out, out
        code, out = sh.status(f"{KCTX} unlock prod 5m -r x", answer="no")
        assert code == 3 and out.startswith("ASKED"), out
        code, out = sh.status("kubectl --context prod create configmap n1")
        assert code == 3 and out.startswith("ASKED"), out
    finally:
        sh.close()


def test_a_tampered_or_shared_unlock_file_is_ignored(world):
    from kctx.guard.unlock import Shell as Session
    from kctx.guard.unlock import current, grant
    from kctx.paths import Paths

    paths = Paths({"HOME": str(world["home"])})
    me = Session(1, "2", 3)
    u = grant(paths, "prod", "x:1", "r", 60, 60, me)
    assert current(paths, shell=me) is not None
    assert current(paths, shell=Session(1, "9", 3)) is None  # a reused session id is another session
    Path(u.path).chmod(0o644)
    assert current(paths, shell=me) is None


def test_a_call_under_an_unlock_never_undoes_a_lock(tmp_path):
    """touch() (a command ran unlocked) after `kctx lock` removed the file must not bring it back."""
    import os

    from kctx.guard.unlock import Shell, grant, revoke, touch
    from kctx.paths import Paths

    paths = Paths({"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path / "run")})
    shell = Shell(os.getpid(), "1", 1)
    u = grant(paths, "prod", "127.0.0.1:1", "INC-1", 600, 600, shell)
    touch(u)
    assert os.path.exists(u.path)
    assert revoke(paths, shell) is not None
    touch(u)  # read before the lock, run after it
    assert not os.path.exists(u.path)
