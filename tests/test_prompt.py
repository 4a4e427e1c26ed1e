"""The prompt segment in real bash, zsh and fish: rendering, settings, and following every change at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.kubeconfigs import kubeconfig, simple, write
from tests.runner import kctx, kctx_proc
from tests.test_shell_init import INIT, run_shell

SHELLS = ["bash", "zsh", "fish"]
HOOK = {"bash": "__kctx_prompt_hook", "zsh": "__kctx_precmd", "fish": "emit fish_prompt"}
SHOW = 'printf "%s\\n" "SEG=$KCTX_PROMPT_SEGMENT"'


def setenv(shell: str, name: str, value: str) -> str:
    return f"set -gx {name} '{value}'" if shell == "fish" else f"export {name}='{value}'"


def prompt(shell: str) -> str:
    """Run the prompt hook, then print the segment."""
    return f"{HOOK[shell]}\n{SHOW}"


def segments(out: str) -> list[str]:
    return [ln[4:] for ln in out.splitlines() if ln.startswith("SEG=")]


@pytest.fixture
def kube(home: Path) -> Path:
    simple(home / ".kube" / "config", "dev", namespace="apps")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False)
    return home


@pytest.fixture
def one_file(home: Path) -> Path:
    """Both contexts in ~/.kube/config, so a raw kubectl (narrowed KUBECONFIG) can switch between them."""
    write(home / ".kube" / "config", kubeconfig({"dev": ("dev", "dev", "apps"), "prod": ("prod", "prod", "")},
                                                 clusters={"dev": "https://dev.test:6443",
                                                           "prod": "https://prod.test:6443"},
                                                 users=["dev", "prod"], current="dev"))
    return home


def config(home: Path, text: str) -> None:
    path = home / ".config" / "kctx" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize("shell", SHELLS)
def test_segment_follows_use_ns_and_toggle(shell, kube):
    script = "\n".join([
        INIT[shell], prompt(shell),
        "kctx use prod", SHOW,
        "kctx ns -f web", SHOW,
        "kctx prompt off", prompt(shell),
        "kctx prompt toggle", SHOW,
        "kctx prompt off", "kctx prompt on", SHOW,
    ])
    p = run_shell(shell, script, kube)
    expected = ["⎈ dev:apps", "⎈ prod:default", "⎈ prod:web", "", "⎈ prod:web", "⎈ prod:web"]
    assert segments(p.stdout) == expected, p.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_raw_kubectl_edits_show_at_the_next_prompt(shell, one_file, kubectl):
    script = "\n".join([
        INIT[shell], prompt(shell),
        f"{kubectl} config set-context --current --namespace=edited >/dev/null", prompt(shell),
        f"{kubectl} config use-context prod >/dev/null", prompt(shell),
    ])
    p = run_shell(shell, script, one_file)
    assert segments(p.stdout) == ["⎈ dev:apps", "⎈ dev:edited", "⎈ prod:default"], p.stderr


def test_raw_use_context_shows_the_users_namespace(home, kubectl):
    write(home / ".kube" / "config", kubeconfig({"dev": ("dev", "dev", ""), "prod": ("prod", "prod", "web")},
                                                 clusters={"dev": "https://d:1", "prod": "https://p:1"},
                                                 users=["dev", "prod"], current="dev"))
    script = f"{INIT['bash']}\n{kubectl} config use-context prod >/dev/null\n{prompt('bash')}"
    p = run_shell("bash", script, home)
    assert segments(p.stdout) == ["⎈ prod:web"], p.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_two_changes_within_one_second_are_both_seen(shell, one_file, kubectl):
    """mtimes with a one-second resolution would miss the second change; the stamp compares nanoseconds."""
    mtime = ("python3 -c 'import os,sys; print(\"MT=%d\" % os.stat(sys.argv[1]).st_mtime_ns)' "
             "\"$KCTX_SESSION\"")
    script = "\n".join([
        INIT[shell], prompt(shell),
        f"{kubectl} config set-context --current --namespace=first >/dev/null", mtime, prompt(shell),
        f"{kubectl} config set-context --current --namespace=second >/dev/null", mtime, prompt(shell),
    ])
    for _ in range(5):
        p = run_shell(shell, script, one_file)
        assert segments(p.stdout) == ["⎈ dev:apps", "⎈ dev:first", "⎈ dev:second"], p.stderr
        first, second = (int(ln[3:]) for ln in p.stdout.splitlines() if ln.startswith("MT="))
        if first // 10**9 == second // 10**9:
            return  # both edits in the same second, and both were seen
    pytest.skip("could not make two kubectl edits within one second on this machine")


@pytest.mark.parametrize("shell", SHELLS)
def test_protection_changes_show_at_the_next_prompt(shell, kube):
    """A new protect rule in the config, then a protected mark added to the user's kubeconfig file."""
    marked = kubeconfig({"dev": ("dev", "dev", "apps")}, clusters={"dev": "https://dev.test:6443"},
                        users=["dev"], current="dev")
    marked["contexts"][0]["context"]["extensions"] = [{"name": "kctx", "extension": {"protected": True}}]
    write(kube / "marked.yaml", marked)
    script = "\n".join([
        INIT[shell], prompt(shell),
        "printf 'protect:\\n  contexts: [\"dev*\"]\\n' > ~/.config/kctx/config.yaml", prompt(shell),
        "printf 'protect: {}\\n' > ~/.config/kctx/config.yaml", prompt(shell),
        "cat ~/marked.yaml > ~/.kube/config", prompt(shell),
    ])
    config(kube, "protect: {}\n")
    p = run_shell(shell, script, kube, NO_COLOR=None)
    protected = ["1;31m" in seg for seg in segments(p.stdout)]
    assert protected == [False, True, False, True], (p.stdout, p.stderr)


COLORED = {
    "bash": "\001\x1b[{c}m\002{t}\001\x1b[0m\002",
    "zsh": "%{{\x1b[{c}m%}}{t}%{{\x1b[0m%}}",
    "fish": "\x1b[{c}m{t}\x1b[0m",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_colours_by_environment_and_no_color(shell, kube):
    config(kube, "protect:\n  contexts: [prod]\n")
    script = "\n".join([
        INIT[shell], prompt(shell),
        "kctx use prod", SHOW,
        "kctx use dev", setenv(shell, "KCTX_PROMPT_COLORS", "st*=yellow d*=2"), prompt(shell),
        setenv(shell, "NO_COLOR", "1"), prompt(shell),
    ])
    p = run_shell(shell, script, kube, NO_COLOR=None)
    c = COLORED[shell]
    assert segments(p.stdout) == [c.format(c="36", t="⎈ dev:apps"), c.format(c="1;31", t="⎈ prod:default"),
                                  c.format(c="38;5;2", t="⎈ dev:apps"), "⎈ dev:apps"], p.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_format_symbol_and_override_marker(shell, kube):
    script = "\n".join([
        INIT[shell],
        setenv(shell, "KCTX_PROMPT_FORMAT", "[{symbol}|{context}|{namespace}{override}] & 100%"),
        setenv(shell, "KCTX_PROMPT_SYMBOL", "k8s"), prompt(shell),
        setenv(shell, "KCTX_CONFIRM", "dev"), prompt(shell),
        setenv(shell, "KCTX_CONFIRM", "other"), setenv(shell, "KCTX_PROMPT_OVERRIDE_MARK", "*"),
        prompt(shell),
        setenv(shell, "KCTX_KUBECTL_VERSION", "1.30.1"), prompt(shell),
    ])
    p = run_shell(shell, script, kube)
    assert segments(p.stdout) == ["[k8s|dev|apps] & 100%", "[k8s|dev|apps!] & 100%", "[k8s|dev|apps] & 100%",
                                  "[k8s|dev|apps*] & 100%"], p.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_names_cannot_inject_escapes(shell, home):
    # namespace "ns": a plain n is false to kubectl, which refuses the file then
    simple(home / ".kube" / "config", "a%F{red}$(touch pwned)\x1bb", namespace="ns")
    p = run_shell(shell, f"{INIT[shell]}\n{prompt(shell)}", home)
    (seg,) = segments(p.stdout)
    assert "\x1b" not in seg and not (home / "pwned").exists()
    assert seg == ("⎈ a%%F{red}$(touch pwned)?b:ns" if shell == "zsh" else "⎈ a%F{red}$(touch pwned)?b:ns")


def test_kctx_prompt_command_matches_the_shells(kube, kubectl):
    config(kube, "protect:\n  contexts: [prod]\n")
    script = "\n".join([INIT["bash"], "kctx use prod", "unset NO_COLOR", prompt("bash"),
                        'printf "%s\\n" "CMD=$("${__kctx_bin[@]}" prompt --color always --shell bash)"',
                        f"{kubectl} config set-context --current --namespace=raw >/dev/null",
                        # No prompt hook ran: the command itself notices the .env is stale.
                        'printf "%s\\n" "RAW=$("${__kctx_bin[@]}" prompt)"',
                        "export NO_COLOR=1 KCTX_PROMPT_FORMAT='{context}/{namespace}'",
                        'printf "%s\\n" "PLAIN=$("${__kctx_bin[@]}" prompt --color auto)"',
                        'printf "%s\\n" "OFF=$(KCTX_PROMPT=off "${__kctx_bin[@]}" prompt)"'])
    p = run_shell("bash", script, kube)
    out = dict(ln.split("=", 1) for ln in p.stdout.splitlines() if "=" in ln)
    assert out["CMD"] == out["SEG"] == "\001\x1b[1;31m\002⎈ prod:default\001\x1b[0m\002", p.stderr
    assert out["RAW"] == "⎈ prod:raw"
    assert out["PLAIN"] == "prod/raw" and out["OFF"] == ""


def test_kctx_prompt_outside_a_session_and_usage(kube):
    r = kctx("prompt", "--color", "never")
    assert (r.code, r.out) == (0, "⎈ dev:apps\n")
    r = kctx("prompt", "--shell", "zsh", "--color", "always", env={"KCTX_PROMPT_COLOR": "bogus"})
    assert r.out == "⎈ dev:apps\n"  # an unknown colour name means no colour, not garbage
    r = kctx_proc("prompt", "off")
    assert r.code == 2 and "needs the shell function" in r.err
    assert kctx("prompt", "--color", "sometimes").code == 2


def test_bash_init_twice_keeps_one_segment_and_a_prompt_command_array(kube):
    script = f"""
    hook() {{ :; }}
    PROMPT_COMMAND=(hook 'echo second >/dev/null')
    PS1='\\$ '
    {INIT['bash']}
    __kctx_prompt_hook
    {INIT['bash']}
    __kctx_prompt_hook; __kctx_prompt_hook
    declare -p PROMPT_COMMAND
    printf 'PS1=%s\\n' "$PS1"
    """
    p = run_shell("bash", script, kube)
    array = 'declare -a PROMPT_COMMAND=([0]="__kctx_prompt_hook;hook" [1]="echo second >/dev/null")'
    assert array in p.stdout
    assert "PS1=${KCTX_PROMPT_SEGMENT:+$KCTX_PROMPT_SEGMENT }\\$ " in p.stdout.splitlines()


def test_bash_prompt_auto_off_leaves_ps1_alone(kube):
    p = run_shell("bash", f"PS1='x '\n{INIT['bash']}\n__kctx_prompt_hook\nprintf 'PS1=%s\\n' \"$PS1\"", kube,
                  KCTX_PROMPT_AUTO="0")
    assert "PS1=x " in p.stdout.splitlines()


def test_zsh_init_twice_keeps_one_hook_first_and_one_segment(kube):
    script = f"""
    theme_precmd() {{ :; }}
    precmd_functions=(theme_precmd)
    PROMPT='%# '
    {INIT['zsh']}
    __kctx_precmd
    {INIT['zsh']}
    kctx use prod; __kctx_precmd; __kctx_precmd
    print -r -- "HOOKS=${{precmd_functions[1,2]}}"
    print -r -- "PROMPT=$PROMPT"
    setopt prompt_subst; PROMPT='%# '; __kctx_precmd; {INIT['zsh']}; __kctx_precmd
    print -r -- "SUBST=$PROMPT"
    """
    p = run_shell("zsh", script, kube)
    lines = p.stdout.splitlines()
    assert "HOOKS=__kctx_precmd theme_precmd" in lines, p.stderr
    assert "PROMPT=⎈ prod:default %# " in lines
    assert "SUBST=${KCTX_PROMPT_SEGMENT:+$KCTX_PROMPT_SEGMENT }%# " in lines


def test_fish_wraps_the_prompt_once(kube):
    script = "\n".join([
        "function fish_prompt; echo -n 'mine> '; end",
        INIT["fish"], INIT["fish"], "emit fish_prompt",
        'printf "%s\\n" "P="(fish_prompt)',
        "kctx prompt off", 'printf "%s\\n" "P="(fish_prompt)',
    ])
    p = run_shell("fish", script, kube)
    shown = [ln for ln in p.stdout.splitlines() if ln.startswith("P=")]
    assert shown == ["P=⎈ dev:apps mine> ", "P=mine> "], p.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_future_dated_kubeconfig_warns_once_and_does_not_fork_each_prompt(shell, kube):
    future = kube / ".kube" / "config"
    os.utime(future, (4102444800, 4102444800))  # 2100-01-01
    script = "\n".join([INIT[shell], prompt(shell), prompt(shell), prompt(shell)])
    p = run_shell(shell, script, kube)
    assert segments(p.stdout) == ["⎈ dev:apps"] * 3
    assert p.stderr.count("modification time in the future") == 1, p.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_a_failed_refresh_marks_the_segment(shell, kube, kubectl):
    # A damaged session file cannot be refreshed (a broken config can: it reads as the defaults, with a warning).
    script = "\n".join([
        INIT[shell],
        f"{kubectl} config set-context --current --namespace=x >/dev/null",
        'cp "$KCTX_SESSION" ~/good.json',
        'printf %s \'{"broken\' > "$KCTX_SESSION"',
        # File times tick every few ms; a change in the same tick as the stamp counts as "maybe changed".
        # A person does not edit and see a prompt within one tick, so leave one tick between them.
        "sleep 0.05", prompt(shell), prompt(shell),
        'cp ~/good.json "$KCTX_SESSION"', prompt(shell),
    ])
    p = run_shell(shell, script, kube)
    segs = segments(p.stdout)
    assert segs[:2] == ["⎈ dev:apps?"] * 2 and segs[2] == "⎈ dev:x", (p.stdout, p.stderr)
    assert p.stderr.count("error") == 1  # tried once per change, not at every prompt


@pytest.mark.parametrize("shell", SHELLS)
def test_a_removed_session_is_replaced_not_shown_stale(shell, kube):
    """$XDG_RUNTIME_DIR goes at logout while tmux lives on: the next prompt starts a fresh session."""
    script = "\n".join([
        INIT[shell], "kctx use prod", prompt(shell),
        "rm -rf ~/../run/kctx", prompt(shell), prompt(shell),
        'test -e "$KCTX_SESSION"; and echo SESSION-BACK' if shell == "fish"
        else '[[ -e $KCTX_SESSION ]] && echo SESSION-BACK',
    ])
    p = run_shell(shell, script, kube)
    assert segments(p.stdout) == ["⎈ prod:default", "⎈ dev:apps", "⎈ dev:apps"], p.stderr
    assert "SESSION-BACK" in p.stdout and p.stderr.count("is gone; starting a new one") == 1


def test_kctx_prompt_renders_an_unlock_like_the_shells():
    from kctx.commands.prompt import render

    values = {"KCTX_CONTEXT": "prod", "KCTX_NAMESPACE": "web", "KCTX_UNLOCK": "12m", "KCTX_UNLOCK_CONTEXT": "prod"}
    assert render(values, {}, color=False) == "⎈ prod:web unlocked 12m"
    assert render({**values, "KCTX_CONTEXT": "dev"}, {}, color=False) == "⎈ dev:web prod unlocked 12m"
    assert render({**values, "KCTX_UNLOCK": ""}, {}, color=False) == "⎈ prod:web"
    assert render(values, {"KCTX_PROMPT_FORMAT": "{context}"}, color=False) == "prod"
