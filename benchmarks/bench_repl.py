"""REPL speed: time to the first prompt in a pseudo-terminal, and completion latency from the cache.

    python benchmarks/bench_repl.py [--runs 15]

Time to first prompt: from spawning the process to the prompt's text arriving on the terminal (the
pty answers cursor-position requests like a terminal), median of --runs, for `kctx shell` started the
way the shell integration starts kctx (python -S kctx/launch.py) and as a plain `python -m kctx`.
The kubeconfig has 50 contexts; the sandbox serves the clusters, though nothing is asked of them
before the prompt is drawn.

Completion latency: ``suggest()`` plus the prompt_toolkit adapter on a cache holding 300 resource
types, 1000 namespaces and 5000 pod names; median and 95th percentile over typical lines.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


PROMPT = re.compile(r"default(?:\x1b\[[0-9;]*m)*>")  # the namespace, then the prompt's ">"


def first_prompt(cmd: list[str], env: dict) -> float:
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(cmd[0], cmd[1:], env=env, cwd=str(ROOT), encoding="utf-8", dimensions=(40, 160),
                          timeout=20)
    seen = ""
    took = None
    while took is None:
        chunk = child.read_nonblocking(65536, timeout=20)
        if "\x1b[6n" in chunk:
            child.send("\x1b[1;1R")  # answer like a terminal would
        seen += chunk
        if PROMPT.search(seen):
            took = time.perf_counter() - start
    child.send("\x04")
    child.expect(pexpect.EOF)
    child.close()
    return took


def bench_startup(runs: int) -> dict[str, float]:
    from kctx.sandbox import ClusterSpec, Sandbox
    from tests.kubectl_bins import kubectl_binary

    with tempfile.TemporaryDirectory() as tmp, Sandbox([ClusterSpec("dev"), ClusterSpec("prod")]) as sb:
        home = Path(tmp) / "home"
        (home / ".kube").mkdir(parents=True)
        text = sb.kubeconfig(current="dev")
        (home / ".kube" / "config").write_text(text)
        extra = home / ".kube" / "configs"
        extra.mkdir()
        for i in range(24):
            (extra / f"team{i}.yaml").write_text(sb.kubeconfig(context_prefix=f"team{i}-"))
        real = Path(tmp) / "real"
        real.mkdir()
        (real / "kubectl").symlink_to(kubectl_binary())
        run = Path(tmp) / "run"
        run.mkdir(mode=0o700)
        # PYTHONDONTWRITEBYTECODE off: the warm-up writes .pyc files, as an installed package has them.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KCTX_", "KUBECONFIG")) and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(HOME=str(home), XDG_RUNTIME_DIR=str(run), PATH=f"{real}:{os.environ['PATH']}", TERM="xterm")
        cases = {
            "kctx shell (launcher: python -S)": [sys.executable, "-S", str(ROOT / "kctx" / "launch.py"), "shell"],
            "kctx shell (python -m kctx)": [sys.executable, "-m", "kctx", "shell"],
        }
        for cmd in cases.values():  # warm the index cache, the pycs and the page cache
            first_prompt(cmd, env)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, cmd in cases.items():
                samples[name].append(first_prompt(cmd, env))
        return {name: statistics.median(xs) for name, xs in samples.items()}


def bench_completion() -> tuple[float, float, int]:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from kctx.repl.cache import Cache, ClusterData, CommandInfo, ResourceType
    from kctx.repl.completer import make_completer

    c = Cache()
    commands = ("get", "describe", "delete", "logs", "apply", "edit", "exec", "rollout", "scale", "label")
    global_flags = {f"--flag-{i}": "a global flag" for i in range(40)}
    c.put_command((), CommandInfo({n: f"{n} things" for n in commands}, global_flags, frozenset({"-n", "--namespace"})))
    get_flags = {f"--get-flag-{i}": "a flag" for i in range(30)}
    for name in ("get", "describe", "delete", "logs"):
        c.put_command((name,), CommandInfo({}, get_flags, frozenset({"-o", "--output"}), frozenset(get_flags)))
    cl = ClusterData("https://bench:6443")
    types = [ResourceType(f"widgets{i}", f"widgets{i}", f"example{i % 30}.io", (f"w{i}",), f"Widget{i}", True)
             for i in range(290)]
    types += [ResourceType(n, n, "", (), n.title(), True) for n in ("pods", "configmaps", "secrets", "services")]
    cl.set_types(types)
    cl.namespaces = tuple(f"team-{i:04d}" for i in range(1000))
    cl.put_names("pods", "default", [f"web-{i:05d}-abcde" for i in range(5000)])
    c.cluster = cl
    c.contexts = tuple(f"ctx-{i}" for i in range(1000))
    completer = make_completer(lambda: c)
    lines = ["g", "get ", "get wid", "get pods ", "get pods web-01", "get pods -n team-0", "describe po", "logs web-4",
             "get --get", "use ctx-9", "get pods wb0199"]
    ms = []
    for _ in range(30):
        for line in lines:
            t = time.perf_counter()
            list(completer.get_completions(Document(line), CompleteEvent()))
            ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return statistics.median(ms), ms[int(len(ms) * 0.95)], len(ms)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=15)
    args = p.parse_args()
    med, p95, n = bench_completion()
    print(f"completion from cache: median {med:.2f} ms, p95 {p95:.2f} ms ({n} completions)")
    for name, secs in bench_startup(args.runs).items():
        print(f"time to first prompt, {name}: median {secs * 1000:.0f} ms ({args.runs} runs)")


if __name__ == "__main__":
    main()
