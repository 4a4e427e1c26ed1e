"""The shell integration in real bash, zsh and fish: one init line gives a per-shell session."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.kubeconfigs import simple
from tests.tools import require_tool

SHELLS = {
    "bash": ["bash", "--norc", "--noprofile", "-c"],
    "zsh": ["zsh", "-f", "-c"],
    "fish": ["fish", "--no-config", "-c"],
}
INIT = {
    "bash": 'eval "$(kctx init bash)"',
    "zsh": 'eval "$(kctx init zsh)"',
    "fish": "kctx init fish | source",
}


def shell_env(home: Path, **extra: str | None) -> dict[str, str]:
    """The environment of a fresh login: no kctx or KUBECONFIG variables, colour off unless asked for."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG", "NO_COLOR"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home.parent / "run"), NO_COLOR="1")
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run_shell(shell: str, script: str, home: Path, **extra: str | None) -> subprocess.CompletedProcess:
    """Run ``script`` in a real, non-interactive ``shell``; ``extra`` adds variables (None removes one)."""
    require_tool(shell)
    env = shell_env(home, **extra)
    return subprocess.run([*SHELLS[shell], script], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def kube(home: Path) -> Path:
    simple(home / ".kube" / "config", "dev", namespace="apps")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False)
    return home


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_use_changes_this_shell_only(shell, kube):
    init = INIT[shell]
    sep = "; and " if shell == "fish" else " && "
    script = sep.join([
        init,
        "echo A=$KCTX_PROMPT_CONTEXT",
        "kctx use prod",
        "echo B=$KCTX_PROMPT_CONTEXT:$KCTX_PROMPT_PROTECTED",
        "echo K=$KUBECONFIG",
        "command -v kubectl",
    ])
    p = run_shell(shell, script, kube)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert "A=dev" in lines and "B=prod:0" in lines
    k = next(ln for ln in lines if ln.startswith("K="))[2:].split(os.pathsep)
    assert k[0].endswith(".json") and k[1:] == [str(kube / ".kube" / "configs" / "prod.yaml")]
    assert lines[-1].endswith("/shim/kubectl")
    assert 'Switched to context "prod".' in p.stderr
    # The user's files are untouched and another shell still starts in "dev".
    assert "current-context: dev" in (kube / ".kube" / "config").read_text()
    p2 = run_shell(shell, f"{init}{sep}echo A=$KCTX_PROMPT_CONTEXT", kube)
    assert "A=dev" in p2.stdout.splitlines()


def test_bash_init_is_idempotent_and_cleans_up(kube):
    script = """
    PROMPT_COMMAND='echo user-hook >/dev/null'
    eval "$(kctx init bash)"
    first=$KCTX_SESSION
    eval "$(kctx init bash)"
    [[ $first == "$KCTX_SESSION" ]] || echo SESSION-CHANGED
    echo PATHS=$(tr ':' '\\n' <<<"$PATH" | grep -c 'kctx/shim$')
    echo PC=$PROMPT_COMMAND
    echo S=$KCTX_SESSION
    """
    p = run_shell("bash", script, kube)
    out = p.stdout.splitlines()
    assert "SESSION-CHANGED" not in out
    assert "PATHS=1" in out
    pc = next(ln for ln in out if ln.startswith("PC="))
    assert pc.count("__kctx_prompt_hook") == 1 and "user-hook" in pc
    session = next(ln for ln in out if ln.startswith("S="))[2:]
    assert not Path(session).exists()  # removed by the EXIT trap when the shell ended


def test_bash_prompt_follows_raw_kubectl_edits_of_the_session(kube, kubectl):
    script = f"""
    eval "$(kctx init bash)"
    {kubectl} config set-context --current --namespace=edited >/dev/null
    __kctx_prompt_hook
    echo NS=$KCTX_PROMPT_NAMESPACE
    """
    p = run_shell("bash", script, kube)
    assert "NS=edited" in p.stdout.splitlines(), p.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_short_names_are_opt_in_and_change_this_shell(shell, kube, kubectl):
    sep = "; and " if shell == "fish" else " && "
    script = sep.join([
        INIT[shell], "kubectx prod", "kubens web --force",
        "echo S=$KCTX_PROMPT_CONTEXT:$KCTX_PROMPT_NAMESPACE",
        "k config view --minify -o 'jsonpath={..namespace}'",
    ])
    p = run_shell(shell, script, kube, KCTX_ALIASES="1", KCTX_KUBECTL=str(kubectl))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["S=prod:web", "web"]
    p = run_shell(shell, f"{INIT[shell]}\ntype k kubectx kubens", kube)
    assert "kubectl" not in p.stdout and "kctx" not in p.stdout  # nothing defined without KCTX_ALIASES


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_exit_removes_the_stamp_and_init_sweeps_orphans(shell, kube):
    sessions = kube.parent / "run" / "kctx" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "1-1-dead.seen").touch()  # a shell killed with -9 leaves its stamp behind
    echo = 'echo "S=$KCTX_SESSION"'
    p = run_shell(shell, f"{INIT[shell]}\n{HOOKS[shell]}\n{echo}", kube)
    session = Path(next(ln for ln in p.stdout.splitlines() if ln.startswith("S="))[2:])
    assert session.parent == sessions
    assert not (sessions / "1-1-dead.seen").exists()
    assert list(sessions.iterdir()) == [], "the exit hook removes the session, its .env and its stamp"


HOOKS = {"bash": "__kctx_prompt_hook", "zsh": "__kctx_precmd", "fish": "emit fish_prompt"}


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_strict_shell_options_do_not_break_the_integration(shell, kube):
    strict = "set -u -o noclobber" if shell == "bash" else "setopt nounset noclobber"
    script = "\n".join([strict, INIT[shell], HOOKS[shell], "kctx use prod", HOOKS[shell], "kctx prompt off",
                        INIT[shell], 'echo "S=${KCTX_PROMPT_CONTEXT}[${KCTX_PROMPT_SEGMENT}]"'])
    p = run_shell(shell, script, kube)
    assert p.stdout.splitlines()[-1] == "S=prod[]", p.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_broken_config_is_reported_once_and_switching_still_works(shell, kube):
    config = kube / ".config" / "kctx" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("protect:\n  contexts: [prod]\n")
    hooks = "\n".join([HOOKS[shell]] * 3)
    script = "\n".join([
        INIT[shell],
        f"printf 'protect:\\n  contexts: [prod\\nconfrim: yes\\n' > {config}",  # two typos
        hooks, "echo PROMPTS-DONE >&2",
        "kctx use prod", "echo USE-DONE >&2",
        hooks, 'echo "S=$KCTX_PROMPT_CONTEXT:$KCTX_PROMPT_PROTECTED"',
    ])
    p = run_shell(shell, script, kube)
    assert p.stdout.splitlines()[-1] == "S=prod:0", p.stderr
    prompts, use, after = p.stderr.split("PROMPTS-DONE\n")[0], *p.stderr.split("PROMPTS-DONE\n")[1].split("USE-DONE\n")
    warning = f"kctx: warning: {config}: 2 problems: line 2: invalid YAML"
    assert prompts.count(warning) == 1, p.stderr  # the prompt says it once, not at every prompt
    assert use.count(warning) == 1 and 'Switched to context "prod"' in use, p.stderr
    assert warning not in after and "error" not in p.stderr, p.stderr
