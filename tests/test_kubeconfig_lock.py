"""kubectl's lock on a kubeconfig file as kctx takes it (kctx/util/fsutil.py) and how kctx ctx/ns write
under it: waiting for a live holder, removing what a crashed kctx left, a one-line error for a lock
nobody releases, and the file kubectl rewrites in place read again once it is done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from kctx.errors import KctxError
from kctx.util import fsutil
from tests.runner import checkout_pythonpath, kctx
from tests.tools import require_tool

CONFIG = """\
# keep this comment
apiVersion: v1
kind: Config
clusters:
- cluster: {server: "https://127.0.0.1:6443"}
  name: main
users:
- name: main
  user: {token: t}
contexts:
- context: {cluster: main, user: main}
  name: a
- context: {cluster: main, user: main}
  name: b
current-context: a
"""


@pytest.fixture
def kube(home: Path) -> Path:
    path = home / ".kube" / "config"
    path.write_text(CONFIG)
    path.chmod(0o600)
    return path


def kubectl_style_lock(config: Path) -> Path:
    """A lock as kubectl leaves it: an empty file created with mode 0."""
    lock = Path(f"{config}.lock")
    os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0))
    return lock


def current(config: Path) -> str:
    return yaml.safe_load(config.read_text())["current-context"]


def later(seconds: float, action) -> threading.Thread:
    def run() -> None:
        time.sleep(seconds)
        action()

    t = threading.Thread(target=run)
    t.start()
    return t


def test_kctx_waits_for_a_kubectl_holding_the_lock(kube: Path) -> None:
    lock = kubectl_style_lock(kube)
    release = later(0.3, lock.unlink)
    start = time.monotonic()
    r = kctx("ctx", "b")
    release.join()
    assert r.code == 0, r.err
    assert time.monotonic() - start >= 0.3
    assert current(kube) == "b" and "# keep this comment" in kube.read_text()
    assert not lock.exists()


def test_a_lock_nobody_releases_ends_the_wait_with_one_line_naming_it(kube: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "LOCK_TIMEOUT", 0.3)
    lock = kubectl_style_lock(kube)
    r = kctx("ctx", "b")
    assert r.code == 1
    assert r.err.count("\n") == 1 and f"{lock} exists and was not removed within" in r.err, r.err
    assert f"remove {lock}" in r.err
    assert current(kube) == "a" and lock.exists()  # someone else's lock is never removed


def test_kubectl_fails_at_once_on_the_same_lock(kube: Path, kubectl: Path) -> None:
    """What kubectl does with a lock it finds (kctx waits instead): it refuses at once, whoever holds it."""
    with fsutil.kubeconfig_lock(kube):
        p = subprocess.run([str(kubectl), "config", "use-context", "b"], capture_output=True, text=True,
                           env={**os.environ, "KUBECONFIG": str(kube)}, timeout=60)
    assert p.returncode == 1 and f"open {kube}.lock: file exists" in p.stderr
    assert current(kube) == "a"


def test_a_lock_left_by_a_killed_kctx_is_removed_at_once(kube: Path) -> None:
    code = ("import os, signal, sys\nfrom kctx.util.fsutil import kubeconfig_lock\n"
            "kubeconfig_lock(sys.argv[1]).__enter__()\nos.kill(os.getpid(), signal.SIGKILL)\n")
    p = subprocess.run([sys.executable, "-c", code, str(kube)], timeout=60,
                       env={**os.environ, "PYTHONPATH": checkout_pythonpath(dict(os.environ))})
    assert p.returncode == -signal.SIGKILL
    lock = Path(f"{kube}.lock")
    assert lock.read_text().startswith("kctx ")
    start = time.monotonic()
    r = kctx("ctx", "b")
    assert r.code == 0, r.err
    assert time.monotonic() - start < fsutil.LOCK_TIMEOUT
    assert current(kube) == "b" and not lock.exists()


def test_a_live_kctx_holding_the_lock_too_long_is_named(kube: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "LOCK_TIMEOUT", 0.3)
    code = "import sys, time\nfrom kctx.util.fsutil import kubeconfig_lock\n" \
           "with kubeconfig_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(30)\n"
    holder = subprocess.Popen([sys.executable, "-c", code, str(kube)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": checkout_pythonpath(dict(os.environ))})
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        r = kctx("ns", "-f", "web")
    finally:
        holder.kill()
        holder.wait()
    assert r.code == 1 and f"{kube}.lock is held by kctx (process {holder.pid})" in r.err, r.err


def test_a_lock_changing_hands_is_waited_for_past_one_holders_allowance(kube: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "LOCK_TIMEOUT", 0.3)
    lock = Path(f"{kube}.lock")

    def writers() -> None:  # one kubectl after the other, each holding the lock 0.1 s, for 1 s
        for _ in range(10):
            try:
                kubectl_style_lock(kube)
            except FileExistsError:
                continue
            time.sleep(0.1)
            lock.unlink()

    t = threading.Thread(target=writers)
    kubectl_style_lock(kube)
    lock.unlink()
    t.start()
    time.sleep(0.05)
    r = kctx("ctx", "b")
    t.join()
    assert r.code == 0, r.err
    assert current(kube) == "b"


def test_the_lock_is_reentrant_in_a_thread_and_excludes_other_threads(tmp_path: Path) -> None:
    path = tmp_path / "config"
    order: list[str] = []
    with fsutil.kubeconfig_lock(path):
        with fsutil.kubeconfig_locks([str(path), str(tmp_path / "other")]):
            order.append("nested")
        other = threading.Thread(target=lambda: (fsutil.kubeconfig_lock(path).__enter__(), order.append("other")))
        other.start()
        time.sleep(0.2)
        order.append("outer done")
    other.join(timeout=10)
    assert order == ["nested", "outer done", "other"]


def test_a_file_being_rewritten_in_place_is_read_again(kube: Path) -> None:
    """kubectl truncates the file and writes it while holding the lock: kctx ns, which reads the current
    context before writing, waits for it instead of finding no current-context."""
    lock = kubectl_style_lock(kube)
    kube.write_text("")

    def kubectl_done() -> None:
        kube.write_text(CONFIG)
        lock.unlink()

    done = later(0.3, kubectl_done)
    r = kctx("ns", "-f", "web")
    done.join()
    assert r.code == 0, r.err
    contexts = {c["name"]: c["context"] for c in yaml.safe_load(kube.read_text())["contexts"]}
    assert contexts["a"].get("namespace") == "web"


def test_a_missing_folder_in_kubeconfig_is_not_locked(kube: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", f"{kube}:/nonexistent-kctx-folder/config")
    r = kctx("ctx", "b")
    assert r.code == 0, r.err
    assert current(kube) == "b"


def test_a_symlinked_kubeconfig_stays_a_link(home: Path) -> None:
    real = home / "dotfiles" / "kubeconfig"
    real.parent.mkdir()
    real.write_text(CONFIG)
    link = home / ".kube" / "config"
    link.symlink_to(real)
    assert kctx("ctx", "b").code == 0
    assert kctx("ctx", "c=a").code == 0
    assert link.is_symlink() and current(real) == "b"
    assert "name: c" in real.read_text() and "# keep this comment" in real.read_text()
    assert not list(real.parent.glob(".*.tmp")) and not list(link.parent.glob("*.lock"))


def test_unwritable_file_is_one_line(kube: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("kctx.kubeconfig.writer.atomic_write", refuse)
    r = kctx("ctx", "b")
    assert r.code == 1 and r.err.strip().endswith(f"{kube}: cannot write: Permission denied"), r.err
    assert not Path(f"{kube}.lock").exists()


def test_kubeconfig_lock_error_is_a_kctx_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "LOCK_TIMEOUT", 0.1)
    config = tmp_path / "config"
    kubectl_style_lock(config)
    with pytest.raises(KctxError, match="config.lock exists"), fsutil.kubeconfig_lock(config):
        pass


def test_a_lock_left_by_a_killed_kubectl_stops_kubectl_for_good_and_kctx_names_it(
        kube: Path, kubectl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Established with the real binary: a kubectl killed while it holds its lock (strace stops it right
    after creating it) leaves the lock behind; kubectl then fails at once on it, every time, and never
    removes it (the lock names no owner: nothing tells a dead writer from a live one). kctx does the same
    after waiting one holder's allowance (a live kubectl holds the lock for milliseconds): a one-line error
    naming the lock, which it leaves in place."""
    strace = require_tool("strace")
    monkeypatch.setattr(fsutil, "LOCK_TIMEOUT", 0.3)
    env = {**os.environ, "KUBECONFIG": str(kube)}
    lock = Path(f"{kube}.lock")
    tracer = subprocess.Popen([strace, "-f", "-qq", "-o", "/dev/null", "-e", "signal=none", "-e", "trace=openat",
                               "-P", str(lock), "-e", "inject=openat:delay_exit=10000000",
                               str(kubectl), "config", "use-context", "b"], env=env)
    try:
        deadline = time.monotonic() + 30
        while not lock.exists():
            assert tracer.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        held = int(Path(f"/proc/{tracer.pid}/task/{tracer.pid}/children").read_text().split()[0])
        os.kill(held, signal.SIGKILL)  # kubectl first: a tracer dying first would let it go on and unlock
        tracer.kill()
        tracer.wait(timeout=30)
        while Path(f"/proc/{held}").exists() and "Z" not in Path(f"/proc/{held}/stat").read_text().split()[2]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        if tracer.poll() is None:
            tracer.kill()
            tracer.wait()
    assert lock.exists() and current(kube) == "a"
    for _ in range(2):
        p = subprocess.run([str(kubectl), "config", "use-context", "b"], capture_output=True, text=True, env=env,
                           timeout=60)
        assert p.returncode == 1 and f"open {lock}: file exists" in p.stderr, p.stderr
    r = kctx("ctx", "b")
    assert r.code == 1 and r.err.count("\n") == 1 and f"remove {lock}" in r.err, r.err
    assert lock.exists() and current(kube) == "a"
