"""The preview a confirmation shows: a server-side dry run with the same real kubectl and target, only for forms
the fact table proves honour it; the stand-in's request log proves nothing but dry runs reach the server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from kctx.guard import preview as pv
from kctx.guard.dryrunfacts import SERVER_DRY_RUN
from kctx.kubectl.argv import parse
from kctx.sandbox import Sandbox
from tests import kubectl_oracle
from tests.kubectl_bins import MINORS
from tests.worlds import sandbox_world

FACTS = Path(__file__).parent / "data" / "guard_facts.json"
LATEST = MINORS[-1]


def test_the_dry_run_table_is_derived_from_the_fact_table():
    assert pv.derive(json.loads(FACTS.read_text())) == SERVER_DRY_RUN
    assert "delete" in SERVER_DRY_RUN and "rollout restart" not in SERVER_DRY_RUN  # kubectl rejects it there


def test_the_stand_in_stores_nothing_for_a_server_dry_run_of_any_listed_form(monkeypatch):
    rows = [r for r in json.loads(FACTS.read_text())["facts"] if pv.plain_server_dry_run(r["argv"])
            and LATEST in SERVER_DRY_RUN.get(pv.form(parse(r["argv"])), ())]
    assert len(rows) >= 20
    seeded: dict[str, int] = {}
    real_seed = kubectl_oracle.seed

    def seed(sb, name: str) -> None:
        real_seed(sb, name)
        seeded[name] = sb.cluster(name).api.store.resource_version

    monkeypatch.setattr(kubectl_oracle, "seed", seed)
    with kubectl_oracle.Oracle(workers=1) as oracle:
        for row in rows:
            outcome = oracle.run(LATEST, row["argv"])
            name = oracle.names[0]
            assert oracle.sandbox.cluster(name).api.store.resource_version == seeded[name], row["argv"]
            sent = [r for r in oracle.sandbox.requests(name) if r.method not in ("GET", "HEAD")]
            assert all(r.dry_run for r in sent), (row["argv"], sent)
            assert outcome.observed == "read", (row["argv"], outcome)


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)
    (home / ".config" / "kctx" / "config.yaml").write_text("protect:\n  contexts: ['prod']\npreview: {threshold: 10}\n")
    kubectl_oracle.seed(sandbox, "prod")
    sandbox.clear_requests()
    return w


def non_reads(sandbox: Sandbox) -> list:
    return [r for r in sandbox.requests("prod") if r.method not in ("GET", "HEAD")]


def ask(world: dict, *args: str) -> pexpect.spawn:
    child = pexpect.spawn("kubectl", ["--context", "prod", *args], env=world["env"], encoding="utf-8", timeout=30)
    child.expect("to continue, anything else cancels: ")
    return child


def finish(child: pexpect.spawn, answer: str) -> int:
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_a_delete_shows_what_would_go_and_only_dry_runs_reach_the_server(world, sandbox):
    child = ask(world, "delete", "configmap", "cm1", "-n", "default")
    shown = child.before
    assert 'configmap "cm1" deleted' in shown and "preview:" in shown
    assert non_reads(sandbox) and all(r.dry_run for r in non_reads(sandbox))
    assert finish(child, "no") == 3
    assert all(r.dry_run for r in non_reads(sandbox))
    p = subprocess.run(["kubectl", "--context", "prod", "get", "cm", "cm1", "-n", "default", "-o", "name"],
                       env=world["env"], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "configmap/cm1"


def test_scale_shows_current_and_new_replicas_and_a_change_shows_a_diff(world, sandbox):
    child = ask(world, "scale", "deploy/web", "--replicas=3", "-n", "default")
    assert "spec.replicas: 1 → 3" in child.before
    assert finish(child, "no") == 3
    child = ask(world, "label", "cm", "cm1", "team=a", "-n", "default")
    assert "+ metadata.labels.team: a" in child.before
    assert finish(child, "prod") == 0
    assert [r.dry_run for r in non_reads(sandbox)] == [True, True, False]


def test_an_apply_of_several_objects_shows_each_and_never_a_secret_value(world, sandbox, tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm1, namespace: default}\ndata: {k: new}\n"
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh, namespace: default}\n"
                        "data: {a: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s1, namespace: default}\n"
                        "data: {a: c2VjcmV0LXZhbHVl}\n")
    child = ask(world, "apply", "-f", str(manifest))
    shown = child.before
    assert "configmap/cm1 -n default: 1 change" in shown and "data.k: EDITME → new" in shown
    assert "configmap/fresh -n default: created" in shown and "+ data.a: b" in shown
    assert "secret/s1 -n default: 1 change" in shown and "data.a: (secret) → (secret)" in shown
    assert "c2VjcmV0LXZhbHVl" not in shown and "secret-value" not in shown
    assert finish(child, "no") == 3
    assert non_reads(sandbox) and all(r.dry_run for r in non_reads(sandbox))


def test_a_high_blast_radius_comes_first_and_asks_for_the_phrase(world, sandbox):
    child = ask(world, "delete", "pods", "--all", "-n", "default")
    shown = child.before
    assert shown.index("HIGH BLAST RADIUS: every object of the kind (--all)") < shown.index("context")
    phrase = re.search(r"Type the phrase \((.*?)\)", child.before + child.after).group(1)
    assert re.fullmatch(r"delete \d+ pods in prod", phrase)
    assert finish(child, "prod") == 3  # the context name is not the answer
    assert all(r.dry_run for r in non_reads(sandbox))
    child = ask(world, "delete", "pods", "--all", "-n", "default")
    assert finish(child, phrase) == 0
    assert any(not r.dry_run and r.method == "DELETE" for r in non_reads(sandbox))
    log = [json.loads(line) for line in (world["home"] / ".local/state/kctx/audit.jsonl").read_text().splitlines()]
    assert [e["decision"] for e in log] == ["declined", "confirmed", "finished"]
    assert all(e["preview"].startswith(phrase.split()[1] + " objects") for e in log[:2])
    assert log[2]["status"] == 0


def test_the_preview_is_bounded_in_time_and_the_question_still_asked(world, sandbox):
    sandbox.set_hang("prod", True)
    try:
        child = ask(world, "delete", "configmap", "cm1", "-n", "default")
        assert "preview unavailable: no answer within 2 s" in child.before
        assert finish(child, "no") == 3
    finally:
        sandbox.set_hang("prod", False)
    assert all(r.dry_run for r in non_reads(sandbox))


def test_no_preview_for_calls_that_are_not_asked(world, sandbox):
    env = {**world["env"], "KCTX_CONFIRM": "prod"}
    p = subprocess.run(["kubectl", "--context", "prod", "delete", "cm", "cm1", "-n", "default"], env=env,
                       capture_output=True, text=True, timeout=60, start_new_session=True)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(["kubectl", "--context", "dev", "create", "cm", "pv-dev"], env=world["env"],
                       capture_output=True, text=True, timeout=60, start_new_session=True)
    assert p.returncode == 0, p.stderr
    assert not any(r.dry_run for r in sandbox.requests("prod") + sandbox.requests("dev"))


def test_explain_preview_prints_it_without_asking(world, sandbox):
    p = subprocess.run([sys.executable, "-m", "kctx", "explain", "--json", "--preview", "--", "--context", "prod",
                        "delete", "pods", "-A", "--all"], env=world["env"], capture_output=True, text=True,
                       timeout=60, start_new_session=True)
    shown = json.loads(p.stdout)["preview"]
    assert shown["blast"].startswith("all namespaces") and shown["count"] >= 1 and shown["phrase"].endswith("in prod")
    assert all(r.dry_run for r in non_reads(sandbox)) and non_reads(sandbox)
    p = subprocess.run([sys.executable, "-m", "kctx", "explain", "--preview", "--", "--context", "prod", "delete",
                        "--raw", "/api/v1/namespaces/default/configmaps/cm1"], env=world["env"], capture_output=True,
                       text=True, timeout=60, start_new_session=True)
    assert "preview unavailable: with --dry-run=server the line still writes" in p.stdout
    assert all(r.dry_run for r in non_reads(sandbox))


def test_forms_the_fact_table_does_not_prove_get_no_preview():
    assert pv.honoured(parse(["delete", "cm", "x"]), LATEST)
    assert not pv.honoured(parse(["rollout", "restart", "deploy/web"]), LATEST)
    assert not pv.honoured(parse(["delete", "cm", "x"]), None)
    p = pv.preview("/nonexistent", ["rollout", "restart", "deploy/web"], parse(["rollout", "restart", "deploy/web"]),
                   LATEST, {}, "prod")
    assert "not known to honour --dry-run=server for 'rollout restart'" in p.error


def test_diff_hides_secret_values_and_server_bookkeeping():
    last = {"kubectl.kubernetes.io/last-applied-configuration": '{"data":{"a":"eQ=="}}'}
    old = {"kind": "Secret", "metadata": {"resourceVersion": "1"}, "data": {"a": "eA=="}}
    new = {"kind": "Secret", "metadata": {"resourceVersion": "2", "annotations": last},
           "data": {"a": "eQ==", "b": "eg=="}}
    assert pv.diff(old, new, secret=True) == ["data.a: (secret) → (secret)", "+ data.b: (secret)"]
    created = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n", "namespace": "d"}, "data": {"a": "b"}}
    assert pv.diff(None, created) == ["+ data.a: b"]
    assert pv.wide(parse(["delete", "ns", "x"])) == "deleting a namespace"
    assert pv.wide(parse(["delete", "pods", "--all=false"])) == ""
