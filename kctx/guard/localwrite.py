"""Local writes that remove protection: deleting or renaming a protected context, re-pointing a protected context
or cluster at another cluster or server, deleting a protected cluster, removing a protection mark.

A context is a source of protection when protect.contexts matches its name or it carries a mark; a cluster when
protect.clusters matches its name, it carries a mark, or a protected context uses it (its server is protected
through that context). Writes to anything else remove nothing: a context or cluster that is protected only because
it reaches a protected server stays harmless wherever it is pointed, since the server keeps its protection.

removal() and the functions below it are pure (the merged view and the config in, a Removal or None out);
kctx/guard/enforce.py: enforce_removal() asks on the terminal like the guard does for writes to a protected cluster,
refuses without one (exit 4) unless KCTX_CONFIRM names the context, and writes the audit log. The shim judges
`kubectl config …` with removal(); `kctx ctx` (kubectx's `-d` and `NEW=OLD`) and `kctx prune` call the functions
below and enforce_removal().
"""

from __future__ import annotations

from kctx.config import Config, matches
from kctx.guard.protection import protected_uses
from kctx.guard.server import identity
from kctx.kubeconfig.model import Context, View

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:

    from kctx.guard.target import Target
    from kctx.kubectl.argv import KubectlArgs

# Field names kubectl's `config set`/`unset` know in a context and a cluster entry: a property path names the entry
# with every part up to the first of these (names may hold dots: `clusters.a.b.server`).
CONTEXT_FIELDS = frozenset({"cluster", "user", "namespace", "extensions"})
CLUSTER_FIELDS = frozenset({"server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority",
                            "certificate-authority-data", "proxy-url", "disable-compression", "extensions"})


class Removal:
    """What a local write takes away: ``context`` is the context to name in KCTX_CONFIRM and at the prompt ("" when
    no protected context is involved), ``reason`` says what is removed and why it was protected."""

    __slots__ = ("context", "cluster", "server", "reason", "readonly")

    def __init__(self, context: str, cluster: str, server: str, reason: str) -> None:
        self.context, self.cluster, self.server, self.reason = context, cluster, server, reason
        self.readonly = ""  # why what it touches is read-only: then only an unlock lets it through (with_readonly)

    def __repr__(self) -> str:
        return f"Removal({self.context!r}, {self.cluster!r}, {self.server!r}, {self.reason!r})"


def removal(args: KubectlArgs, view: View, config: Config) -> Removal | None:
    """What the `kubectl config …` command line ``args`` (kctx.kubectl.argv.KubectlArgs) removes, if anything."""
    found = _removal(args, view, config)
    return with_readonly(found, view, config) if found is not None else None


def with_readonly(removed: Removal, view: View, config: Config) -> Removal:
    """``removed`` with why the context or cluster it touches is read-only, if it is: KCTX_CONFIRM does not lift
    read-only, so neither may it lift an edit that takes read-only away."""
    for name, section, globs in ((removed.context, "contexts", config.readonly_contexts),
                                 (removed.cluster, "clusters", config.readonly_clusters)):
        if not name:
            continue
        hit = matches(name, globs)
        marked = "" if hit else view.marked_readonly(section, name)
        if hit or marked:
            what = section[:-1]
            removed.readonly = (f'{what} "{name}" matches protect.readonly.{section} "{hit}"' if hit
                                else f'{what} "{name}" is marked read-only in {marked}')
            break
    return removed


def _removal(args: KubectlArgs, view: View, config: Config) -> Removal | None:
    if args.command[:1] != ("config",) or len(args.command) != 2:
        return None
    sub, names = args.command[1], args.args
    if sub in ("delete-context", "delete-cluster"):
        delete = delete_context if sub == "delete-context" else delete_cluster
        return next((r for r in (delete(view, config, n) for n in names) if r), None)
    if sub == "rename-context" and len(names) == 2:
        return rename_context(view, config, names[0], names[1])
    if sub == "set-context" and args.last("cluster") is not None:
        name = view.current_context if args.last("current") is not None else (names[0] if names else "")
        return repoint_context(view, config, name, args.last("cluster") or "")
    if sub == "set-cluster" and names and args.last("server") is not None:
        return repoint_cluster(view, config, names[0], args.last("server") or "")
    if sub in ("set", "unset") and names:
        value = names[1] if sub == "set" and len(names) > 1 else ""
        return property_write(view, config, names[0], value, unset=sub == "unset")
    return None


def property_write(view: View, config: Config, prop: str, value: str, unset: bool) -> Removal | None:
    """`config set PROP VALUE` / `config unset PROP` on a contexts.* or clusters.* property."""
    section, _, rest = prop.partition(".")
    if section not in ("contexts", "clusters"):
        return None
    contexts = section == "contexts"
    if not rest:  # the whole map
        if not unset:
            return None
        names = view.context_names() if contexts else view.cluster_names()
        delete = delete_context if contexts else delete_cluster
        return next((r for r in (delete(view, config, n) for n in names) if r), None)
    name, field = _name_step(rest.split("."), CONTEXT_FIELDS if contexts else CLUSTER_FIELDS)
    if not field:
        return (delete_context if contexts else delete_cluster)(view, config, name) if unset else None
    if field == "extensions" and unset:
        return unmark(view, name, contexts)
    if contexts and field == "cluster":
        return repoint_context(view, config, name, value)
    if not contexts and field == "server":
        return repoint_cluster(view, config, name, value)
    return None


def _name_step(parts: list[str], fields: frozenset[str]) -> tuple[str, str]:
    for i in range(1, len(parts)):
        if parts[i] in fields:
            return ".".join(parts[:i]), parts[i]
    return ".".join(parts), ""


def delete_context(view: View, config: Config, name: str) -> Removal | None:
    ctx = view.context(name)
    why = _context_source(view, config, name)
    if ctx is None or not why:
        return None
    return Removal(name, ctx.cluster, _server(view, ctx.cluster),
                   f'deletes context "{name}", which is protected: {why}')


def rename_context(view: View, config: Config, old: str, new: str) -> Removal | None:
    """The mark goes with the renamed context; a protect.contexts glob may not match the new name. A context
    already called ``new`` is overwritten (kubectx does that)."""
    ctx = view.context(old)
    if ctx is None or old == new:
        return None
    why = _context_source(view, config, old)
    if why and not (ctx.protected_mark or matches(new, config.protect_contexts)):
        return Removal(old, ctx.cluster, _server(view, ctx.cluster),
                       f'renames context "{old}" to "{new}", which no protect rule matches: {why}')
    ro = matches(old, config.readonly_contexts)
    if ro and not (view.marked_readonly("contexts", old) or matches(new, config.readonly_contexts)):
        return Removal(old, ctx.cluster, _server(view, ctx.cluster),
                       f'renames read-only context "{old}" to "{new}", which no read-only rule matches: context '
                       f'"{old}" matches protect.readonly.contexts "{ro}"')
    return delete_context(view, config, new)


def repoint_context(view: View, config: Config, name: str, cluster: str) -> Removal | None:
    ctx = view.context(name) if name else None
    why = _context_source(view, config, name) if ctx is not None else ""
    if ctx is None or not why or cluster == ctx.cluster or _same_server(view, ctx.cluster, cluster):
        return None
    # A protected context moved onto another protected context's cluster: KCTX_CONFIRM=<this one> would then
    # allow writes there, so the edit is confirmed as that context's.
    other = protected_uses(config, view)[0].get(cluster)
    if other is not None and other[1] and other[1] != name:
        return Removal(other[1], cluster, _server(view, cluster),
                       f'points protected context "{name}" at cluster "{cluster}", which {other[0]} uses')
    return Removal(name, ctx.cluster, _server(view, ctx.cluster),
                   f'points protected context "{name}" from cluster "{ctx.cluster}" to "{cluster}": {why}')


def repoint_cluster(view: View, config: Config, name: str, server: str) -> Removal | None:
    cl = view.cluster(name)
    why = _cluster_source(view, config, name) if cl is not None else ""
    if cl is None or not why or _one_server(cl.server, server):
        return None
    return Removal(_protected_user(view, config, name), name, cl.server,
                   f'points protected cluster "{name}" from "{cl.server}" to "{server}": {why}')


def delete_cluster(view: View, config: Config, name: str) -> Removal | None:
    cl = view.cluster(name)
    why = _cluster_source(view, config, name) if cl is not None else ""
    if cl is None or not why:
        return None
    return Removal(_protected_user(view, config, name), name, cl.server,
                   f'deletes cluster "{name}", which is protected: {why}')


def unmark(view: View, name: str, context: bool) -> Removal | None:
    entry = view.context(name) if context else view.cluster(name)
    if entry is None or not entry.protected_mark:
        return None
    what = "context" if context else "cluster"
    reason = f'removes the protection mark of {what} "{name}" in {entry.file}'
    if isinstance(entry, Context):
        return Removal(name, entry.cluster, _server(view, entry.cluster), reason)
    return Removal("", name, entry.server, reason)


def _context_source(view: View, config: Config, name: str) -> str:
    """Why context ``name`` is protected by itself (a glob on its name, its mark), or ""."""
    hit = matches(name, config.protect_contexts)
    if hit:
        return f'context "{name}" matches protect.contexts "{hit}"'
    ctx = view.context(name)
    return f'context "{name}" is marked protected in {ctx.file}' if ctx is not None and ctx.protected_mark else ""


def _cluster_source(view: View, config: Config, name: str) -> str:
    hit = matches(name, config.protect_clusters)
    if hit:
        return f'cluster "{name}" matches protect.clusters "{hit}"'
    cl = view.cluster(name)
    if cl is not None and cl.protected_mark:
        return f'cluster "{name}" is marked protected in {cl.file}'
    user = protected_uses(config, view)[0].get(name)
    return f'cluster "{name}" is used by {user[0]}' if user else ""


def _protected_user(view: View, config: Config, cluster: str) -> str:
    """A context protected by itself that uses ``cluster`` (the name to confirm with), or ""."""
    for n in view.context_names():
        if _context_source(view, config, n):
            ctx = view.context(n)
            if ctx is not None and ctx.cluster == cluster:
                return n
    return ""


def _server(view: View, cluster: str) -> str:
    cl = view.cluster(cluster) if cluster else None
    return cl.server if cl is not None else ""


def _same_server(view: View, old: str, new: str) -> bool:
    a, b = view.cluster(old) if old else None, view.cluster(new) if new else None
    return a is not None and b is not None and _one_server(a.server, b.server)


def _one_server(a: str, b: str) -> bool:
    ident = identity(a)
    return ident is not None and ident == identity(b)


def removal_target(removed: Removal) -> Target:
    """The target a write that removes protection is judged and shown as: the protected context it concerns."""
    from kctx.guard.target import Target

    t = Target()
    t.context, t.cluster, t.server, t.namespace = removed.context, removed.cluster, removed.server, "-"
    t.protected_by = removed.reason
    return t
