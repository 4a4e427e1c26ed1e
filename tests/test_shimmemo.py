"""The native launcher replays the last decision only while nothing it depended on has changed.

Real shim (the native launcher and the Python script it runs on a miss), real kubectl, the stand-in clusters
(dev, and prod which is protected). $KCTX_DEBUG makes the shim say which path it took. Writing a memo
record waits until the files it depends on are 2 s old, so each test first settles: one call warms the
caches, a second one (2 s later) writes the record.
"""

from __future__ import annotations

import builtins
import io
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
from kctx.shim import memo
from kctx.shim import native as shimnative
from tests.runner import kctx
from tests.tools import require_cc, require_tool
from tests.worlds import sandbox_world

FAST = "kctx: debug: fast path (native launcher)"


@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    """The shim as the native launcher (it needs a C compiler)."""
    require_cc()
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True, native=True)
    assert shimnative.built_from(w["kubectl"])
    w["env"]["KCTX_DEBUG"] = "1"
    w["cwd"] = tmp_path / "work"
    w["cwd"].mkdir()
    return w


def run(world: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**world["env"], **(env or {})}
    return subprocess.run(["kubectl", *args], env=e, cwd=world["cwd"], capture_output=True, text=True, timeout=60,
                          start_new_session=True)  # no terminal, like CI


def replayed(p: subprocess.CompletedProcess) -> bool:
    return FAST in p.stderr


def writes(sandbox: Sandbox, name: str) -> list:
    return [r for r in sandbox.requests(name) if r.method not in ("GET", "HEAD")]


def settle(world: dict, env: dict | None = None) -> None:
    run(world, "get", "ns", env=env)  # detects the server version, remembers the failed kubectl download
    time.sleep(2.1)
    p = run(world, "get", "ns", env=env)
    assert "kctx: debug: memo written" in p.stderr, p.stderr
    p = run(world, "get", "ns", env=env)
    assert p.returncode == 0 and replayed(p), p.stderr


def memo_path(world: dict, env: dict | None = None) -> Path:
    env = {k.encode(): v.encode() for k, v in {**world["env"], **(env or {})}.items()}
    cwd = os.getcwd()
    try:
        os.chdir(world["cwd"])
        return Path(memo.memo_file(env, memo.memo_key(env)).decode())
    finally:
        os.chdir(cwd)


def first_fields(data: bytes) -> list[bytes]:
    """The fields of a memo file's first record (after the magic field: its length, then NUL-ended fields)."""
    magic, _, rest = data.partition(b"\0")
    assert magic == memo.MAGIC
    size, _, rest = rest.partition(b"\0")
    return rest[:int(size)].split(b"\0")[:-1]


def memo_of(fields: list[bytes]) -> bytes:
    body = b"".join(f + b"\0" for f in fields)
    return memo.MAGIC + b"\0" + b"%d\0" % len(body) + body


def test_a_settled_shim_replays_for_any_command_on_an_unprotected_target(world, sandbox):
    settle(world)
    name = "fast"
    p = run(world, "create", "configmap", name, "--from-literal=a=b")
    assert p.returncode == 0 and replayed(p), p.stderr
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


def test_an_edit_in_place_of_the_same_size_with_the_old_mtime_put_back_is_seen(world):
    """Size and mtime alone would miss it: the signature also holds the ctime (which no one can set back),
    the inode and the device."""
    settle(world)
    cfg = world["home"] / ".config" / "kctx" / "config.yaml"
    before = cfg.stat()
    text = cfg.read_bytes()
    edited = text.replace(b"['prod*']", b"['dev*'] ")
    assert len(edited) == len(text) and edited != text
    with open(cfg, "r+b") as fh:  # the same inode, rewritten in place
        fh.write(edited)
    os.utime(cfg, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = cfg.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns
    p = run(world, "get", "ns")
    assert FAST not in p.stderr and f"full path: {cfg} changed" in p.stderr, p.stderr


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
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o077 == 0
    [record] = memo.decode(path.read_bytes())
    record.until = int(time.time()) - 1
    path.write_bytes(memo.encode([record]))
    p = run(world, "get", "ns")
    assert "full path: the memo expired" in p.stderr and "memo written" in p.stderr, p.stderr
    assert replayed(run(world, "get", "ns"))
    path.chmod(0o622)
    assert "others could write it: ignored" in run(world, "get", "ns").stderr
    path.chmod(0o600)
    assert replayed(run(world, "get", "ns"))
    if os.getuid() == 0:  # a memo someone else owns is not read
        os.chown(path, 65534, 65534)
        assert "is not yours" in run(world, "get", "ns").stderr
        os.chown(path, 0, 0)
        assert replayed(run(world, "get", "ns"))
    bundle = hotbundle.bundle_path(str(world["shim"].parent))
    shutil.copy(bundle, bundle + ".new")
    os.replace(bundle + ".new", bundle)  # the same code, but another bundle: memos are not trusted across
    p = run(world, "get", "ns")  # the bundle is checked (its folder too, where the full path looks for kubectl)
    assert FAST not in p.stderr and re.search(rf"full path: {re.escape(str(world['shim'].parent))}\S* changed",
                                              p.stderr), p.stderr


def test_the_fast_path_execs_kubectl_with_what_the_full_path_set(world, tmp_path):
    fake = tmp_path / "fake-kubectl"
    fake.write_text('#!/bin/sh\necho "KUBECONFIG=$KUBECONFIG DEPTH=$KCTX_SHIM_DEPTH ARGS=$*"\n')
    fake.chmod(0o755)
    session = kctx("session", "start", "--pid", str(os.getpid()), env=world["env"]).out.strip()
    env = {"KCTX_SESSION": session, "KUBECONFIG": "stale-value-from-an-old-shell", "KCTX_KUBECTL": str(fake)}
    settle(world, env)
    session_kubeconfig = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
    p = run(world, "get", "ns", "-o", "name", env=env)
    assert replayed(p)
    # the line is bound to the context the full path judged (kctx/shim/bind.py)
    assert p.stdout == f"KUBECONFIG={session_kubeconfig['KUBECONFIG']} DEPTH=1 ARGS=--context=dev get ns -o name\n"
    p = run(world, "get", "ns", env={**env, "KCTX_SHIM_DEPTH": "3"})
    assert replayed(p) and "DEPTH=4" in p.stdout
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
    assert memo.plain(argv) is plain


STRACE_LINE = re.compile(r'^\d+\s+(\w+)\((?:AT_FDCWD, |-?\d+, )?"([^"]*)"(.*)$')
WRITES = {"unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "chmod", "fchmodat",
          "utimensat", "symlink", "symlinkat", "link", "linkat"}


def _looked_at(log: Path, bundle: str, memo_dir: str, ignore: tuple[str, ...]) -> set[str]:
    """Paths the traced shim read or examined on its full path: from opening its bundle (after the launcher's
    look for a memo and the interpreter's start) to reading the memo file before writing it (the recorder
    has stopped by then)."""
    seen, deciding = set(), False
    for line in log.read_text().splitlines():
        m = STRACE_LINE.match(line)
        if not m:
            continue
        call, path, rest = m.groups()
        if path == bundle:
            deciding = True
        if deciding and (path.startswith(memo_dir) or path == memo_dir.rpartition("/")[0]):
            break
        if not deciding or call in WRITES or call in ("execve", "getcwd") or (
                call.startswith("open") and re.search(r"O_WRONLY|O_RDWR|O_CREAT", rest)):
            continue
        if path and not path.startswith(ignore):
            seen.add(path)
    return seen


@pytest.mark.parametrize("protected", [False, True], ids=["any-line", "protected-exact-line"])
def test_the_memo_lists_everything_the_full_path_looked_at(world, tmp_path, protected):
    """Every file the full path stats, opens or lists (seen by strace, not by the recorder) is in the memo."""
    require_tool("strace")
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
    path = memo_path(world, env)
    path.unlink()
    log = tmp_path / "strace.log"
    p = subprocess.run(["strace", "-f", "-o", str(log), "-e", "trace=%file", "kubectl", "get", "ns"],
                       env={**world["env"], **env}, cwd=world["cwd"], capture_output=True, text=True, timeout=60)
    assert "memo written" in p.stderr, p.stderr
    [record] = memo.decode(path.read_bytes())
    assert (record.lines is None) is not protected
    recorded = {os.fsdecode(file) for file, _follow, _sig in record.files}
    cache = world["home"] / ".cache" / "kctx"
    # The interpreter, kctx itself, and caches keyed by the stat signature of files the memo lists anyway; the
    # fallback notice's marker only says whether a note was given lately (a replay stays silent).
    own = (sys.prefix, sys.base_prefix, hotbundle.package_root(), str(world["shim"].parent),
           f"{cache}/index-v1/", f"{cache}/config-v1.marshal", f"{cache}/kuberc-v1.marshal",
           f"{cache}/fallback-notices-v1")
    bundle = hotbundle.bundle_path(str(world["shim"].parent))
    # HOME itself is stat'ed only to see it is a folder (kctx/paths.py), and is checked by its value, not its
    # stat: that changes with every file made in HOME (a shell's history lock), which would void every record.
    looked_at = _looked_at(log, bundle, str(path.parent), own) - {str(world["home"])}
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


def test_the_native_launcher_never_replays_a_damaged_memo(world, tmp_path):
    fake = tmp_path / "fake-kubectl"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    env = {"KCTX_KUBECTL": str(fake)}
    settle(world, env)
    path = memo_path(world, env)
    good = path.read_bytes()
    fields = first_fields(good)
    assert memo_of(fields) == good
    damaged = [good[:n] for n in range(0, len(good), max(1, len(good) // 25))]
    assert fields[7] == b"*"  # the record holds for any plain command line; then the count of variables
    damaged += [memo_of([*fields[:n], b"x", *fields[n + 1:]]) for n in (3, 7, 8)]  # not a number
    damaged += [memo_of([*fields[:n], b"99999", *fields[n + 1:]]) for n in (7, 8)]  # more than there are
    damaged += [memo_of([*fields[:7], b"1", b"2", b"get", *fields[8:]]),  # a line shorter than its count
                memo_of([*fields, b"extra"]),  # fields after the end
                b"kctx-shim-memo-4\0" + good[good.index(b"\0") + 1:],  # another format
                good[:good.index(b"\0") + 1] + b"99999\0" + good[good.index(b"\0", len(memo.MAGIC) + 1) + 1:]]
    for data in damaged:
        path.write_bytes(data)
        p = run(world, "get", "ns", env=env)
        assert p.returncode == 0 and FAST not in p.stderr and "full path: " in p.stderr, (data[-40:], p.stderr)
    path.write_bytes(good)
    assert replayed(run(world, "get", "ns", env=env))


def test_alternating_environments_in_one_shell_and_folder_both_stay_fast(world):
    settle(world)
    system = {"KCTX_KUBECTL_VERSION": "system"}  # e.g. set for one command
    assert "memo written" in run(world, "get", "ns", env=system).stderr
    for _ in range(2):
        assert replayed(run(world, "get", "ns"))
        assert replayed(run(world, "get", "ns", env=system))


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
        assert replayed(run(world, "get", "ns"))
        world["cwd"] = other
        assert replayed(run(world, "get", "ns"))


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
    _loader, code, _modules, _codes = hotbundle.parse(Path(hotbundle.bundle_path(str(world["shim"].parent)))
                                                       .read_bytes())
    code_files = {os.fsencode(origin) for origin, _mtime, _size in code}  # __future__ is in the hot set
    stdlib = [f for r in memo.decode(memo_path(world).read_bytes()) for f, *_ in r.files
              if f.startswith(os.fsencode(sys.base_prefix)) and f not in code_files]
    assert stdlib == []
    assert replayed(run(world, "get", "ns"))
    p = run(world, "version", "--client")
    assert "the memo holds for other command lines only" in p.stderr and "memo written" in p.stderr, p.stderr
    for argv in (["get", "ns"], ["version", "--client"], ["get", "ns"]):
        assert replayed(run(world, *argv))
    p = run(world, "get", "ns", "-o", "name")
    assert "the memo holds for other command lines only" in p.stderr and "memo written" in p.stderr, p.stderr
    for argv in (["get", "ns", "-o", "name"], ["get", "ns"]):
        assert replayed(run(world, *argv))
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
        assert p.returncode == 0 and replayed(p), p.stderr
    assert "memo written" in run(world, "get", "ns").stderr  # the record for any plain line, next to them
    for argv in (["get", "ns"], ["--context", "prod", "get", "ns"], ["--context", "dev", "get", "ns"]):
        assert replayed(run(world, *argv))
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
    assert replayed(run(world, *line))
    data = memo_path(world).read_bytes()
    assert b"s3cret" not in data
    assert memo.line_digest(line).hex().encode() in data
    assert any(memo.line_digest(line) in (r.lines or ()) for r in memo.decode(data))


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


def test_the_python_shim_alone_writes_no_memo(home, sandbox, kubectl, tmp_path):
    """Without a native launcher (no C compiler, or KCTX_SHIM_NATIVE=0) nothing would replay a memo."""
    w = sandbox_world(home, sandbox, kubectl, tmp_path, shim=True, native=False)
    w["env"]["KCTX_DEBUG"] = "1"
    w["cwd"] = tmp_path
    assert not shimnative.built_from(w["kubectl"])
    run(w, "get", "ns")
    time.sleep(2.1)
    for _ in range(2):
        p = run(w, "get", "ns")
        assert p.returncode == 0, p.stderr
        assert p.stderr == "kctx: debug: full path: no native launcher (no C compiler, or KCTX_SHIM_NATIVE=0)\n"
    assert not (home / ".cache" / "kctx" / "shim-memo-v2").exists()


def test_kctx_shim_memo_0_always_takes_the_full_path(world):
    settle(world)
    memo = memo_path(world)
    before = memo.read_bytes()
    time.sleep(0.05)
    for _ in range(2):
        p = run(world, "get", "ns", env={"KCTX_SHIM_MEMO": "0"})
        assert p.returncode == 0 and p.stderr == "kctx: debug: full path: KCTX_SHIM_MEMO=0\n", p.stderr
    assert memo.read_bytes() == before  # neither read nor rewritten
    assert replayed(run(world, "get", "ns"))
