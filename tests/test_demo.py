"""`kctx demo --script`: the guided tour runs non-interactively (CI and the README use it)."""

from __future__ import annotations

import os
import re
import time

from kctx.commands.demo import TOUR, tour_text
from tests.runner import checkout_pythonpath, kctx_proc
from tests.terminal import Term
from tests.tools import require_tool


def test_demo_script(home, kubectl):
    r = kctx_proc("demo", "--script", env={"KCTX_KUBECTL": str(kubectl), "PATH": "/usr/bin:/bin"})
    assert r.code == 0, r.err
    out = r.out
    assert "$ kctx ls" in out and "prod" in out
    assert "deployment.apps/web created" in out
    assert 'Switched to context "prod".' in out
    assert re.search(r"\$ kubectl get deployments\nNAME .*\nweb +2/2", out)  # prod runs what the tour deletes
    assert "kctx: error: refused: no terminal to confirm on" in out and "(exit status 4)" in out
    assert "configmap/release created" in out
    assert 'deployment.apps "web" deleted' in out
    assert "prod received 1 write request(s): POST /api/v1/namespaces/default/configmaps" in out
    assert not list(home.iterdir()) or all(p.name == ".kube" for p in home.iterdir())  # nothing of ours touched


def _demo(home, kubectl, tmp_path, columns: int = 80) -> Term:
    require_tool("tmux")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG", "NO_COLOR"))}
    env.update(KCTX_KUBECTL=str(kubectl), TERM="xterm", PYTHONPATH=checkout_pythonpath(env))
    return Term(env, tmp_path, "demo", columns=columns)


def test_ctrl_c_in_the_demo_stops_the_command_not_the_demo(home, kubectl, tmp_path):
    t = _demo(home, kubectl, tmp_path)
    try:
        t.expect(r"dev:default>", timeout=60)
        t.line("get namespaces -w")
        t.expect(r"kube-system +Active")
        time.sleep(0.3)
        t.key("C-c")
        t.expect(r"dev:default>")
        t.line("get ns kube-system -o name")  # the demo's shell is still there
        t.expect(r"namespace/kube-system")
        t.line("exit")
        assert t.wait_exit() == 0
    finally:
        t.close()


# What each step of the tour shows when it adds up.
TOUR_SHOWS = {
    0: r"No resources found in default namespace",
    1: r"deployment.apps/web created",
    2: r"web-[a-z0-9]+-[a-z0-9]+ +1/1 +Running",
    3: r"\[!\] prod:default>",
    4: r"web +2/2",
    6: r"dev:default>",
}


def test_the_tour_adds_up_and_reads_well_at_80_columns(home, kubectl, tmp_path):
    assert max(len(line) for line in tour_text().splitlines()) < 80
    t = _demo(home, kubectl, tmp_path, columns=80)
    try:
        t.expect(r"dev:default>", timeout=60)
        steps = [cmd for cmd, _ in TOUR]
        assert steps[-1] == "help, exit"
        for i, cmd in enumerate(steps[:-1]):
            if cmd.startswith("delete"):
                t.send(cmd)  # the toolbar says what the guard will do, whole at 80 columns
                screen = t.expect(r"PROTECTED · delete: mutate, will ask to confirm")
                assert "…" not in "\n".join(screen.splitlines()[-2:]).replace("refreshing…", "")  # nothing cut
                t.key("Enter")
                t.expect(r"Type the context name \(prod\) to continue")
                t.line("prod")
                t.expect(r'deployment.apps "web" deleted')
            else:
                t.line(cmd)
                t.expect(TOUR_SHOWS[i])
            t.expect(r"default>")
        t.line("exit")
        assert t.wait_exit() == 0
    finally:
        t.close()
