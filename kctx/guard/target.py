"""The effective target of a kubectl call: which context, cluster, server, user and namespace it hits.

Follows kubectl: --kubeconfig replaces KUBECONFIG; --context picks the context; --cluster, --user and
-s/--server override the context's parts; -n overrides its namespace. Standard library only.
"""

from __future__ import annotations

from kctx.config import Config
from kctx.guard.protection import normalize_server, protection_source
from kctx.kubeconfig import files as kfiles
from kctx.kubeconfig import index
from kctx.kubeconfig.model import View
from kctx.paths import Paths
from kctx.util.fastos import exists, isfile

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.kubeconfig.model import Context

CONTRACT_FIELDS = ("context", "cluster", "server", "user", "namespace", "files", "protected")


class Target:
    def __init__(self) -> None:
        self.context = ""
        self.cluster = ""
        self.server = ""
        self.user = ""
        self.namespace = "default"
        self._protected_by: str | None = ""  # None: not computed yet (see resolve)
        self._readonly_by: str | None = None
        self._config: Config | None = None
        self._problem = ""
        self._view: View | None = None
        self._files: list[str] | None = None
        self.overridden: list[str] = []  # global flags that changed the target (--cluster, -s…)
        self.ca_sha256 = ""
        self.insecure = False
        self._source = ""  # (see confirm_as)
        self._known: View | None | bool = False  # (False: not loaded yet)
        self._environ: Mapping[str, str] | None = None
        self._paths: Paths | None = None

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
                self._protected_by, self._source = protection_source(
                    self._config, self._view, self.context, self.cluster, self.server, self.overridden,
                    self.known_view())
        return self._protected_by

    @protected_by.setter
    def protected_by(self, value: str) -> None:
        self._protected_by = value

    @property
    def confirm_as(self) -> str:
        """The context KCTX_CONFIRM must name to allow a call that needs confirmation here: the protected context
        whose cluster or server this target reaches when that is another one, else this target's context."""
        return (self._source if self.protected else "") or self.context

    def known_view(self) -> View | None:
        """kctx's whole view (and kubectl's default file) when it holds files kubectl does not read for this call
        (else None)."""
        if self._known is False:
            self._known = self._load_known()
        return self._known if isinstance(self._known, View) else None

    def _load_known(self) -> View | None:
        if self._environ is None or self._paths is None or self._config is None or self._view is None:
            return None
        from kctx.guard.reach import known_files

        files = known_files(self._environ, self._paths, self._config)
        # kubectl's default file too, when KUBECONFIG or --kubeconfig leave it out: a copy of a protected
        # context's server in another file is still that server.
        default = kfiles.absolute([self._paths.default_kubeconfig()])[0]
        if default not in files and isfile(default):
            files.append(default)
        have = {f.path for f in self._view.files}
        if all(f in have for f in files):
            return None
        return index.view(files, self._paths.index_dir, lazy=True)

    @property
    def protected(self) -> bool:
        return bool(self.protected_by)

    @property
    def readonly_by(self) -> str:
        """Which rule makes the target read-only ("" when none; only a protected target can be)."""
        if self._readonly_by is None:
            self._readonly_by = ""
            if self.protected and self._config is not None and self._view is not None:
                from kctx.guard.readonly import readonly

                views = [v for v in (self._view, self.known_view()) if v is not None]
                self._readonly_by = next((r for r in (readonly(self._config, v, self.context, self.cluster,
                                                               self.server) for v in views) if r), "")
        return self._readonly_by

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

    def fields(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in CONTRACT_FIELDS}


def resolve(flags: dict[str, str], environ: Mapping[str, str], paths: Paths, config: Config, *,
            view: View | None = None, problem: str = "") -> Target:
    """Resolve the target for kubectl's global ``flags`` (canonical long names, after kuberc: kctx/kubectl/kuberc.py)
    and ``environ``. ``problem``: why the call cannot be judged before any lookup (an unreadable kuberc)."""
    explicit = flags.get("kubeconfig", "")
    t = Target()
    files = kfiles.absolute(kfiles.with_legacy(kfiles.kubectl_files(environ, paths, explicit), environ))
    if explicit and not exists(explicit):
        t.problem = f"{explicit}: no such file (given with --kubeconfig)"
    t.problem = t._problem or problem
    t._view = view = view if view is not None else index.view(files, paths.index_dir, lazy=True)
    _pick_context(t, view, flags, files)
    t.overridden = [f for f in ("cluster", "user", "server", "namespace") if flags.get(f)]
    t.cluster = flags.get("cluster") or t.cluster
    t.user = flags.get("user") or t.user
    t.namespace = flags.get("namespace") or t.namespace
    _pick_server(t, view, flags, environ, files)
    in_cluster(t, flags, environ, view.context(t.context) if t.context else None)
    if not t.context and not t.server and not t.problem:
        # Nothing to bind kubectl to: it would take whatever context the files hold when it reads them (a file
        # being rewritten reads as empty, then as prod), else localhost:8080.
        t.problem = "no context is selected and no server is set, so which cluster kubectl reaches is not known"
    t._config, t._protected_by, t._environ, t._paths = config, None, environ, paths
    return t


def _pick_context(t: Target, view: View, flags: dict[str, str], files: list[str]) -> None:
    """The context (--context, else the current one) and the cluster, user and namespace it names."""
    t.context = flags.get("context") or view.current_context
    ctx = view.context(t.context) if t.context else None
    if ctx is not None:
        t.cluster, t.user, t.namespace = ctx.cluster, ctx.user, ctx.namespace or "default"
    elif t.context:
        t.problem = t._problem or f'context "{t.context}" does not exist in {_describe(files)}'


def _pick_server(t: Target, view: View, flags: dict[str, str], environ: Mapping[str, str],
                 files: list[str]) -> None:
    """The server and its CA: the cluster entry's, overridden by -s/--server, else $KUBERNETES_MASTER (kubectl's
    fallback when no server is configured). A server other than the entry's has no known CA."""
    cluster = view.cluster(t.cluster) if t.cluster else None
    if cluster is not None:
        t.server, t.ca_sha256, t.insecure = cluster.server, cluster.ca_sha256, cluster.insecure
    elif t.cluster and not flags.get("server"):
        t.problem = t._problem or f'cluster "{t.cluster}" is not defined in {_describe(files)}'
    server = flags.get("server") or ("" if t.server else environ.get("KUBERNETES_MASTER", ""))
    if server:
        if cluster is None or normalize_server(server) != normalize_server(cluster.server):
            t.ca_sha256 = ""
        t.server = server


SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def in_cluster(t: Target, flags: dict[str, str], environ: Mapping[str, str], ctx: Context | None) -> None:
    """kubectl in a pod (client-go's in-cluster fallback, checked with the real binaries: tests/test_incluster.py).

    It applies when KUBERNETES_SERVICE_HOST and _PORT are set and the service account's token file exists.
    With no server from the kubeconfig, the flags or $KUBERNETES_MASTER, kubectl calls https://HOST:PORT (a
    few flags, such as --request-timeout or --as, send it to localhost:8080 instead: judging the pod's server
    there only errs on the careful side). And whenever -n is not given and the context sets no namespace
    (there may be no context, or a kubeconfig), the namespace is $POD_NAMESPACE, else the namespace file
    beside the token (trimmed), else "default"."""
    host, port = environ.get("KUBERNETES_SERVICE_HOST", ""), environ.get("KUBERNETES_SERVICE_PORT", "")
    if not (host and port and isfile(SERVICE_ACCOUNT + "/token")):
        return
    if not t.server:
        t.server = "https://" + (f"[{host}]" if ":" in host else host) + ":" + port
    if not flags.get("namespace") and not (ctx is not None and ctx.namespace):
        t.namespace = environ.get("POD_NAMESPACE") or _pod_namespace() or "default"


def _pod_namespace() -> str:
    try:
        with open(SERVICE_ACCOUNT + "/namespace", "rb") as fh:
            return fh.read().decode(errors="replace").strip()
    except (OSError, ValueError):
        return ""


def _describe(files: list[str]) -> str:
    return files[0] if len(files) == 1 else f"the {len(files)} kubeconfig files"
