"""The interactive shell end to end: a real terminal (tmux), real kubectl, the kubectl shim and
the stand-in API server. The shell runs in a tmux pane (a pseudo-terminal with a screen we can read)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kctx.sandbox import Sandbox
from tests.runner import kctx
from tests.tools import require_tool
from tests.worlds import sandbox_world

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=False)
    w["env"].update(TERM="xterm", KCTX_KUBECTL_VERSION="system")  # the kubectl on PATH: no downloads in tests
    return w


class Term:
    """The REPL in a tmux pane: a real terminal (it answers cursor-position requests, keeps a screen), so
    assertions read what a user would see, not prompt_toolkit's incremental redraw stream.

    ``expect(pattern)`` waits for an occurrence of ``pattern`` that was not on the screen when the last
    keys were sent (a second prompt after Enter, not the first one again)."""

    count = 0

    def __init__(self, world: dict, tmp: Path, *args: str, env: dict | None = None) -> None:
        e = dict(world["env"])
        e.update(env or {})
        Term.count += 1
        self.sock = f"kctx-test-{os.getpid()}-{Term.count}"
        conf = tmp / f"tmux-{Term.count}.conf"
        conf.write_text("set -g remain-on-exit on\nset -g history-limit 5000\nset -g status off\n")
        self.status = tmp / f"status-{Term.count}"
        cmd = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in e.items()), sys.executable, "-m", "kctx", *args])
        # The exit status goes through a file: tmux does not always reap a dead pane's process promptly.
        cmd += f"; echo $? > {shlex.quote(str(self.status))}"
        self.tmux("-f", str(conf), "new-session", "-d", "-s", "t", "-x", "160", "-y", "40", "-c", str(ROOT), cmd)
        self.seen = ""

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t")

    def expect(self, pattern: str, timeout: float = 15.0) -> str:
        rx = re.compile(pattern)
        already = len(rx.findall(self.seen))
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if len(rx.findall(text)) > already:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not seen in {timeout}s; screen:\n{text[-3000:]}")
            time.sleep(0.05)

    def _mark(self) -> None:
        self.seen = self.screen()

    def send(self, text: str) -> None:
        self._mark()
        self.tmux("send-keys", "-t", "t", "-l", text)

    def key(self, *keys: str) -> None:
        self._mark()
        self.tmux("send-keys", "-t", "t", *keys)

    def line(self, text: str) -> None:
        self.send(text)
        self.tmux("send-keys", "-t", "t", "Enter")

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text())
            time.sleep(0.05)
        raise AssertionError(f"the shell did not exit; screen:\n{self.screen()[-2000:]}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def term(world, tmp_path):
    require_tool("tmux")
    made: list[Term] = []

    def spawn(*args: str, env: dict | None = None) -> Term:
        t = Term(world, tmp_path, *args, env=env)
        made.append(t)
        return t

    yield spawn
    for t in made:
        t.close()


def sessions(world: dict) -> set[Path]:
    return set((world["home"].parent / "run" / "kctx" / "sessions").glob("*.json"))


def test_prompt_shows_context_and_namespace_and_follows_use_and_ns(world, term):
    t = term("shell")
    t.expect(r"dev:default>")
    t.expect(r"reachable")  # the toolbar, once the background refresh answered
    t.line("use prod")
    t.expect(r'Switched to context "prod"')
    t.expect(r"\[!\] prod:default>")  # protected: a marker, not only a colour
    t.line("ns kube-system")
    t.expect(r'Active namespace is "kube-system"')
    t.expect(r"prod:kube-system>")
    t.line("ns -")
    t.expect(r"prod:default>")
    t.line("use -")
    t.expect(r"dev:default>")
    t.line("kubectl config current-context")  # a leading kubectl is accepted; the session is the shell's
    t.expect(r"\ndev\r?\n")
    t.expect(r"dev:default>")  # back at the prompt: a Ctrl-D typed while the terminal is still cooked is the
    t.key("C-d")               # tty's end-of-file, not a key for the shell
    assert t.wait_exit() == 0


def test_protected_delete_asks_like_the_shim_and_sends_nothing_when_declined(world, term, sandbox):
    t = term("shell", "prod")
    t.expect(r"\[!\] prod:default>")
    t.line("delete configmap x")
    t.expect(r"Type the context name \(prod\) to continue")
    t.line("no")
    t.expect(r"not confirmed; only a dry run was sent to the cluster")
    t.expect(r"prod:default>")  # the shell is still there
    # The completer's background reads and the preview's dry run reached prod: no write.
    sent = [r for r in sandbox.requests("prod") if r.method != "GET" or r.path.endswith("/configmaps/x")]
    assert sent and all(r.dry_run for r in sent)
    t.line("exit")
    assert t.wait_exit() == 0


def test_ctrl_c_stops_the_running_command_not_the_shell(world, term):
    t = term("shell")
    t.expect(r"dev:default>")
    t.line("get namespaces -w")
    t.expect(r"kube-system +Active")
    time.sleep(0.3)
    t.key("C-c")
    t.expect(r"dev:default>")
    t.line("get ns | grep -c Active")  # alive, and pipes work
    t.expect(r"\n2\r?\n")
    t.key("C-c")  # Ctrl-C at the prompt drops the line only
    t.line("get ns kube-system -o name")
    t.expect(r"namespace/kube-system")


def test_completion_answers_from_the_cache_while_the_cluster_hangs(world, term, sandbox):
    t = term("shell")
    t.expect(r"dev:default>")
    t.expect(r"reachable")  # resource types are cached
    t.send("ns kube-s")
    t.expect(r"\n +kube-system")  # the menu: namespaces are cached too
    t.key("C-u")
    sandbox.set_hang("dev", True)
    try:
        start = time.monotonic()
        t.send("get con")
        t.key("Tab")
        t.expect(r"get configmaps")
        t.key("C-u")
        t.line("ns kube-system")  # known from the cache: switching does not wait for the cluster
        t.expect(r"dev:kube-system>")
        t.line("use prod")
        t.expect(r"prod:default>")
        assert time.monotonic() - start < 5
    finally:
        sandbox.set_hang("dev", False)


def test_bad_input_gets_one_line_and_the_shell_stays(world, term):
    t = term("shell")
    t.expect(r"dev:default>")
    t.line("use nope")
    t.expect(r'kctx: no context exists with the name: "nope"')
    t.line("ns nope")
    t.expect(r'kctx: no namespace exists with name "nope"')
    t.line("get 'pods")
    t.expect(r"kctx: unterminated ' quote")
    t.line("frobnicate")
    t.expect(r'unknown command "frobnicate" for "kubectl"')
    t.expect(r"dev:default>")
    t.line("exit")
    assert t.wait_exit() == 0


def test_own_session_leaves_the_launching_shell_alone(world, term):
    parent = kctx("session", "start", "--pid", str(os.getpid()), env=world["env"]).out.strip()
    before = Path(parent).read_bytes()
    t = term("shell", env={"KCTX_SESSION": parent})
    t.expect(r"dev:default>")
    t.line("use prod")
    t.expect(r"prod:default>")
    ours = sessions(world) - {Path(parent)}
    assert len(ours) == 1
    t.line("!echo SESSION=$KCTX_SESSION")
    t.expect(r"SESSION=" + re.escape(str(next(iter(ours)))))
    assert Path(parent).read_bytes() == before
    t.key("C-d")
    assert t.wait_exit() == 0
    assert sessions(world) == {Path(parent)}  # the shell's session is removed at exit, with its sidecars
    assert not [p for p in Path(parent).parent.iterdir() if p.name.startswith(next(iter(ours)).stem)]
    assert json.loads(Path(parent).read_text())["current-context"] == "dev"


def test_history_is_kept_per_context(world, term):
    t = term("shell")
    t.expect(r"dev:default>")
    t.line("get ns -o name")
    t.expect(r"namespace/kube-system")
    t.line("use prod")
    t.expect(r"prod:default>")
    t.line("version --client")
    t.expect(r"Client Version")
    t.line("exit")
    t.wait_exit()
    folder = world["home"] / ".local" / "state" / "kctx" / "history"
    assert "get ns -o name" in (folder / "dev").read_text()
    assert "version --client" in (folder / "prod").read_text()
    assert "version --client" not in (folder / "dev").read_text()
    t = term("shell")  # a new shell finds the context's history with Ctrl-R
    t.expect(r"dev:default>")
    t.key("C-r")
    t.send("ns -o")
    t.expect(r"reverse-i-search\)`ns -o': get ns -o name")


def test_bare_kctx_on_a_terminal_opens_the_shell(world, term):
    t = term()
    t.expect(r"dev:default>")
    t.key("C-d")
    assert t.wait_exit() == 0


def test_line_mode_without_a_terminal(world):
    p = subprocess.run([sys.executable, "-m", "kctx", "shell"], input="use prod\nns kube-system\nhelp\nuse nope\n",
                       env=world["env"], cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    assert 'Switched to context "prod".' in p.stderr and 'Active namespace is "kube-system".' in p.stderr
    assert 'kctx: no context exists with the name: "nope"' in p.stderr
    assert "use CTX" in p.stdout
    assert p.returncode == 1
    assert sessions(world) == set()


def test_pickers_and_sticky_identity(world, term):
    t = term("shell")
    t.expect(r"dev:default>")
    t.line("ctx")
    t.expect(r"context>")
    t.send("pro")
    t.expect(r"> prod")
    t.key("Enter")
    t.expect(r"\[!\] prod:default>")
    t.expect(r"reachable")
    t.line("ns")
    t.expect(r"namespace>")
    t.send("kube")
    t.key("Enter")
    t.expect(r"prod:kube-system>")
    t.line("as alice")
    t.expect(r"prod:kube-system as alice>")
    t.line("as -")
    t.expect(r"prod:kube-system>")


def test_vi_keys_from_config_and_no_color(world, term):
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text("protect:\n  contexts: ['prod*']\nshell:\n  keys: vi\n")
    t = term("shell", env={"NO_COLOR": "1"})
    t.expect(r"dev:default>")
    t.send("xget ns kube-system -o name")
    t.key("Escape")
    t.send("0x")  # vi: to the start of the line, delete a character
    t.key("Enter")
    t.expect(r"namespace/kube-system")
    prompt = next(ln for ln in t.tmux("capture-pane", "-p", "-e", "-t", "t").splitlines() if "default" in ln)
    assert not re.search(r"\x1b\[[0-9;]*(3[0-7]|38;|9[0-7])[0-9;]*m", prompt), repr(prompt)  # no colours


def test_missing_kubectl_is_one_clear_line(world, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = dict(world["env"], PATH=str(empty))
    p = subprocess.run([sys.executable, "-m", "kctx", "shell"], input="get ns\nuse prod\n", env=env, cwd=str(ROOT),
                       capture_output=True, text=True, timeout=60)
    first, *rest = p.stderr.splitlines()
    assert first.startswith("kctx: error:") and "kubectl" in first and "PATH" in first
    assert rest == ['Switched to context "prod".']  # the shell went on
