"""Shim overhead: `kubectl version --client` through the kctx shim vs the same binary directly.

    python benchmarks/bench_shim.py [--runs 20]

1001 contexts are known: 250 files × 4, plus one for a loopback stand-in API server (kctx/sandbox), the
current context. Its server version is detected once (`kctx kubectl refresh`) and the real kubectl is
registered (`kctx kubectl add`), so selection runs with auto-detection on and a warm cache, as on a
user's machine. Measured inside a session (KUBECONFIG narrowed to the session and one file) and with all
files in KUBECONFIG, and in the session with the current context protected (a `protect:` rule); each
through the native launcher replaying the last decision (kctx/shim/launcher.c; on the protected context
the memo holds for the exact command line), through the launcher on the full path (KCTX_SHIM_MEMO=0: the
launcher starts the Python shim, no memo read or written), and through the Python shim alone (as installed
without a C compiler: the full path on every call). Goal: ≤ 10 ms added (median).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_foundation import kctx_command  # noqa: E402
from benchmarks.gen import bench_home  # noqa: E402
from benchmarks.timing import paired  # noqa: E402
from kctx.sandbox import ClusterSpec, Sandbox  # noqa: E402
from kctx.shim import install as shiminstall  # noqa: E402
from kctx.shim import native as shimnative  # noqa: E402
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
        shiminstall.install(shim_dir)  # the native launcher where a C compiler is
        python_dir = tmp / "shim-python"
        shiminstall.install(python_dir, native=False)
        real = tmp / "real"
        real.mkdir()
        (real / "kubectl").symlink_to(kubectl)
        base = {"PATH": f"{shim_dir}:{real}:/usr/bin:/bin", "HOME": str(home), "XDG_RUNTIME_DIR": str(tmp / "run")}
        version = subprocess.run([kctx, "kubectl", "add", kubectl], env=base, capture_output=True, text=True,
                                 check=True).stdout.split()[0]
        with Sandbox([ClusterSpec("bench", version=f"v{version}")]) as sandbox:
            sandbox_file = sandbox.write_kubeconfig(home / ".kube" / "configs" / "sandbox.yaml")
            all_files = {**base, "KUBECONFIG": os.pathsep.join(map(str, [sandbox_file, *files]))}
            session = subprocess.run([kctx, "session", "start", "--pid", str(os.getpid())], env=all_files,
                                     capture_output=True, text=True, check=True).stdout.strip()
            subprocess.run([kctx, "use", "bench"], env={**all_files, "KCTX_SESSION": session}, check=True,
                           stderr=subprocess.DEVNULL)
            subprocess.run([kctx, "kubectl", "refresh"], env=all_files, check=True, stdout=subprocess.DEVNULL)
        env_lines = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
        in_session = {**base, "KCTX_SESSION": session, "KUBECONFIG": env_lines["KUBECONFIG"]}
        launcher = str(shim_dir / "kubectl")
        native = bool(shimnative.built_from(launcher))
        python_shim = str(python_dir / "kubectl")  # what is installed without a C compiler
        cmd = ["version", "--client"]
        protect = tmp / "protect.yaml"
        protect.write_text("protect:\n  contexts: [bench]\n")
        protected = {**in_session, "KCTX_CONFIG": str(protect)}
        floor = tmp / "floor"
        exec_line = f"posix.execv({kubectl!r}, [{kubectl!r}, *sys.argv[1:]])"
        floor.write_text(f"#!{sys.executable} -S\nimport posix, sys\n{exec_line}\n")
        floor.chmod(0o755)
        # The shim's own cost without kubectl's ~40-70 ms start and its noise: /bin/true as the kubectl on PATH,
        # chosen by KCTX_KUBECTL_VERSION=system (asdf's word for it).
        fake_dir = tmp / "fake"
        fake_dir.mkdir()
        fake = fake_dir / "kubectl"
        shutil.copy("/bin/true", fake)
        fake_path = {"PATH": f"{shim_dir}:{fake_dir}:/usr/bin:/bin", "KCTX_KUBECTL_VERSION": "system"}
        alone = {"alone, session": {**in_session, **fake_path}, "alone, all files": {**all_files, **fake_path},
                 "alone, protected": {**protected, **fake_path}}
        labels = (("session", in_session), ("all files", all_files), ("protected, session", protected),
                  *alone.items())
        for _ in range(2):  # warm every cache, then (files written in the last two seconds keep a memo from
            time.sleep(2.1)  # being written: their timestamps could hide another change) write the memos
            for _label, env in labels:
                subprocess.run([launcher, *cmd], env=env, stdout=subprocess.DEVNULL, check=True)
        for label, env in labels if native else ():  # the replay column must measure a replay
            p = subprocess.run([launcher, *cmd], env={**env, "KCTX_DEBUG": "1"}, capture_output=True, text=True)
            if "kctx: debug: fast path (native launcher)" not in p.stderr:
                raise SystemExit(f"{label}: the launcher did not replay: {p.stderr.strip()}")
        cases = {"floor (session)": ([str(floor), *cmd], in_session)}
        for label, env in labels:
            cases[f"direct ({label})"] = ([str(fake) if label in alone else kubectl, *cmd], env)
            if native:
                cases[f"native ({label})"] = ([launcher, *cmd], env)
                cases[f"full ({label})"] = ([launcher, *cmd], {**env, "KCTX_SHIM_MEMO": "0"})
            cases[f"python ({label})"] = ([python_shim, *cmd], env)
        r = paired(cases, runs=args.runs)
        print("Shim overhead, `kubectl version --client`, 1001 contexts known, "
              f"median of {args.runs} paired runs (ms; added over direct kubectl in brackets)\n")
        print("| setting | direct kubectl | native launcher, replay | native launcher, full path "
              "(KCTX_SHIM_MEMO=0) | Python shim alone (no C compiler) | goal |")
        print("|---|---|---|---|---|---|")
        for label, _env in labels:
            d = r[f"direct ({label})"]
            cells = [f"{r[f'{kind} ({label})']:.1f} ({r[f'{kind} ({label})'] - d:+.1f})"
                     if f"{kind} ({label})" in r else "— (no C compiler)" for kind in ("native", "full", "python")]
            print(f"| {label} | {d:.1f} | {' | '.join(cells)} | ≤ 10 ms added |")
        print("\nalone: the same settings with /bin/true as kubectl (KCTX_KUBECTL_VERSION=system): the shim's own "
              "cost without kubectl's start and its noise.")
        f = r["floor (session)"]
        print(f"\nFloor: a `python -S` script that only execs kubectl takes {f:.1f} ms "
              f"({f - r['direct (session)']:+.1f} ms over kubectl): the interpreter start every Python shim pays.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
