"""The effective target of a kubectl call: which context, cluster, server, user and namespace it hits.

Follows kubectl: --kubeconfig replaces KUBECONFIG; --context picks the context; --cluster, --user and
-s/--server override the context's parts; -n overrides its namespace. Standard library only.
"""

from __future__ import annotations

from kctx.config import Config, matches
from kctx.kubeconfig import files as kfiles
from kctx.kubeconfig import index
from kctx.kubeconfig.model import View
from kctx.paths import Paths
from kctx.util.fastos import exists

CONTRACT_FIELDS = ("context", "cluster", "server", "user", "namespace", "files", "protected")


class Target:
    def __init__(self) -> None:
        self.context = ""
        self.cluster = ""
        self.server = ""
        self.user = ""
        self.namespace = "default"
        self._protected_by: str | None = ""  # None: not computed yet (see resolve)
        self._config: Config | None = None
        self._problem = ""
        self._view: View | None = None
        self._files: list[str] | None = None
        self.overridden: list[str] = []  # global flags that changed the target (--cluster, -s…)
        self.ca_sha256 = ""
        self.insecure = False

    @property
    def files(self) -> list[str]:
        """The kubeconfig files in effect (loads the whole view: not needed on the shim's fast path)."""
        if self._files is None:
            self._files = [f.path for f in self._view.files] if self._view is not None else []
        return self._files

    @files.setter
    def files(self, value: list[str]) -> None:
        self._files = list(value)

    @property
    def protected_by(self) -> str:
        """Which rule makes the target protected ("" when none). Computed on first use: the shim's read path
        never needs it, and the "used by a protected context" rule walks every context."""
        if self._protected_by is None:
            self._protected_by = ""
            if self._config is not None and self._view is not None:
                self._protected_by = protection(self._config, self._view, self.context, self.cluster, self.server,
                                                self.overridden)
        return self._protected_by

    @protected_by.setter
    def protected_by(self, value: str) -> None:
        self._protected_by = value

    @property
    def protected(self) -> bool:
        return bool(self.protected_by)

    @property
    def problem(self) -> str:
        """Why the target could not be fully resolved (kubectl will fail too), or ""."""
        if not self._problem and self._view is not None:
            errors = self._view.errors
            if errors:
                self._problem = errors[0]
        return self._problem

    @problem.setter
    def problem(self, value: str) -> None:
        self._problem = value

    def fields(self) -> dict:
        return {k: getattr(self, k) for k in CONTRACT_FIELDS}


def load_view(files: list[str], paths: Paths, *, in_process: bool = True) -> View:
    return index.view(kfiles.absolute(files), paths.index_dir, in_process=in_process)


def resolve(flags: dict, environ, paths: Paths, config: Config, *, in_process: bool = True,
            view: View | None = None, problem: str = "") -> Target:
    """Resolve the target for kubectl's global ``flags`` (canonical long names, after kuberc: kctx/kubectl/kuberc.py)
    and ``environ``. ``problem``: why the call cannot be judged before any lookup (an unreadable kuberc)."""
    explicit = flags.get("kubeconfig", "")
    t = Target()
    files = kfiles.absolute(kfiles.kubectl_files(environ, paths, explicit))
    if explicit and not exists(explicit):
        t.problem = f"{explicit}: no such file (given with --kubeconfig)"
    t.problem = t._problem or problem
    if view is None:
        view = index.view(files, paths.index_dir, in_process=in_process, lazy=True)
    t._view = view
    t.context = flags.get("context") or view.current_context
    ctx = view.context(t.context) if t.context else None
    if t.context and ctx is None:
        t.problem = t._problem or f'context "{t.context}" does not exist in {_describe(files)}'
    if ctx is not None:
        t.cluster, t.user, t.namespace = ctx.cluster, ctx.user, ctx.namespace or "default"
    t.overridden = [f for f in ("cluster", "user", "server", "namespace") if flags.get(f)]
    t.cluster = flags.get("cluster") or t.cluster
    t.user = flags.get("user") or t.user
    t.namespace = flags.get("namespace") or t.namespace
    cluster = view.cluster(t.cluster) if t.cluster else None
    if cluster is not None:
        t.server, t.ca_sha256, t.insecure = cluster.server, cluster.ca_sha256, cluster.insecure
    elif t.cluster and not flags.get("server"):
        t.problem = t._problem or f'cluster "{t.cluster}" is not defined in {_describe(files)}'
    server = flags.get("server") or ("" if t.server else environ.get("KUBERNETES_MASTER", ""))
    if server:  # kubectl falls back to $KUBERNETES_MASTER when no server is configured
        if cluster is None or normalize_server(server) != normalize_server(cluster.server):
            t.ca_sha256 = ""
        t.server = server
    t._config, t._protected_by = config, None
    return t


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


def _describe(files: list[str]) -> str:
    return files[0] if len(files) == 1 else f"the {len(files)} kubeconfig files"


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
