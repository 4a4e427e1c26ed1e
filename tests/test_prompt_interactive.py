"""Interactive shells on a pseudo-terminal: the prompt people see, and proof that an unchanged prompt
starts no process (strace counts clone/fork/execve between two markers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.kubeconfigs import kubeconfig, write
from tests.test_shell_init import INIT, shell_env
from tests.tools import require_module, require_tool

pexpect = require_module("pexpect")

# An interactive shell with no rc files and a plain prompt of its own ("$ "); kctx puts its segment first.
START = {
    "bash": (["bash", "--norc", "--noprofile", "-i"], "PS1='$ '"),
    "zsh": (["zsh", "-f", "-i"], "PROMPT='$ '"),
    "fish": (["fish", "--no-config", "-i"], "function fish_prompt; echo -n '$ '; end"),
}
PROMPTS = 200


@pytest.fixture
def kube(home: Path) -> Path:
    write(home / ".kube" / "config", kubeconfig({"dev": ("dev", "dev", "apps"), "prod": ("prod", "prod", "")},
                                                 clusters={"dev": "https://dev.test:6443",
                                                           "prod": "https://prod.test:6443"},
                                                 users=["dev", "prod"], current="dev"))
    return home


def spawn(shell: str, home: Path, wrapper: list[str] | None = None, own_prompt: str = ""):
    """``shell`` on a terminal with ``own_prompt`` (else START's), then kctx's integration."""
    require_tool(shell)
    argv, plain = START[shell]
    own_prompt = own_prompt or plain
    argv = [*(wrapper or []), *argv]
    child = pexpect.spawn(argv[0], argv[1:], env=shell_env(home, TERM="dumb"), encoding="utf-8", timeout=60,
                          dimensions=(50, 400))
    child.sendline(own_prompt)
    child.sendline(INIT[shell])
    return child


def see(child, text: str) -> None:
    child.expect_exact(text)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_prompt_shows_switches_and_raw_kubectl_edits(shell, kube, kubectl):
    child = spawn(shell, kube)
    try:
        see(child, "⎈ dev:apps $ ")
        child.sendline("kctx use prod")
        see(child, "⎈ prod:default $ ")
        child.sendline(f"{kubectl} config set-context --current --namespace=raw >/dev/null")
        see(child, "⎈ prod:raw $ ")
        child.sendline("kctx prompt off")
        child.expect(r"[\r\n]\$ ")
        child.sendline("kctx prompt on")
        see(child, "⎈ prod:raw $ ")
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_prompt_shows_an_unlock_with_the_time_left_until_lock(shell, kube):
    config = kube / ".config" / "kctx" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("protect:\n  contexts: [prod]\n")
    child = spawn(shell, kube)
    try:
        see(child, "⎈ dev:apps $ ")
        child.sendline("kctx unlock prod 10m --reason INC-7")
        child.expect("to continue")
        child.sendline("prod")
        child.expect(r"⎈ dev:apps prod unlocked (10m|9m) \$ ")
        child.sendline("kctx use prod")
        child.expect(r"⎈ prod:default unlocked (10m|9m) \$ ")
        child.sendline("kctx lock")
        see(child, "locked prod")
        see(child, "⎈ prod:default $ ")
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)


def _marker(shell: str, path: Path) -> str:
    """A built-in that opens ``path`` (shows in strace as an openat) and starts no process."""
    return f"true < {path} 2>/dev/null" if shell != "fish" else f"true < {path} 2>/dev/null; or true"


def _between(log: str, start: str, end: str) -> list[str]:
    lines = log.splitlines()
    first = next(i for i, ln in enumerate(lines) if start in ln)
    last = next(i for i, ln in enumerate(lines) if end in ln)
    return lines[first:last]


def _process_calls(lines: list[str]) -> list[str]:
    # A clone with CLONE_THREAD starts a thread, not a process (fish keeps a pool of them for highlighting).
    return [ln for ln in lines if re.search(r"\b(clone3?|v?fork|execve)\(", ln) and "CLONE_THREAD" not in ln]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_an_unchanged_prompt_starts_no_process(shell, kube, kubectl, tmp_path):
    require_tool("strace")
    log = tmp_path / "strace.log"
    marks = [tmp_path / f"kctx-mark-{i}" for i in range(4)]
    child = spawn(shell, kube, ["strace", "-f", "-qq", "-o", str(log),
                                "-e", "trace=clone,clone3,fork,vfork,execve,openat"])
    try:
        see(child, "⎈ dev:apps $ ")
        child.sendline(_marker(shell, marks[0]))
        see(child, "⎈ dev:apps $ ")
        for _ in range(PROMPTS):
            child.sendline("")
            see(child, "⎈ dev:apps $ ")
        child.sendline(_marker(shell, marks[1]))
        see(child, "⎈ dev:apps $ ")
        # Control: a change behind kctx's back is refreshed by `kctx session sync`, which strace sees.
        child.sendline(f"{kubectl} config set-context --current --namespace=raw >/dev/null")
        see(child, "⎈ dev:raw $ ")
        child.sendline(_marker(shell, marks[2]))
        see(child, "⎈ dev:raw $ ")
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)
    text = log.read_text()
    idle = _between(text, str(marks[0]), str(marks[1]))
    forks = _process_calls(idle)
    assert forks == [], f"{len(forks)} process calls during {PROMPTS} unchanged prompts: {forks[:5]}"
    # Not even the state is re-read: only file times were compared.
    reads = [ln for ln in idle if re.search(r'\.(env|seen)"', ln)]
    assert reads == [], reads[:5]
    changed = _process_calls(_between(text, str(marks[1]), str(marks[2])))
    assert any("execve" in ln and "kubectl" in ln for ln in changed)
    assert sum("execve" in ln and '"sync"' in ln for ln in changed) == 1, changed


# A prompt of the user's that shows the last exit status ($status and $pipestatus in fish).
STATUS_PROMPT = {
    "bash": "PS1='[$?] $ '",
    "zsh": "PROMPT='[%?] $ '",
    "fish": "function fish_prompt; set -l s $status $pipestatus; echo -n \"[$s] \\$ \"; end",
}
FAILED = {"bash": "[1]", "zsh": "[1]", "fish": "[1 1]"}


@pytest.mark.parametrize("prompt", ["on", "off"])
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_users_prompt_still_sees_the_exit_status(shell, prompt, kube):
    child = spawn(shell, kube, own_prompt=STATUS_PROMPT[shell])
    child.sendline(f"kctx prompt {prompt}")
    seg = "⎈ dev:apps " if prompt == "on" else ""
    ok = "[0 0] $ " if shell == "fish" else "[0] $ "
    try:
        child.sendline("true")
        see(child, f"{seg}{ok}")
        child.sendline("false")
        see(child, f"{seg}{FAILED[shell]} $ ")
        child.sendline("true")
        see(child, f"{seg}{ok}")
        if shell == "fish":  # a pipeline's statuses, and `not`, whose status differs from the pipeline's
            child.sendline("function r; return $argv[1]; end; false | r 3")
            see(child, f"{seg}[3 1 3] $ ")
            child.sendline("not false")
            see(child, f"{seg}[0 1] $ ")
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)


def test_the_stock_fish_prompt_shows_a_failure_once(kube):
    require_tool("fish")
    child = pexpect.spawn("fish", ["--no-config", "-i"], env=shell_env(kube, TERM="dumb"), encoding="utf-8",
                          timeout=60, dimensions=(50, 400))
    child.sendline(INIT["fish"])
    try:
        for prompt in ("on", "off"):
            child.sendline(f"kctx prompt {prompt}; echo MARK-{prompt}")
            child.expect_exact(f"MARK-{prompt}")
            child.sendline("false")
            child.expect(r"\[1\][>#] ")
            child.sendline("echo AFTER; echo OK")
            child.expect(r"AFTER\r?\nOK\r?\n")  # the output, not the echo of the typed line
            child.expect(r"[>#] ")
            assert "[1]" not in child.before, child.before
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)
