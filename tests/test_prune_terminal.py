"""`kctx prune` on a real terminal (tmux): the picker marks what goes (Space/Tab), Enter removes the marked
entries, Esc removes nothing; removing protection is still asked after the choice. Where the picker cannot
run (KUBECTX_IGNORE_FZF), the numbered question is asked on the terminal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.terminal import Term
from tests.test_prune import KUBECONFIG, setup
from tests.tools import require_tool


@pytest.fixture
def term(home: Path, tmp_path: Path):
    require_tool("tmux")
    made: list[Term] = []
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "TERM": "xterm", "LANG": "C.UTF-8",
           "XDG_RUNTIME_DIR": os.environ["XDG_RUNTIME_DIR"]}

    def spawn(*args: str, **extra: str) -> Term:
        t = Term({**env, **extra}, tmp_path, "prune", *args)
        made.append(t)
        return t

    yield spawn
    for t in made:
        t.close()


def test_nothing_starts_marked_and_enter_removes_only_the_marked(home, term):
    path = setup(home)
    t = term()
    screen = t.expect(r"remove>")
    assert "> [ ] context gone  " in screen and "[ ] user old" in screen and "5/5  (0 marked)" in screen
    assert "in " + str(path) + ": its cluster has not answered since" in screen
    t.send("brok")
    t.expect(r"> \[ \] context broken.*\n\s+1/5  \(0 marked\)")
    t.key("Space")
    t.expect(r"\[x\] context broken.*\n\s+1/5  \(1 marked\)")
    t.key("BSpace", "BSpace", "BSpace", "BSpace")
    t.expect(r"5/5  \(1 marked\)")  # a mark survives a new query
    t.send("old")
    t.key("Tab")
    t.expect(r"\[x\] user old.*\n\s+1/5  \(2 marked\)")
    t.key("Enter")
    screen = t.expect(r"removed 2 entries from 1 file")
    assert t.wait_exit() == 0
    assert "remove>" not in t.tmux("capture-pane", "-p", "-t", "t")  # the picker is erased when done
    assert f"context 'broken' in {path}" in screen and f"user 'old' in {path}" in screen
    text = path.read_text()
    assert "name: broken" not in text and "name: old" not in text
    assert "name: gone" in text and "name: spare" in text and "# my clusters" in text


@pytest.mark.parametrize("keys", [["Space", "Escape"], ["Tab", "C-c"], ["Enter"]])
def test_cancelling_or_marking_nothing_removes_nothing(home, term, keys):
    path = setup(home)
    t = term()
    t.expect(r"remove>")
    t.key(*keys)
    t.expect(r"nothing removed")
    assert t.wait_exit() == 3
    assert path.read_text() == KUBECONFIG
    assert not list(path.parent.glob("config.*.bak"))


def test_removing_protection_is_asked_after_the_choice(home, term):
    path = setup(home)
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: [gone]\n")
    t = term()
    t.expect(r"> \[ \] context gone +protected  in ")
    t.key("Space")
    t.expect(r"\(1 marked\)")
    t.key("Enter")
    t.expect(r"Type the context name \(gone\) to continue")
    t.line("no")
    t.expect(r"kctx: error: ")
    assert t.wait_exit() == 3
    assert path.read_text() == KUBECONFIG
    t = term()
    t.expect(r"> \[ \] context gone +protected")
    t.key("Space")
    t.key("Enter")
    t.expect(r"Type the context name \(gone\) to continue")
    t.line("gone")
    t.expect(r"removed 1 entry from 1 file")
    assert t.wait_exit() == 0
    assert "name: gone\n  context" not in path.read_text()


def test_without_the_picker_the_numbered_question_is_asked(home, term):
    path = setup(home)
    t = term(KUBECTX_IGNORE_FZF="1")
    screen = t.expect(r"Remove which\? all, none, or numbers \(1 3-5\): ")
    assert f"  2  context 'broken' in {path}" in screen
    t.line("2")
    t.expect(r"removed 1 entry from 1 file")
    assert t.wait_exit() == 0
    assert "name: broken" not in path.read_text() and "name: gone" in path.read_text()
