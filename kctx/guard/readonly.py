"""Whether a protected target is read-only: `protect.readonly` globs (contexts, clusters, servers) and the
kubeconfig mark ``{name: kctx, extension: {readonly: true}}``. Writes and access commands to a read-only target
are refused even on a terminal; only `kctx unlock` lifts that, for one shell and a while.

Every read-only rule is a protection rule too (kctx/config.py, kctx/kubeconfig/extract.py), so this is asked
only about a target already found protected, with the same server identities: a server reached by a read-only
context or cluster is read-only whichever context, cluster entry or `-s` spelling reaches it.
Not in the hot set: only a call that needs a confirmation on a protected target gets here.
"""

from __future__ import annotations

from kctx.config import Config, matches
from kctx.guard.protection import _server_rule, cluster_servers
from kctx.guard.server import covering, identity
from kctx.kubeconfig.model import View


def readonly(config: Config, view: View, context: str, cluster: str, server: str) -> str:
    """Why the target is read-only (which rule), or ""."""
    for value, globs, what in ((context, config.readonly_contexts, "context"),
                               (cluster, config.readonly_clusters, "cluster")):
        hit = matches(value, globs)
        if hit:
            return f'{what} "{value}" matches protect.readonly.{what}s "{hit}"'
    ident = identity(server)
    hit = _server_rule(server, ident, config.readonly_servers)
    if hit:
        return f'server "{server}" matches protect.readonly.servers "{hit}"'
    marked = view.marked_readonly("contexts", context) if context else ""
    if marked:
        return f'context "{context}" is marked read-only in {marked}'
    if ident is None:
        return ""
    servers = covering(ident)
    marked = view.marked_readonly("clusters", cluster) if cluster else ""
    own = view.cluster(cluster) if marked else None
    if own is not None and identity(own.server) in servers:
        return f'cluster "{cluster}" is marked read-only in {marked}'
    return _by_use(config, view, cluster, servers)


def _by_use(config: Config, view: View, cluster: str, servers: list[str]) -> str:
    """A cluster used by a read-only context, or a server of a read-only context or cluster; every definition
    counts, also one a same-named entry earlier in the list hides from kubectl."""
    by_name: dict[str, list[str]] | None = None
    for name, entry, f in view.definitions("contexts"):
        marked = f.path if entry.get("readonly") else ""
        rule = matches(name, config.readonly_contexts) or (marked and f"marked read-only in {marked}")
        if not rule:
            continue
        used = str(entry.get("cluster") or "")
        if used == cluster:
            return f'cluster "{cluster}" is used by the read-only context "{name}" ({rule})'
        by_name = cluster_servers(view) if by_name is None else by_name
        if any(identity(server) in servers for server in by_name.get(used, ())):
            return f'the server is the server of the read-only context "{name}" ({rule})'
    for name, entry, f in view.definitions("clusters"):
        marked = f.path if entry.get("readonly") else ""
        rule = matches(name, config.readonly_clusters) or (marked and f"marked read-only in {marked}")
        if rule and identity(str(entry.get("server") or "")) in servers:
            return f'the server is the server of the read-only cluster "{name}" ({rule})'
    return ""
