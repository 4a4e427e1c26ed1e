"""The interactive shell end to end: a real terminal (tmux), real kubectl, the kubectl shim and
the stand-in API server. The shell runs in a tmux pane (a pseudo-terminal with a screen we can read)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kctx.sandbox import Sandbox
from tests.runner import kctx
from tests.terminal import Term
from tests.tools import require_tool
from tests.worlds import sandbox_world

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=False)
    w["env"].update(TERM="xterm", KCTX_KUBECTL_VERSION="system")  # the kubectl on PATH: no downloads in tests
    return w


@pytest.fixture
def term(world, tmp_path):
    require_tool("tmux")
    made: list[Term] = []

    def spawn(*args: str, env: dict | None = None) -> Term:
        t = Term(dict(world["env"], **(env or {})), tmp_path, *args)
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
    t.expect(r'kctx: error: no context exists with the name: "nope"')
    t.line("ns nope")
    t.expect(r'kctx: error: no namespace exists with name "nope"')
    t.line("get 'pods")
    t.expect(r"kctx: error: unterminated ' quote")
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
    assert 'kctx: error: no context exists with the name: "nope"' in p.stderr
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


def test_shell_words_are_built_ins_and_never_reach_kubectl(world, sandbox, tmp_path):
    """clear, cls, cd, pwd, quit, exit N: what other shells do, not a kubectl command (nor a confirmation
    on a protected context); programs typed out of habit get a hint, unless a kubectl plugin has the name."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "kubectl-ls").write_text("#!/bin/sh\necho PLUGIN-LS \"$@\"\n")
    (plugins / "kubectl-ls").chmod(0o755)
    script = "".join(f"{line}\n" for line in ("clear", "cls", "pwd", f"cd {tmp_path}", "pwd", "cd -", "cd /nonexistent",
                                                "cat x", "ls", "exit now", "kubectl vi", "exit 7", "get ns"))
    env = dict(world["env"])
    p = subprocess.run([sys.executable, "-m", "kctx", "shell", "prod"], input=script, env=env, cwd=str(ROOT),
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.splitlines() == [str(ROOT), str(tmp_path)], p.stderr
    *lines, refused = p.stderr.splitlines()
    assert lines == [
        str(ROOT),  # `cd -` says where it went
        "kctx: error: cd: /nonexistent: No such file or directory",
        "kctx: error: cat is not a kubectl command; to run it in a shell: !cat x",
        "kctx: error: ls is not a kubectl command; to run it in a shell: !ls",
        "kctx: error: exit: expected a number from 0 to 255 (see help)",  # and the shell stays up
    ]
    assert "vi is unknown and the target is protected" in refused  # typed out, it goes to the shim
    assert p.returncode == 7  # `exit 7`; the line after it never ran
    assert [r for r in sandbox.requests("prod") if r.method != "GET"] == []
    env["PATH"] = f"{plugins}:{env['PATH']}"
    p = subprocess.run([sys.executable, "-m", "kctx", "shell"], input="ls -l\nquit\n", env=env, cwd=str(ROOT),
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.splitlines() == ["PLUGIN-LS -l"] and p.returncode == 0, p.stderr


def test_clear_clears_the_screen_without_asking_on_prod(world, term):
    t = term("shell", "prod")
    t.expect(r"\[!\] prod:default>")
    t.line("!echo BEFORE-CLEAR")
    t.expect(r"\nBEFORE-CLEAR")
    t.line("clear")
    t.expect(r"\[!\] prod:default>")
    deadline = time.monotonic() + 10
    while "BEFORE-CLEAR" in t.screen() and time.monotonic() < deadline:
        time.sleep(0.1)
    screen = t.tmux("capture-pane", "-p", "-t", "t")  # the visible screen, not the scroll-back
    assert "BEFORE-CLEAR" not in screen and "Type the context name" not in screen, screen
    assert screen.lstrip().startswith("[!] prod:default>")
    t.line("exit")
    assert t.wait_exit() == 0
