"""What a confirmation's preview adds before the question: the server-side dry run (and, for a diff, one
`kubectl get`) with the real kubectl against the loopback stand-in, per command kind.

    python benchmarks/bench_preview.py [--runs 7]

Medians of ``preview()`` in-process; each run is one or two kubectl processes, so this is mostly kubectl's
own start. Calls that are not asked never pay it. The budget is 2 s (kctx/guard/preview.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kctx.guard.preview import preview  # noqa: E402
from kctx.kubectl.argv import parse  # noqa: E402
from kctx.sandbox import ClusterSpec, Sandbox  # noqa: E402
from tests.kubectl_bins import MINORS, kubectl_binary  # noqa: E402
from tests.kubectl_oracle import seed  # noqa: E402

LINES = {
    "delete (kubectl's lines)": ["delete", "cm", "cm1", "-n", "default"],
    "label (diff: dry run + get)": ["label", "cm", "cm1", "a=b", "-n", "default"],
    "scale (replicas: dry run + get)": ["scale", "deploy/web", "--replicas=3", "-n", "default"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    opts = ap.parse_args()
    binary, minor = str(kubectl_binary()), MINORS[-1]
    with tempfile.TemporaryDirectory() as tmp, Sandbox([ClusterSpec("prod")]) as sb:
        sb.write_kubeconfig(Path(tmp) / "kubeconfig", current="prod")
        seed(sb, "prod")
        environ = dict(os.environ, KUBECONFIG=str(Path(tmp) / "kubeconfig"), HOME=tmp)
        for label, line in LINES.items():
            argv = ["--context=prod", *line]
            times = []
            for _ in range(opts.runs):
                began = time.perf_counter()
                shown = preview(binary, argv, parse(argv), minor, environ, "prod")
                times.append(time.perf_counter() - began)
                if shown.error:
                    print(f"{label}: {shown.error}", file=sys.stderr)
                    return 1
            print(f"{label:34} median {statistics.median(times) * 1000:6.1f} ms  min {min(times) * 1000:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
