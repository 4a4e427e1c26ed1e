"""On a terminal, onboarding asks before it runs a team file's commands (once, until they change) and
before it writes a kuberc allowlist; the answers come from the terminal (a pseudo-terminal here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import run_env
from tests.runner import checkout_pythonpath
from tests.teamserver import serve, tls_files
from tests.test_onboard import KUBECONFIG_SH, contexts, onboard, script, team_file
from tests.test_onboard_plugins import path_with, world  # noqa: F401 - a fixture
from tests.tools import require_module

pexpect = require_module("pexpect")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(var, raising=False)


def spawn(home: Path, *argv: str, **env: str):
    environ = run_env(home, PYTHONPATH=checkout_pythonpath(dict(os.environ)), TERM="dumb", **env)
    environ.setdefault("PATH", "/nonexistent")
    return pexpect.spawn(sys.executable, ["-m", "kctx", "onboard", *argv], env=environ, encoding="utf-8",
                         timeout=60, dimensions=(50, 400))


def finish(child) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_commands_are_asked_about_once_until_they_change(home: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    marker = home / "runs"
    cred = home / "bin/cred.sh"
    script(cred, f'echo ran >> "{marker}"\n' + KUBECONFIG_SH)
    team = team_file(site, f"  dev:\n    environment: dev\n    source:\n      command: ['{cred}', '{{path}}']\n"
                           "      env: {NAME: dev}\n")
    tls = tls_files(tmp_path / "tls")
    with serve(site, tls) as web:
        url = f"{web.base}/team.yaml"
        ca = {"SSL_CERT_FILE": str(tls[0]), "PATH": os.environ["PATH"]}

        child = spawn(home, url, **ca)
        child.expect_exact(f'Team "pay" ({url}) runs these commands as you')
        child.expect_exact(f"  dev (dev): {cred} '{{path}}'\r\n    env: NAME=dev\r\n    in:  {home}\r\n")
        child.expect_exact("Run them? [y/N] ")
        child.sendline("y")
        code, said = finish(child)
        assert code == 0, said
        assert marker.read_text() == "ran\n" and set(contexts(home)) == {"dev"}

        child = spawn(home, "--refresh", url, **ca)  # the same commands: no question
        code, said = finish(child)
        assert code == 0 and "Run them?" not in said and marker.read_text() == "ran\nran\n"

        team.write_text(team.read_text().replace("{NAME: dev}", "{NAME: dev, CLOUDSDK_CORE_PROJECT: other}"))
        child = spawn(home, "--refresh", url, **ca)
        child.expect_exact("    env: NAME=dev CLOUDSDK_CORE_PROJECT=other\r\n")
        child.expect_exact("Run them? [y/N] ")
        child.sendline("n")
        code, said = finish(child)
        assert code == 3 and "kctx: error: not approved: nothing was changed" in said
        assert marker.read_text() == "ran\nran\n"


def test_the_allowlist_is_offered_and_a_no_is_remembered(world: dict, home: Path) -> None:  # noqa: F811
    path = path_with(world, "1.37")
    (home / ".kube/config").write_text(world["other"].read_text())  # a plugin of the user's own
    child = spawn(home, str(world["team"]), PATH=path)
    child.expect_exact("The team's kubeconfigs make kubectl run these programs as you:\r\n"
                       f"  {world['team_login']}  (user prod-admin (context prod))\r\n")
    child.expect_exact(f"Change {home}/.kube/kuberc:\r\n  credentialPluginPolicy: Allowlist (was unset: every "
                       f"plugin runs); allow {world['team_login']}\r\n")
    child.expect_exact("Then kubectl refuses these plugins of your other kubeconfigs: other-login (user "
                       "other-prod-admin (context other-prod) in ~/.kube/config)\r\n")
    child.expect_exact("Write it? [y/N] ")
    child.sendline("n")
    code, said = finish(child)
    assert code == 0, said
    assert not (home / ".kube/kuberc").exists()

    code, said = finish(spawn(home, str(world["team"]), PATH=path))
    assert code == 0 and "Write it?" not in said and "nothing to do" in said, said

    child = spawn(home, "--kuberc-allowlist", str(world["team"]), PATH=path)
    code, said = finish(child)
    assert code == 0 and "Write it?" not in said
    assert "credentialPluginPolicy: Allowlist" in (home / ".kube/kuberc").read_text()
    assert onboard(str(world["team"]), PATH=path).out.startswith("nothing to do")
