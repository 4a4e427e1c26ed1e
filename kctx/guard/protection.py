"""Whether a target is protected: the config's protect globs, protection marks inside kubeconfig files, and
clusters or servers that a protected context or a protected cluster uses. Servers are compared by identity
(kctx/guard/server.py): every spelling kubectl reaches one server with is that server. Standard library only
(the shim runs it)."""

from __future__ import annotations

from kctx.config import Config, matches
from kctx.guard.server import covering, identity, server_glob
from kctx.kubeconfig.model import View
from kctx.util.globmatch import match


def normalize_server(url: str) -> str:
    """A server URL as its identity (``host:port[/path]``); a URL kubectl refuses stays as written."""
    ident = identity(url)
    return url.strip() if ident is None else ident


def protection(config: Config, view: View, context: str, cluster: str, server: str,
               overridden: list[str] | tuple[str, ...] = (), known: View | None = None) -> str:
    """Why this target is protected, or "" (see protection_source)."""
    return protection_source(config, view, context, cluster, server, overridden, known)[0]


def protection_source(config: Config, view: View, context: str, cluster: str, server: str,
                      overridden: list[str] | tuple[str, ...] = (), known: View | None = None) -> tuple[str, str]:
    """Why this target is protected (which rule matched), or "" when it is not. ``server`` is the server the
    call reaches (after -s/--server): what protects a server does not depend on the flag that named it, so
    ``overridden`` (the global flags that changed the target) is not needed here. ``known``: kctx's whole view
    (kctx/guard/reach.py) when it holds more files than kubectl's ``view``: a mark or a protected context there
    protects its names and servers too, so a file kubectl does not read cannot hide what it protects.

    Returns (why, source): ``source`` is, for a context not protected in its own right (by a protect.contexts
    glob on its name or its mark), the protected context whose cluster or server it reaches ("" when none
    does). KCTX_CONFIRM must name that context: allowing "dev" must not allow a dev re-pointed at prod's
    cluster, whichever rule (a context, cluster or server glob, a mark) protects prod's server."""
    views = (view, known) if known is not None else (view,)
    ident = identity(server)
    why = _why(config, views, context, cluster, server, ident)
    if not why or _own_right(config, view, context):
        return why, ""
    return why, _borrowed(config, views, cluster, ident)


def _why(config: Config, views: tuple[View, ...], context: str, cluster: str, server: str,
         ident: str | None) -> str:
    for value, globs, what in ((context, config.protect_contexts, "context"),
                               (cluster, config.protect_clusters, "cluster")):
        hit = matches(value, globs)
        if hit:
            return f'{what} "{value}" matches protect.{what}s "{hit}"'
    hit = _server_rule(server, ident, config.protect_servers)
    if hit:
        return f'server "{server}" matches protect.servers "{hit}"'
    for v in views:
        found = _by_view(config, v, context, cluster, server, ident)[0]
        if found:
            return found
    if ident is None and config.protect_servers:
        return f'server "{server}" is not a URL kubectl reads, so it may be a protected server'
    return ""


def _own_right(config: Config, view: View, context: str) -> bool:
    """Whether ``context`` is protected by its name or its mark (not by what it reaches)."""
    if not context:
        return False
    ctx = view.context(context)
    return bool(matches(context, config.protect_contexts)) or (ctx is not None and ctx.protected_mark)


def _borrowed(config: Config, views: tuple[View, ...], cluster: str, ident: str | None) -> str:
    """The protected context whose cluster entry or server this target reaches (contexts come before clusters
    in protected_uses, so a server any protected context reaches names one)."""
    for v in views:
        by_cluster, by_server = protected_uses(config, v)
        used = by_cluster.get(cluster) if cluster else None
        if used is not None:
            return used[1]
        if ident is not None:
            name = next((by_server[c][1] for c in covering(ident) if c in by_server and by_server[c][1]), "")
            if name:
                return name
    return ""


def _by_view(config: Config, view: View, context: str, cluster: str, server: str,
             ident: str | None) -> tuple[str, str]:
    """What protects the target in one view: marks, and the clusters and servers of protected entries."""
    # A context marked protected stays protected whatever flags override its parts (like protect.contexts).
    ctx = view.context(context) if context else None
    if ctx is not None and ctx.protected_mark:
        return f'context "{context}" is marked protected in {ctx.file}', ""
    # A cluster's mark protects its server, whichever cluster entry, context or -s spelling reaches it.
    cl = view.cluster(cluster) if cluster else None
    if cl is not None and cl.protected_mark and ident is not None and identity(cl.server) in covering(ident):
        return f'cluster "{cluster}" is marked protected in {cl.file}', ""
    by_cluster, by_server = protected_uses(config, view)
    used = by_cluster.get(cluster) if cluster else None
    if used is not None:
        return f'cluster "{cluster}" is used by {used[0]}', used[1]
    if ident is None:
        # kubectl refuses this URL, so kctx cannot tell which server it names: fail closed where anything is.
        why = f'server "{server}" is not a URL kubectl reads, so it may be a protected server' if by_server else ""
        return why, ""
    of = next((by_server[c] for c in covering(ident) if c in by_server), None)
    shown = server or "(none: kubectl's default)"
    return (f'server "{shown}" is the server of {of[0]}', of[1]) if of is not None else ("", "")


def _server_rule(server: str, ident: str | None, globs: list[str]) -> str:
    """The first protect.servers entry matching the server as written or its identity (or a path prefix of it:
    a server protected without a path is protected whatever path a call adds)."""
    hit = matches(server, globs)
    if hit or not globs or ident is None:
        return hit
    candidates = covering(ident)
    for pattern, (norm, is_glob) in zip(globs, _normalised(globs), strict=True):
        # (a glob ending in "/*" also matches the server without a path)
        if any(match(c, norm) or match(c + "/", norm) for c in candidates) if is_glob else norm in candidates:
            return pattern
    return ""


_GLOBS: dict[tuple[str, ...], list[tuple[str, bool]]] = {}


def _normalised(globs: list[str]) -> list[tuple[str, bool]]:
    key = tuple(globs)
    cached = _GLOBS.get(key)
    if cached is None:
        cached = _GLOBS[key] = [server_glob(g) for g in globs]
    return cached


Source = tuple[str, str]  # (what protects, in words; the protected context it comes from, or "")


def protected_uses(config: Config, view: View) -> tuple[dict[str, Source], dict[str, Source]]:
    """Clusters used by protected contexts, and the server identities of protected contexts and protected
    clusters, computed once per view and config: `kctx ls` asks for every context, and the whole merge must
    not be walked once per context."""
    cached = view._protected_uses
    if cached is not None and cached[0] is config:
        return cached[1]
    by_cluster: dict[str, Source] = {}
    by_server: dict[str, Source] = {}
    servers: dict[str, list[str]] | None = None  # (built when the first protected context is found)
    # Every definition, not only the one that wins the merge: a same-named context earlier in the list (an
    # unmarked "prod" pointing at dev) hides the real one from kubectl, not its protection from kctx.
    for name, entry, f in view.definitions("contexts"):
        marked = bool(entry.get("protected"))
        if not config.protect_contexts and not marked:
            continue  # the common case: no rules to match, and this context carries no mark
        rule = matches(name, config.protect_contexts) or (marked and f"marked protected in {f.path}")
        if not rule:
            continue
        desc = (f'the protected context "{name}" ({rule})', name)
        cluster = str(entry.get("cluster") or "")
        by_cluster.setdefault(cluster, desc)
        servers = cluster_servers(view) if servers is None else servers
        for server in servers.get(cluster, ()):
            _add(by_server, server, desc)
    for name, entry, f in view.definitions("clusters"):
        marked = bool(entry.get("protected"))
        if not config.protect_clusters and not marked:
            continue
        rule = matches(name, config.protect_clusters) or (marked and f"marked protected in {f.path}")
        if rule:
            _add(by_server, str(entry.get("server") or ""), (f'the protected cluster "{name}" ({rule})', ""))
    view._protected_uses = (config, (by_cluster, by_server))
    return by_cluster, by_server


def cluster_servers(view: View) -> dict[str, list[str]]:
    """Each cluster name with the server of every definition of it in every file: which one a context's
    cluster name reaches depends on the files a call lists first, so a protected context protects them all."""
    out: dict[str, list[str]] = {}
    for name, entry, _f in view.definitions("clusters"):
        out.setdefault(name, []).append(str(entry.get("server") or ""))
    return out


def _add(by_server: dict[str, Source], server: str, desc: Source) -> None:
    ident = identity(server)
    if ident is not None:
        by_server.setdefault(ident, desc)
