"""Whether a target is protected: the config's protect globs, protection marks inside kubeconfig files, and
clusters or servers that a protected context uses. Standard library only (the shim runs it)."""

from __future__ import annotations

from kctx.config import Config, matches
from kctx.kubeconfig.model import View


def normalize_server(url: str) -> str:
    """A server URL in one spelling: lower-case scheme and host, default port, no trailing slash."""
    raw = url.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "https", raw
    scheme = scheme.lower()
    host, slash, path = rest.partition("/")
    host = host.lower()
    if ":" not in host.rsplit("]", 1)[-1]:
        host += ":443" if scheme == "https" else ":80"
    path = path.rstrip("/")
    return f"{scheme}://{host}" + (f"/{path}" if path else "")


def normalize_glob(pattern: str) -> str:
    """protect.servers globs in the same spelling as normalize_server (the globs' own * are kept)."""
    return normalize_server(pattern) if "://" in pattern and not pattern.endswith("*") else pattern.lower()


def protection(config: Config, view: View, context: str, cluster: str, server: str,
               overridden: list[str] | tuple[str, ...] = ()) -> str:
    """Why this target is protected (which rule matched), or "" when it is not."""
    norm = normalize_server(server) if server else ""
    for value, globs, what in ((context, config.protect_contexts, "context"),
                               (cluster, config.protect_clusters, "cluster"),
                               (server, config.protect_servers, "server"),
                               (norm, [normalize_glob(g) for g in config.protect_servers], "server")):
        hit = matches(value, globs)
        if hit:
            return f'{what} "{value}" matches protect.{what}s "{hit}"'
    # A context marked protected stays protected whatever flags override its parts (like protect.contexts).
    ctx = view.context(context) if context else None
    if ctx is not None and ctx.protected_mark:
        return f'context "{context}" is marked protected in {ctx.file}'
    cl = view.cluster(cluster) if cluster else None
    if cl is not None and cl.protected_mark and "server" not in overridden:
        return f'cluster "{cluster}" is marked protected in {cl.file}'
    return _reached_through_protected_context(config, view, context, cluster, server)


def _reached_through_protected_context(config: Config, view: View, context: str, cluster: str, server: str) -> str:
    """`--cluster prod` or `-s https://prod…` on a dev context still reaches prod: a cluster or server that a
    protected context uses is protected too."""
    if not (cluster or server):
        return ""
    by_cluster, by_server = _protected_uses(config, view)
    hit = by_cluster.get(cluster) if cluster else None
    if hit:
        return f'cluster "{cluster}" is used by the protected context {hit}'
    hit = by_server.get(normalize_server(server)) if server else None
    return f'server "{server}" is used by the protected context {hit}' if hit else ""


def _protected_uses(config: Config, view: View) -> tuple[dict[str, str], dict[str, str]]:
    """Clusters and (normalised) servers used by protected contexts, computed once per view and config: `kctx ls`
    asks for every context, and the whole merge must not be walked once per context."""
    cached = getattr(view, "_protected_uses", None)
    if cached is not None and cached[0] is config:
        return cached[1]
    by_cluster: dict[str, str] = {}
    by_server: dict[str, str] = {}
    globs = bool(config.protect_contexts or config.protect_clusters)
    for name in view.context_names():
        if not globs and not view.context_marked(name):
            continue  # the common case: no rules to match, and this context carries no mark
        ctx = view.context(name)
        own = view.cluster(ctx.cluster)
        rule = matches(ctx.name, config.protect_contexts) or (ctx.protected_mark and "marked protected")
        if not rule and own is not None:
            rule = matches(own.name, config.protect_clusters)
        if not rule:
            continue
        desc = f'"{ctx.name}" ({rule})'
        by_cluster.setdefault(ctx.cluster, desc)
        if own is not None and own.server:
            by_server.setdefault(normalize_server(own.server), desc)
    view._protected_uses = (config, (by_cluster, by_server))
    return by_cluster, by_server
