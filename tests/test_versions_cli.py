"""`kctx kubectl …`: which, run, list, install, uninstall, gc, add, refresh."""

from __future__ import annotations

import io
import json
import os
import sys
import time
import types
from pathlib import Path

import pytest

import kctx.shim as shim_package
from kctx.cli import main
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.paths import Paths
from kctx.sandbox import ClusterSpec, Sandbox
from kctx.versions import store
from tests.kubectl_bins import kubectl_binary
from tests.mirror import Mirror


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def kctx(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(home)
    base = {"HOME": str(home), "PATH": "/nonexistent", "XDG_RUNTIME_DIR": str(home.parent / "run")}

    def run(*argv: str, **extra: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(["kubectl", *argv], Environment(stdout=out, stderr=err, environ={**base, **extra}))
        return Run(code, out.getvalue(), err.getvalue())

    run.paths = Paths(base)
    return run


def test_add_list_which_uninstall(kctx) -> None:
    r = kctx("add", str(kubectl_binary("1.36")))
    assert r.code == 0 and r.out.startswith("1.36.4\t")
    assert kctx("add", str(kubectl_binary("1.37"))).code == 0
    r = kctx("add", str(kubectl_binary("1.37")))  # the same file again: fine
    assert r.code == 0
    listing = kctx("list").out.splitlines()
    assert listing[0].split() == ["VERSION", "INSTALLED", "LAST", "USED", "SOURCE"]
    assert [line.split()[0] for line in listing[1:]] == ["1.37.1", "1.36.4"]
    r = kctx("which", "--json", "--kubectl-version", "1.36")
    report = json.loads(r.out)
    assert (report["rule"], report["version"]) == ("env", "1.36.4")
    assert set(report) >= {"version", "path", "rule", "why", "skew", "server_version", "context", "server"}
    r = kctx("which", KCTX_KUBECTL_VERSION="1.37.1")
    assert "version   1.37.1" in r.out and "rule      env" in r.out
    r = kctx("uninstall", "1.36.4")
    assert r.code == 0 and "removed" in r.err
    assert kubectl_binary("1.36").exists()  # unregistering never touches the real file
    r = kctx("uninstall", "1.36.4")
    assert r.code == ExitStatus.ERROR and "not installed" in r.err


def test_usage_errors_are_one_line(kctx) -> None:
    for argv in (("install", "latest"), ("uninstall", "1.29"), ("gc", "--days", "-1"), ("frobnicate",)):
        r = kctx(*argv)
        assert r.code in (ExitStatus.ERROR, ExitStatus.USAGE), argv
        assert r.err.count("\n") == 1 and r.err.startswith("kctx: error: "), (argv, r.err)


def test_gc_removes_only_unused_downloads(kctx) -> None:
    kdir = Path(kctx.paths.kubectl_dir)
    for version, age_days in (("1.29.3", 40), ("1.30.1", 2)):
        binary = kdir / version / "kubectl"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
        old = time.time() - age_days * 86400
        os.utime(binary, (old, old))
    kctx("add", str(kubectl_binary("1.36")))
    os.utime(kdir / "1.36.4" / "kubectl", (0, 0), follow_symlinks=False)  # ancient, but added: kept
    r = kctx("gc", "--days", "30", "--dry-run")
    assert r.out == "would remove 1.29.3\n"
    assert (kdir / "1.29.3" / "kubectl").exists()
    r = kctx("gc", "--days", "30")
    assert r.out == "removed 1.29.3\n"
    assert [store.fmt(v) for v in store.installed(str(kdir))] == ["1.36.4", "1.30.1"]
    assert not (kdir / "1.29.3").exists()


def test_install_and_list_remote(kctx) -> None:
    with Mirror({"1.37.1": kubectl_binary("1.37"), "1.36.4": kubectl_binary("1.36")}) as m:
        r = kctx("install", "v1.37", KCTX_KUBECTL_MIRROR=m.base())
        assert r.code == 0, r.err
        assert r.out.strip() == f"1.37.1\t{store.binary_path(kctx.paths.kubectl_dir, '1.37.1')}"
        r = kctx("list", "--remote", KCTX_KUBECTL_MIRROR=m.base())
        assert r.out.splitlines() == ["1.37.1  (installed)", "1.36.4"]
        r = kctx("install", "1.35.0", KCTX_KUBECTL_MIRROR=m.base())
        assert r.code == ExitStatus.ERROR and r.err.count("\n") == 1
        assert "/release/v1.35.0/bin/linux/amd64/kubectl: HTTP 404" in r.err


def test_refresh_and_which_against_a_cluster(kctx, home: Path) -> None:
    kctx("add", str(kubectl_binary("1.36")))
    with Sandbox([ClusterSpec("dev", "v1.36.2-eks-5e0fdde"), ClusterSpec("old", "v1.33.1")]) as sb:
        sb.write_kubeconfig(home / ".kube" / "config")
        r = kctx("refresh", "--context", "dev")
        assert r.code == 0 and r.out.split("\t")[0::2] == ["dev", "1.36.2\n"]
        assert len(sb.requests("dev")) == 1
        r = kctx("which", "--context", "dev")
        assert "rule      server" in r.out and "1.36.4" in r.out
        assert len(sb.requests("dev")) == 1  # which used the cache refresh had just filled
        r = kctx("which", "--context", "old", "--kubectl-version", "1.36")
        assert "warning" in r.out and "outside the supported version skew" in r.out
        r = kctx("which", "--context", "nope")
        assert r.code == ExitStatus.ERROR and 'context "nope" does not exist' in r.err


def test_run_hands_over_to_the_shim(kctx, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_shim_run(argv, environ):
        seen.update(argv=argv, version=environ.get("KCTX_KUBECTL_VERSION"))
        return 0

    fake = types.ModuleType("kctx.shim.fullpath")
    fake.run = fake_shim_run
    monkeypatch.setitem(sys.modules, "kctx.shim.fullpath", fake)  # (only the hand-over is tested here)
    monkeypatch.setattr(shim_package, "fullpath", fake, raising=False)
    r = kctx("run", "--kubectl-version", "1.36", "--context", "dev", "--", "get", "pods", "-n", "x")
    assert r.code == 0
    assert seen == {"argv": ["--context", "dev", "get", "pods", "-n", "x"], "version": "1.36"}
    r = kctx("run")
    assert r.code == ExitStatus.USAGE


def test_which_names_the_file_and_line_that_decided(kctx, home: Path) -> None:
    kctx("add", str(kubectl_binary("1.36")))
    (home / "mise.toml").write_text('[tools]\nkubectl = "1.36"\n')  # the home folder: the global default
    project = home / "src" / "app"
    project.mkdir(parents=True)
    (project.parent / ".mise.toml").write_text('# team tools\n[tools]\nkubectl = "1.36"\n')
    os.chdir(project)
    r = kctx("which")
    assert f"from      {project.parent / '.mise.toml'}:3\n" in r.out and "rule      mise" in r.out
    assert json.loads(kctx("which", "--json").out)["source"] == f"{project.parent / '.mise.toml'}:3"
    os.chdir(home)
    r = kctx("which")
    assert f"from      {home / 'mise.toml'}:2\n" in r.out and "rule      global" in r.out


def _fake_download(kdir: Path, version: str, age_days: float) -> None:
    binary = kdir / version / "kubectl"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    old = time.time() - age_days * 86400
    os.utime(binary, (old, old))


def test_pinned_versions_stay_unless_forced(kctx, home: Path) -> None:
    kdir = Path(kctx.paths.kubectl_dir)
    for version in ("1.28.1", "1.29.2", "1.29.3", "1.30.1"):
        _fake_download(kdir, version, 40)
    config = home / "config.yaml"
    config.write_text('kubectl:\n  pins:\n    "prod-*": "1.29"\n  default: "1.28.1"\n')
    (home / ".tool-versions").write_text("kubectl 1.30.1\n")  # asdf global
    env = {"KCTX_CONFIG": str(config)}
    r = kctx("gc", "--days", "30", **env)
    assert r.out == "removed 1.29.2\n"  # the pin of 1.29 holds the patch selection uses, 1.29.3
    assert f'kept 1.29.3: pinned by kubectl.pins."prod-*" ({config})' in r.err
    assert f"kept 1.28.1: pinned by kubectl.default ({config})" in r.err
    assert f"kept 1.30.1: pinned by {home / '.tool-versions'}:1" in r.err
    r = kctx("uninstall", "1.29.3", **env)
    assert r.code == ExitStatus.ERROR and r.err.count("\n") == 1
    assert 'pinned by kubectl.pins."prod-*"' in r.err and "--force" in r.err
    assert kctx("uninstall", "1.29.3", "--force", **env).code == 0
    assert kctx("gc", "--days", "30", "--force", **env).out == "removed 1.30.1\nremoved 1.28.1\n"


def test_list_shows_installed_last_used_unverified_and_pins(kctx, home: Path) -> None:
    kdir = Path(kctx.paths.kubectl_dir)
    _fake_download(kdir, "1.29.3", 3)
    _fake_download(kdir, "1.30.1", 0)
    (kdir / "1.30.1" / store.UNVERIFIED).write_text("no checksum\n")
    store.mark_used(str(kdir), "1.29.3", now=time.time() - 7200)
    config = home / "config.yaml"
    config.write_text('kubectl:\n  pins:\n    "prod-*": "1.29.3"\n')
    lines = kctx("list", KCTX_CONFIG=str(config)).out.splitlines()
    assert lines[0].split() == ["VERSION", "INSTALLED", "LAST", "USED", "SOURCE"]
    assert lines[1].split()[:4] == ["1.30.1", "just", "now", "never"] and "UNVERIFIED" in lines[1]
    assert lines[2].split()[:4] == ["1.29.3", "3d", "ago", "2h"] and 'pinned by kubectl.pins."prod-*"' in lines[2]
    rows = json.loads(kctx("list", "--json", KCTX_CONFIG=str(config)).out)
    assert [(r["version"], r["verified"], r["pinned_by"] != []) for r in rows] == [("1.30.1", False, False),
                                                                                  ("1.29.3", True, True)]
    assert rows[1]["last_used"] > rows[1]["installed"]
