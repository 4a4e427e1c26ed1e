"""Parallel kctx and kubectl writers on one kubeconfig: how many kctx operations succeed, and how long
they take, with this checkout and (``--before REV``) with an older commit.

    python benchmarks/bench_contention.py [--threads 8 --per-thread 25] [--before REV]

Runs tests/contention.py's harness: ``threads`` kctx threads run ``per_thread`` operations each
(`kctx ctx NAME`, `NEW=OLD`, `-d NAME`, `kctx ns -f NS`, and some bound to fail for a real reason) next to
kubectl `config set-context`/`use-context` writers (each traced with strace) and a `kubectl config view`
loop, all on one file. Prints the harness's summary per checkout and the problems it found.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.contention import Harness  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402


def export(rev: str, folder: Path) -> Path:
    """The kctx package of commit ``rev``, extracted into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "kctx"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder / "kctx")], check=True)
    return folder


def measure(label: str, code: Path | None, args: argparse.Namespace, kubectl: Path, strace: str) -> None:
    with tempfile.TemporaryDirectory(prefix="kctx-contention-") as tmp:
        home = Path(tmp) / "home"
        (home / ".kube").mkdir(parents=True)
        run = Harness(home, kubectl, strace, threads=args.threads, per_thread=args.per_thread,
                      kubectl_threads=args.kubectl_threads, kubectl_per_thread=args.kubectl_per_thread,
                      seed=args.seed, code=code).execute()
    print(f"{label}: {run.summary()}")
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
