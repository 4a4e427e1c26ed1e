"""The tests run this checkout's kctx, never another one installed on the machine: through PATH in a shell
(tests/conftest.py puts a wrapper first) and as `python -m kctx` from any working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kubeconfigs import simple
from tests.runner import ROOT, kctx_proc
from tests.test_shell_init import INIT, run_shell

LAUNCHER = str(ROOT / "kctx" / "launch.py")  # what the integration printed by this checkout's kctx runs


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_shell_runs_this_checkouts_kctx(shell, home):
    simple(home / ".kube" / "config", "dev")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False)
    sep = "; and " if shell == "fish" else " && "
    script = sep.join([f"kctx init {shell}", INIT[shell], "kctx use prod", "echo CONTEXT=$KCTX_PROMPT_CONTEXT"])
    p = run_shell(shell, script, home)
    assert p.returncode == 0, p.stderr
    assert LAUNCHER in p.stdout and "CONTEXT=prod" in p.stdout.splitlines(), (p.stdout, p.stderr)


def test_a_stale_kctx_first_on_path_is_never_run(tmp_path: Path):
    """pytest started with another `kctx` first on PATH (an old install): the shell tests still run this
    checkout's, and the other one never runs."""
    stale, mark = tmp_path / "stale-bin", tmp_path / "stale-kctx-ran"
    stale.mkdir()
    (stale / "kctx").write_text(f"#!/bin/sh\necho \"$@\" >> '{mark}'\necho 'echo STALE-KCTX'\n")
    (stale / "kctx").chmod(0o755)
    env = dict(os.environ, PATH=f"{stale}{os.pathsep}{os.environ['PATH']}")
    test = "tests/test_checkout_kctx.py::test_a_shell_runs_this_checkouts_kctx[bash]"
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:]
    assert not mark.exists(), mark.read_text()


def test_python_m_kctx_runs_this_checkout_from_any_folder(home, tmp_path):
    r = kctx_proc("init", "bash", cwd=tmp_path)
    assert r.code == 0 and LAUNCHER in r.out, r
