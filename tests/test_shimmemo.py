"""The shim's fast path: the last decision is replayed only while nothing it depended on has changed.

Real shim, real kubectl, the stand-in clusters (dev, and prod which is protected). $KCTX_DEBUG makes the
shim say which path it took. Writing a memo waits until the files it depends on are 2 s old, so each test
first settles: one call warms the caches, a second one (2 s later) writes the memo.
"""

from __future__ import annotations

import builtins
import io
import marshal
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from kctx.sandbox import Sandbox
from kctx.shim import bundle as hotbundle
from kctx.shim import memo as shimfast
from kctx.shim import native as shimnative
from tests.runner import kctx
from tests.worlds import sandbox_world

FAST = "kctx: debug: fast path"


@pytest.fixture(params=["native", "python"])
def world(request, home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    """The shim as the native launcher (skipped without a C compiler) or as the Python script."""
    native = request.param == "native"
    if native and not shimnative.compiler():
        pytest.skip("no C compiler (the test set-up installs gcc with apt-get when it can)")
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True, native=native)
    assert bool(shimnative.built_from(w["kubectl"])) is native
    w["native"] = native
    w["env"]["KCTX_DEBUG"] = "1"
    w["cwd"] = tmp_path / "work"
    w["cwd"].mkdir()
    return w


def run(world: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**world["env"], **(env or {})}
    return subprocess.run(["kubectl", *args], env=e, cwd=world["cwd"], capture_output=True, text=True, timeout=60,
                          start_new_session=True)  # no terminal, like CI


def replayed(world: dict, p: subprocess.CompletedProcess) -> bool:
    """The call took the fast path: in the native launcher's world, the launcher's own."""
    return FAST in p.stderr and ("(native launcher)" in p.stderr) is world["native"]


def writes(sandbox: Sandbox, name: str) -> list:
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD")]


def settle(world: dict, env: dict | None = None) -> None:
    run(world, "get", "ns", env=env)  # detects the server version, remembers the failed kubectl download
    time.sleep(2.1)
    p = run(world, "get", "ns", env=env)
    assert "kctx: debug: memo written" in p.stderr, p.stderr
    p = run(world, "get", "ns", env=env)
    assert p.returncode == 0 and replayed(world, p), p.stderr


def memo_path(world: dict, env: dict | None = None) -> Path:
    env = {k.encode(): v.encode() for k, v in {**world["env"], **(env or {})}.items()}
    cwd = os.getcwd()
    try:
        os.chdir(world["cwd"])
        return Path(shimfast.memo_file(env, shimfast.memo_key(env)).decode())
    finally:
        os.chdir(cwd)


def native_fields(data: bytes) -> list[bytes]:
    """The fields of the first record of a native memo (each record: its length, then NUL-ended fields)."""
    size, _, rest = data.partition(b"\0")
    return rest[:int(size)].split(b"\0")[:-1]


def native_record(fields: list[bytes]) -> bytes:
    body = b"".join(f + b"\0" for f in fields)
    return b"%d\0" % len(body) + body


def test_a_settled_shim_replays_for_any_command_on_an_unprotected_target(world, sandbox):
    settle(world)
    name = f"fast-{'native' if world['native'] else 'python'}"  # the stand-in clusters live per module
    p = run(world, "create", "configmap", name, "--from-literal=a=b")
    assert p.returncode == 0 and replayed(world, p), p.stderr
    assert [r.method for r in writes(sandbox, "dev")] == ["POST"]
    p = run(world, "get", "configmap", name, "-o", "name")
    assert (p.returncode, p.stdout.strip()) == (0, f"configmap/{name}")
    assert p.stderr.count("kctx: debug:") == 1  # the memo is neither checked twice nor rewritten


@pytest.mark.parametrize("form", [
    ["--context", "prod", "delete", "configmap", "x"],
    ["delete", "configmap", "x", "--context=prod"],
    ["--cluster", "prod", "--user", "prod", "delete", "configmap", "x"],
    ["-s", "PROD", "--insecure-skip-tls-verify", "delete", "configmap", "x"],
])
def test_an_argument_that_may_change_the_target_takes_the_full_path(world, sandbox, form):
    settle(world)
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text(f"protect:\n  contexts: ['prod*']\n  servers: ['{sandbox.server_url('prod')}*']\n")
    form = [sandbox.server_url("prod") if a == "PROD" else a for a in form]
    p = run(world, *form)
    assert p.returncode == 4 and "may choose another target" in p.stderr, p.stderr
    assert writes(sandbox, "prod") == []


def test_a_new_protect_rule_is_seen_at_once(world, sandbox):
    settle(world)
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text("protect:\n  contexts: ['prod*', 'dev']\n")
    p = run(world, "delete", "configmap", "x")
    assert p.returncode == 4 and f"{cfg} changed" in p.stderr, p.stderr
    assert writes(sandbox, "dev") == []


def test_switching_context_in_the_kubeconfig_is_seen_at_once(world, sandbox):
    settle(world)
    assert run(world, "config", "use-context", "prod").returncode == 0  # kubectl itself rewrites the file
    p = run(world, "delete", "configmap", "x")
    assert p.returncode == 4 and "changed" in p.stderr, p.stderr
    assert writes(sandbox, "prod") == []


def test_switching_context_in_a_session_is_seen_at_once(world, sandbox):
    session = kctx("session", "start", "--pid", str(os.getpid()), env=world["env"]).out.strip()
    env = {"KCTX_SESSION": session}
    settle(world, env)
    kctx("use", "prod", env={**world["env"], **env})
    p = run(world, "delete", "configmap", "x", env=env)
    assert p.returncode == 4, p.stderr
    assert writes(sandbox, "prod") == []


def test_a_context_marked_protected_in_its_kubeconfig_is_seen_at_once(world, sandbox):
    settle(world)
    config = world["home"] / ".kube" / "config"
    doc = yaml.safe_load(config.read_text())
    dev = next(c for c in doc["contexts"] if c["name"] == "dev")
    dev["context"]["extensions"] = [{"name": "kctx", "extension": {"protected": True}}]
    config.write_text(yaml.safe_dump(doc))
    p = run(world, "delete", "configmap", "x")
    assert p.returncode == 4 and f"{config} changed" in p.stderr, p.stderr
    assert writes(sandbox, "dev") == []


def test_other_environment_folder_or_kuberc_miss(world):
    settle(world)
    p = run(world, "get", "ns", env={"KUBECONFIG": str(world["home"] / ".kube" / "config")})
    # Another KUBECONFIG has its own slot, or shares one of the 128 with the first (then the key tells them apart).
    miss = r"full path: (no memo for this shell|the memo is for another shell), KUBECONFIG"
    assert re.search(miss, p.stderr), p.stderr
    p = run(world, "get", "ns", env={"KCTX_KUBECTL_VERSION": "1.36"})
    assert "$KCTX_KUBECTL_VERSION changed" in p.stderr
    (world["cwd"] / ".tool-versions").write_text("kubectl 1.36.0\n")
    p = run(world, "get", "ns")
    assert "full path: " in p.stderr and ".tool-versions changed" in p.stderr
    (world["cwd"] / ".tool-versions").unlink()
    (world["home"] / ".kube" / "kuberc").write_text("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n")
    p = run(world, "get", "ns")
    assert "kuberc changed" in p.stderr


def test_a_memo_from_other_code_expired_or_writable_by_others_is_ignored(world):
    settle(world)
    path = memo_path(world)
    native = path.with_suffix(".n")  # the native launcher's copy
    magic, (record,) = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps((magic, ((*record[:2], time.time() - 1, *record[3:]),))))
    fields = native_fields(native.read_bytes())
    native.write_bytes(native_record([*fields[:4], b"%d" % (time.time() - 1), *fields[5:]]))
    assert "the memo expired" in run(world, "get", "ns").stderr  # ... and the full path wrote a new one
    assert replayed(world, run(world, "get", "ns"))
    path.chmod(0o622)
    native.chmod(0o622)
    assert FAST not in run(world, "get", "ns").stderr
    path.chmod(0o600)
    native.chmod(0o600)
    assert replayed(world, run(world, "get", "ns"))
    bundle = hotbundle.bundle_path(str(world["shim"].parent))
    shutil.copy(bundle, bundle + ".new")
    os.replace(bundle + ".new", bundle)  # the same code, but another bundle: memos are not trusted across
    assert "made by other kctx code" in run(world, "get", "ns").stderr


def test_the_fast_path_execs_kubectl_with_what_the_full_path_set(world, tmp_path):
    fake = tmp_path / "fake-kubectl"
    fake.write_text('#!/bin/sh\necho "KUBECONFIG=$KUBECONFIG DEPTH=$KCTX_SHIM_DEPTH ARGS=$*"\n')
    fake.chmod(0o755)
    session = kctx("session", "start", "--pid", str(os.getpid()), env=world["env"]).out.strip()
    env = {"KCTX_SESSION": session, "KUBECONFIG": "stale-value-from-an-old-shell", "KCTX_KUBECTL": str(fake)}
    settle(world, env)
    session_kubeconfig = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
    p = run(world, "get", "ns", "-o", "name", env=env)
    assert replayed(world, p)
    assert p.stdout == f"KUBECONFIG={session_kubeconfig['KUBECONFIG']} DEPTH=1 ARGS=get ns -o name\n"
    p = run(world, "get", "ns", env={**env, "KCTX_SHIM_DEPTH": "3"})
    assert replayed(world, p) and "DEPTH=4" in p.stdout
    p = run(world, "get", "ns", env={**env, "KCTX_SHIM_DEPTH": "4"})
    assert p.returncode == 1 and "called itself too often" in p.stderr


@pytest.mark.parametrize(("argv", "plain"), [
    (["get", "pods", "-n", "kube-system", "-o", "wide"], True),
    (["logs", "-f", "pod/x", "--tail=10"], True),
    (["exec", "-it", "pod", "--", "env"], True),
    (["--context", "x", "get", "pods"], False),
    (["get", "pods", "--context=x"], False),
    (["get", "pods", "--context"], False),  # kubectl refuses it, the full path explains
    (["get", "pods", "--kuberc", "f"], False),
    (["-s", "https://x", "get", "pods"], False),
    (["get", "pods", "-As", "https://x"], False),  # grouped shorthands: -A, then -s with a value
    (["get", "pods", "-ojsonpath={.items}"], False),  # conservative: an "s" in a short flag group
    (["config", "use-context", "prod"], False),
    (["--user", "admin", "get", "pods"], False),
    ([], False),  # a bare `kubectl` reads no kuberc
    (["delete", "cm", "-lx--kuberc=k"], False),  # kubectl's own scan finds --kuberc= inside a word
])
def test_plain(argv, plain):
    assert shimfast.plain(argv) is plain


STRACE_LINE = re.compile(r'^\d+\s+(\w+)\((?:AT_FDCWD, |-?\d+, )?"([^"]*)"(.*)$')
WRITES = {"unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "chmod", "fchmodat",
          "utimensat", "symlink", "symlinkat", "link", "linkat"}


def _looked_at(log: Path, memo_dir: str, ignore: tuple[str, ...]) -> set[str]:
    """Paths the traced shim read or examined on its full path: from its look for a memo (the fast path's
    last step) to writing one (the recorder has stopped by then)."""
    seen, deciding = set(), False
    for line in log.read_text().splitlines():
        m = STRACE_LINE.match(line)
        if not m:
            continue
        call, path, rest = m.groups()
        if path.startswith(memo_dir) or path == memo_dir.rpartition("/")[0]:
            if deciding:
                break
            deciding = True
            continue
        if not deciding or call in WRITES or call in ("execve", "getcwd") or (
                call.startswith("open") and re.search(r"O_WRONLY|O_RDWR|O_CREAT", rest)):
            continue
        if path and not path.startswith(ignore):
            seen.add(path)
    return seen


@pytest.mark.skipif(shutil.which("strace") is None,
                    reason="strace is not installed (the test set-up installs it with apt-get when it can)")
@pytest.mark.parametrize("world", ["python"], indirect=True)  # the recorder runs in the Python shim
@pytest.mark.parametrize("protected", [False, True], ids=["any-line", "protected-exact-line"])
def test_the_memo_lists_everything_the_full_path_looked_at(world, tmp_path, protected):
    """Every file the full path stats, opens or lists (seen by strace, not by the recorder) is in the memo."""
    if protected:
        cfg = world["home"] / ".config" / "kctx" / "config.yaml"
        cfg.write_text("protect:\n  contexts: ['prod*', 'dev']\n")
    fake = tmp_path / "fake-kubectl"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    session = kctx("session", "start", "--pid", str(os.getpid()), env=world["env"]).out.strip()
    env = {"KCTX_SESSION": session, "KCTX_KUBECTL": str(fake)}
    (world["cwd"].parent / ".tool-versions").write_text("python 3.11.7\n")  # read, names no kubectl
    settle(world, env)
    memo = memo_path(world, env)
    memo.unlink()
    log = tmp_path / "strace.log"
    p = subprocess.run(["strace", "-f", "-o", str(log), "-e", "trace=%file", "kubectl", "get", "ns"],
                       env={**world["env"], **env}, cwd=world["cwd"], capture_output=True, text=True, timeout=60)
    assert "memo written" in p.stderr, p.stderr
    _magic, (record,) = marshal.loads(memo.read_bytes())
    assert (record[8] is shimfast.ANY_LINE) is not protected
    recorded = {path for path, _follow, _sig in record[4]}
    cache = world["home"] / ".cache" / "kctx"
    # The interpreter, kctx itself, and caches keyed by the stat signature of files the memo lists anyway.
    own = (sys.prefix, sys.base_prefix, hotbundle.package_root(), str(world["shim"].parent),
           f"{cache}/index-v1/", f"{cache}/config-v1.marshal", f"{cache}/kuberc-v1.marshal")
    looked_at = _looked_at(log, str(memo.parent), own)
    assert looked_at, log.read_text()[:2000]
    assert looked_at - recorded == set()


def test_the_recorder_notes_reads_not_writes(tmp_path):
    from kctx.shim.recorder import Recorder

    seen, absent, written = tmp_path / "seen", tmp_path / "absent", tmp_path / "written"
    seen.write_text("x")
    original = os.stat
    r = Recorder({"A": "1", "B": "2"})
    r.start()
    try:
        r.environ.get("A")
        assert "C" not in r.environ
        with open(seen) as fh:
            fh.read()
        assert not os.path.exists(absent)
        with open(written, "w") as fh:
            fh.write("y")
        os.listdir(tmp_path)
    finally:
        r.stop()
    assert os.stat is original and builtins.open is io.open
    assert r.environ.names == {"A", "C"} and not r.environ.whole
    assert {path for path, _follow in r.files} == {str(seen), str(absent), str(tmp_path)}
    assert r.files[(str(absent), True)] is None
    list(r.environ)
    assert r.environ.whole


@pytest.mark.parametrize("world", ["native"], indirect=True)
def test_the_native_launcher_never_replays_a_damaged_memo(world, tmp_path):
    fake = tmp_path / "fake-kubectl"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    env = {"KCTX_KUBECTL": str(fake)}
    settle(world, env)
    native = memo_path(world, env).with_suffix(".n")
    good = native.read_bytes()
    fields = native_fields(good)
    assert native_record(fields) == good
    damaged = [good[:n] for n in range(0, len(good), max(1, len(good) // 25))]
    assert fields[6] == b"*"  # the record holds for any plain command line; then the count of variables
    damaged += [native_record([*fields[:n], b"x", *fields[n + 1:]]) for n in (6, 7)]  # not a number
    damaged += [native_record([*fields[:n], b"99999", *fields[n + 1:]]) for n in (6, 7)]  # more than there are
    damaged += [native_record([*fields[:6], b"1", b"2", b"get", *fields[7:]]),  # a line shorter than its count
                native_record([*fields, b"extra"]),  # fields after the end
                b"99999\0" + good[good.index(b"\0") + 1:]]  # a record longer than the file
    for data in damaged:
        native.write_bytes(data)
        p = run(world, "get", "ns", env=env)
        assert p.returncode == 0 and "(native launcher)" not in p.stderr, (data[-40:], p.stderr)
    native.write_bytes(good)
    assert "(native launcher)" in run(world, "get", "ns", env=env).stderr


def test_alternating_environments_in_one_shell_and_folder_both_stay_fast(world):
    settle(world)
    system = {"KCTX_KUBECTL_VERSION": "system"}  # e.g. set for one command
    assert "memo written" in run(world, "get", "ns", env=system).stderr
    for _ in range(2):
        assert replayed(world, run(world, "get", "ns"))
        assert replayed(world, run(world, "get", "ns", env=system))


def test_two_folders_that_share_a_memo_slot_both_stay_fast(world):
    settle(world)
    first = memo_path(world)
    home = world["cwd"]
    for n in range(10_000):  # ~1 in 128 folder names hashes into the first folder's slot
        world["cwd"] = home.parent / f"other{n}"
        world["cwd"].mkdir()
        if memo_path(world) == first:
            break
        world["cwd"].rmdir()
    else:
        pytest.fail("no folder shares the slot")
    p = run(world, "get", "ns")
    assert "full path: the memo is for another shell, KUBECONFIG or folder" in p.stderr, p.stderr
    assert "memo written" in p.stderr, p.stderr
    other = world["cwd"]
    for _ in range(2):
        world["cwd"] = home
        assert replayed(world, run(world, "get", "ns"))
        world["cwd"] = other
        assert replayed(world, run(world, "get", "ns"))


def protect_dev(world: dict) -> None:
    """Make the current context protected, then let the files settle (a memo needs them ≥ 2 s old)."""
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text("protect:\n  contexts: ['prod*', 'dev']\n")
    time.sleep(2.1)


def test_reads_on_a_protected_target_replay_for_the_exact_line_only(world, sandbox):
    settle(world)
    protect_dev(world)
    p = run(world, "get", "ns")  # parses the new config in a child (imports): the memo waits for a lean call
    assert "no memo: modules were imported while deciding" in p.stderr, p.stderr
    p = run(world, "get", "ns")
    assert "memo written" in p.stderr, p.stderr
    _magic, records = marshal.loads(memo_path(world).read_bytes())
    assert not [f for r in records for f, *_ in r[4] if f.startswith(sys.base_prefix)]  # no stdlib file
    assert replayed(world, run(world, "get", "ns"))
    p = run(world, "version", "--client")
    assert "the memo holds for other command lines only" in p.stderr and "memo written" in p.stderr, p.stderr
    for argv in (["get", "ns"], ["version", "--client"], ["get", "ns"]):
        assert replayed(world, run(world, *argv))
    p = run(world, "get", "ns", "-o", "name")
    assert "the memo holds for other command lines only" in p.stderr and "memo written" in p.stderr, p.stderr
    for argv in (["get", "ns", "-o", "name"], ["get", "ns"]):
        assert replayed(world, run(world, *argv))
    # Anything else is decided in full: a write is refused (no terminal), nothing reaches the cluster.
    for argv in (["delete", "configmap", "x"], ["get", "ns", "-o"], ["ns", "get"], ["get", "ns", "--", "x"]):
        p = run(world, *argv)
        assert FAST not in p.stderr and "the memo holds for other command lines only" in p.stderr, p.stderr
    assert run(world, "delete", "configmap", "x").returncode == 4
    assert writes(sandbox, "dev") == []
    # Unprotecting the context is seen at once (the config is one of the record's files).
    (world["home"] / ".config" / "kctx" / "config.yaml").write_text("protect:\n  contexts: ['prod*']\n")
    p = run(world, "get", "ns")
    assert FAST not in p.stderr and "config.yaml changed" in p.stderr, p.stderr


def test_a_line_that_names_its_target_replays_for_that_line_only(world, sandbox):
    settle(world)
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text("protect:\n  contexts: ['prod*']\n")
    run(world, "--context", "prod", "get", "ns")  # detects prod's server version: no memo yet
    time.sleep(2.1)
    for ctx in ("prod", "dev"):
        p = run(world, "--context", ctx, "get", "ns")
        assert "full path" in p.stderr and "memo written" in p.stderr, p.stderr
        p = run(world, "--context", ctx, "get", "ns")
        assert p.returncode == 0 and replayed(world, p), p.stderr
    assert "memo written" in run(world, "get", "ns").stderr  # the record for any plain line, next to them
    for argv in (["get", "ns"], ["--context", "prod", "get", "ns"], ["--context", "dev", "get", "ns"]):
        assert replayed(world, run(world, *argv))
    p = run(world, "--context", "prod", "delete", "configmap", "x")
    assert p.returncode == 4 and FAST not in p.stderr, p.stderr
    p = run(world, "--context", "dev", "delete", "configmap", "x")
    assert FAST not in p.stderr and "memo written" in p.stderr, p.stderr  # not protected: let through
    assert writes(sandbox, "prod") == []


@pytest.mark.parametrize("line", [
    ["--context", "dev", "get", "ns", "--token=s3cret-value"],
    ["--context", "dev", "set", "env", "deployment/x", "DB_PASSWORD=s3cret-value", "--dry-run=client"],
    ["--context", "dev", "get", "ns", "-l", "pw=s3cret-value"],
])
def test_a_line_is_kept_as_its_digest_never_its_words(world, line):
    settle(world)
    assert "memo written" in run(world, *line).stderr
    assert replayed(world, run(world, *line))
    memo = memo_path(world)
    assert b"s3cret" not in memo.read_bytes() and b"s3cret" not in memo.with_suffix(".n").read_bytes()
    assert shimfast.line_digest(line).hex().encode() in memo.with_suffix(".n").read_bytes()


def test_a_bare_kubectl_writes_no_memo_for_other_lines(world, sandbox):
    """kubectl reads no kuberc for a bare `kubectl`, so that decision says nothing about a line with a
    kuberc alias: a record for any line written then would skip the kuberc."""
    settle(world)
    kuberc = world["home"] / ".kube" / "kuberc"
    kuberc.write_text("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\naliases:\n"
                      "- name: nuke\n  command: delete\n  options:\n  - name: context\n    default: prod\n")
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    cfg.write_text("protect:\n  contexts: ['prod*']\n")
    assert run(world, "nuke", "configmap", "x").returncode == 4
    time.sleep(2.1)
    run(world)  # kubectl's help
    for _ in range(2):
        p = run(world, "nuke", "configmap", "x")
        assert p.returncode == 4 and FAST not in p.stderr, p.stderr
        p = run(world, "nuke", "configmap", "-lx--kuberc=k")  # kubectl would read ./k: decided in full
        assert FAST not in p.stderr, p.stderr
    assert writes(sandbox, "prod") == []


def test_kctx_shim_memo_0_always_takes_the_full_path(world):
    settle(world)
    memo = memo_path(world)
    before = memo.read_bytes()
    time.sleep(0.05)
    for _ in range(2):
        p = run(world, "get", "ns", env={"KCTX_SHIM_MEMO": "0"})
        assert p.returncode == 0 and p.stderr == "kctx: debug: full path: KCTX_SHIM_MEMO=0\n", p.stderr
    assert memo.read_bytes() == before  # neither read nor rewritten
    assert replayed(world, run(world, "get", "ns"))
