"""kuberc per kubectl version: the fact table (tests/kuberc_facts.json) still holds for the real binaries, kctx's
rules predict it, and the guard judges a line the way the kubectl that runs reads it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from kctx.kubectl import kuberc
from kctx.kubectl.argv import parse
from kctx.paths import Paths
from kctx.sandbox import Sandbox
from tests import kuberc_facts as facts
from tests.kubectl_bins import MINORS, kubectl_binary
from tests.runner import kctx
from tests.test_kuberc import (
    BETA,
    CREATE,
    DIFFERENTIAL,
    DL_PROD,
    alias,
    case_id,
    check,
    defaults,
    observe,
    run_case,
    seed,
    write,
)

TABLE = facts.load()
READERS = [m for m in MINORS if kuberc.rules_for(int(m.split(".")[1])) is not None]
# kubectl before 1.33 reads no kuberc: the probes of whether and where it would read one are enough there.
BASIC = [p for p in facts.PROBES if "alias" not in p.name and "Args" not in p.name][:18]


def test_the_table_covers_every_minor_and_probe():
    assert list(TABLE["kubectl"]) == list(MINORS)
    assert list(TABLE["facts"]) == [p.name for p in facts.PROBES]


@pytest.fixture(scope="module")
def lab():
    with facts.Lab() as lab:
        yield lab


@pytest.mark.parametrize("minor", MINORS)
def test_kubectl_still_does_what_the_table_says(lab, minor):
    binary = kubectl_binary(minor)
    probes = facts.PROBES if minor in READERS else BASIC
    got = {p.name: lab.observe(binary, p) for p in probes}
    assert got == {p.name: TABLE["facts"][p.name][minor] for p in probes}


@pytest.mark.parametrize("probe", facts.PROBES, ids=[p.name for p in facts.PROBES])
def test_kctx_predicts_the_table(probe, tmp_path):
    (tmp_path / ".kube").mkdir()
    for name, text in (((".kube", "kuberc"), probe.kuberc), (("other.kuberc",), probe.other)):
        if text is not None:
            tmp_path.joinpath(*name).write_text(text)
    row = TABLE["facts"][probe.name]
    got = {minor: facts.predict(probe, minor, tmp_path) for minor in MINORS}
    wrong = {m: (got[m], row[m]) for m in MINORS if got[m] not in (row[m], "unsure")}
    if probe.name in facts.KNOWN_GAPS:
        assert all(fact == "refused" or probe.name == "kuberc view" for _g, fact in wrong.values()), wrong
    else:
        assert not wrong, f"kctx predicts / kubectl did: {wrong}"


def test_rules_per_minor():
    names = {m: getattr(kuberc.rules_for(int(m.split(".")[1])), "name", "none") for m in MINORS}
    assert names == {**dict.fromkeys(MINORS[:6], "none"), "1.33": "1.33", "1.34": "1.34",
                     **dict.fromkeys(MINORS[8:], "1.35+")}
    assert kuberc.rules_for(40).name == "1.35+"  # a newer kubectl is taken to read it like the newest


# --- choosing the reading of the kubectl that runs (kuberc._pick) -----------------------------------------

def _groups(body: str, argv: list[str], tmp_path: Path, env: dict | None = None):
    write(tmp_path / ".kube" / "kuberc", body)
    environ = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env or {})}
    return kuberc._grouped(kuberc._readings(argv, environ, Paths(environ))), environ


@pytest.fixture
def kube_home(tmp_path):
    (tmp_path / ".kube").mkdir()
    return tmp_path


@pytest.mark.parametrize("runs, cls, problem", [
    ("1.35+", "read", False),  # the newest kubectl runs: kuberc's --dry-run=server holds
    ("none", "mutate", False),  # an old one runs: it deletes
    (None, "mutate", False),  # unknown: the most cautious reading, same target
])
def test_a_dry_run_default_only_counts_for_a_kubectl_that_reads_it(kube_home, monkeypatch, runs, cls, problem):
    from kctx.kubectl.classify import classify

    groups, environ = _groups(BETA + defaults("delete", ("dry-run", "server")), ["delete", "cm", "x"], kube_home)
    assert len(groups) == 2
    monkeypatch.setattr(kuberc, "_rules_that_run", lambda *a: runs)
    r = kuberc._pick(groups, environ, Paths(environ), False)
    assert (classify(r.args).cls, bool(r.problem)) == (cls, problem)


def test_readings_that_send_the_line_elsewhere_fail_closed(kube_home, monkeypatch):
    groups, environ = _groups(BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], kube_home)
    # the newest reading goes to prod, whose kubectl reads no kuberc; the old reading goes to dev, whose
    # kubectl does: no kubectl reads the line the way its own target needs
    monkeypatch.setattr(kuberc, "_rules_that_run",
                        lambda result, *a: "none" if result.args.globals.get("context") == "prod" else "1.35+")
    r = kuberc._pick(groups, environ, Paths(environ), False)
    assert "kubectl versions send this line to different targets" in r.problem
    monkeypatch.setattr(kuberc, "_rules_that_run", lambda *a: None)
    assert "cannot tell which kubectl version runs" in kuberc._pick(groups, environ, Paths(environ),
                                                                    False).problem


def test_readings_that_agree_need_no_kubectl(kube_home, monkeypatch):
    monkeypatch.setattr(kuberc, "_rules_that_run", lambda *a: pytest.fail("chose a kubectl"))
    write(kube_home / ".kube" / "kuberc", BETA + defaults("get", ("output", "wide")))
    environ = {"HOME": str(kube_home), "XDG_CACHE_HOME": str(kube_home / "cache")}
    r = kuberc.apply(["get", "pods"], environ, Paths(environ))
    assert r.args.local["output"] == ["wide"] and r.expansion is not None  # in play: no memo
    assert kuberc.apply(["get", "pods"], {**environ, "KUBERC": "off"}, Paths(environ)).expansion is None


def test_the_version_of_a_kubectl_on_path_is_asked_once(tmp_path, kubectl, monkeypatch):
    from kctx.kubectl import binaryversion

    paths = Paths({"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert kuberc.binary_version(str(kubectl), paths) == "1.37.1"
    monkeypatch.setattr(binaryversion, "ask", lambda *a: pytest.fail("asked again"))
    assert kuberc.binary_version(str(kubectl), paths) == "1.37.1"
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho nothing\n")
    fake.chmod(0o755)
    monkeypatch.undo()
    assert kuberc.binary_version(str(fake), paths) == ""


def test_a_kuberc_flag_is_refused_by_a_kubectl_without_kuberc(kube_home):
    environ = {"HOME": str(kube_home)}
    readings = dict(kuberc._readings(["--kuberc", "/x", "get"], environ, Paths(environ)))
    assert "does not know --kuberc" in readings["none"].problem
    assert parse(["get", "--kuberc=/x"]).globals["kuberc"] == "/x"


# --- real kubectl of every version, against what kctx predicts -------------------------------------------

@pytest.fixture
def versions_lab(home: Path, sandbox: Sandbox, monkeypatch) -> dict:
    sandbox.write_kubeconfig(home / ".kube" / "config", current="dev")
    sandbox.write_kubeconfig(home / "prod-first.yaml", current="prod")
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: ['prod*']\n")
    monkeypatch.setenv("KCTX_KUBECTL_VERSION", "system")
    return {"home": home}


def _alpha(body: str) -> str:
    """The same preferences as v1alpha1 (1.33 knows no other)."""
    return body.replace("v1beta1", "v1alpha1").replace("defaults:", "overrides:").replace("options:", "flags:")


CASES = DIFFERENTIAL[::4]


@pytest.mark.parametrize("minor", ["1.32", "1.33", "1.34"])  # 1.35 expands like 1.36 (tests/test_kuberc.py)
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_kctx_predicts_each_kubectl(versions_lab, sandbox, monkeypatch, minor, case):
    body, argv, env = case
    binary = kubectl_binary(minor)
    monkeypatch.setenv("KCTX_KUBECTL", str(binary))
    for variant in (body, _alpha(body)) if minor == "1.33" else (body,):
        p, seen, d = run_case(versions_lab, sandbox, binary, variant, argv, {"KUBECTL_KUBERC": "true", **env})
        check(sandbox, p, seen, d)


def explain(env: dict, *argv: str) -> dict:
    r = kctx("explain", "--json", "--", *argv, env=env)
    assert r.code == 0, r
    return json.loads(r.out)


@pytest.mark.parametrize("minor, writes", [("1.37", False), ("1.34", False), ("1.33", True), ("1.30", True)])
def test_a_dry_run_default_an_older_kubectl_ignores_does_not_make_a_delete_a_read(versions_lab, sandbox,
                                                                                 monkeypatch, minor, writes):
    """kuberc adds --dry-run=server to delete: kubectl 1.34+ reads it, 1.33 (gate off) and 1.30 delete."""
    home = versions_lab["home"]
    write(home / ".kube" / "kuberc", BETA + defaults("delete", ("dry-run", "server")))
    binary = kubectl_binary(minor)
    monkeypatch.setenv("KCTX_KUBECTL", str(binary))
    before = seed(sandbox)
    p = subprocess.run([str(binary), "--context=prod", "delete", "cm", "x"], capture_output=True, text=True,
                       env={**os.environ, "HOME": str(home)}, timeout=60)
    assert (observe(sandbox, before)[2] == {"prod"}) == writes, p.stderr
    d = explain({}, "--context=prod", "delete", "cm", "x")
    assert (d["class"], d["decision"]) == (("mutate", "deny") if writes else ("read", "allow")), d


@pytest.mark.parametrize("minor, cls", [("1.37", "read"), ("1.32", "unknown")])
def test_an_alias_of_get_is_a_read_only_where_kubectl_has_it(versions_lab, monkeypatch, minor, cls):
    write(versions_lab["home"] / ".kube" / "kuberc", BETA + alias("gp", "get"))
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl_binary(minor)))
    assert explain({}, "--context=prod", "gp", "cm")["class"] == cls


@pytest.mark.parametrize("minor, context", [("1.34", "dev"), ("1.35", "prod")])
def test_kuberc_env_names_the_file_from_1_35(versions_lab, sandbox, monkeypatch, minor, context):
    home = versions_lab["home"]
    write(home / "team.kuberc", BETA + defaults("delete", ("context", "prod")))
    binary = kubectl_binary(minor)
    monkeypatch.setenv("KCTX_KUBECTL", str(binary))
    before = seed(sandbox)
    env = {"KUBERC": str(home / "team.kuberc")}
    subprocess.run([str(binary), "delete", "cm", "x"], capture_output=True, env={**os.environ, "HOME": str(home),
                                                                                 **env}, timeout=60)
    assert observe(sandbox, before)[2] == {context}
    d = explain(env, "delete", "cm", "x")
    assert (d["context"], d["decision"]) == (context, "deny" if context == "prod" else "allow"), d


def test_a_kubectl_whose_version_cannot_be_told_gets_the_most_cautious_reading(versions_lab, monkeypatch, tmp_path):
    write(versions_lab["home"] / ".kube" / "kuberc", BETA + DL_PROD + defaults("create", ("dry-run", "server")))
    fake = tmp_path / "bin" / "kubectl"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("KCTX_KUBECTL", str(fake))
    d = explain({}, "--context=prod", *CREATE)
    assert (d["class"], d["decision"]) == ("mutate", "deny"), d
    d = explain({}, "dl", "cm", "x")  # prod for 1.34+, a plugin elsewhere: the targets differ
    assert d["decision"] == "deny" and "different targets" in d["problem"], d


@pytest.mark.parametrize("minor", ["1.30", "1.37"])
def test_the_shim_refuses_a_delete_an_old_kubectl_would_run_for_real(home, sandbox, tmp_path, minor):
    from tests.worlds import sandbox_world

    world = sandbox_world(home, sandbox, kubectl_binary(minor), tmp_path, shim=True)
    write(home / ".kube" / "kuberc", BETA + defaults("delete", ("dry-run", "server")))
    before = seed(sandbox)
    p = subprocess.run(["kubectl", "--context", "prod", "delete", "cm", "x"], env=world["env"], capture_output=True,
                       text=True, timeout=60, start_new_session=True)
    if minor == "1.30":
        assert p.returncode == 4 and "delete is mutate and the target is protected" in p.stderr, p.stderr
    else:
        assert p.returncode == 0 and "(server dry run)" in p.stdout, p.stderr
    assert observe(sandbox, before)[2] == set()


def test_a_missing_file_is_an_error_only_where_it_was_named(kube_home):
    """KUBERC names the default file, which is missing: 1.35+ refuses the call, 1.34 ignores KUBERC."""
    environ = {"HOME": str(kube_home), "KUBERC": str(kube_home / ".kube" / "kuberc")}
    readings = dict(kuberc._readings(["get"], environ, Paths(environ)))
    assert "no such kuberc file" in readings["1.35+"].problem and readings["1.34"].problem == ""
