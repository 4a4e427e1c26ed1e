"""Team aliases next to the user's own contexts. An alias never takes over a context another kubeconfig
file defines (the team's pins, colours and protection would land on it): that is an error naming both.
Rewriting the aliases file removes only the aliases onboarding wrote there, never a context the user added.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from kctx.errors import KctxError
from kctx.kubeconfig.model import View
from kctx.onboard.schema import Cluster, Team
from kctx.paths import display

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.onboard.owned import Owned
    from kctx.onboard.step import Run


@dataclass
class Collision:
    cluster: Cluster
    index: int  # of the alias in cluster.aliases
    file: str  # the other file that defines a context of that name
    other_cluster: str  # the cluster entry that context uses

    @property
    def alias(self) -> str:
        return self.cluster.aliases[self.index]

    def describe(self, home: str) -> str:
        """The collision, naming the team's alias and the other context (no file:line prefix)."""
        a, c = self.alias, self.cluster
        return (f'the team\'s alias "{a}" (for {c.contexts[0]} of cluster {c.name}) collides with the context '
                f'"{a}" in {display(self.file, home)} (cluster {self.other_cluster or "none"}); rename yours '
                f"(kctx ctx NEW={a}) or ask the team to rename the alias")

    def error(self, home: str) -> str:
        """``file:line: key: why``."""
        return f"{self.cluster.alias_where[self.index]}: clusters.{self.cluster.name}.aliases[{self.index}]: " \
               f"{self.describe(home)}"


def collisions(team: Team, view: View, aliases_file: str) -> list[Collision]:
    """The team's aliases that a kubeconfig file other than the team's aliases file defines as a context."""
    names = [a for c in team.clusters for a in c.aliases]
    others = defined_elsewhere(names, view, aliases_file)
    return [Collision(c, i, *others[a]) for c in team.clusters for i, a in enumerate(c.aliases) if a in others]


def defined_elsewhere(names: list[str], view: View, aliases_file: str) -> dict[str, tuple[str, str]]:
    """name -> (file, cluster) for each of ``names`` that a file other than ``aliases_file`` defines."""
    ours, wanted = os.path.abspath(aliases_file), set(names)
    out: dict[str, tuple[str, str]] = {}
    for f in view.files:
        if f.error or os.path.abspath(f.path) == ours:
            continue
        for name in wanted & set(f.contexts):
            out.setdefault(name, (f.path, f.contexts[name].get("cluster", "")))
    return out


def file_contexts(data: bytes | None) -> list[dict[str, object]]:
    """The context entries of an aliases file as written (empty when it is missing or unreadable)."""
    import yaml

    try:
        doc = yaml.safe_load(data) if data else None
    except yaml.YAMLError:
        return []
    items = doc.get("contexts") if isinstance(doc, dict) else None
    return [e for e in items or [] if isinstance(e, dict) and isinstance(e.get("name"), str)]


def written_before(owned: Owned, dest: str, names: list[str], data: bytes | None) -> set[str]:
    """Which of ``names`` (contexts now in the aliases file) onboarding wrote: those it recorded, or all of
    them while the file is still exactly what onboarding wrote."""
    recorded = owned.doc.get("aliases")
    mine = {str(a) for a in recorded} if isinstance(recorded, list) else set()
    if data is not None and owned.owns(dest, data):
        mine |= set(names)
    return mine & set(names)


def stale(team: Team, owned: Owned, dest: str) -> list[str]:
    """Aliases onboarding wrote that the team file no longer has, still defined in the aliases file."""
    from kctx.onboard.owned import read_bytes

    data = read_bytes(dest)
    names = [str(e["name"]) for e in file_contexts(data)]
    wanted = {a for c in team.clusters for a in c.aliases}
    return sorted(written_before(owned, dest, names, data) - wanted)


def found(ctx: Run) -> list[Collision]:
    """Collisions over every kubeconfig kctx knows, including the files the team's own globs add."""
    from kctx.kubeconfig import files, index
    from kctx.workspace import Workspace

    ws = Workspace(ctx.env)
    globs = [*ws.local_config.kubeconfigs, *ctx.team.kubeconfigs]
    view = index.view(files.known_files(ws.base_files, globs, ctx.home, ctx.env.environ), ws.paths.index_dir)
    return collisions(ctx.team, view, ctx.dest("aliases"))


def refuse(ctx: Run) -> None:
    """Stop before anything is changed when a team alias would take over another context."""
    hits = found(ctx)
    if hits:
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        raise KctxError(hits[0].error(ctx.home) + more)
