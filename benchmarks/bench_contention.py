"""Parallel kctx and kubectl writers on one kubeconfig: how many kctx operations succeed, and how long
they take, with this checkout and (``--before REV``) with an older commit.

    python benchmarks/bench_contention.py [--threads 8 --per-thread 25] [--before REV]

Two runs per checkout, each on a fresh file:
- tight: 4 threads run 50 kctx operations each (`kctx ctx NAME` and `kctx ns -f NS` in turn, 200 in all)
  while one kubectl runs `config set-context` in a loop, untraced, for as long as they run. Counts the kctx
  operations that failed, by message, and the kubectl writes that failed (kubectl fails at once while
  anyone holds the lock).
- checked: tests/contention.py's harness: ``threads`` kctx threads run ``per_thread`` operations each
  (`kctx ctx NAME`, `NEW=OLD`, `-d NAME`, `kctx ns -f NS`, and some bound to fail for a real reason) next to
  kubectl `config set-context`/`use-context` writers (traced with strace, so they write less often) and a
  `kubectl config view` loop; every outcome and the final file are checked.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.contention import SWITCH_TARGETS, Harness, initial_config  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402


def export(rev: str, folder: Path) -> Path:
    """The kctx package of commit ``rev``, extracted into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "kctx"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "kctx")], check=True)
    return folder


def tight(label: str, code: Path, kubectl: Path, threads: int = 4, per_thread: int = 50) -> None:
    with tempfile.TemporaryDirectory(prefix="kctx-contention-") as tmp:
        home = Path(tmp) / "home"
        (home / ".kube").mkdir(parents=True)
        (home / "run").mkdir(mode=0o700)
        config = home / ".kube" / "config"
        config.write_text(initial_config(8, 25, 16))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG"))}
        env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"), KUBECONFIG=str(config), PYTHONPATH=str(code))
        done = threading.Event()
        kctx_codes: list[tuple[int, str]] = []
        kubectl_codes: list[tuple[int, str]] = []

        def kubectl_loop() -> None:
            i = 0
            while not done.is_set():
                i += 1
                p = subprocess.run([str(kubectl), "config", "set-context", f"k{i}", "--cluster=main", "--user=main"],
                                   env=env, capture_output=True, text=True)
                kubectl_codes.append((p.returncode, p.stderr.strip().replace(str(config), "FILE")))

        def kctx_thread(t: int) -> None:
            rng = random.Random(t)
            for i in range(per_thread):
                args = ["ctx", rng.choice(SWITCH_TARGETS)] if i % 2 else ["ns", "-f", f"n{t}-{i}"]
                p = subprocess.run([sys.executable, "-m", "kctx", *args], env=env, capture_output=True, text=True,
                                   stdin=subprocess.DEVNULL, cwd=home)  # `-m kctx` looks in cwd first
                kctx_codes.append((p.returncode, p.stderr.strip().replace(str(config), "FILE")))

        writer = threading.Thread(target=kubectl_loop)
        writer.start()
        start = time.monotonic()
        workers = [threading.Thread(target=kctx_thread, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.monotonic() - start
        done.set()
        writer.join()
    failed = [err for code, err in kctx_codes if code]
    refused = [err for code, err in kubectl_codes if code]
    print(f"{label}, tight: kctx {len(kctx_codes) - len(failed)} of {len(kctx_codes)} succeeded, wall {wall:.1f} s "
          f"| kubectl {len(kubectl_codes) - len(refused)} of {len(kubectl_codes)} writes succeeded")
    for err, n in collections.Counter(e.split(";")[0][:100] for e in failed + refused).most_common(6):
        print(f"  {n} x {err}")


def measure(label: str, code: Path | None, args: argparse.Namespace, kubectl: Path, strace: str) -> None:
    tight(label, code or ROOT, kubectl)
    with tempfile.TemporaryDirectory(prefix="kctx-contention-") as tmp:
        home = Path(tmp) / "home"
        (home / ".kube").mkdir(parents=True)
        run = Harness(home, kubectl, strace, threads=args.threads, per_thread=args.per_thread,
                      kubectl_threads=args.kubectl_threads, kubectl_per_thread=args.kubectl_per_thread,
                      seed=args.seed, code=code).execute()
    print(f"{label}, checked: {run.summary()}")
    for problem in run.problems[:args.show]:
        print(f"  {problem}")
    if len(run.problems) > args.show:
        print(f"  ... {len(run.problems) - args.show} more")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--per-thread", type=int, default=25)
    ap.add_argument("--kubectl-threads", type=int, default=1, help="more than one: kubectl can wipe the "
                    "file on its own (tests/contention.py)")
    ap.add_argument("--kubectl-per-thread", type=int, default=60)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--before", metavar="REV", help="also run the kctx of this commit, first")
    ap.add_argument("--show", type=int, default=5, help="problems to print per run")
    args = ap.parse_args()
    strace = shutil.which("strace")
    if strace is None:
        sys.exit("bench_contention: strace is not installed (the harness traces every kubectl writer)")
    kubectl = kubectl_binary()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kctx")], check=True)
    if args.before:
        with tempfile.TemporaryDirectory(prefix="kctx-before-") as old:
            measure(f"before ({args.before})", export(args.before, Path(old)), args, kubectl, strace)
    measure("after (this checkout)", None, args, kubectl, strace)


if __name__ == "__main__":
    main()
