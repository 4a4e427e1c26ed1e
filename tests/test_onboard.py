"""`kctx onboard`: local, HTTP and command sources, idempotence, failures that leave a re-runnable state,
backups of the user's files, --dry-run, and kubectl installs through a loopback mirror."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kctx.paths import Paths
from kctx.versions import store
from tests.kubeconfigs import simple
from tests.kubectl_bins import kubectl_binary
from tests.mirror import Mirror
from tests.runner import Result, kctx
from tests.teamserver import serve

NO_KUBECTL = "/nonexistent"  # PATH without any kubectl, so version choices do not depend on the machine


def onboard(*argv: str, **env: str) -> Result:
    return kctx("onboard", *argv, env={"PATH": NO_KUBECTL, **env})


def team_file(folder: Path, clusters: str, top: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "team.yaml"
    path.write_text(f"kctx-team: 1\nteam: pay\n{top}clusters:\n{clusters}")
    return path


def snapshot(home: Path) -> dict[str, tuple[bytes, int]]:
    """Every file onboarding may touch: the config, ~/.kube and its own state."""
    out = {}
    for root in (home / ".config", home / ".kube", home / ".local/state/kctx/onboard"):
        for p in sorted(root.rglob("*")) if root.exists() else []:
            if p.is_file():
                out[str(p.relative_to(home))] = (p.read_bytes(), p.stat().st_mode & 0o777)
    return out


def contexts(home: Path) -> dict[str, dict]:
    r = kctx("ls", "-o", "json", env={"PATH": NO_KUBECTL})
    assert r.code == 0, r
    return {c["name"]: c for c in json.loads(r.out)}


CLUSTERS = """\
  prod-eu:
    environment: prod
    source: {file: kc/prod.yaml}
    aliases: [prod]
    color: red
    login: gcloud auth login
  stag:
    environment: staging
    source: {file: kc/stag.yaml}
"""


@pytest.fixture
def team(home: Path, tmp_path: Path) -> Path:
    simple(tmp_path / "team/kc/prod.yaml", "prod-eu", namespace="web")
    simple(tmp_path / "team/kc/stag.yaml", "stag")
    return team_file(tmp_path / "team", CLUSTERS, top="confirm: name\ncolors: {'stag*': yellow}\n")


def test_onboard_local_files_then_nothing_to_do(home: Path, team: Path) -> None:
    cfg = home / ".config/kctx/config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("# my settings\nconfirm: yes  # quicker\nprotect:\n  contexts:\n  - 'mine-*'\n")
    r = onboard(str(team))
    assert r.code == 0, r
    assert "kctx onboard: [1/5] config" in r.err and "[4/5] context aliases" in r.err  # progress on stderr
    assert "protect.contexts: add prod-eu, prod" in r.out and 'confirm: "yes" → name' in r.out
    assert "wrote ~/.kube/configs/pay.prod-eu.yaml (0600)" in r.out
    assert "still to do:\n  - prod-eu: gcloud auth login\n" in r.out and "kctx init" in r.out
    text = cfg.read_text()
    assert text.startswith("# my settings\nconfirm: name  # quicker\nprotect:\n  contexts:\n  - 'mine-*'\n"
                           "  - prod-eu\n  - prod\n")
    assert (team.parent / "kc/prod.yaml").read_bytes() == (home / ".kube/configs/pay.prod-eu.yaml").read_bytes()
    known = contexts(home)
    assert known["prod"]["protected"] and known["prod-eu"]["protected"] and not known["stag"]["protected"]
    assert known["prod"]["cluster"] == "prod-eu" and known["prod"]["namespace"] == "web"
    for f in (home / ".kube/configs").iterdir():
        assert f.stat().st_mode & 0o777 == 0o600, f

    before = snapshot(home)
    again = onboard(str(team))
    assert again.code == 0 and again.out.startswith('nothing to do: this machine already matches team "pay"')
    assert "gcloud auth login" not in again.out  # nothing was fetched, nothing new to log in to
    assert snapshot(home) == before
    assert onboard("--check", str(team)).out.startswith('ok: this machine matches team "pay"')


def test_dry_run_changes_nothing(home: Path, team: Path) -> None:
    before = snapshot(home)
    r = onboard("--dry-run", str(team))
    assert r.code == 0, r
    assert r.out.startswith('dry run for team "pay"') and "write ~/.kube/configs/pay.prod-eu.yaml from" in r.out
    assert "write the aliases to ~/.kube/configs/pay.aliases.yaml" in r.out
    assert snapshot(home) == before


def test_team_file_and_sources_over_http(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    simple(tmp_path / "site/team/kc/prod.yaml", "prod-eu")
    simple(tmp_path / "site/shared/stag.yaml", "stag")
    team_file(tmp_path / "site/team", "  prod-eu:\n    environment: prod\n    source: {url: kc/prod.yaml}\n"
                                      "  stag:\n    environment: staging\n    source: {file: ../shared/stag.yaml}\n")
    with serve(tmp_path / "site") as web:
        base = web.base
        dry = onboard("--dry-run", f"{base}/team/team.yaml")
        assert f"from {base}/team/kc/prod.yaml" in dry.out and f"from {base}/shared/stag.yaml" in dry.out
        r = onboard(f"{base}/team/team.yaml")
        assert r.code == 0, r
        assert set(contexts(home)) == {"prod-eu", "stag"}
        assert onboard(f"{base}/team/team.yaml").out.startswith("nothing to do")
        missing = onboard(f"{base}/team/nope.yaml")
    assert missing.code == 1 and missing.err == f"kctx: error: {base}/team/nope.yaml: HTTP 404 File not found\n"


def script(path: Path, body: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


KUBECONFIG_SH = """printf 'apiVersion: v1\\nkind: Config\\nclusters: [{name: %s, cluster: {server: "https://127.0.0.1:9/%s"}}]\\n\
users: [{name: %s, user: {token: t}}]\\ncontexts: [{name: %s, context: {cluster: %s, user: %s}}]\\n' \
"$NAME" "$NAME" "$NAME" "$NAME" "$NAME" "$NAME" > "$1"
"""


def test_failing_credentials_command_then_rerun_continues(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    simple(folder / "a.yaml", "a")
    simple(folder / "c.yaml", "c")
    cred = folder / "cred.sh"
    script(cred, "echo 'ERROR: (gcloud) You do not currently have an active account.' >&2\n"
                 "echo 'Please run: gcloud auth login' >&2\nexit 1\n")
    team = team_file(folder, "  a:\n    environment: dev\n    source: {file: a.yaml}\n"
                             "  b:\n    environment: prod\n    source:\n      command: ['./cred.sh', '{path}']\n"
                             "      env: {NAME: b}\n"
                             "  c:\n    environment: dev\n    source: {file: c.yaml}\n")
    r = onboard("--yes", str(team))
    assert r.code == 1
    said = "  | ERROR: (gcloud) You do not currently have an active account.\n  | Please run: gcloud auth login\n"
    assert said in r.err
    last = r.err.strip().splitlines()[-1]
    assert last.startswith(f"kctx: error: {team}:10: credentials command failed (exit status 1): Please run: gcloud")
    assert "step 3/5: kubeconfig for b; the steps after it were not run" in last
    assert "done before the failure:" in r.out and "wrote ~/.kube/configs/pay.a.yaml" in r.out
    configs = home / ".kube/configs"
    assert sorted(p.name for p in configs.iterdir()) == ["pay.a.yaml"]  # no temp folder left, c untouched
    assert "- b" in (home / ".config/kctx/config.yaml").read_text()  # protection landed before anything else

    script(cred, KUBECONFIG_SH)  # a changed script is asked about again: this run needs --yes too
    assert onboard(str(team)).code == 4
    r = onboard("--yes", str(team))
    assert r.code == 0, r
    assert "pay.a.yaml" not in r.out and "wrote ~/.kube/configs/pay.b.yaml" in r.out
    assert "wrote ~/.kube/configs/pay.c.yaml" in r.out and set(contexts(home)) == {"a", "b", "c"}


def test_a_command_runs_again_only_when_needed(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    count = folder / "runs"
    script(folder / "cred.sh", f'echo x >> "{count}"\n' + KUBECONFIG_SH)
    # a string command runs under sh; the path also arrives as $KUBECONFIG
    team = team_file(folder, "  dev:\n    environment: dev\n    source:\n"
                             "      command: ./cred.sh \"$KUBECONFIG\"\n      env: {NAME: dev}\n")
    assert onboard("--yes", str(team)).code == 0
    assert onboard(str(team)).out.startswith("nothing to do") and count.read_text() == "x\n"
    r = onboard("--refresh", str(team))  # approved by the first run: no --yes needed
    assert r.code == 0 and count.read_text() == "x\nx\n"
    assert r.out.startswith("nothing to do")  # same bytes: the file is left alone


def test_a_command_that_writes_the_wrong_contexts_changes_nothing(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    script(folder / "cred.sh", KUBECONFIG_SH)
    team = team_file(folder, "  dev:\n    environment: dev\n    contexts: [dev-admin]\n"
                             "    source: {command: [./cred.sh, '{path}'], env: {NAME: dev}}\n")
    r = onboard("--yes", str(team))
    assert r.code == 1
    assert (f"kctx: error: {team}:4: clusters.dev: the kubeconfig from the output of `./cred.sh {{path}}` does not "
            "define context 'dev-admin' (it defines: dev)") in r.err
    assert list((home / ".kube/configs").iterdir()) == []


def test_the_users_own_file_is_backed_up_before_it_is_replaced(home: Path, team: Path) -> None:
    mine = home / ".kube/configs/pay.prod-eu.yaml"
    simple(mine, "my-own-prod")
    r = onboard(str(team))
    assert r.code == 0, r
    (backup,) = (home / ".kube/configs").glob("pay.prod-eu.yaml.*.bak")
    assert f"replaced ~/.kube/configs/pay.prod-eu.yaml (0600); your version differed and is saved as {backup}" in r.out
    assert "my-own-prod" in backup.read_text() and backup.stat().st_mode & 0o777 == 0o600
    assert "my-own-prod" not in contexts(home)  # .bak files are not scanned
    simple(team.parent / "kc/prod.yaml", "prod-eu", namespace="other")  # the team updates its copy
    r = onboard(str(team))
    assert "updated ~/.kube/configs/pay.prod-eu.yaml (0600)\n" in r.out  # ours now: no second backup
    assert len(list((home / ".kube/configs").glob("*.bak"))) == 1


def test_bad_input_is_one_line(home: Path, tmp_path: Path) -> None:
    team = team_file(tmp_path / "t", "  a:\n    environment: qa\n    source: {file: a.yaml}\n")
    r = onboard(str(team))
    assert (r.code, r.out) == (1, "")
    assert r.err == f"kctx: error: {team}:5: clusters.a.environment: expected one of: prod, staging, dev\n"
    r = onboard(str(tmp_path / "none.yaml"))
    assert r.err == f"kctx: error: {tmp_path}/none.yaml: cannot read: No such file or directory\n"
    assert onboard().code == 2 and onboard("--check", "--dry-run", str(team)).code == 2
    bad_config = home / ".config/kctx/config.yaml"
    bad_config.parent.mkdir(parents=True)
    bad_config.write_text("confirm: maybe\n")
    simple(tmp_path / "t/a.yaml", "a")
    team.write_text(team.read_text().replace("qa", "dev"))
    r = onboard(str(team))
    assert r.code == 1 and f"kctx: error: {bad_config}: confirm: expected one of: name, yes (step 1/3" in r.err
    assert bad_config.read_text() == "confirm: maybe\n"


# ---------------------------------------------------------------- kubectl


@pytest.fixture(scope="module")
def mirror() -> Iterator[Mirror]:
    with Mirror({"1.37.1": kubectl_binary("1.37"), "1.36.4": kubectl_binary("1.36")}) as m:
        yield m


def test_kubectl_installs_through_the_mirror(home: Path, tmp_path: Path, mirror: Mirror) -> None:
    folder = tmp_path / "team"
    simple(folder / "p.yaml", "prod")
    simple(folder / "d.yaml", "dev")
    team = team_file(folder, "  prod:\n    environment: prod\n    kubectl: '1.36'\n    source: {file: p.yaml}\n"
                             "  dev:\n    environment: dev\n    kubectl: '>=1.37'\n    source: {file: d.yaml}\n")
    env = {"KCTX_KUBECTL_MIRROR": mirror.base("good")}
    dry = onboard("--dry-run", str(team), **env)
    assert "install kubectl 1.36 (pinned for prod)" in dry.out and mirror.downloads("1.36.4") == 0
    r = onboard(str(team), **env)
    assert r.code == 0, r
    assert "installed kubectl 1.36.4" in r.out and "installed kubectl 1.37.1" in r.out
    assert "sha256 verified" in r.err  # the install API's own progress
    kubectl_dir = Paths().kubectl_dir
    assert [".".join(map(str, v)) for v in store.installed(kubectl_dir)] == ["1.37.1", "1.36.4"]
    again = onboard(str(team), **env)
    assert again.out.startswith("nothing to do") and mirror.downloads("1.36.4") == 1
    assert mirror.downloads("1.37.1") == 1
    assert onboard("--check", str(team)).code == 0


def test_no_install_leaves_it_to_the_user(home: Path, team: Path) -> None:
    team.write_text(team.read_text() + "    kubectl: '1.36'\n")
    r = onboard("--no-install", str(team))
    assert r.code == 0 and "  - kubectl 1.36 (pinned for stag) is not installed: kctx kubectl install 1.36\n" in r.out
    assert store.installed(Paths().kubectl_dir) == []


def test_two_onboardings_of_one_team_keep_each_others_records(tmp_path: Path) -> None:
    """Each onboarding makes its record before it waits for the team's lock: what the first recorded
    meanwhile is kept by the second, which also knows those files as kctx's own (no needless backup)."""
    from kctx.onboard.owned import Owned

    state = str(tmp_path / "onboard" / "team.json")
    first, second = Owned(state), Owned(state)
    first.record("/k/a.yaml", b"a")
    second.record("/k/b.yaml", b"b")
    assert second.owns("/k/a.yaml", b"a") and Owned(state).owns("/k/a.yaml", b"a")
    assert Owned(state).owns("/k/b.yaml", b"b")


def test_the_shipped_example_dry_runs_to_the_end(home: Path) -> None:
    from tests.runner import ROOT

    before = snapshot(home)
    r = onboard("--dry-run", str(ROOT / "examples/team.yaml"))
    assert r.code == 0, r
    assert "kctx onboard: [8/8] credential plugin allowlist" in r.err
    assert f"write ~/.kube/configs/payments.dev.yaml from {ROOT}/examples/kubeconfigs/dev.yaml" in r.out
    assert "  - kubectl-oidc_login get-token" in r.out and "(contexts dev, dev-admin)" in r.out
    assert "install kubectl 1.30 (pinned for prod-eu)" in r.out and "not installed" not in r.out
    assert snapshot(home) == before


def test_a_dropped_cluster_is_still_to_do_and_pruned_with_a_backup(home: Path, team: Path) -> None:
    assert onboard(str(team)).code == 0
    stag = home / ".kube/configs/pay.stag.yaml"
    data = stag.read_bytes()
    team.write_text(team.read_text().split("  stag:\n")[0])
    hint = "~/.kube/configs/pay.stag.yaml: cluster stag is no longer in the team file: kctx onboard --prune removes it"
    r = onboard(str(team))
    assert r.code == 0 and f"  - {hint} (a backup is kept)\n" in r.out and stag.exists(), r
    assert not r.out.startswith("nothing to do") and r.out.count(hint) == 1
    check = onboard("--check", str(team))
    assert check.code == 1 and hint in check.out
    dry = onboard("--dry-run", "--prune", str(team))
    assert "  - remove ~/.kube/configs/pay.stag.yaml: cluster stag is no longer in the team file (a backup is kept)" \
           in dry.out and stag.exists()
    pruned = onboard("--prune", str(team))
    assert pruned.code == 0 and "removed ~/.kube/configs/pay.stag.yaml: cluster stag" in pruned.out, pruned
    backups = list(stag.parent.glob("pay.stag.yaml.*.bak"))
    assert not stag.exists() and len(backups) == 1 and backups[0].read_bytes() == data
    assert backups[0].stat().st_mode & 0o777 == 0o600
    assert "stag" not in contexts(home) and "prod" in contexts(home)
    assert onboard("--check", str(team)).code == 0
    assert onboard("--prune", str(team)).out.startswith("nothing to do")


def test_team_groups_land_where_kctx_each_finds_them(home: Path, team: Path) -> None:
    cfg = home / ".config/kctx/config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("groups:\n  mine: [stag]  # my own\n  everything: ['*']\n")
    team.write_text(team.read_text().replace("clusters:\n", "groups:\n  pay-prod: [prod-eu, prod]\n"
                                                           "  everything: ['prod*', stag]\nclusters:\n"))
    dry = onboard("--dry-run", str(team))
    assert "groups.pay-prod: add prod-eu, prod" in dry.out, dry
    assert "groups.everything: yours (*) differs from the team's (prod*, stag); kept yours" in dry.out
    r = onboard(str(team))
    assert r.code == 0, r
    assert cfg.read_text().startswith("groups:\n  mine: [stag]  # my own\n  everything: ['*']\n")
    each = kctx("each", "--group", "pay-prod", "--", "create", "ns", "x", env={"PATH": NO_KUBECTL})
    assert each.code == 4 and "nothing was run" in each.err and "prod-eu" in each.err, each
    assert onboard("--check", str(team)).code == 0
    cfg.write_text(cfg.read_text().replace("  pay-prod:", "  other:"))
    check = onboard("--check", str(team))
    assert check.code == 1 and 'groups lacks the team\'s group "pay-prod"' in check.out


@pytest.mark.parametrize("form", ["list", "sh"])
def test_per_engineer_variables_in_commands(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            form: str) -> None:
    monkeypatch.delenv("DEV_PROFILE", raising=False)
    folder = tmp_path / "team"
    seen = folder / "seen"
    script(folder / "cred.sh", f'echo "$2 $PROFILE_SEEN" >> "{seen}"\n' + KUBECONFIG_SH)
    command = ("[./cred.sh, '{path}', '${DEV_PROFILE}']" if form == "list"
               else "./cred.sh \"$KUBECONFIG\" \"${DEV_PROFILE}\"")
    team = team_file(folder, f"  dev:\n    environment: dev\n    source:\n      command: {command}\n"
                             "      env: {NAME: dev, PROFILE_SEEN: '${DEV_PROFILE}'}\n",
                     top="variables:\n  DEV_PROFILE: your profile for dev\n")
    before = snapshot(home)
    r = onboard("--yes", str(team))
    assert r.code == 1 and r.err == (f"kctx: error: {team}:9: clusters.dev.source.command: uses ${{DEV_PROFILE}}, "
                                     "which "
                                     "is not set in your environment: export DEV_PROFILE=… (your profile for dev) "
                                     "and run it again\n"), r
    assert snapshot(home) == before and not seen.exists()
    dry = onboard("--dry-run", str(team))
    assert dry.code == 0 and "  uses your ${DEV_PROFILE}\n" in dry.out, dry
    assert "  - clusters.dev.source.command: uses ${DEV_PROFILE}, which is not set" in dry.out
    r = onboard("--yes", str(team), DEV_PROFILE="alice")
    assert r.code == 0 and seen.read_text() == "alice alice\n", r
    assert "dev" in contexts(home)


def test_an_undeclared_variable_is_a_schema_error(home: Path, tmp_path: Path) -> None:
    team = team_file(tmp_path / "team", "  dev:\n    environment: dev\n    source:\n"
                                        "      command: [get, '${WHO}']\n")
    r = onboard("--dry-run", str(team))
    assert r.code == 1 and r.err == (f"kctx: error: {team}:7: clusters.dev.source.command: uses ${{WHO}}, which "
                                     "variables: does not declare\n"), r


def test_shell_adds_the_init_line_once(home: Path, team: Path) -> None:
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_text("# mine\nalias k=kubectl")  # no final newline
    (home / ".bashrc").symlink_to(dotfiles / "bashrc")
    bash = {"SHELL": "/bin/bash"}
    dry = onboard("--dry-run", "--shell", str(team), **bash)
    assert '  - add `eval "$(kctx init bash)"` to ~/.bashrc (a marked block at its end)' in dry.out, dry
    r = onboard("--shell", str(team), **bash)
    assert r.code == 0 and 'added `eval "$(kctx init bash)"` to ~/.bashrc' in r.out, r
    assert "open a new shell: ~/.bashrc loads the kctx shell integration" in r.out
    assert (home / ".bashrc").is_symlink()
    text = (dotfiles / "bashrc").read_text()
    assert text == ("# mine\nalias k=kubectl\n\n# >>> kctx shell integration (added by kctx onboard --shell) >>>\n"
                    'eval "$(kctx init bash)"\n# <<< kctx shell integration <<<\n')
    again = onboard("--shell", str(team), **bash)
    assert again.out.startswith("nothing to do") and (dotfiles / "bashrc").read_text() == text


@pytest.mark.parametrize(("shell", "rc", "line"), [
    ("/usr/bin/zsh", "zdot/.zshrc", 'eval "$(kctx init zsh)"'),
    ("/usr/bin/fish", ".config/fish/config.fish", "kctx init fish | source"),
])
def test_shell_finds_each_shells_rc_file(home: Path, team: Path, shell: str, rc: str, line: str) -> None:
    r = onboard("--shell", str(team), SHELL=shell, ZDOTDIR=str(home / "zdot"))
    assert r.code == 0 and f"{line}\n# <<< kctx" in (home / rc).read_text(), r
    (home / rc).write_text(f"{line}  # my own\n")  # a line of the user's own counts
    assert onboard("--shell", str(team), SHELL=shell, ZDOTDIR=str(home / "zdot")).out.startswith("nothing to do")


def test_shell_refuses_a_shell_it_does_not_know(home: Path, team: Path) -> None:
    before = snapshot(home)
    r = onboard("--shell", str(team), SHELL="/bin/tcsh")
    assert r.code == 1 and \
        r.err.startswith("kctx: error: --shell: $SHELL is /bin/tcsh; kctx integrates with bash") and \
           len(r.err.splitlines()) == 1, r
    assert snapshot(home) == before


@pytest.mark.parametrize("cause", ["fails", "missing"])
def test_a_failing_credentials_command_shows_the_login_hint(home: Path, tmp_path: Path, cause: str) -> None:
    folder = tmp_path / "team"
    script(folder / "cred.sh", "echo 'You do not currently have an active account.' >&2\nexit 1\n")
    program = "./cred.sh" if cause == "fails" else "./nope.sh"
    team = team_file(folder, f"  b:\n    environment: dev\n    login: gcloud auth login\n"
                             f"    source: {{command: ['{program}', '{{path}}']}}\n")
    r = onboard("--yes", str(team))
    assert r.code == 1, r
    last = r.err.strip().splitlines()[-1]
    assert last.startswith(f"kctx: error: {team}:7: ")
    assert "; the team says to log in with: gcloud auth login (step" in last
