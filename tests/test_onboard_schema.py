"""The team file schema: every error is one line with file:line and the key; relative sources resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from kctx.errors import KctxError
from kctx.onboard import schema, sources

ROOT = Path(__file__).resolve().parent.parent
TEAM = "/repo/team/team.yaml"
OK = """\
kctx-team: 1
team: payments
clusters:
  prod:
    environment: prod
    source: {file: prod.yaml}
"""


def parse(text: str) -> schema.Team:
    return schema.parse(text, TEAM, "/home/u")


def test_the_example_parses() -> None:
    team = schema.parse((ROOT / "examples/team.yaml").read_text(), str(ROOT / "examples/team.yaml"), "/home/u")
    assert team.name == "payments" and team.minimum == "1.29" and team.confirm == "name"
    prod, staging, dev = team.clusters
    assert prod.protected and prod.pin == "1.30" and prod.aliases == ["prod-eu", "prod"]
    assert prod.source.kind == "command" and prod.source.env == {"USE_GKE_GCLOUD_AUTH_PLUGIN": "True"}
    assert staging.protected and isinstance(staging.source.command, str)
    assert not dev.protected and dev.contexts == ["dev", "dev-admin"]
    assert dev.source.location == str(ROOT / "examples/kubeconfigs/dev.yaml")
    assert team.protected_globs()["contexts"] == [*prod.names, "payments-staging"]


def test_minimal_file_defaults() -> None:
    team = parse(OK)
    (c,) = team.clusters
    assert c.contexts == ["prod"] and c.protected and c.source.location == "/repo/team/prod.yaml"
    assert team.kubeconfigs == [] and team.confirm == "" and team.protected_globs()["contexts"] == ["prod"]


@pytest.mark.parametrize("body, line, key, why", [
    ("kctx-team: 2\nteam: t\nclusters: {a: {environment: dev, source: {file: a}}}\n", 1, "kctx-team",
     "unsupported schema version 2"),
    ("kctx-team: 1\nclusters: {}\n", 1, "", "missing required key 'team'"),
    ("kctx-team: 1\nteam: Payments\nclusters: {}\n", 2, "team", "is not a team name"),
    ("kctx-team: 1\nteam: t\nprotected: {}\nclusters: {}\n", 3, "protected", "unknown key"),
    ("kctx-team: 1\nteam: t\nclusters: {}\n", 3, "clusters", "at least one"),
    (OK + "    environment: dev\n", 7, "clusters.prod.environment", "duplicate key (first at line 5)"),
    (OK.replace("environment: prod", "environment: production"), 5, "clusters.prod.environment",
     "expected one of: prod, staging, dev"),
    (OK + "    protected: false\n", 7, "clusters.prod.protected", "a prod cluster is always protected"),
    (OK + "    kubectl: 1.30\n", 7, "clusters.prod.kubectl", "versions must be quoted strings"),
    (OK + "    kubectl: \"one\"\n", 7, "clusters.prod.kubectl", "is not a kubectl version"),
    (OK + "    color: pink\n", 7, "clusters.prod.color", "is not a colour"),
    (OK + "    contexts: [a, {b: c}]\n", 7, "clusters.prod.contexts[1]", "expected a non-empty string"),
    (OK.replace("{file: prod.yaml}", "{file: a, url: b}"), 6, "clusters.prod.source", "exactly one of"),
    (OK.replace("{file: prod.yaml}", "{file: a, env: {A: b}}"), 6, "clusters.prod.source.env",
     "only a command source takes env"),
    (OK.replace("{file: prod.yaml}", "{command: [gcloud, 3]}"), 6, "clusters.prod.source.command[1]",
     "quote numbers"),
    (OK.replace("{file: prod.yaml}", "{url: 'ftp://x/y'}"), 6, "clusters.prod.source.url",
     "only http:// and https://"),
    (OK + "    aliases: [prod]\n", 7, "clusters.prod.aliases[0]", 'already a context or alias of cluster "prod"'),
    ("kubectl: {minimum: '1.31'}\n" + OK + "    kubectl: '1.30'\n", 8, "clusters.prod.kubectl",
     "asks for 1.30, below the team's kubectl.minimum 1.31"),
    ("kubectl: {minimum: '1.31'}\n" + OK + "    kubectl: '>=1.29'\n", 8, "clusters.prod.kubectl",
     "asks for >=1.29, below"),
    ("kctx-team: 1\nteam: t\nclusters:\n  aliases: {environment: dev, source: {file: a}}\n", 4,
     "clusters.aliases", "reserved"),
    ("kctx-team: 1\nteam: [\n", 3, "", "invalid YAML"),
    ("", 1, "", "the team file is empty"),
])
def test_errors_name_file_line_and_key(body: str, line: int, key: str, why: str) -> None:
    with pytest.raises(KctxError) as err:
        parse(body)
    msg = err.value.message
    assert msg.startswith(f"{TEAM}:{line}: {key + ': ' if key else ''}"), msg
    assert why in msg and "\n" not in msg


def test_yes_is_a_confirm_mode_and_versions_normalise() -> None:
    team = parse(OK.replace("clusters:", "confirm: yes\nkubectl: {minimum: '>=v1.28'}\nclusters:") +
                 "    kubectl: '>=1.29'\n")
    assert team.confirm == "yes" and team.minimum == "1.28"
    assert (team.clusters[0].pin, team.clusters[0].minimum) == ("", "1.29")


@pytest.mark.parametrize("base, ref, want", [
    ("/repo/team/team.yaml", "kc/a.yaml", "/repo/team/kc/a.yaml"),
    ("/repo/team/team.yaml", "../b.yaml", "/repo/b.yaml"),
    ("/repo/team/team.yaml", "~/c.yaml", "/home/u/c.yaml"),
    ("/repo/team/team.yaml", "/abs/d.yaml", "/abs/d.yaml"),
    ("/repo/team/team.yaml", "https://h/e.yaml", "https://h/e.yaml"),
    ("https://h/team/team.yaml", "kc/f.yaml", "https://h/team/kc/f.yaml"),
    ("https://h/team/team.yaml", "../g.yaml", "https://h/g.yaml"),
    ("/repo/team.yaml", "file:///x/h.yaml", "/x/h.yaml"),
])
def test_sources_resolve_against_the_team_file(base: str, ref: str, want: str) -> None:
    assert sources.resolve(base, ref, "/home/u") == want


def test_command_placeholders() -> None:
    assert sources.command_argv(["get", "--kubeconfig={path}"], "/t/a b") == ["get", "--kubeconfig=/t/a b"]
    assert sources.command_argv("get --kubeconfig {path}", "/t/a b") == ["/bin/sh", "-c", "get --kubeconfig '/t/a b'"]
