"""Team aliases next to the user's own contexts: a collision is an error naming both (never a take-over), a
dropped or renamed alias shows as "removes context X", and a context the user made is never removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kubeconfigs import kubeconfig, simple, write
from tests.runner import kctx
from tests.test_onboard import contexts, onboard, snapshot, team_file

CLUSTER = """\
  prod-eu:
    environment: prod
    source: {{file: kc/prod.yaml}}
    aliases: [{aliases}]
    color: red
"""


def team(folder: Path, aliases: str) -> Path:
    simple(folder / "kc/prod.yaml", "prod-eu")
    return team_file(folder, CLUSTER.format(aliases=aliases))


def users_prod(home: Path) -> None:
    """The user's own, unrelated context called "prod"."""
    write(home / ".kube/config", kubeconfig({"prod": ("my-prod", "me", "")}, clusters={"my-prod": "https://127.0.0.1:9/"},
                                            users=["me"], current="prod"))


def test_an_alias_colliding_with_a_users_context_is_an_error_naming_both(home: Path, tmp_path: Path) -> None:
    users_prod(home)
    path = team(tmp_path / "team", "eu, prod")
    before = snapshot(home)
    for mode in ([], ["--dry-run"]):
        r = onboard(*mode, str(path))
        assert r.code == 1, r
        assert r.err.startswith(f"kctx: error: {path}:7: clusters.prod-eu.aliases[1]: the team's alias \"prod\" (for "
                                'prod-eu of cluster prod-eu) collides with the context "prod" in ~/.kube/config '
                                "(cluster my-prod)"), r.err
        assert "kctx ctx NEW=prod" in r.err and len(r.err.splitlines()) == 1
        assert snapshot(home) == before  # no pin, colour or protection landed on the user's prod
    r = onboard("--check", str(path))
    assert r.code == 1 and 'the team\'s alias "prod" (for prod-eu of cluster prod-eu) collides' in r.out, r


def test_a_later_collision_is_reported_by_check_and_doctor(home: Path, tmp_path: Path) -> None:
    path = team(tmp_path / "team", "prod")
    assert onboard(str(path)).code == 0
    assert onboard("--check", str(path)).code == 0
    users_prod(home)
    r = onboard("--check", str(path))
    assert r.code == 1 and 'collides with the context "prod" in ~/.kube/config (cluster my-prod)' in r.out, r
    d = kctx("doctor", env={"PATH": "/nonexistent"})
    assert 'warn  onboarding: team "pay"\'s alias "prod" collides with the context "prod" in ~/.kube/config' in d.out
    assert "fix: rename yours (kctx ctx NEW=prod)" in d.out


def test_renamed_and_dropped_aliases_are_removed_and_said_so(home: Path, tmp_path: Path) -> None:
    assert onboard(str(team(tmp_path / "team", "prod, eu"))).code == 0
    assert {"prod", "eu"} <= set(contexts(home))
    path = team(tmp_path / "team", "prd")
    assert onboard("--check", str(path)).code == 1
    dry = onboard("--dry-run", str(path))
    assert 'removes context "prod" (an alias the team file no longer has)' in dry.out, dry
    assert 'removes context "eu"' in dry.out
    r = onboard(str(path))
    assert r.code == 0 and 'removed context "eu"' in r.out, r
    assert "prd" in contexts(home) and not {"prod", "eu"} & set(contexts(home))
    assert onboard("--check", str(path)).code == 0
    # no aliases at all: the file is rewritten without them
    simple(tmp_path / "team/kc/prod.yaml", "prod-eu")
    team_file(tmp_path / "team", CLUSTER.replace("    aliases: [{aliases}]\n", "").format())
    assert 'removes context "prd"' in onboard("--dry-run", str(path)).out
    assert onboard(str(path)).code == 0 and "prd" not in contexts(home)
    assert onboard(str(path)).out.startswith("nothing to do")


@pytest.mark.parametrize("recorded", [True, False])
def test_a_context_the_user_added_to_the_aliases_file_is_kept(home: Path, tmp_path: Path, recorded: bool) -> None:
    assert onboard(str(team(tmp_path / "team", "prod"))).code == 0
    aliases = home / ".kube/configs/pay.aliases.yaml"
    text = aliases.read_text()
    aliases.write_text(text + "- name: mine\n  context: {cluster: prod-eu, user: prod-eu, namespace: x}\n")
    if not recorded:  # a state file from before aliases were recorded
        state = home / ".local/state/kctx/onboard/pay.json"
        state.write_text(state.read_text().replace('"aliases"', '"old"'))
    path = team(tmp_path / "team", "prd")
    dry = onboard("--dry-run", str(path))
    assert ('removes context "prod"' in dry.out) == recorded and "mine" not in dry.out, dry
    r = onboard(str(path))
    assert r.code == 0 and "your version differed and is saved as" in r.out, r
    known = contexts(home)
    assert {"prd", "mine"} <= set(known) and known["mine"]["namespace"] == "x"
    # without the record, nothing proves onboarding wrote "prod" into the edited file: it stays
    assert ("prod" in known) != recorded
