"""`kctx each`: one kubectl line on many stand-in clusters with the real kubectl, pinned per context, judged by the
guard (one question for every protected context; KCTX_CONFIRM naming each without a terminal), a hung cluster
bounded by the timeout."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kctx.cli import main
from kctx.env import Environment
from kctx.sandbox import ClusterSpec, Sandbox
from tests.kubectl_bins import kubectl_binary
from tests.runner import Result, kctx

NAMES = ("dev", "stage", "prod-eu", "prod-us", "hung")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox([ClusterSpec(n) for n in NAMES]) as sb:
        yield sb


@pytest.fixture
def fleet(home: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    sandbox.write_kubeconfig(home / ".kube/config", current="dev")
    cfg = home / ".config/kctx/config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('protect:\n  contexts: ["prod-*"]\ngroups:\n  prod: ["prod-*"]\n  all: ["*"]\n')
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl_binary("1.37")))
    sandbox.clear_requests()
    return sandbox


def test_reads_run_on_every_matching_context_with_prefixed_output(fleet: Sandbox) -> None:
    r = kctx("each", "dev", "stage", "--", "get", "ns", "-o", "name")
    assert r.code == 0, r
    assert sorted(r.out.splitlines()) == sorted(f"{c.ljust(5)} | namespace/{ns}" for c in ("dev", "stage")
                                                for ns in ("default", "kube-system"))
    assert r.err.startswith("kctx each: 2 contexts: 2 ok in ")
    assert fleet.requests("dev") and fleet.requests("stage")
    assert not fleet.requests("prod-eu") and not fleet.requests("hung")


def test_json_records_and_a_failing_context(fleet: Sandbox) -> None:
    fleet.set_refuse_auth("stage", True)
    try:
        r = kctx("each", "--json", "dev", "stage", "--", "get", "pods")
    finally:
        fleet.set_refuse_auth("stage", False)
    assert r.code == 1
    records = [json.loads(line) for line in r.out.splitlines()]
    assert [(x["context"], x["status"], x["exit"]) for x in records] == [("dev", "ok", 0), ("stage", "failed", 1)]
    assert "Unauthorized" in records[1]["stderr"] or "logged in" in records[1]["stderr"]
    assert all(isinstance(x["duration"], float) for x in records)
    assert "1 failed (stage)" in r.err


def test_writes_to_protected_contexts_are_refused_without_a_terminal(fleet: Sandbox) -> None:
    r = kctx("each", "--group", "prod", "dev", "--", "create", "ns", "x")
    assert r.code == 4 and "nothing was run" in r.err and "prod-eu" in r.err and "prod-us" in r.err
    assert "KCTX_CONFIRM" in r.err
    assert not any(q.method == "POST" for n in NAMES for q in fleet.requests(n))


def test_kctx_confirm_must_name_each_protected_context(fleet: Sandbox) -> None:
    r = kctx("each", "--group", "prod", "--", "create", "ns", "x", env={"KCTX_CONFIRM": "prod-eu"})
    assert r.code == 4 and "prod-us" in r.err
    assert not any(q.method == "POST" for n in NAMES for q in fleet.requests(n))
    r = kctx("each", "--group", "prod", "--", "create", "ns", "x1", env={"KCTX_CONFIRM": "prod-eu,prod-us"})
    assert r.code == 0, r
    for name in ("prod-eu", "prod-us"):
        assert [q.user for q in fleet.requests(name) if q.method == "POST"] == [f"{name}-admin"]


def test_the_call_is_pinned_to_its_context_whatever_the_shell_uses(fleet: Sandbox, home: Path) -> None:
    r = kctx("each", "stage", "--", "get", "ns", "-o", "name", env={"KUBECONFIG": str(home / ".kube/config")})
    assert r.code == 0 and fleet.requests("stage") and not fleet.requests("dev")


def test_context_and_kubeconfig_are_kctx_s_to_choose(fleet: Sandbox) -> None:
    r = kctx("each", "dev", "--", "--context", "prod-eu", "delete", "ns", "x")
    assert r.code == 2 and "--context is chosen by kctx" in r.err
    assert kctx("each", "--group", "nope", "--", "get", "pods").code == 2
    assert kctx("each", "zzz*", "--", "get", "pods").code == 1
    assert kctx("each", "dev").code == 2


def test_a_hung_cluster_does_not_hold_the_others(fleet: Sandbox) -> None:
    fleet.set_hang("hung", True)
    began = time.monotonic()
    try:
        r = kctx("each", "--json", "--timeout", "4", "-j", "5", "dev", "stage", "hung", "--", "get", "pods")
    finally:
        fleet.set_hang("hung", False)
    took = time.monotonic() - began
    statuses = {x["context"]: x["status"] for x in map(json.loads, r.out.splitlines())}
    assert statuses == {"dev": "ok", "stage": "ok", "hung": "timeout"}, r
    assert r.code == 1 and "1 timed out (hung)" in r.err
    assert took < 15


def test_one_question_on_the_terminal_for_every_protected_context(fleet: Sandbox) -> None:
    master, slave = os.openpty()
    seen = bytearray()

    def answer() -> None:
        while b"to continue" not in seen:
            seen.extend(os.read(master, 4096))
        os.write(master, b"2\n")

    helper = threading.Thread(target=answer, daemon=True)
    helper.start()
    out, err = io.StringIO(), io.StringIO()
    code = main(["each", "--group", "prod", "dev", "--", "create", "ns", "asked"],
                Environment(stdout=out, stderr=err, environ=dict(os.environ), tty_path=os.ttyname(slave)))
    helper.join(5)
    os.close(slave)
    os.close(master)
    assert code == 0, Result(code, out.getvalue(), err.getvalue())
    question = seen.decode()
    assert question.count("Type how many protected contexts are listed (2)") == 1
    assert "prod-eu" in question and "prod-us" in question and " dev " not in question
    assert question.count("preview: ") == 2  # the shim's preview, per protected context, before the answer
    assert all(any(q.dry_run for q in fleet.requests(n)) for n in ("prod-eu", "prod-us"))
    assert all(any(q.method == "POST" for q in fleet.requests(n)) for n in ("dev", "prod-eu", "prod-us"))
