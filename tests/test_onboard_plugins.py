"""Kubeconfigs that make kubectl run programs: the plan shows them, --check finds the missing ones, and the
kuberc allowlist kctx writes is judged by real kubectl binaries against the stand-in cluster: the team's
plugin runs, any other is refused before it starts, and the user's kuberc keeps its content."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.kubectl_bins import kubectl_binary
from tests.test_onboard import onboard, team_file

USER_KUBERC = """\
# my preferences
apiVersion: kubectl.config.k8s.io/v1beta1
kind: Preference
aliases:
- name: gp
  command: get
  prependArgs: [pods]   # pods, mostly
"""


def plugin(path: Path, token: str, marker: Path) -> Path:
    """An exec credential plugin that hands out ``token`` and notes each run in ``marker``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    credential = ('{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
                  f'"status": {{"token": "{token}"}}}}')
    path.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marker}"\nprintf \'%s\' \'{credential}\'\n')
    path.chmod(0o755)
    return path


def exec_kubeconfig(sandbox, path: Path, command: str, args: list[str], prefix: str = "") -> Path:
    doc = yaml.safe_load(sandbox.kubeconfig(["prod"], context_prefix=prefix))
    doc["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": command,
                                        "args": args, "interactiveMode": "Never",
                                        "installHint": "ask the platform team for team-login"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def world(home: Path, tmp_path: Path, sandbox) -> dict:
    """A team whose prod kubeconfig runs `team-login --cluster prod`; `other-login` is another plugin."""
    binaries = tmp_path / "bin"
    marker = tmp_path / "plugin-runs"
    token = sandbox.cluster("prod").token
    team = team_file(tmp_path / "team", "  prod:\n    environment: prod\n    source: {file: kc/prod.yaml}\n")
    exec_kubeconfig(sandbox, team.parent / "kc/prod.yaml", "team-login", ["--cluster", "prod"])
    other = exec_kubeconfig(sandbox, tmp_path / "other.yaml", "other-login", [], prefix="other-")
    return {"team": team, "bin": binaries, "marker": marker, "other": other,
            "team_login": plugin(binaries / "team-login", token, marker),
            "other_login": plugin(binaries / "other-login", token, marker)}


def path_with(world: dict, minor: str) -> str:
    return f"{world['bin']}:{kubectl_binary(minor).parent}"


def test_the_plan_shows_the_programs_and_check_finds_missing_ones(world: dict, home: Path) -> None:
    team = str(world["team"])
    dry = onboard("--dry-run", team)
    assert ("credential plugins: kubectl runs these programs as you for the team's contexts:\n"
            "  - team-login --cluster prod  — user prod-admin (context prod), ~/.kube/configs/pay.prod.yaml\n"
            ) in dry.out
    r = onboard(team)
    assert r.code == 0, r
    assert "  - team-login --cluster prod  — user prod-admin (context prod)" in r.out
    check = onboard("--check", team)  # PATH has no team-login
    assert check.code == 1
    assert ('  - credential plugin "team-login" of user prod-admin (context prod) in ~/.kube/configs/pay.prod.yaml: '
            "not on PATH (ask the platform team for team-login)\n") in check.out
    assert onboard("--check", team, PATH=str(world["bin"])).code == 0


def kubectl_run(minor: str, kubeconfig: Path, home: Path, path: str) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": path, "KUBECONFIG": str(kubeconfig)}
    return subprocess.run([str(kubectl_binary(minor)), "get", "cm"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.parametrize(("minor", "key"), [("1.35", "name"), ("1.36", "command"), ("1.37", "command")])
def test_the_allowlist_lets_only_the_teams_plugin_run(world: dict, home: Path, sandbox, minor: str,
                                                      key: str) -> None:
    kuberc = home / ".kube/kuberc"
    kuberc.write_text(USER_KUBERC)
    path = path_with(world, minor)
    dry = onboard("--dry-run", str(world["team"]), PATH=path)
    assert dry.code == 0 and kuberc.read_text() == USER_KUBERC
    assert (f"  - let kubectl run only the team's credential plugins: kctx onboard --kuberc-allowlist {world['team']} "
            f"(~/.kube/kuberc: credentialPluginPolicy: Allowlist (was unset: every plugin runs); allow "
            f"{world['team_login']})\n") in dry.out

    r = onboard("--kuberc-allowlist", str(world["team"]), PATH=path)
    assert r.code == 0, r
    assert (f"~/.kube/kuberc: credentialPluginPolicy: Allowlist (was unset: every plugin runs); allow "
            f"{world['team_login']} (kubectl now refuses other credential plugins)") in r.out
    assert kuberc.read_text() == USER_KUBERC + (f"credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n"
                                                f"- {key}: {world['team_login']}\n")
    assert onboard("--kuberc-allowlist", str(world["team"]), PATH=path).out.startswith("nothing to do")

    sandbox.clear_requests("prod")
    ok = kubectl_run(minor, home / ".kube/configs/pay.prod.yaml", home, path)
    assert ok.returncode == 0, ok.stderr
    assert "kuberc" not in ok.stderr and sandbox.requests("prod")
    assert world["marker"].read_text() == f"{world['team_login']} --cluster prod\n"

    sandbox.clear_requests("prod")
    refused = kubectl_run(minor, world["other"], home, path)
    assert refused.returncode == 1
    assert "is not permitted by the credential plugin allowlist" in refused.stderr
    assert sandbox.requests("prod") == [] and "other-login" not in world["marker"].read_text()


def test_no_offer_where_kubectl_does_not_enforce_it(world: dict, home: Path) -> None:
    dry = onboard("--dry-run", str(world["team"]), PATH=path_with(world, "1.34"))
    assert ('  - no allowlist offered: context "prod" runs kubectl 1.34.5 (the first kubectl on PATH '
            f"({kubectl_binary('1.34')})); only kubectl 1.35 and later enforce a credential plugin allowlist\n"
            ) in dry.out
    r = onboard("--kuberc-allowlist", str(world["team"]), PATH=path_with(world, "1.34"))
    assert r.code == 0 and not (home / ".kube/kuberc").exists()


@pytest.mark.parametrize(("kuberc", "why"), [
    ("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\ncredentialPluginPolicy: DenyAll\n",
     "credentialPluginPolicy is DenyAll: kubectl refuses every credential plugin, the team's too"),
    ("apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\naliases: []\n",
     "its preferences are kubectl.config.k8s.io/v1alpha1, which has no credential plugin policy (move them to "
     "kubectl.config.k8s.io/v1beta1 to use one)"),
])
def test_a_kuberc_that_decides_for_itself_is_left_alone(world: dict, home: Path, kuberc: str, why: str) -> None:
    file = home / ".kube/kuberc"
    file.write_text(kuberc)
    r = onboard("--kuberc-allowlist", "--dry-run", str(world["team"]), PATH=path_with(world, "1.37"))
    assert f"  - no allowlist offered: {file}: {why}\n" in r.out
    assert onboard("--kuberc-allowlist", str(world["team"]), PATH=path_with(world, "1.37")).code == 0
    assert file.read_text() == kuberc


def test_an_allowlist_gets_the_missing_entries_only(world: dict, home: Path, tmp_path: Path) -> None:
    file = home / ".kube/kuberc"
    mine = ("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\ncredentialPluginPolicy: Allowlist\n"
            "credentialPluginAllowlist:\n  - command: other-login   # mine\n")
    file.write_text(mine)
    os.chmod(file, 0o640)
    r = onboard("--kuberc-allowlist", str(world["team"]), PATH=path_with(world, "1.37"))
    assert r.code == 0, r
    assert file.read_text() == mine + f"  - command: {world['team_login']}\n"
    assert file.stat().st_mode & 0o777 == 0o640
    file.write_text(mine.replace("other-login", "team-login"))  # a bare name kubectl finds on PATH: covered
    assert onboard("--kuberc-allowlist", str(world["team"]), PATH=path_with(world, "1.37")).out.startswith(
        "nothing to do")


def test_a_new_kuberc_is_a_document_of_its_own(world: dict, home: Path) -> None:
    file = home / ".kube/kuberc"
    file.write_text("# nothing yet")
    r = onboard("--kuberc-allowlist", str(world["team"]), PATH=path_with(world, "1.37"))
    assert r.code == 0, r
    assert file.read_text() == ("# nothing yet\napiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
                                "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n"
                                f"- command: {world['team_login']}\n")
    file.unlink()
    assert onboard("--kuberc-allowlist", str(world["team"]), PATH=path_with(world, "1.37")).code == 0
    assert file.stat().st_mode & 0o777 == 0o600


def test_auth_providers_are_shown_and_entries_kubectl_refuses_are_one_line(home: Path, tmp_path: Path) -> None:
    kubeconfig = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users:
- name: gke
  user: {auth-provider: {name: gcp, config: {cmd-path: /opt/gcloud, cmd-args: "config config-helper 'x"}}}
- name: oidc
  user: {auth-provider: {name: oidc, config: {idp-issuer-url: "https://issuer"}}}
- name: odd
  user: {exec: {command: odd-login}}
contexts:
- {name: gke, context: {cluster: c, user: gke}}
- {name: oidc, context: {cluster: c, user: oidc}}
- {name: odd, context: {cluster: c, user: odd}}
"""
    (tmp_path / "team/kc").mkdir(parents=True)
    (tmp_path / "team/kc/gke.yaml").write_text(kubeconfig)
    team = team_file(tmp_path / "team", "  gke:\n    environment: prod\n    source: {file: kc/gke.yaml}\n")
    dry = onboard("--dry-run", str(team))
    assert dry.code == 0, dry
    assert ("  - auth-provider gcp: /opt/gcloud 'config config-helper '\"'\"'x'  — user gke (context gke), "
            "~/.kube/configs/pay.gke.yaml\n") in dry.out
    assert "  - auth-provider oidc  — user oidc (context oidc), ~/.kube/configs/pay.gke.yaml\n" in dry.out
    assert "  - odd-login  — user odd (context odd), ~/.kube/configs/pay.gke.yaml\n" in dry.out
    assert onboard(str(team)).code == 0
    check = onboard("--check", str(team))
    assert check.code == 1 and 'credential plugin "/opt/gcloud" of user gke (context gke)' in check.out
    # Entries kubectl refuses (exec args that are not a list) make the file one kubectl does not read: one line.
    bad_args = kubeconfig.replace("{command: odd-login}", "{command: odd-login, args: 5}")
    (tmp_path / "team/kc/gke.yaml").write_text(bad_args)
    bad = onboard("--dry-run", str(team))
    assert bad.code == 1 and "users[2].user.exec.args is a number; kubectl reads only a list there" in bad.err
    assert len(bad.err.strip().splitlines()[-1].split("\n")) == 1


def test_no_offer_for_plugins_no_context_uses(world: dict, home: Path, tmp_path: Path) -> None:
    kubeconfig = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users:
- {name: token, user: {token: t}}
- {name: spare, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: team-login}}}
contexts: [{name: lone, context: {cluster: c, user: token}}]
"""
    (tmp_path / "lone/kc").mkdir(parents=True)
    (tmp_path / "lone/kc/lone.yaml").write_text(kubeconfig)
    team = team_file(tmp_path / "lone", "  lone:\n    environment: prod\n    source: {file: kc/lone.yaml}\n")
    dry = onboard("--dry-run", str(team), PATH=path_with(world, "1.35"))
    assert "  - team-login  — user spare (no context uses it), ~/.kube/configs/pay.lone.yaml\n" in dry.out
    assert "  - no allowlist offered: no context of the team's kubeconfigs uses their credential plugins\n" in dry.out
    assert onboard("--kuberc-allowlist", str(team), PATH=path_with(world, "1.35")).code == 0
    assert not (home / ".kube/kuberc").exists()
