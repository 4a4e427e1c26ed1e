"""`kctx doctor`: each check, its fix, and the exit status."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from kctx.paths import Paths
from kctx.sandbox import ClusterSpec, Sandbox
from kctx.versions import manage
from tests.kubeconfigs import kubeconfig, simple, write
from tests.kubectl_bins import kubectl_binary
from tests.runner import Result, kctx

PROTECT = "protect:\n  contexts: [prod]\n"


def doctor(*argv: str, **env: str) -> Result:
    return kctx("doctor", *argv, env=env)


def lines(r: Result, level: str, check: str) -> list[str]:
    return [line for line in r.out.splitlines() if line.startswith(f"{level.ljust(4)}  {check}: ")]


def fix_after(r: Result, text: str) -> str:
    out = r.out.splitlines()
    i = next(i for i, line in enumerate(out) if text in line)
    return out[i + 1].strip()


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def setup(home: Path) -> dict[str, str]:
    """A healthy machine: config with protection, one private kubeconfig, the shim first on PATH, a session
    of a live shell (this process) and a kubectl kctx knows."""
    cfg = home / ".config/kctx/config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(PROTECT)
    simple(home / ".kube/config", "dev")
    shim_dir = kctx("shim", "install").out.strip()
    manage.add(Paths(), str(kubectl_binary("1.37")), open(os.devnull, "w"))  # noqa: SIM115
    env = {"PATH": f"{shim_dir}:/nonexistent"}
    session = kctx("session", "start", "--pid", str(os.getpid()), env=env).out.strip()
    return {**env, "KCTX_SESSION": session}


def test_a_healthy_setup(setup: dict[str, str]) -> None:
    r = doctor(**setup)
    assert r.code == 0, r.out
    assert r.out.endswith("all good\n") and "FAIL" not in r.out and "warn" not in r.out
    assert re.search(r"/shim/kubectl is the first kubectl on PATH \(the (native launcher|Python script)\)$",
                     lines(r, "ok", "shim")[0])
    assert lines(r, "ok", "shell") == [f"ok    shell: integration loaded (session of shell {os.getpid()})"]
    assert lines(r, "ok", "kubeconfig") == ["ok    kubeconfig: 1 file, readable and private"]
    assert "server version known for 0 of 1 contexts (cached server versions; --online" in r.out


def test_an_outdated_shim_is_a_warning(setup: dict[str, str]) -> None:
    shim = Path(setup["PATH"].split(":")[0]) / "kubectl"
    script = shim.parent / ".kctx-shim"  # beside a native launcher: the Python shim it runs on a miss
    edited = script if script.exists() else shim
    edited.write_text(edited.read_text().replace(" v3 ", " v2 "))
    r = doctor(**setup)
    assert lines(r, "warn", "shim") == [f"warn  shim: {shim} was written by another kctx version or installation "
                                        "(it still guards, with that kctx's rules)"]
    assert fix_after(r, "warn  shim") == f"fix: kctx shim install --dir {shim.parent}"


def test_problems_come_with_fixes(setup: dict[str, str], home: Path, tmp_path: Path) -> None:
    real = tmp_path / "bin"
    real.mkdir()
    (real / "kubectl").symlink_to(kubectl_binary("1.37"))
    (home / ".kube/config").chmod(0o644)
    write(home / ".kube/configs/broken.yaml", kubeconfig({"orphan": ("gone", "nobody", "")}))
    write(home / ".kube/configs/bad.yaml", "contexts: [\n")
    kctx("session", "start", "--pid", str(dead_pid()), env=setup)  # a shell that died without cleaning up
    (home / ".config/kctx/config.yaml").write_text("# nothing yet\n")
    r = doctor(PATH=f"{real}:{setup['PATH']}", KCTX_SESSION="")
    assert r.code == 1
    assert lines(r, "warn", "config") == ["warn  config: ~/.config/kctx/config.yaml protects nothing"]
    assert lines(r, "FAIL", "shim") == [f"FAIL  shim: the first kubectl on PATH is {real}/kubectl, not the kctx "
                                        "shim: kubectl calls skip the guard"]
    assert fix_after(r, "FAIL  shim").startswith('fix: eval "$(kctx init bash)"')
    assert "the shell integration is not loaded (KCTX_SESSION is not set)" in r.out
    assert any("config is open to others (mode 644)" in line for line in lines(r, "FAIL", "kubeconfig"))
    assert fix_after(r, "mode 644") == f"fix: chmod 600 {home}/.kube/config"
    assert any("bad.yaml: line 2: invalid YAML" in line for line in lines(r, "FAIL", "kubeconfig"))
    assert fix_after(r, "bad.yaml: line 2").startswith("fix: repair the file")  # no chmod: it does not parse
    (ref,) = lines(r, "FAIL", "references")
    assert 'context "orphan" refers to cluster "gone", which no kubeconfig file defines' in ref
    assert fix_after(r, 'context "orphan"') == ("fix: define the missing entry, or delete the context: "
                                                "kctx ctx -d orphan")
    (stale,) = lines(r, "FAIL", "sessions")
    assert "1 stale session file (their shells have exited)" in stale
    assert fix_after(r, "stale session") == "fix: kctx session cleanup"
    assert r.out.endswith(f"{r.out.count('FAIL  ')} problems found\n")
    assert kctx("session", "cleanup").code == 0
    assert not lines(doctor(**setup), "FAIL", "sessions")


def test_a_session_whose_shell_is_gone(setup: dict[str, str], home: Path) -> None:
    stale = kctx("session", "start", "--pid", str(dead_pid()), env=setup).out.strip()
    r = doctor(**{**setup, "KCTX_SESSION": stale})
    assert r.code == 1 and "which has exited" in lines(r, "FAIL", "shell")[0]
    assert not lines(r, "FAIL", "sessions")  # the current one is judged by the shell check only
    Path(stale).unlink()
    r = doctor(**{**setup, "KCTX_SESSION": stale})
    assert lines(r, "FAIL", "shell") == [f"FAIL  shell: this shell's session file {stale} is gone"]


def test_a_broken_config_does_not_stop_the_other_checks(setup: dict[str, str], home: Path) -> None:
    (home / ".config/kctx/config.yaml").write_text("confirm: maybe\n")
    r = doctor(**setup)
    assert r.code == 1 and "confirm: expected one of: name, yes" in lines(r, "FAIL", "config")[0]
    assert lines(r, "ok", "shim") and lines(r, "ok", "references")


def test_version_skew_from_the_cache_and_online(setup: dict[str, str], home: Path) -> None:
    with Sandbox([ClusterSpec("old", "v1.33.1")]) as sb:
        sb.write_kubeconfig(home / ".kube/configs/sandbox.yaml")
        (home / ".kube/configs/sandbox.yaml").chmod(0o600)
        assert doctor(**setup).code == 0  # nothing cached: no network without --online
        assert not sb.requests("old")
        r = doctor("--online", **setup)
        # one version detection, then one `kubectl auth whoami` (the identity check)
        assert [(q.method, q.path) for q in sb.requests("old")] == [
            ("GET", "/version"), ("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews")]
    assert r.code == 1
    (skew,) = lines(r, "FAIL", "kubectl")
    assert "kubectl 1.37.1 is outside the supported version skew" in skew and "server 1.33.1" in skew
    assert fix_after(r, "version skew").startswith("fix: kctx kubectl install 1.33 (or pin it")
    assert lines(doctor(**setup), "FAIL", "kubectl")  # now known from the cache, offline


def test_each_kubeconfig_problem_gets_its_own_fix(setup: dict[str, str], home: Path) -> None:
    bad = write(home / ".kube/configs/bad file.yaml", "contexts: [\n")
    bad.chmod(0o644)  # open to others, and it does not parse: two problems, two fixes
    write(home / ".kube/configs/odd.yaml", kubeconfig({"it's prod": ("gone", "nobody", "")}))
    r = doctor(**setup)
    assert fix_after(r, "is open to others") == f"fix: chmod 600 '{bad}'"
    assert fix_after(r, "bad file.yaml: line 2").startswith("fix: repair the file")
    quoted = "'it'\"'\"'s prod'"  # shlex.quote: the line can be pasted into a shell as it is
    assert fix_after(r, "it's prod") == f"fix: define the missing entry, or delete the context: kctx ctx -d {quoted}"


def test_a_current_context_that_does_not_exist_names_one_that_does(setup: dict[str, str], home: Path) -> None:
    simple(home / ".kube/configs/prod.yaml", "prod", current=False)
    (home / ".kube/config").write_text((home / ".kube/config").read_text().replace("current-context: dev",
                                                                                   "current-context: gone"))
    r = doctor(**{**setup, "KCTX_SESSION": ""})
    assert fix_after(r, 'current-context "gone" does not exist') == "fix: kctx ctx dev (or another of: prod)"


def test_a_brand_new_user_is_told_what_to_do_next(home: Path) -> None:
    r = doctor()
    (line,) = lines(r, "warn", "kubeconfig")
    assert line == ("warn  kubeconfig: no kubeconfig file found (kctx looks in: ~/.kube/config, ~/.kube/configs/*), "
                    "so kubectl has no cluster to talk to")
    assert fix_after(r, "no kubeconfig file found").startswith("fix: kctx demo tries kctx on three stand-in clusters")
    assert "all good" not in r.out
    r = kctx("current")
    assert r.code == 0 and r.out.splitlines() == [
        "no kubeconfig file found, so kubectl has no cluster to talk to",
        "  kctx looks in: ~/.kube/config, ~/.kube/configs/*",
        "  next: kctx demo tries kctx on three stand-in clusters (nothing of yours is touched); or save your "
        "cluster's kubeconfig as ~/.kube/config (e.g. from your cloud's get-credentials command)"]
    assert kctx("current", "--json").out.startswith('{\n  "context": ""')  # the contract is unchanged
    r = kctx("current", env={"KUBECONFIG": f"{home}/k1:{home}/k2"})
    assert "kctx looks in: ~/k1, ~/k2, ~/.kube/config, ~/.kube/configs/*" in r.out
