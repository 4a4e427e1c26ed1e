"""Shim overhead: `kubectl version --client` through the kctx shim vs the same binary directly.

    python benchmarks/bench_shim.py [--runs 20]

1000 contexts are known (250 files × 4). Measured inside a session (KUBECONFIG narrowed to the session
and one file) and with all 250 files in KUBECONFIG. Goal: ≤ 10 ms added (median).
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

from benchmarks.bench_foundation import kctx_command  # noqa: E402
from benchmarks.gen import bench_home  # noqa: E402
from benchmarks.timing import paired  # noqa: E402
from kctx import shiminstall  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    kubectl = str(kubectl_binary())
    kctx = kctx_command()
    tmp = Path(tempfile.mkdtemp(prefix="kctx-bench-"))
    try:
        home, files = bench_home(tmp)
        shim_dir = tmp / "shim"
        shiminstall.install(shim_dir)
        real = tmp / "real"
        real.mkdir()
        (real / "kubectl").symlink_to(kubectl)
        base = {"PATH": f"{shim_dir}:{real}:/usr/bin:/bin", "HOME": str(home), "XDG_RUNTIME_DIR": str(tmp / "run")}
        all_files = {**base, "KUBECONFIG": os.pathsep.join(map(str, files))}
        session = subprocess.run([kctx, "session", "start", "--pid", str(os.getpid())], env=base,
                                 capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run([kctx, "use", "ctx-0517"], env={**base, "KCTX_SESSION": session}, check=True,
                       stderr=subprocess.DEVNULL)
        env_lines = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
        in_session = {**base, "KCTX_SESSION": session, "KUBECONFIG": env_lines["KUBECONFIG"]}
        shim = str(shim_dir / "kubectl")
        cmd = ["version", "--client"]
        for env in (in_session, all_files):  # warm every cache
            subprocess.run([shim, *cmd], env=env, stdout=subprocess.DEVNULL, check=True)
        floor = tmp / "floor"
        exec_line = f"posix.execv({kubectl!r}, [{kubectl!r}, *sys.argv[1:]])"
        floor.write_text(f"#!{sys.executable} -S\nimport posix, sys\n{exec_line}\n")
        floor.chmod(0o755)
        r = paired({
            "floor (session)": ([str(floor), *cmd], in_session),
            "direct (session)": ([kubectl, *cmd], in_session),
            "shim (session)": ([shim, *cmd], in_session),
            "direct (250 files)": ([kubectl, *cmd], all_files),
            "shim (250 files)": ([shim, *cmd], all_files),
        }, runs=args.runs)
        print("Shim overhead, `kubectl version --client`, 1000 contexts known, "
              f"median of {args.runs} paired runs (ms)\n")
        print("| setting | direct kubectl | through the shim | added | goal |")
        print("|---|---|---|---|---|")
        for label in ("session", "250 files"):
            d, s = r[f"direct ({label})"], r[f"shim ({label})"]
            print(f"| {label} | {d:.1f} | {s:.1f} | {s - d:+.1f} | ≤ 10 ms |")
        f = r["floor (session)"]
        print(f"\nFloor: a `python -S` script that only execs kubectl takes {f:.1f} ms "
              f"({f - r['direct (session)']:+.1f} ms over kubectl): the interpreter start every Python shim pays.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
