"""`kctx onboard --check`: one line per deviation, exit 1; exit 0 once the machine matches again."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kctx.paths import Paths
from kctx.versions import manage
from tests.kubeconfigs import simple
from tests.kubectl_bins import kubectl_binary
from tests.runner import kctx

NO_KUBECTL = "/nonexistent"
CLUSTERS = """\
kctx-team: 1
team: pay
confirm: name
kubeconfigs: ["~/team-kubeconfigs/*.yaml"]
protect:
  servers: ["https://*.prod.example.com*"]
clusters:
  prod:
    environment: prod
    contexts: [prod-eu]
    aliases: [prod]
    kubectl: "1.37"
    source: {file: prod.yaml}
  dev:
    environment: dev
    kubectl: ">=1.37"
    source: {file: dev.yaml}
"""


@pytest.fixture
def setup(home: Path, tmp_path: Path) -> Path:
    """An onboarded machine with kubectl 1.37 registered (no download needed)."""
    folder = tmp_path / "team"
    simple(folder / "prod.yaml", "prod-eu")
    simple(folder / "dev.yaml", "dev")
    (folder / "team.yaml").write_text(CLUSTERS)
    manage.add(Paths(), str(kubectl_binary("1.37")), quiet())
    r = kctx("onboard", "--no-install", str(folder / "team.yaml"), env={"PATH": NO_KUBECTL})
    assert r.code == 0, r
    assert check(folder / "team.yaml").code == 0
    return folder / "team.yaml"


def check(team: Path, path: str = NO_KUBECTL):
    return kctx("onboard", "--check", str(team), env={"PATH": path})


def edit_config(home: Path, old: str, new: str) -> None:
    cfg = home / ".config/kctx/config.yaml"
    text = cfg.read_text()
    assert old in text, text
    cfg.write_text(text.replace(old, new))


def quiet():
    return open(os.devnull, "w")  # noqa: SIM115 - closed with the process; the install API wants a stream


def old_kubectl_on_path(home: Path, team: Path) -> str:
    folder = home / "bin"
    folder.mkdir()
    (folder / "kubectl").symlink_to(kubectl_binary("1.36"))
    return str(folder)


def unprotect_everything(home: Path, team: Path) -> None:
    edit_config(home, "    - prod\n", "")
    edit_config(home, "    - prod-eu\n", "")
    (home / ".kube/configs/pay.aliases.yaml").unlink()


def remove(name: str) -> Callable[[Path, Path], None]:
    return lambda home, team: (home / ".kube/configs" / name).unlink()


def config_edit(old: str, new: str) -> Callable[[Path, Path], None]:
    return lambda home, team: edit_config(home, old, new)


def open_permissions(home: Path, team: Path) -> None:
    (home / ".kube/configs/pay.dev.yaml").chmod(0o644)


def team_updates_its_copy(home: Path, team: Path) -> None:
    simple(team.parent / "dev.yaml", "dev", namespace="x")


def uninstall(home: Path, team: Path) -> None:
    manage.uninstall(Paths(), "1.37.1", quiet())


DEVIATIONS: dict[str, tuple[Callable[[Path, Path], str | None], list[str]]] = {
    # still protected: the cluster is used by the protected alias "prod"
    "protect glob removed": (config_edit("    - prod-eu\n", ""),
                             ['protection weaker than the team\'s: protect.contexts lacks "prod-eu"']),
    "alias unprotected": (unprotect_everything,
                          ['protect.contexts lacks "prod-eu"', 'protect.contexts lacks "prod"',
                           'context "prod-eu" is not protected, but the team\'s prod is',
                           'missing context "prod" (cluster prod; run kctx onboard)']),
    "server glob removed": (config_edit("- https://*.prod.example.com*", "- x"),
                            ['protect.servers lacks "https://*.prod.example.com*"']),
    "confirm weakened": (config_edit("kubectl:", "confirm: yes\nkubectl:"),
                         ['confirm is "yes", the team asks for "name"']),
    "glob removed": (config_edit("  - ~/team-kubeconfigs/*.yaml\n", ""),
                     ['kubeconfigs lacks the team\'s glob "~/team-kubeconfigs/*.yaml"']),
    "missing context": (remove("pay.dev.yaml"), ['missing context "dev" (cluster dev; run kctx onboard)']),
    "dangling alias": (remove("pay.prod.yaml"),
                       ['missing context "prod-eu"', 'context "prod" refers to cluster "prod-eu", which no']),
    "open permissions": (open_permissions, ["~/.kube/configs/pay.dev.yaml is readable by others: chmod 600"]),
    "team copy changed": (team_updates_its_copy, ["~/.kube/configs/pay.dev.yaml differs from the team's"]),
    "wrong pin": (config_edit('prod-eu: "1.37"', 'prod-eu: "1.36"'),
                  ['wrong kubectl for "prod-eu": kubectl.pins "prod-eu" gives 1.36; the team pins 1.37']),
    "not installed": (uninstall, ["kubectl 1.37 (pinned for prod) is not installed: kctx kubectl install 1.37",
                                  'wrong kubectl for "dev": unknown version']),
    "old kubectl on PATH": (old_kubectl_on_path, ['wrong kubectl for "dev": 1.36.4 (']),
}


@pytest.mark.parametrize("name", list(DEVIATIONS))
def test_check_catches_each_deviation(setup: Path, home: Path, name: str) -> None:
    mutate, expected = DEVIATIONS[name]
    path = mutate(home, setup) or NO_KUBECTL
    r = check(setup, path)
    assert r.code == 1, r
    assert r.out.startswith(f'this machine deviates from team "pay" ({setup}):\n')
    lines = r.out.splitlines()[1:]
    for want in expected:
        assert any(want in line for line in lines), (want, r.out)
    assert len(lines) == len(expected), r.out
    if name != "old kubectl on PATH":  # a kubectl on PATH is the user's business, not onboarding's
        fixed = kctx("onboard", str(setup), env={"PATH": NO_KUBECTL, "KCTX_KUBECTL_MIRROR": "file:///nonexistent"})
        if name != "not installed":
            assert fixed.code == 0, fixed
            assert check(setup).code == 0, check(setup)


def test_check_and_onboard_do_not_depend_on_this_shell_or_on_caches(setup: Path, home: Path) -> None:
    """The shim's judge() answers, for the machine's setup: a warm server-version cache (which would pick an
    older kubectl for dev), KCTX_KUBECTL_VERSION, KCTX_CONFIRM and a session in another context change
    nothing."""
    import time

    from kctx.env import Environment
    from kctx.onboard.kubectl import target_for
    from kctx.versions import cache
    from kctx.workspace import Workspace

    manage.add(Paths(), str(kubectl_binary("1.36")), quiet())
    t = target_for(Workspace(Environment(environ=dict(os.environ))), "dev")
    now = time.time()
    cache.write(cache.folder(Paths().cache_dir), cache.Entry(t.server, t.ca_sha256, "1.36.1", now, now, ""))
    session = kctx("session", "start", "--pid", str(os.getpid()), env={"PATH": NO_KUBECTL}).out.strip()
    assert kctx("use", "dev", env={"KCTX_SESSION": session, "PATH": NO_KUBECTL}).code == 0
    shell = {"KCTX_SESSION": session, "KCTX_KUBECTL_VERSION": "1.36", "KCTX_CONFIRM": "prod-eu",
             "KUBECONFIG": (home / ".kube/configs/pay.dev.yaml").as_posix()}
    for env in ({}, shell):
        assert kctx("onboard", "--check", str(setup), env={"PATH": NO_KUBECTL, **env}).code == 0
        assert kctx("onboard", str(setup), env={"PATH": NO_KUBECTL, **env}).out.startswith("nothing to do")
    edit_config(home, "    - prod-eu\n", "")
    edit_config(home, "    - prod\n", "")
    for env in ({}, shell):  # KCTX_CONFIRM=prod-eu would let the write through here, not on the machine
        r = kctx("onboard", "--check", str(setup), env={"PATH": NO_KUBECTL, **env})
        assert r.code == 1 and 'protect.contexts lacks "prod-eu"' in r.out, r


def test_onboard_says_nothing_to_do_only_when_check_passes(setup: Path, home: Path) -> None:
    path = old_kubectl_on_path(home, setup)  # a kubectl the user chose, below the team's minimum for dev
    r = kctx("onboard", str(setup), env={"PATH": path})
    assert r.code == 0 and not r.out.startswith("nothing to do"), r
    assert r.out.startswith('nothing onboarding can change for team "pay"'), r
    assert '  - wrong kubectl for "dev": 1.36.4 (' in r.out and "the team needs >= 1.37" in r.out
    assert check(setup, path).code == 1
    dry = kctx("onboard", "--dry-run", str(setup), env={"PATH": path})
    assert dry.out.startswith('nothing onboarding can change') and 'wrong kubectl for "dev"' in dry.out


def test_check_json_for_ci(setup: Path, home: Path) -> None:
    import json

    ok = kctx("onboard", "--check", "--json", str(setup), env={"PATH": NO_KUBECTL})
    assert ok.code == 0 and json.loads(ok.out) == {"team": "pay", "location": str(setup), "ok": True,
                                                   "deviations": []}
    open_permissions(home, setup)
    config_edit("- https://*.prod.example.com*", "- x")(home, setup)
    r = kctx("onboard", "--check", "--json", str(setup), env={"PATH": NO_KUBECTL})
    doc = json.loads(r.out)
    assert r.code == 1 and doc["ok"] is False
    assert [d["check"] for d in doc["deviations"]] == ["protection", "files"]
    assert doc["deviations"][0]["message"].endswith('protect.servers lacks "https://*.prod.example.com*"')
    usage = kctx("onboard", "--json", str(setup))
    assert usage.code == 2 and usage.err == "kctx: error: --json goes with --check\n"
