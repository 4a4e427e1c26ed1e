"""Clusters the team file no longer has: their kubeconfig files (the ones onboarding recorded writing) are
listed as still to do, and removed with --prune, a backup kept beside each. Protection rules, pins and
colours stay: onboarding never weakens protection."""

from __future__ import annotations

import os

from kctx.onboard import owned
from kctx.onboard.step import Run, Step
from kctx.util.fsutil import atomic_write, kubeconfig_lock


def dropped(ctx: Run) -> list[tuple[str, str]]:
    """(cluster, file) for each kubeconfig onboarding wrote for a cluster the team file no longer has."""
    keep = {ctx.dest(c.name) for c in ctx.team.clusters} | {ctx.dest("aliases")}
    prefix = ctx.dest("")[: -len(".yaml")]  # ~/.kube/configs/<team>.
    out = []
    for path in sorted(ctx.owned.files):
        if path not in keep and path.startswith(prefix) and path.endswith(".yaml") and os.path.exists(path):
            out.append((path[len(prefix):-len(".yaml")], path))
    return out


def describe(cluster: str, path: str, ctx: Run) -> str:
    return f"{ctx.show(path)}: cluster {cluster} is no longer in the team file"


def hints(ctx: Run) -> list[str]:
    """What is left to do about dropped clusters (onboard's "still to do", --check's deviations)."""
    return [f"{describe(c, p, ctx)}: kctx onboard --prune removes it (a backup is kept)" for c, p in dropped(ctx)]


class PruneStep(Step):
    def __init__(self, ctx: Run) -> None:
        self.ctx, self.prune = ctx, ctx.prune
        self.label = "clusters the team dropped"

    def pending(self) -> list[str]:
        if not self.prune:
            return []
        return [f"remove {describe(c, p, self.ctx)} (a backup is kept)" for c, p in dropped(self.ctx)]

    def run(self) -> list[str]:
        return [self._remove(cluster, path) for cluster, path in dropped(self.ctx)]

    def todo(self) -> list[str]:
        return [] if self.prune else hints(self.ctx)

    def _remove(self, cluster: str, path: str) -> str:
        with kubeconfig_lock(path):
            data = owned.read_bytes(path)
            backup = owned.backup_name(path)
            if data is not None:
                atomic_write(backup, data, mode=owned.MODE)
                os.remove(path)
        self.ctx.owned.forget(path)
        return f"removed {describe(cluster, path, self.ctx)}; saved as {self.ctx.show(backup)}"
