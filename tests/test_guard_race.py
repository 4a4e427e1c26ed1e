"""The decision binds: kubectl acts on exactly the target the guard judged, even when the current context is
switched between the decision and kubectl reading its configuration (another terminal, a script, a job)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kctx.sandbox import Sandbox
from tests.worlds import sandbox_world

CALLS = 40


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    return sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)


def _flip(kubectl: Path, env: dict, stop: threading.Event) -> int:
    """Switch the kubeconfig's current context between dev and prod, as fast as kubectl itself can."""
    flips = 0
    while not stop.is_set():
        for name in ("prod", "dev"):
            subprocess.run([str(kubectl), "config", "use-context", name], env=env, capture_output=True, check=True)
            flips += 1
    return flips


@pytest.mark.parametrize("session", [False, True], ids=["kubeconfig", "session"])
def test_a_context_switch_during_the_call_never_sends_an_unconfirmed_write_to_prod(world, sandbox, kubectl,
                                                                                    session, tmp_path):
    env = dict(world["env"])
    if session:
        start = subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "kctx", "session", "start", "--pid",
                                str(os.getpid())], env=env, capture_output=True, text=True, check=True)
        env["KCTX_SESSION"] = start.stdout.strip()
        flip_env = dict(env, PATH=str(Path(world["kubectl"]).parent) + ":" + env["PATH"])
        flipper = world["kubectl"]  # inside a session, `config use-context` goes through kctx and switches it
    else:
        flip_env, flipper = env, kubectl
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(_flip(flipper, flip_env, stop)))
    thread.start()
    try:
        for i in range(CALLS):
            # start_new_session: no terminal, so a call judged to hit prod is refused.
            subprocess.run([str(world["kubectl"]), "delete", "configmap", f"c{i}", "--ignore-not-found"], env=env,
                           capture_output=True, start_new_session=True, timeout=60)
            time.sleep(0.005)
    finally:
        stop.set()
        thread.join()
    assert result and result[0] > 4, "the context did not flip while the calls ran"
    reached_prod = [r for r in sandbox.requests("prod") if r.method == "DELETE"]
    assert reached_prod == [], f"{len(reached_prod)} of {CALLS} deletes reached prod unconfirmed"
    assert any(r.method == "DELETE" for r in sandbox.requests("dev")), "no delete ran on dev at all"
