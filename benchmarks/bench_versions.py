"""Cost of kubectl version selection on the shim's path, with warm caches.

    python benchmarks/bench_versions.py [--calls 5000]

In-process medians of ``choose()`` (no network, no processes: the server-version cache is warm) for
the rules that do the most work, from a working directory 8 folders deep without a .tool-versions file
(the walk up to / is part of every call), 6 installed versions and 20 pin globs. Also the one-off
cost of importing kctx.versions.select in a fresh interpreter (median of 15 runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kctx.config import Config  # noqa: E402
from kctx.guard.target import Target  # noqa: E402
from kctx.paths import Paths  # noqa: E402
from kctx.versions import cache  # noqa: E402
from kctx.versions.select import choose  # noqa: E402

SERVER, CA = "https://prod.example.com:6443", "ab" * 32


def setup(root: Path) -> tuple[dict, Paths, Config, Target, str]:
    environ = {"HOME": str(root / "home"), "PATH": "/usr/bin:/bin"}
    paths = Paths(environ)
    for v in ("1.27.9", "1.28.4", "1.29.1", "1.29.3", "1.30.2", "1.31.0"):
        binary = Path(paths.kubectl_dir) / v / "kubectl"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    now = time.time()
    cache.write(cache.folder(paths.cache_dir), cache.Entry(SERVER, CA, "1.29.2", now, now, ""))
    config = Config()
    config.kubectl_pins = {f"team-{i}-*": "1.28" for i in range(19)} | {"prod-*": "1.29"}
    t = Target()
    t.context, t.cluster, t.server, t.ca_sha256 = "staging-eu", "gke_staging", SERVER, CA
    cwd = root / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "h"
    cwd.mkdir(parents=True)
    return environ, paths, config, t, str(cwd)


def median_us(fn, calls: int) -> float:
    for _ in range(200):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def import_ms(runs: int = 15) -> float:
    """Median time to import kctx.versions.select in a fresh ``python -S``, on top of what the shim has
    already imported by then (os, kctx.paths, kctx.errors, kctx.util.fsutil, kctx.util.globmatch,
    kctx.kubectl.binaries)."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    compileall.compile_dir(str(root / "kctx"), quiet=1)  # as installed: byte-compiled
    code = (f"import sys, os, time; sys.path.insert(0, {str(root)!r}); "
            "import kctx.paths, kctx.errors, kctx.util.fsutil, kctx.util.globmatch, kctx.kubectl.binaries; "
            "t = time.perf_counter(); import kctx.versions.select; print(time.perf_counter() - t)")
    env = {"PATH": os.environ.get("PATH", "")}
    out = [float(subprocess.run([sys.executable, "-S", "-c", code], env=env, check=True, capture_output=True,
                                text=True).stdout) * 1000 for _ in range(runs)]
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kctx-bench-versions-") as tmp:
        environ, paths, config, t, cwd = setup(Path(tmp))
        cases = {
            "server rule (cache read, 6 installed)": (t, environ),
            "pin rule (20 globs)": (_with(t, context="prod-eu"), environ),
            "env rule": (t, {**environ, "KCTX_KUBECTL_VERSION": "1.30"}),
        }
        print(f"| case | median µs per choose() ({args.calls} calls) | rule | version |")
        print("|---|---|---|---|")
        for name, (target, env) in cases.items():
            c = choose(target, config, env, cwd, paths)
            us = median_us(lambda target=target, env=env: choose(target, config, env, cwd, paths), args.calls)
            print(f"| {name} | {us:.1f} | {c.rule} | {c.version} |")
    print(f"\nimport kctx.versions.select (fresh `python -S`, on top of the shim's own imports): "
          f"{import_ms():.2f} ms")
    return 0


def _with(t: Target, **changes: str) -> Target:
    n = Target()
    for k in ("context", "cluster", "server", "ca_sha256"):
        setattr(n, k, changes.get(k, getattr(t, k)))
    return n


if __name__ == "__main__":
    sys.exit(main())
