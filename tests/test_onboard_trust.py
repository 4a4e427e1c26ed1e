"""Onboarding runs nothing nobody looked at: https with a verified certificate (plain http only on loopback or
with --insecure-http), pinned digests, commands only after consent (no terminal here: --yes or a refusal
that lists them), and `kctx doctor` on the team file's origin. Terminal questions: test_onboard_terminal.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kctx.onboard.origin import digest
from tests.conftest import run_env
from tests.kubeconfigs import simple
from tests.runner import checkout_pythonpath
from tests.teamserver import proxy_env, serve, tls_files
from tests.test_onboard import KUBECONFIG_SH, contexts, onboard, script, snapshot, team_file

PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "SSL_CERT_FILE",
              "SSL_CERT_DIR")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A team folder to serve: team.yaml with a url source beside its kubeconfig."""
    folder = tmp_path / "site"
    simple(folder / "team/kc/prod.yaml", "prod-eu")
    team_file(folder / "team", "  prod-eu:\n    environment: prod\n    source: {url: kc/prod.yaml}\n")
    return folder


# ---------------------------------------------------------------- transport


def test_https_needs_a_certificate_that_verifies(home: Path, tmp_path: Path, site: Path) -> None:
    tls = tls_files(tmp_path / "tls")
    ca = tls[0]
    with serve(site, tls) as web:
        url = f"{web.base}/team/team.yaml"
        r = onboard(url)
        assert (r.code, r.out) == (1, "")
        assert r.err.startswith(f"kctx: error: {url}: the server's certificate cannot be verified (")
        assert len(r.err.splitlines()) == 1
        r = onboard(url, SSL_CERT_FILE=str(ca))
        assert r.code == 0, r
        assert web.hits == ["/team/team.yaml", "/team/kc/prod.yaml"]  # the first run ended in the handshake
    assert set(contexts(home)) == {"prod-eu"}
    assert "warning" not in r.err


def test_plain_http_from_another_machine_needs_insecure_http(home: Path, site: Path) -> None:
    with serve(site) as proxy:  # stands in for team.example.com: the test connects to loopback only
        url = "http://team.example.com/team/team.yaml"
        r = onboard(url, **proxy_env(proxy))
        assert (r.code, r.out) == (1, "")
        assert r.err == (f"kctx: error: {url}: refusing plain http from another machine (anyone on the network path "
                         "could change what it brings, and its commands run as you); use https://, or "
                         "--insecure-http if you accept that\n")
        assert proxy.hits == []  # refused before any connection
        r = onboard("--insecure-http", url, **proxy_env(proxy))
        assert r.code == 0, r
        warnings = [line for line in r.err.splitlines() if "warning" in line]
        assert warnings == [f"kctx: warning: --insecure-http: {url} comes without TLS; anyone on the "
                            "network path can change it, and what it brings runs as you",
                            "kctx: warning: --insecure-http: http://team.example.com/team/kc/prod.yaml "
                            "comes without TLS; anyone on the network path can change it, and what it brings runs "
                            "as you"]
        assert proxy.hits == [url, "http://team.example.com/team/kc/prod.yaml"]
    assert set(contexts(home)) == {"prod-eu"}
    from tests.runner import kctx

    doctor = kctx("doctor", "--online", env={"PATH": "/nonexistent"}).out
    assert (f'warn  onboarding: team "pay" from {url}, last applied ') in doctor
    assert "; it comes over plain http, which anyone on the network path can change (not fetched)\n" in doctor


def test_a_redirect_to_plain_http_is_refused(home: Path, tmp_path: Path, site: Path) -> None:
    tls = tls_files(tmp_path / "tls")
    ca = tls[0]
    with serve(site) as proxy, serve(site, tls, {"/moved.yaml": "http://team.example.com/team/team.yaml"}) as web:
        r = onboard(f"{web.base}/moved.yaml", SSL_CERT_FILE=str(ca), **proxy_env(proxy))
        assert r.code == 1 and proxy.hits == []
        assert r.err.startswith(f"kctx: error: {web.base}/moved.yaml redirects to http://team.example.com/team/team.yaml:"
                                " refusing plain http from another machine")
    assert not (home / ".config/kctx/config.yaml").exists()


def test_a_plain_http_source_is_refused_before_anything_changes(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    simple(folder / "a.yaml", "a")
    team = team_file(folder, "  a:\n    environment: dev\n    source: {file: a.yaml}\n"
                             "  b:\n    environment: prod\n    source: {url: 'http://config.example.com/b.yaml'}\n")
    before = snapshot(home)
    r = onboard(str(team))
    assert r.code == 1 and r.err.startswith(f"kctx: error: {team}:9: http://config.example.com/b.yaml: refusing plain "
                                            "http from another machine")
    assert snapshot(home) == before


def test_loopback_http_never_goes_through_a_proxy(home: Path, site: Path) -> None:
    with serve(site) as proxy, serve(site) as web:  # plain http over a proxy would cross the network after all
        r = onboard(f"{web.base}/team/team.yaml", **proxy_env(proxy))
        assert r.code == 0, r
        assert proxy.hits == [] and web.hits == ["/team/team.yaml", "/team/kc/prod.yaml"]
        assert "warning" not in r.err


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:8080/t.yaml", True), ("http://127.9.9.9/t.yaml", True), ("http://[::1]/t.yaml", True),
    ("http://localhost/t.yaml", True), ("http://LOCALHOST./t.yaml", False), ("http://x.localhost/t.yaml", False),
    ("http://localhost.example.com/t.yaml", False), ("http://127.0.0.1@example.com/t.yaml", False),
    ("http://example.com@127.0.0.1/t.yaml", False), ("http://example.com\\@127.0.0.1/t.yaml", False),
    ("http://127.1/t.yaml", False), ("http://[::1/t.yaml", False), ("http://10.0.0.1/t.yaml", False),
])
def test_only_literal_loopback_counts(url: str, loopback: bool) -> None:
    from kctx.onboard.transport import is_loopback

    assert is_loopback(url) is loopback


@pytest.mark.parametrize(("arg", "env", "err"), [
    ("ftp://example.com/team.yaml", {}, "ftp://example.com/team.yaml: only https:// URLs (http:// for this machine), "
                                        "file:// URLs and local paths; a URL's scheme is written in lower case"),
    ("HTTPS://example.com/team.yaml", {}, "HTTPS://example.com/team.yaml: only https:// URLs"),
    ("http://[::1/team.yaml", {}, "http://[::1/team.yaml: not a valid URL (Invalid IPv6 URL)"),
    ("https://", {}, "https://: no host given"),
    ("https://127.0.0.1:1/team.yaml", {"SSL_CERT_FILE": "CA"},
     "SSL_CERT_FILE=CA: cannot load CA certificates (NO_CERTIFICATE_OR_CRL_FOUND)"),
])
def test_bad_locations_are_one_line(home: Path, tmp_path: Path, arg: str, env: dict[str, str], err: str) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not a certificate\n")
    env = {k: v.replace("CA", str(ca)) for k, v in env.items()}
    r = onboard(arg, **env)
    assert (r.code, r.out) == (1, "") and len(r.err.splitlines()) == 1
    assert r.err.startswith("kctx: error: " + err.replace("=CA", f"={ca}")), r.err


# ---------------------------------------------------------------- pinning


def test_a_pinned_digest_refuses_any_other_file(home: Path, tmp_path: Path, site: Path) -> None:
    team = site / "team/team.yaml"
    good = digest(team.read_bytes())
    with serve(site) as web:
        url = f"{web.base}/team/team.yaml"
        wrong = onboard(url, "--sha256", "0" * 64)
        assert wrong.code == 1 and wrong.err == (
            f"kctx: error: {url}: sha256 {good} does not match the pinned {'0' * 64}: the team file changed since that "
            "digest was published; nothing was changed (review the new file, then pin its digest)\n")
        assert not (home / ".config/kctx/config.yaml").exists()
        assert onboard(f"{url}#sha256={good.upper()}").code == 0
        assert onboard(url, "--sha256", good).out.startswith("nothing to do")
        assert onboard(f"{url}#sha256={good}", "--sha256", "1" * 64).err == (
            "kctx: error: onboard: --sha256 and the URL's #sha256= name different digests\n")
        assert onboard(f"{url}#sha256=abc").err == (
            "kctx: error: onboard: #sha256=abc: expected 64 hexadecimal digits (a sha256)\n")
        assert onboard(f"{url}#top").code == 2
    assert onboard(str(team), "--sha256", good).code == 0  # a local file can be pinned too


# ---------------------------------------------------------------- consent without a terminal


@pytest.fixture
def command_team(tmp_path: Path) -> Path:
    folder = tmp_path / "team"
    script(folder / "cred.sh", f'echo ran >> "{folder}/runs"\n' + KUBECONFIG_SH)
    return team_file(folder, "  dev:\n    environment: dev\n    source:\n      command: ['./cred.sh', '{path}']\n"
                             "      env: {NAME: dev}\n"
                             "  prod:\n    environment: prod\n    source:\n"
                             "      command: ./cred.sh \"$KUBECONFIG\"\n      env: {NAME: prod}\n")


def runs(team: Path) -> int:
    marker = team.parent / "runs"
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def test_without_a_terminal_commands_need_yes(home: Path, command_team: Path) -> None:
    before = snapshot(home)
    r = onboard(str(command_team))
    assert (r.code, r.out) == (4, "")
    assert r.err == (f"kctx: error: {command_team} would run 2 commands nobody approved on this machine (dev: "
                     "./cred.sh '{path}'; prod: /bin/sh -c './cred.sh \"$KUBECONFIG\"'); nothing was changed: review "
                     "them (kctx onboard --dry-run), then run again on a terminal or with --yes "
                     "(or --allow-commands)\n")
    assert snapshot(home) == before and runs(command_team) == 0

    dry = onboard("--dry-run", str(command_team))
    assert dry.code == 0 and runs(command_team) == 0
    folder = command_team.parent
    assert ("commands this team file runs as you (not approved yet: a run asks on the terminal, or needs --yes; "
            "due now: dev, prod):\n"
            "  dev (dev): ./cred.sh '{path}'\n    env: NAME=dev\n"
            f"    in:  {folder}\n    runs {folder}/cred.sh (sha256 ") in dry.out
    assert "  prod (prod, protected): /bin/sh -c './cred.sh \"$KUBECONFIG\"'\n    env: NAME=prod\n" in dry.out

    r = onboard("--allow-commands", str(command_team))
    assert r.code == 0, r
    assert runs(command_team) == 2 and set(contexts(home)) == {"dev", "prod"}
    assert "kctx onboard: running 2 commands of " in r.err
    store = home / ".local/state/kctx/onboard-consent.json"
    assert store.stat().st_mode & 0o777 == 0o600
    assert list(json.loads(store.read_text())["commands"]) == [str(command_team)]
    assert "approved on this machine" in onboard("--dry-run", str(command_team)).out

    again = onboard("--refresh", str(command_team))  # approved: no --yes needed while they stay the same
    assert again.code == 0 and runs(command_team) == 4
    assert "running 2 commands approved earlier for" in again.err


def test_changed_commands_are_asked_about_again(home: Path, command_team: Path) -> None:
    assert onboard("--yes", str(command_team)).code == 0
    command_team.write_text(command_team.read_text().replace("{NAME: prod}", "{NAME: prod, EXTRA: '1'}"))
    r = onboard("--refresh", str(command_team))
    assert r.code == 4 and "nobody approved" in r.err and runs(command_team) == 2
    (command_team.parent / "cred.sh").write_text("#!/bin/sh\nexit 1\n")  # the script it runs, too
    assert onboard("--yes", "--refresh", str(command_team)).code == 1
    script(command_team.parent / "cred.sh", KUBECONFIG_SH)
    assert onboard("--refresh", str(command_team)).code == 4


def test_nothing_due_asks_nothing(home: Path, command_team: Path) -> None:
    assert onboard("--yes", str(command_team)).code == 0
    command_team.write_text(command_team.read_text().replace("{NAME: dev}", "{NAME: dev, X: y}"))
    r = onboard(str(command_team))  # changed, but its kubeconfigs are fine: nothing runs, nothing to approve
    assert r.code == 0 and r.out.startswith("nothing to do") and runs(command_team) == 2


def test_stdin_never_answers(home: Path, command_team: Path) -> None:
    env = run_env(home, PYTHONPATH=checkout_pythonpath(dict(os.environ)), PATH="/nonexistent")
    proc = subprocess.run([sys.executable, "-m", "kctx", "onboard", str(command_team)], input="y\nyes\n",
                          capture_output=True, text=True, env=env, timeout=60, start_new_session=True)
    assert proc.returncode == 4 and "nobody approved" in proc.stderr and runs(command_team) == 0


@pytest.mark.parametrize("stored", ['{"commands": []}', '[1]', '{"commands": {"%s": {"digest": 1, "at": "x"}}}',
                                    '{"commands": {"%s": "yes"}}', "{not json"])
def test_a_damaged_consent_file_approves_nothing(home: Path, command_team: Path, stored: str) -> None:
    store = home / ".local/state/kctx/onboard-consent.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(stored.replace("%s", str(command_team)))
    r = onboard(str(command_team))
    assert r.code == 4 and len(r.err.splitlines()) == 1 and "nobody approved" in r.err
    assert "not approved yet" in onboard("--dry-run", str(command_team)).out
    assert onboard("--yes", str(command_team)).code == 0 and runs(command_team) == 2
    assert list(json.loads(store.read_text())["commands"]) == [str(command_team)]


# ---------------------------------------------------------------- doctor


def test_doctor_reports_the_team_files_origin(home: Path, tmp_path: Path, site: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.runner import kctx

    def doctor(*argv: str) -> list[str]:
        r = kctx("doctor", *argv, env={"PATH": "/nonexistent"})
        return [line for line in r.out.splitlines() if "onboarding: " in line]

    assert doctor() == []
    local = tmp_path / "local"
    simple(local / "a.yaml", "a")
    team = team_file(local, "  a:\n    environment: dev\n    source: {file: a.yaml}\n")
    assert onboard(str(team)).code == 0
    (line,) = doctor()
    assert line.startswith(f'ok    onboarding: team "pay" from {team}, last applied 20')
    assert line.endswith("; unchanged since")
    team.write_text(team.read_text() + "# a comment\n")
    assert doctor()[0].endswith("; it changed since")

    tls = tls_files(tmp_path / "tls")
    ca = tls[0]
    pin = digest((site / "team/team.yaml").read_bytes())
    with serve(site, tls) as web:
        url = f"{web.base}/team/team.yaml"
        assert onboard(f"{url}#sha256={pin}", SSL_CERT_FILE=str(ca)).code == 0
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
        offline = doctor()[0]
        assert offline.startswith(f'ok    onboarding: team "pay" from {url}, last applied ')
        assert offline.endswith(f", pinned to sha256 {pin[:12]}… (not fetched: --online compares it)")
        assert doctor("--online")[0].endswith("; unchanged since") and len(web.hits) == 3
        (site / "team/team.yaml").write_text((site / "team/team.yaml").read_text() + "# changed\n")
        assert doctor("--online")[0].endswith("…): onboarding from it is refused")


def test_doctor_on_a_damaged_origin_record(home: Path, tmp_path: Path) -> None:
    from tests.runner import kctx

    simple(tmp_path / "local/a.yaml", "a")
    team = team_file(tmp_path / "local", "  a:\n    environment: dev\n    source: {file: a.yaml}\n")
    assert onboard(str(team)).code == 0
    state = home / ".local/state/kctx/onboard/pay.json"
    doc = json.loads(state.read_text())
    doc["origin"]["applied"] = "yesterday"
    state.write_text(json.dumps(doc))
    r = kctx("doctor", env={"PATH": "/nonexistent"})
    (line,) = [line for line in r.out.splitlines() if "onboarding: " in line]
    assert line == f'ok    onboarding: team "pay" from {team}, last applied at an unknown time; unchanged since'
