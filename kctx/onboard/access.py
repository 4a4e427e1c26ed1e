"""--online: does each team cluster let this engineer do what the team file says they need? One
`kubectl auth can-i` per question (``access:``), on the cluster's first context, with the kubectl and the
kubeconfig files the shim would use, in parallel and bounded in time. Nothing else in onboarding opens a
socket to a cluster, so this runs last."""

from __future__ import annotations

import shlex

from kctx.onboard.kubectl import Judged
from kctx.onboard.step import Run

TIMEOUT = 20.0  # per question; a credential plugin may take a moment
JOBS = 8


def deviations(ctx: Run, judged: Judged) -> list[str]:
    from concurrent.futures import ThreadPoolExecutor

    from kctx.workspace import Workspace

    view = Workspace(ctx.env).view
    jobs = [(c.name, c.contexts[0], q) for c in ctx.team.clusters for q in c.access if view.has_context(c.contexts[0])]
    for _, name, _ in jobs:
        judged.of(name)  # judge in this thread: the memo is not shared safely across threads
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        found = list(pool.map(lambda job: _ask(ctx, judged, *job), jobs))
    return [line for line in found if line]


def _ask(ctx: Run, judged: Judged, cluster: str, name: str, question: str) -> str:
    import subprocess

    _, binary, why = judged.binary(name)
    asked = f"kubectl auth can-i {question}"
    if not binary:
        return f'cannot check access on "{name}" (cluster {cluster}): no kubectl to ask with: {why}'
    argv = [binary, "--context", name, f"--request-timeout={int(TIMEOUT) - 2}s", "auth", "can-i",
            *shlex.split(question)]
    try:
        done = subprocess.run(argv, env=judged.environ_for(name), cwd=ctx.home, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace", timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f'cannot check access on "{name}" (cluster {cluster}): {asked} got no answer in {TIMEOUT:.0f} s'
    except OSError as exc:
        return f'cannot check access on "{name}" (cluster {cluster}): cannot run {binary}: {exc.strerror or exc}'
    answer = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    if done.returncode == 0 and answer.startswith("yes"):
        return ""
    if answer.startswith("no"):
        return f'no access on "{name}" (cluster {cluster}): {asked} says no'
    said = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    return (f'cannot check access on "{name}" (cluster {cluster}): {asked} failed: '
            f"{said[-1][:200] if said else f'exit status {done.returncode}'}")

