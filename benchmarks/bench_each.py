"""`kctx each` benchmark: one `get pods` on 50 contexts, each on its own stand-in cluster, with the real kubectl.

    python benchmarks/bench_each.py [--contexts 50] [--rounds 3] [--jobs 50]

Goal: the wall time of `kctx each '*' -j N -- get pods` is at most twice the slowest single call. Reported per
round, medians over rounds:
- single call alone: `kctx each ctx-00 -- get pods` (its own kubectl's duration, from --json);
- the whole run: wall time of the command, and the slowest per-context duration inside it (what the calls cost
  when they share the machine);
- ratio: wall time / slowest call alone, and wall time / slowest call inside the run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kctx.sandbox import ClusterSpec, Sandbox  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402


def each(env: dict[str, str], *words: str) -> tuple[float, list[dict[str, object]]]:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kctx", "each", "--json", *words, "--", "get", "pods"], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    records = [json.loads(line) for line in done.stdout.splitlines()]
    if done.returncode != 0 or not records:
        raise SystemExit(f"kctx each failed: {done.stderr.strip()}")
    return wall, records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contexts", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=50)
    opts = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kctx-bench-each-"))
    names = [f"ctx-{i:02d}" for i in range(opts.contexts)]
    with Sandbox([ClusterSpec(n) for n in names]) as sb:
        sb.write_kubeconfig(home / ".kube/config")
        env = {**os.environ, "HOME": str(home), "KCTX_KUBECTL": str(kubectl_binary("1.37")),
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        for var in ("KUBECONFIG", "KCTX_SESSION", "KCTX_CONFIG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            env.pop(var, None)
        each(env, "*", "-j", str(opts.jobs))  # warm: index, version detection caches
        alone, walls, inside = [], [], []
        for _ in range(opts.rounds):
            alone.append(max(float(str(r["duration"])) for r in each(env, names[0])[1]))
            wall, records = each(env, "*", "-j", str(opts.jobs))
            walls.append(wall)
            inside.append(max(float(str(r["duration"])) for r in records))
    a, w, i = statistics.median(alone), statistics.median(walls), statistics.median(inside)
    print(f"{opts.contexts} contexts, -j {opts.jobs}, {opts.rounds} rounds (medians), {os.cpu_count()} CPUs")
    print(f"single call alone:               {a * 1000:.0f} ms")
    print(f"kctx each, wall time:            {w * 1000:.0f} ms")
    print(f"slowest call inside the run:     {i * 1000:.0f} ms")
    print(f"wall / slowest call alone:       {w / a:.1f}x")
    print(f"wall / slowest call in the run:  {w / i:.1f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
