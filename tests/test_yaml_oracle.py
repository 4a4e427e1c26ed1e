"""kctx reads a kubeconfig as the real kubectl does, or reports it: differential tests with kubectl as the oracle.

For each file (the table in tests/yaml_cases.py, then generated files: tests/yaml_oracle.py) kctx's index is
compared with `kubectl config view --raw -o json` and `kubectl config current-context`; when both read the
file and its current context names a cluster on the stand-in servers, a request shows that kubectl sends it
to the server kctx predicts. kctx may refuse a file kubectl reads (the guard then fails closed), never read
one differently or read one kubectl refuses.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings

from kctx.kubeconfig import index
from kctx.kubeconfig.yamlout import dump
from kctx.session.store import to_json
from tests import yaml_oracle
from tests.kubectl_bins import DEFAULT, MINORS, kubectl_binary
from tests.runner import kctx
from tests.yaml_cases import CASES

OLDEST = MINORS[0]
GENERATED = int(os.environ.get("KCTX_YAML_EXAMPLES", "150"))


@pytest.fixture(scope="module")
def ca(sandbox) -> bytes:
    return (sandbox.workdir / "ca.crt").read_bytes()


def fill_in(data: bytes, sandbox, ca: bytes) -> bytes:
    return yaml_oracle.fill_in(data, sandbox.server_url("dev"), sandbox.server_url("prod"), ca)


def predicted_server(reading: yaml_oracle.Reading) -> str:
    """The server of the current context's cluster, as read; "" when the context or cluster is missing."""
    context = reading.contexts.get(reading.current_context)
    cluster = reading.clusters.get(context[0]) if context else None
    return cluster[0] if cluster else ""


def on_stand_in(server: str, sandbox) -> tuple[str, str] | None:
    """(stand-in cluster, path prefix) that ``server`` names; None when it names neither stand-in."""
    for name in ("dev", "prod"):
        base = sandbox.server_url(name)
        if server == base or server.startswith(base + "/"):
            return name, urlsplit(server).path.rstrip("/")
    return None


def requested(kubectl: Path, path: Path, sandbox) -> set[tuple[str, str]]:
    """The (stand-in cluster, path prefix) pairs that `kubectl version` sent a request to."""
    sandbox.clear_requests()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(path.parent), "KUBECONFIG": str(path)}
    subprocess.run([str(kubectl), "version", "-o", "json", "--request-timeout=5s"], env=env, capture_output=True,
                   stdin=subprocess.DEVNULL, timeout=60, cwd=path.parent)
    return {(name, unquote(r.path.rsplit("/version", 1)[0])) for name in ("dev", "prod")
            for r in sandbox.requests(name) if r.path.endswith("/version")}


def judge(kubectl: Path, data: bytes, folder: Path, sandbox) -> tuple[str, str, bool | None]:
    """(outcome, explanation, whether a request reached the stand-in kctx predicts: None when it predicts none)
    for one file."""
    path = yaml_oracle.write_case(folder, data)
    theirs = yaml_oracle.kubectl_reading(kubectl, path, current_context=True)
    ours = yaml_oracle.kctx_reading(path)
    outcome = yaml_oracle.compare(theirs, ours)
    reached = None
    target = on_stand_in(predicted_server(ours), sandbox) if outcome == "agree" else None
    if target is not None:
        seen = requested(kubectl, path, sandbox)
        assert seen <= {target}, f"kctx predicts {target}, kubectl requested {seen}"
        reached = bool(seen)
    return outcome, yaml_oracle.explain(theirs, ours), reached


@pytest.mark.parametrize("minor", [OLDEST, DEFAULT])
@pytest.mark.parametrize("name, data, expected", CASES, ids=[c[0] for c in CASES])
def test_tricky_kubeconfigs_read_as_kubectl_reads_them(name, data, expected, minor, sandbox, ca, tmp_path):
    outcome, why, reached = judge(kubectl_binary(minor), fill_in(data, sandbox, ca), tmp_path, sandbox)
    assert outcome == expected, why
    assert reached is not False, "no request reached the stand-in"


def test_the_table_reaches_the_stand_in(sandbox, ca, tmp_path):
    """The request check above is live: plain files send their request where kctx predicts."""
    kubectl = kubectl_binary()
    for name in ("plain", "merge-after-key", "sexagesimal-name", "json-nel", "binary-value"):
        data = next(d for n, d, _ in CASES if n == name)
        outcome, why, reached = judge(kubectl, fill_in(data, sandbox, ca), tmp_path, sandbox)
        assert outcome == "agree" and reached, (name, why)


@settings(max_examples=GENERATED, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=yaml_oracle.documents())
def test_generated_kubeconfigs_are_read_as_kubectl_reads_them_or_refused(data, sandbox, ca, tmp_path_factory):
    folder = tmp_path_factory.mktemp("case")
    outcome, why, _ = judge(kubectl_binary(), fill_in(data, sandbox, ca), folder, sandbox)
    assert outcome in ("agree", "both-refuse", "fail-closed"), f"{outcome}: {why}\n{data!r}"


NAMES = ["plain", "é", "a\x85b", "a\u2028b", "\ufeffa", "a\ufffeb", "\x9f", "tab\tx", 'q"\\', "\U0001F600",
         "a\x7fb", "\u00a0", "中文"]


@pytest.mark.parametrize("text", NAMES, ids=ascii)
def test_session_files_read_back_the_same_by_kctx_and_kubectl(text, kubectl, tmp_path):
    """A session file's strings (context and namespace names) read back identically by kctx and kubectl."""
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": text,
           "contexts": [{"name": text, "context": {"cluster": "c", "user": "u", "namespace": text}}]}
    data = to_json(doc).encode()
    assert data.isascii() or "\U0001F600" in text
    path = yaml_oracle.write_case(tmp_path, data)
    theirs = yaml_oracle.kubectl_reading(kubectl, path, current_context=True)
    ours = yaml_oracle.kctx_reading(path)
    assert yaml_oracle.compare(theirs, ours) == "agree", yaml_oracle.explain(theirs, ours)
    assert ours.current_context == text and ours.contexts[text][2] == text
    fast = index.index_json(str(path))
    assert fast is not None and fast.current_context == text  # the shim's JSON reader takes it too


FAIL_CLOSED = [(name, data) for name, data, expected in CASES if expected == "fail-closed"]


@pytest.mark.parametrize("name, data", FAIL_CLOSED, ids=[c[0] for c in FAIL_CLOSED])
def test_a_file_kctx_refuses_makes_the_guard_refuse_writes_without_a_terminal(name, data, home):
    (home / ".kube" / "config").write_bytes(yaml_oracle.fill_in(data))
    r = kctx("explain", "--json", "--", "delete", "namespace", "x")
    explained = json.loads(r.out)
    assert explained["decision"] == "deny" and "config: line " in explained["problem"], explained


def test_yaml_kctx_writes_reads_back_as_written_by_kubectl(kubectl, tmp_path):
    """Names PyYAML would write plain but go-yaml types (y, 0o17, 1e3...) come back from kubectl unchanged."""
    names = list(dict.fromkeys(yaml_oracle.TRICKY + yaml_oracle.NAMES))
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": names[0],
           "contexts": [{"name": n, "context": {"cluster": n, "user": "u", "namespace": n}} for n in names]}
    path = yaml_oracle.write_case(tmp_path, dump(doc).encode())
    theirs = yaml_oracle.kubectl_reading(kubectl, path, current_context=True)
    assert not theirs.error, theirs.error
    assert theirs.current_context == names[0]
    assert theirs.contexts == {n: (n, "u", n, False) for n in names}
    assert yaml_oracle.compare(theirs, yaml_oracle.kctx_reading(path)) == "agree"
