"""Paired timing: run commands interleaved (A, B, A, B…) so machine noise hits both alike; report medians."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence


def time_once(cmd: Sequence[str], env: dict[str, str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - start) * 1000


def paired(cases: dict[str, tuple[Sequence[str], dict[str, str]]], runs: int = 15, warmup: int = 2) -> dict:
    """Median milliseconds per case, measured round-robin."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(warmup + runs):
        for name, (cmd, env) in cases.items():
            ms = time_once(cmd, env)
            if i >= warmup:
                samples[name].append(ms)
    return {name: statistics.median(xs) for name, xs in samples.items()}


def row(label: str, ours: float, anchor: float | None, goal: str) -> str:
    anchor_s = f"{anchor:.1f}" if anchor is not None else "—"
    return f"| {label} | {ours:.1f} | {anchor_s} | {goal} |"
