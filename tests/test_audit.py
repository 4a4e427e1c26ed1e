"""The audit log: JSON lines, 0600, rotated by size, secrets redacted; `kctx audit` lists, filters and follows."""

from __future__ import annotations

import json
import stat
import sys
import time
from pathlib import Path

import pexpect
import pytest

from kctx.guard import audit as auditlog
from kctx.guard.target import Target
from kctx.kubectl.classify import Classification
from kctx.paths import Paths
from tests.conftest import run_env


def kctx(home: Path, *args: str):
    import subprocess

    return subprocess.run([sys.executable, "-m", "kctx", *args], env=run_env(home), capture_output=True, text=True,
                          timeout=60)


def target(context: str) -> Target:
    t = Target()
    t.context, t.cluster, t.server, t.user = context, context, "https://admin:hunter2@prod.test:6443", "admin"
    return t


def record(log: str, context: str, *argv: str, decision: str = "confirmed") -> None:
    auditlog.audit(log, target(context), list(argv), Classification("mutate", "delete", True, ""), decision, "why",
                   {"USER": "me"})


def test_records_are_private_lines_with_secrets_redacted(home):
    log = Paths().audit_log
    record(log, "prod", "create", "secret", "generic", "s", "--from-literal=a=b", "--token", "t0k3n",
           "--password=pw")
    record(log, "prod", "set", "env", "deploy/web", "DB_PASSWORD=pw2", "MODE=fast", "-s", "https://u:pw3@h:1")
    text = Path(log).read_text()
    assert not any(secret in text for secret in ("t0k3n", "pw2", "pw3", "hunter2", "=a=b", '"pw"'))
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["argv"][4:] == ["--from-literal=REDACTED", "--token", "REDACTED", "--password=REDACTED"]
    assert "MODE=fast" in second["argv"] and "DB_PASSWORD=REDACTED" in second["argv"]
    assert {"time", "user", "context", "cluster", "server", "kubeconfig_user", "namespace", "class", "argv",
            "decision", "reason", "cwd"} <= set(first)
    assert stat.S_IMODE(Path(log).stat().st_mode) == 0o600


def test_the_log_rotates_by_size_and_kctx_audit_reads_every_file_oldest_first(home, monkeypatch):
    monkeypatch.setattr(auditlog, "MAX_BYTES", 2000)
    log = Paths().audit_log
    for i in range(40):
        record(log, f"prod-{i}", "delete", "cm", f"x{i}")
    rotated = sorted(p.name for p in Path(log).parent.iterdir())
    assert rotated == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.jsonl.3"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in Path(log).parent.iterdir())
    p = kctx(home, "audit", "--json")
    contexts = [json.loads(line)["context"] for line in p.stdout.splitlines()]
    assert contexts == sorted(contexts, key=lambda c: int(c.split("-")[1])) and contexts[-1] == "prod-39"
    assert len(contexts) < 40  # the oldest went with the fourth rotation


def test_kctx_audit_filters_by_context_and_time(home):
    log = Paths().audit_log
    record(log, "prod-eu", "delete", "cm", "a")
    record(log, "dev", "delete", "cm", "b")
    old = json.loads(Path(log).read_text().splitlines()[0])
    old["time"] = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(time.time() - 3 * 3600))
    old["context"] = "prod-old"
    with open(log, "a") as fh:
        fh.write(json.dumps(old) + "\n" + "{torn line\n")
    p = kctx(home, "audit", "--context", "prod*", "--since", "2h")
    assert p.returncode == 0 and p.stdout.count("\n") == 1 and "prod-eu" in p.stdout, p.stdout
    assert "kubectl delete cm a" in p.stdout and "confirmed" in p.stdout
    assert kctx(home, "audit").stdout.count("\n") == 3
    bad = kctx(home, "audit", "--since", "yesterday")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not a duration" in bad.stderr


def test_kctx_audit_tail_follows_new_records(home):
    log = Paths().audit_log
    record(log, "prod", "delete", "cm", "before")
    child = pexpect.spawn(sys.executable, ["-m", "kctx", "audit", "--tail"], env=run_env(home), encoding="utf-8",
                          timeout=20)
    try:
        child.expect("kubectl delete cm before")
        record(log, "prod", "delete", "cm", "after")
        child.expect("kubectl delete cm after")
    finally:
        child.sendintr()
        child.expect(pexpect.EOF)


@pytest.mark.parametrize("word", ["https://u:p@h", "user=x", "plain"])
def test_redact_leaves_ordinary_words(word):
    out = auditlog.redact([word])
    assert out == ([word] if word != "https://u:p@h" else ["https://u:REDACTED@h"])
