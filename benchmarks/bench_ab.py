"""The shim of this checkout against the shim of another commit, paired in one run on the same data.

    python benchmarks/bench_ab.py REF [--runs 30]

REF is any git commit (e.g. the last release). Both trees install their shim (the native launcher where a C
compiler is) into their own folder; the home holds 1001 contexts (benchmarks/gen.py) and a loopback stand-in
cluster as the current context, whose server version each tree detects once. Every case runs
`kubectl version --client` with /bin/true as kubectl (KCTX_KUBECTL_VERSION=system), so the numbers are the
shim's own cost: replaying a memo record, and deciding in full (KCTX_SHIM_MEMO=0), inside a session, with all
files in KUBECONFIG, and with the current context protected.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen import bench_home  # noqa: E402
from benchmarks.timing import paired  # noqa: E402
from kctx.sandbox import ClusterSpec, Sandbox  # noqa: E402

SETTINGS = ("session", "all files", "protected")


def _kctx(tree: Path, *args: str, env: dict) -> str:
    return subprocess.run([sys.executable, "-m", "kctx", *args], env={**env, "PYTHONPATH": str(tree)}, cwd=tree,
                          capture_output=True, text=True, check=True).stdout.strip()


def _tree(ref: str, tmp: Path) -> Path:
    folder = tmp / "other"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True,
                   capture_output=True)
    return folder


def _settings(tree: Path, label: str, tmp: Path, home: Path, files: list, sandbox_file: Path) -> dict:
    """The three environments for ``tree``'s shim, with its own caches and session; memos warm."""
    shim_dir, cache = tmp / f"shim-{label}", tmp / f"cache-{label}"
    fake = tmp / "fake"
    base = {"HOME": str(home), "PATH": f"{shim_dir}:{fake}:/usr/bin:/bin", "XDG_RUNTIME_DIR": str(tmp / "run"),
            "XDG_CACHE_HOME": str(cache), "KCTX_KUBECTL_VERSION": "system"}
    _kctx(tree, "shim", "install", "--dir", str(shim_dir), env=base)
    all_files = {**base, "KUBECONFIG": os.pathsep.join(map(str, [sandbox_file, *files]))}
    session = _kctx(tree, "session", "start", "--pid", str(os.getpid()), env=all_files)
    _kctx(tree, "use", "bench", env={**all_files, "KCTX_SESSION": session})
    _kctx(tree, "kubectl", "refresh", env=all_files)
    env_lines = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
    in_session = {**base, "KCTX_SESSION": session, "KUBECONFIG": env_lines["KUBECONFIG"]}
    protect = tmp / "protect.yaml"
    return {"session": in_session, "all files": all_files, "protected": {**in_session, "KCTX_CONFIG": str(protect)}}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kctx-ab-"))
    other = _tree(args.ref, tmp)
    try:
        home, files = bench_home(tmp)
        (tmp / "run").mkdir(mode=0o700)
        (tmp / "fake").mkdir()
        shutil.copy("/bin/true", tmp / "fake" / "kubectl")
        (tmp / "protect.yaml").write_text("protect:\n  contexts: [bench]\n")
        cases: dict = {}
        with Sandbox([ClusterSpec("bench", version="v1.37.1")]) as sandbox:
            sandbox_file = sandbox.write_kubeconfig(home / ".kube" / "configs" / "sandbox.yaml")
            trees = {"this": ROOT, args.ref: other}
            envs = {label: _settings(tree, label.replace("/", "_"), tmp, home, files, sandbox_file)
                    for label, tree in trees.items()}
        for label, settings in envs.items():
            launcher = str(tmp / f"shim-{label.replace('/', '_')}" / "kubectl")
            for name, env in settings.items():
                cases[f"{label} replay ({name})"] = ([launcher, "version", "--client"], env)
                cases[f"{label} full ({name})"] = ([launcher, "version", "--client"], {**env, "KCTX_SHIM_MEMO": "0"})
        for _ in range(2):  # warm every cache, then write the memos (files must be 2 s old)
            time.sleep(2.1)
            for cmd, env in cases.values():
                subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        for label in envs:
            for name in SETTINGS:
                cmd, env = cases[f"{label} replay ({name})"]
                p = subprocess.run(cmd, env={**env, "KCTX_DEBUG": "1"}, capture_output=True, text=True)
                if "fast path" not in p.stderr:
                    print(f"note: {label} ({name}) did not replay: {p.stderr.strip()}", file=sys.stderr)
        r = paired(cases, runs=args.runs)
        print(f"The shim's own cost (/bin/true as kubectl), median of {args.runs} paired runs, ms\n")
        print(f"| setting | {args.ref} replay | this replay | {args.ref} full path | this full path |")
        print("|---|---|---|---|---|")
        for name in SETTINGS:
            print(f"| {name} | {r[f'{args.ref} replay ({name})']:.1f} | {r[f'this replay ({name})']:.1f} | "
                  f"{r[f'{args.ref} full ({name})']:.1f} | {r[f'this full ({name})']:.1f} |")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
