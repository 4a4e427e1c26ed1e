"""`kctx ctx`, `kctx ns` and `kctx use` without an argument on a real terminal (tmux): the fuzzy picker.
Off a terminal, or with KUBECTX_IGNORE_FZF, they list (as kubectx and kubens do)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from kctx.commands.choose import interactive
from kctx.env import Environment
from kctx.sandbox import Sandbox
from kctx.session.envfile import read as read_env
from tests.runner import kctx, kctx_proc
from tests.terminal import Term
from tests.tools import require_tool
from tests.worlds import sandbox_world


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=False)
    w["env"].update(TERM="xterm", KCTX_KUBECTL_VERSION="system")
    w["config"] = home / ".kube" / "config"
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


def shown(t: Term) -> list[str]:
    """The lines on the terminal, without tmux's note on the ended command."""
    return [ln for ln in t.screen().splitlines() if ln.strip() and not ln.startswith("Pane is dead")]


def current(world: dict) -> str:
    return kctx_proc("ctx", "-c", env=world["env"]).out.strip()


def test_ctx_picks_with_fuzzy_typing_and_marks_current_and_protected(world, term):
    t = term("ctx")
    screen = t.expect(r"context>")
    assert "dev   current" in screen and "prod  protected" in screen
    assert "> dev" in screen  # the cursor starts on the current context
    t.send("pd")  # not a prefix: p…d
    t.expect(r"> prod +protected\s+1/2")
    t.key("Enter")
    t.expect(r'✔ Switched to context "prod"\.')
    assert t.wait_exit() == 0
    # The picker is erased when done (tmux keeps a cleared screen in its history: look at the screen only).
    assert "context>" not in t.tmux("capture-pane", "-p", "-t", "t")
    assert current(world) == "prod"


@pytest.mark.parametrize("keys", [["Down"], ["C-n"], ["Tab"], ["Down", "Down", "C-p", "Down"]])
def test_ctx_moves_with_arrows_and_emacs_keys(world, term, keys):
    t = term("ctx")
    t.expect(r"> dev")
    t.key(*keys)
    t.expect(r"> prod")
    t.key("Enter")
    assert t.wait_exit() == 0
    assert current(world) == "prod"


@pytest.mark.parametrize("keys", [["Escape"], ["C-c"], ["p", "r", "C-g"]])
def test_cancelling_changes_nothing_and_exits_non_zero(world, term, keys):
    before = world["config"].read_bytes()
    t = term("ctx")
    t.expect(r"context>")
    t.key("Down")
    t.expect(r"> prod")
    t.key(*keys)
    t.expect(r"error: you did not choose any of the options")
    assert t.wait_exit() == 1
    assert world["config"].read_bytes() == before


def test_no_match_then_enter_changes_nothing(world, term):
    before = world["config"].read_bytes()
    t = term("ctx")
    t.expect(r"context>")
    t.send("zzz")
    t.expect(r"\(no match\)")
    t.key("Enter")
    t.expect(r"error: you did not choose any of the options")
    assert t.wait_exit() == 1
    assert world["config"].read_bytes() == before


def test_kubectx_ignore_fzf_lists_on_a_terminal(world, term):
    t = term("ctx", env={"KUBECTX_IGNORE_FZF": "1", "NO_COLOR": "1"})
    assert t.wait_exit() == 0
    assert shown(t) == ["dev", "prod"]


def test_ns_picks_a_namespace_of_the_cluster(world, term, sandbox):
    t = term("ns")
    screen = t.expect(r"namespace \(dev\)>")
    assert re.search(r"> default +current\n  kube-system\n  2/2", screen), screen
    t.send("ks")
    t.expect(r"> kube-system")
    t.key("Enter")
    t.expect(r'✔ Active namespace is "kube-system"')
    assert t.wait_exit() == 0
    assert kctx_proc("ns", "-c", env=world["env"]).out == "kube-system\n"


def test_ns_cancelled_changes_nothing(world, term):
    before = world["config"].read_bytes()
    t = term("ns")
    t.expect(r"namespace \(dev\)>")
    t.key("Escape")
    t.expect(r"error: you did not choose any of the options")
    assert t.wait_exit() == 1
    assert world["config"].read_bytes() == before


def test_use_picks_for_this_shell_only(world, term):
    before = world["config"].read_bytes()
    started = kctx_proc("session", "start", "--pid", str(os.getpid()), env=world["env"])
    assert started.code == 0, started
    session = started.out.strip()
    t = term("use", env={"KCTX_SESSION": session})
    screen = t.expect(r"context>")
    assert "prod  protected" in screen
    t.send("prod")
    t.key("Enter")
    t.expect(r'✔ Switched to context "prod"\.')
    assert t.wait_exit() == 0
    assert read_env(session)["KCTX_CONTEXT"] == "prod"
    assert world["config"].read_bytes() == before  # a session never edits the user's files
    t = term("use", env={"KCTX_SESSION": session})
    t.expect(r"> prod +current, protected")
    t.key("Escape")
    assert t.wait_exit() == 1


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_picker_needs_stdout_on_a_terminal_and_no_kubectx_ignore_fzf(tmp_path):
    def env(stdout: io.StringIO, **environ: str) -> Environment:
        return Environment(stdout=stdout, stderr=io.StringIO(), stdin=_Tty(), environ=environ,
                           tty_path=str(tmp_path / "no-tty"))

    assert interactive(env(_Tty(), HOME=str(tmp_path)))
    assert not interactive(env(io.StringIO(), HOME=str(tmp_path)))  # `kctx ctx | grep …`: a list
    assert not interactive(env(_Tty(), HOME=str(tmp_path), KUBECTX_IGNORE_FZF="1"))
    assert interactive(env(_Tty(), HOME=str(tmp_path), KUBECTX_IGNORE_FZF=""))  # empty counts as unset


def test_off_a_terminal_ctx_and_use_list(world):
    r = kctx("ctx", env=dict(world["env"], NO_COLOR="1"))
    assert (r.code, r.out) == (0, "dev\nprod\n")
