"""The guard's classes held to what the real kubectl binaries send.

tests/data/guard_facts.json (scripts/gen_guard_facts.py) says, for each command form and each kubectl
1.27-1.37, whether a write, an access endpoint or a plugin call happened. The classifier, given that
minor, must never be lower than that; without a minor, never lower than any release. Where kubectl
sent nothing and succeeded, a class that asks for confirmation is a false stop: the few that stay
are listed below with their reason. A live sample re-runs rows through three binaries, so drift
between the table and the binaries (or the stand-in) is caught.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from kctx.kubectl import argv as kargv
from kctx.kubectl.argv import parse
from kctx.kubectl.classify import _CLASSES, classify, missing_command, needs_confirmation, parse_minor
from tests.kubectl_bins import MINORS

FACTS = json.loads((Path(__file__).parent / "data" / "guard_facts.json").read_text())
# How far up the guard's ladder each class is; what kubectl did sets the floor.
RANK = {"local": 0, "local-write": 0, "read": 1, "access": 2, "mutate": 3, "unknown": 4}
# Lines stopped although kubectl sends nothing, and why that stays so.
ACCEPTED_FALSE_STOPS = {
    "alpha": "alpha's commands change from release to release and are not modelled",
    "alpha kuberc view": "alpha's commands change from release to release and are not modelled",
    "create networkpolicy np1 -h": "1.28-1.30 run a kubectl-create-networkpolicy plugin when one is on PATH "
                                   "(the facts were made without one): judged unknown in every release",
}
REGENERATE = "regenerate with `python3 scripts/gen_guard_facts.py` and review the diff"


def _rows():
    for fact in FACTS["facts"]:
        for minor, observed, rc in zip(FACTS["minors"], fact["observed"], fact["rc"], strict=True):
            yield fact["argv"], minor, observed, rc


def _line(argv: list[str]) -> str:
    return shlex.join(argv)


def test_the_table_covers_every_release_and_command():
    assert FACTS["minors"] == list(MINORS), REGENERATE
    commands = {" ".join(kargv.find_command(f["argv"])) for f in FACTS["facts"]}
    assert set(_CLASSES) - commands == set(), "command forms the generator does not run"


def test_never_lower_than_what_kubectl_did():
    misses = [f"{minor} {_line(argv)}: kubectl did {observed}, classified {c.cls} ({c.reason})"
              for argv, minor, observed, _ in _rows()
              if RANK[(c := classify(parse(argv), minor)).cls] < RANK[observed]]
    assert misses == []


def test_without_a_minor_never_lower_than_any_release():
    misses = []
    for fact in FACTS["facts"]:
        worst = max(fact["observed"], key=RANK.__getitem__)
        c = classify(parse(fact["argv"]))
        if RANK[c.cls] < RANK[worst]:
            misses.append(f"{_line(fact['argv'])}: some kubectl did {worst}, classified {c.cls}")
    assert misses == []


def test_no_false_stops_where_kubectl_only_reads():
    stops = {(_line(argv), minor) for argv, minor, observed, rc in _rows()
             if rc == 0 and observed in ("read", "local") and needs_confirmation(classify(parse(argv), minor).cls)}
    unexplained = sorted(s for s in stops if s[0] not in ACCEPTED_FALSE_STOPS)
    assert unexplained == []
    assert {line for line, _ in stops} == set(ACCEPTED_FALSE_STOPS), "an accepted false stop is gone: drop it"


@pytest.mark.parametrize("line", ["label --list cm cm1", "annotate --list cm cm1", "set env --list deploy/web"])
def test_list_only_reads(line):
    assert {o for argv, _, o, _ in _rows() if _line(argv) == line} == {"read"}
    assert classify(parse(line.split())).cls == "read"


def test_command_existence_matches_the_binaries():
    paths, todo = [], [()]
    while todo:
        path = todo.pop()
        subs = [s for s in kargv.subcommands(path) if s not in ("alpha", "__complete", "__completeNoDesc")]
        paths += [(*path, s) for s in subs]
        todo += [(*path, s) for s in subs]
    for path in paths:
        having = FACTS["commands"].get(" ".join(path), FACTS["minors"])
        for minor in FACTS["minors"]:
            assert (minor in having) == (not missing_command(path, parse_minor(minor))), (path, minor)
        assert bool(missing_command(path, None)) == (having != FACTS["minors"]), path


# --- live: a sample of rows through three binaries, so drift is caught -----------------------------

LIVE_MINORS = ("1.27", "1.35", "1.37")  # oldest; the last without a built-in kuberc; newest
LIVE_LINES = [
    "create --raw /api/v1/namespaces/default/configmaps -f {dir}/cm-new.yaml --dry-run=server",
    "replace --raw /api/v1/namespaces/default/configmaps/cm1 -f {dir}/cm1.yaml --dry-run",
    "delete --raw /api/v1/namespaces/default/configmaps/cm1 --dry-run=client",
    "create --edit -f {dir}/cm-new.yaml --dry-run=client",
    "create -f {dir}/cm-new.yaml --dry-run=server",
    "create secret generic s2 --from-literal=a=b --dry-run",
    "delete cm cm1 --dry-run=server --dry-run=none",
    "delete cm cm1 --dry-run=true",
    "apply -f {dir}/cm1.yaml --dry-run=server",
    "drain n1 --dry-run=client",
    "rollout undo deploy/web --dry-run=server",
    "rollout restart deploy/web",
    "set image -f {dir}/web.yaml c=busybox:3 --local",
    "set image -f {dir}/web.yaml c=busybox:3 --local=false",
    "label --list cm cm1 a=b",
    "annotate --list cm cm1",
    "set env --list deploy/web A=1",
    "set env --list=false deploy/web A=1",
    "get --raw /api/v1/namespaces/default/pods/p1/proxy/",
    "get --raw /api/v1/nodes/n1/proxy/configz",
    "get --raw /api/v1/namespaces/default/pods/p1/%70roxy/",
    "get --raw /api/v1/namespaces/default/pods/p1/log",
    "exec p1 -- ls",
    "port-forward pod/p1 0:80",
    "kuberc view",
    "kuberc view -h",
    "create networkpolicy np1 -h",
    "edit cm/cm1",
    "config use-context w1",
]


def test_live_sample_matches_the_table_and_the_classifier():
    from tests.kubectl_oracle import Oracle

    facts = {_line(f["argv"]): f for f in FACTS["facts"]}
    rows = [(facts[_line(shlex.split(line))], minor) for line in LIVE_LINES for minor in LIVE_MINORS]
    with Oracle(workers=2) as oracle:
        outcomes = oracle.run_all([(minor, fact["argv"]) for fact, minor in rows])
    drift = []
    for (fact, minor), outcome in zip(rows, outcomes, strict=True):
        expected = fact["observed"][FACTS["minors"].index(minor)]
        if outcome.observed != expected:
            drift.append(f"{minor} {_line(fact['argv'])}: table says {expected}, kubectl now {outcome.observed} "
                         f"(rc {outcome.rc}): {outcome.output.strip()[-200:]}")
        c = classify(parse(fact["argv"]), minor)
        assert RANK[c.cls] >= RANK[outcome.observed], (minor, fact["argv"], c)
    assert drift == [], REGENERATE
