"""A HOME that cannot hold kctx's files (unset, empty, relative, missing): the kubeconfig kubectl reads then is
established with the real binary and followed; kctx commands stop with one clear line; the shim lets reads
through and fails closed for writes (its config cannot be found); nothing is ever created, HOME least of all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kctx.paths import NOWHERE, Paths
from kctx.sandbox import Sandbox
from tests.runner import checkout_pythonpath
from tests.worlds import sandbox_world

PROBLEMS = {"unset": "HOME is not set", "empty": "HOME is empty", "relative": "HOME (home) is not an absolute path",
            "missing": "HOME ({tmp}/gone) does not exist"}


def environ(tmp_path: Path, case: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without kctx's variables and with HOME as ``case`` has it."""
    env = {k: v for k, v in (base or os.environ).items() if not k.startswith(("KCTX_", "KUBECONFIG", "XDG_"))}
    env.pop("HOME", None)
    value = {"unset": None, "empty": "", "relative": "home", "missing": f"{tmp_path}/gone"}[case]
    if value is not None:
        env["HOME"] = value
    return env


def snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("case", PROBLEMS)
def test_paths_point_nowhere_and_say_why(tmp_path: Path, case: str) -> None:
    p = Paths(environ(tmp_path, case))
    assert p.home_problem == PROBLEMS[case].format(tmp=tmp_path)
    for folder in (p.config_file, p.state_dir, p.cache_dir, p.data_dir, p.runtime_dir, p.sessions_dir):
        assert folder.startswith(NOWHERE + "/")  # below a file: it can never be created
    assert p.config_unfindable.startswith(p.home_problem + ", so kctx cannot find its config")
    ok = Paths({**environ(tmp_path, case), "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "/s", "XDG_CACHE_HOME": "/k",
                "XDG_DATA_HOME": "/d"})
    ok.check()  # every folder named elsewhere: HOME is not needed
    assert not ok.config_unfindable and ok.config_file == "/c/kctx/config.yaml"


@pytest.mark.parametrize("case", PROBLEMS)
def test_the_default_kubeconfig_is_the_one_kubectl_reads(tmp_path: Path, kubectl: Path, case: str) -> None:
    """kubectl (client-go) takes $HOME as it is: unset or empty reads .kube/config in the working folder."""
    work = tmp_path / "work"
    for where, name in ((work / ".kube", "cwd"), (work / "home" / ".kube", "relative-home"),
                        (tmp_path / "gone" / ".kube", "missing-home")):
        where.mkdir(parents=True)
        (where / "config").write_text(f"apiVersion: v1\nkind: Config\ncurrent-context: {name}\n")
    env = environ(tmp_path, case)
    p = subprocess.run([str(kubectl), "config", "current-context"], env=env, cwd=work, capture_output=True,
                       text=True, timeout=60)
    predicted = work / Paths(env).default_kubeconfig()
    assert p.stdout.strip() == predicted.read_text().split("current-context: ")[1].strip(), p.stderr


def run_kctx(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    """kctx with exactly ``env`` (tests.runner.kctx_proc would add this process's HOME back)."""
    env = {**env, "PYTHONPATH": checkout_pythonpath(env)}
    return subprocess.run([sys.executable, "-m", "kctx", *argv], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("case", PROBLEMS)
def test_commands_stop_with_one_clear_line_and_create_nothing(tmp_path: Path, case: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = environ(tmp_path, case)
    for argv in (("ls",), ("session", "start", "--pid", str(os.getpid())), ("use", "dev"), ("init", "bash")):
        p = run_kctx(env, work, *argv)
        problem = PROBLEMS[case].format(tmp=tmp_path)
        assert p.returncode == 1 and p.stdout == "" and p.stderr.count("\n") == 1, (argv, p)
        assert p.stderr == (f"kctx: error: {problem}: kctx keeps its files in your home folder and never creates it; "
                            "set HOME to your home folder (or set XDG_CONFIG_HOME, XDG_STATE_HOME, "
                            "XDG_CACHE_HOME, XDG_DATA_HOME)\n"), p.stderr
    assert snapshot(work) == [] and not (tmp_path / "gone").exists()


def test_with_every_folder_named_kctx_needs_no_home(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / ".kube").mkdir(parents=True)
    env = {**environ(tmp_path, "unset"), **{v: str(tmp_path / v) for v in
                                            ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")}}
    (work / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\ncurrent-context: here\ncontexts:\n"
                                           "- name: here\n  context: {cluster: c}\nclusters:\n"
                                           "- name: c\n  cluster: {server: 'https://127.0.0.1:9'}\n")
    p = run_kctx(env, work, "ls", "-o", "name")
    assert (p.returncode, p.stdout) == (0, "here\n"), p.stderr  # a HOME-less shell's kubeconfig: .kube/config here
    p = run_kctx(env, work, "onboard", "team.yaml")  # it writes into ~/.kube/configs: HOME it needs
    assert (p.returncode, p.stderr) == (1, "kctx: error: HOME is not set: kctx keeps its files in your home folder and "
                                           "never creates it; set HOME to your home folder\n")


@pytest.mark.parametrize("case", ["unset", "missing"])
def test_the_shim_refuses_writes_and_lets_reads_through(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path,
                                                        case: str) -> None:
    world = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)
    work = tmp_path / "work"
    work.mkdir()
    env = {**environ(tmp_path, case, world["env"]), "KUBECONFIG": str(home / ".kube" / "config")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(world["kubectl"]), *args], env=env, cwd=work, capture_output=True, text=True,
                              timeout=60, start_new_session=True)

    # First: kubectl itself creates a missing HOME for its discovery cache (~/.kube/cache) when it reaches a server.
    p = run("--context", "dev", "delete", "configmap", "x")
    assert p.returncode == 4 and "protection cannot be ruled out: " + PROBLEMS[case].format(tmp=tmp_path) in p.stderr
    assert not [r for r in sandbox.requests("dev") if r.method not in ("GET", "HEAD")]
    p = run("--context", "dev", "get", "configmaps")
    assert p.returncode == 0, p.stderr
    # Nothing of kctx's anywhere: only kubectl's own cache, in the working folder (no HOME) or in HOME.
    made = snapshot(work) if case == "unset" else snapshot(tmp_path / "gone")
    assert made and all(f == ".kube" or f.startswith(".kube/cache") for f in made), made
