"""Foundation benchmarks on 250 kubeconfig files × 4 contexts (1000 contexts, ~1.5 KB certificate blobs).

    python benchmarks/bench_foundation.py [--runs 15]

Paired in one run, medians:
- `kctx ls` (warm index cache) vs `kubectl config get-contexts` on the same files (goal: kctx ≤ 60 ms);
- `kctx use CTX` inside a session (goal ≤ 30 ms for the Python part);
- `kubectl config current-context` inside a session vs with the single file that defines the context
  (goal: ratio ≤ 1.05).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gen import bench_home  # noqa: E402
from benchmarks.timing import paired, row  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402


def kctx_command() -> str:
    """The console script next to this interpreter (not a version-manager shim, which adds its own cost)."""
    import sysconfig

    script = Path(sysconfig.get_path("scripts")) / "kctx"
    if not script.exists():
        sys.exit("kctx is not installed for this Python (pip install .)")
    return str(script)


def launcher() -> list[str]:
    """What the shell function runs (kctx init): python -S and kctx/launch.py."""
    from kctx.commands.init import launcher as init_launcher

    return init_launcher()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    kubectl = str(kubectl_binary())
    kctx = kctx_command()
    tmp = Path(tempfile.mkdtemp(prefix="kctx-bench-"))
    try:
        home, files = bench_home(tmp)
        base = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_RUNTIME_DIR": str(tmp / "run"), "NO_COLOR": "1"}
        all_files = {**base, "KUBECONFIG": os.pathsep.join(map(str, files))}
        subprocess.run([kctx, "ls"], env=base, stdout=subprocess.DEVNULL, check=True)  # warm the index
        session = subprocess.run([kctx, "session", "start", "--pid", str(os.getpid())], env=base,
                                 capture_output=True, text=True, check=True).stdout.strip()
        in_session = {**base, "KCTX_SESSION": session}
        subprocess.run([kctx, "use", "ctx-0517"], env=in_session, check=True, stderr=subprocess.DEVNULL)
        env_lines = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
        session_kc = {**base, "KUBECONFIG": env_lines["KUBECONFIG"]}
        single = {**base, "KUBECONFIG": str(home / ".kube" / "configs" / "cluster-129.yaml")}
        subprocess.run([kubectl, "config", "use-context", "ctx-0517"], env=single, check=True,
                       stdout=subprocess.DEVNULL)

        fast = launcher()
        r1 = paired({
            "kctx ls": ([*fast, "ls"], base),
            "kctx ls (console script)": ([kctx, "ls"], base),
            "kubectl config get-contexts": ([kubectl, "config", "get-contexts"], all_files),
        }, runs=args.runs)
        r2 = paired({
            "kctx use a": ([*fast, "use", "ctx-0003"], in_session),
            "kctx use b": ([*fast, "use", "ctx-0999"], in_session),
        }, runs=args.runs)
        r3 = paired({
            "session": ([kubectl, "config", "current-context"], session_kc),
            "single": ([kubectl, "config", "current-context"], single),
        }, runs=args.runs)
        use_ms = (r2["kctx use a"] + r2["kctx use b"]) / 2
        print(f"Foundation benchmarks: 250 files × 4 contexts, median of {args.runs} paired runs (ms)\n")
        print("| measurement | kctx | anchor | goal |")
        print("|---|---|---|---|")
        print(row("`kctx ls` vs `kubectl config get-contexts`", r1["kctx ls"], r1["kubectl config get-contexts"],
                  "≤ 60 ms"))
        print(row("`kctx ls` through the pip console script (site + .pth hooks)", r1["kctx ls (console script)"],
                  r1["kubectl config get-contexts"], "—"))
        print(row("`kctx use CTX` (session switch)", use_ms, None, "≤ 30 ms"))
        print(row("`kubectl config current-context`: session vs single file", r3["session"], r3["single"],
                  f"ratio ≤ 1.05 (got {r3['session'] / r3['single']:.3f})"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
