"""Parse kubectl's argv the way kubectl itself does (cobra finds the command, pflag the flags).

Cobra walks the command tree first: at each level it skips flags, judging them by that level's
flag set (a flag unknown there is assumed to take a value, so `kubectl -A get` finds no `get`),
and takes the first remaining word as a sub-command if the level has one of that name or alias.
pflag then parses every flag against the found command's flag set, where a local flag shadows
the global one of the same name (`config set-cluster --server`, `create rolebinding --user`):
flags with a no-option default (booleans, --dry-run, --validate, --cascade) take a value only
as `--flag=value`, every other flag takes the next argument whatever it looks like, `_` in a
long name reads as `-`, and `--` ends the flags.

The tables are the union over kubectl 1.27-1.37: each release's `--help` plus the hidden,
deprecated flags (`--record`, ...). tests/test_argv.py checks them against a real kubectl.
Import cost matters (this runs before every kubectl), so they are plain literals.
"""

from __future__ import annotations

TYPE_CHECKING = False  # the typing module costs milliseconds on the hot path
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class FrozenRecord:
    """A frozen record (dataclass-like eq and repr) without importing dataclasses on the hot path."""

    __slots__ = ()

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __reduce__(self) -> tuple:
        return type(self), self._fields()

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({inner})"


class KubectlArgs(FrozenRecord):
    """A kubectl command line, split the way kubectl splits it."""

    __slots__ = ("globals", "global_bools", "command", "args", "local", "dashdash", "unknown")
    __hash__ = None  # type: ignore[assignment]  # holds dicts

    globals: dict[str, str]  # value-taking global flags -> last value
    global_bools: dict[str, bool]  # boolean global flags seen -> last value
    command: tuple[str, ...]  # canonical command path ("create", "deployment"); () for bare kubectl
    args: tuple[str, ...]  # positional arguments, including everything after `--`
    local: dict[str, list[str]]  # other flags -> values in order ("" when given bare)
    dashdash: bool  # a `--` was seen
    # Flags the found command does not have, as typed ("--foo", "-x"). kubectl rejects them, unless
    # it is newer than these tables: then a value flag could have swallowed what follows it.
    unknown: tuple[str, ...]

    def __init__(self, globals: dict[str, str], global_bools: dict[str, bool], command: tuple[str, ...],
                 args: tuple[str, ...], local: dict[str, list[str]], dashdash: bool,
                 unknown: tuple[str, ...] = ()) -> None:
        values = (globals, global_bools, command, args, local, dashdash, unknown)
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def last(self, name: str) -> str | None:
        """The last value given for local flag ``name``, or None if it was not given."""
        values = self.local.get(name)
        return values[-1] if values else None


GLOBAL_VALUE_FLAGS = frozenset({
    "as", "as-group", "as-uid", "as-user-extra", "cache-dir", "certificate-authority",
    "client-certificate", "client-key", "cluster", "context", "kubeconfig", "kuberc",
    "log-flush-frequency", "namespace", "password", "profile", "profile-output", "proxy-url",
    "request-timeout", "server", "tls-server-name", "token", "user", "username", "v", "vmodule",
    # klog flags of older releases
    "log-backtrace-at", "log-dir", "log-file", "log-file-max-size", "stderrthreshold",
})
GLOBAL_BOOL_FLAGS = frozenset({
    "disable-compression", "insecure-skip-tls-verify", "match-server-version", "warnings-as-errors",
    # klog flags of older releases
    "add-dir-header", "alsologtostderr", "logtostderr", "one-output", "skip-headers", "skip-log-headers",
})
GLOBAL_SHORT = {"n": "namespace", "s": "server", "v": "v"}

# cobra's hidden commands that take the rest of the line verbatim (shell completion requests).
COMPLETION_COMMANDS = frozenset({"__complete", "__completeNoDesc"})

_SUBCOMMANDS: dict[str, frozenset[str]] = {
    "": frozenset({
        "alpha", "annotate", "api-resources", "api-versions", "apply", "attach", "auth", "autoscale",
        "certificate", "cluster-info", "completion", "config", "cordon", "cp", "create", "debug",
        "delete", "describe", "diff", "drain", "edit", "events", "exec", "explain", "expose", "get",
        "help", "kuberc", "kustomize", "label", "logs", "options", "patch", "plugin", "port-forward",
        "proxy", "replace", "rollout", "run", "scale", "set", "taint", "top", "uncordon", "version",
        "wait", "__complete", "__completeNoDesc",
    }),
    "apply": frozenset({"edit-last-applied", "set-last-applied", "view-last-applied"}),
    "auth": frozenset({"can-i", "reconcile", "whoami"}),
    "certificate": frozenset({"approve", "deny"}),
    "cluster-info": frozenset({"dump"}),
    "config": frozenset({
        "current-context", "delete-cluster", "delete-context", "delete-user", "get-clusters",
        "get-contexts", "get-users", "rename-context", "set", "set-cluster", "set-context",
        "set-credentials", "unset", "use-context", "view",
    }),
    "create": frozenset({
        "clusterrole", "clusterrolebinding", "configmap", "cronjob", "deployment", "ingress", "job",
        "namespace", "poddisruptionbudget", "priorityclass", "quota", "role", "rolebinding", "secret",
        "service", "serviceaccount", "token",
    }),
    "create secret": frozenset({"docker-registry", "generic", "tls"}),
    "create service": frozenset({"clusterip", "externalname", "loadbalancer", "nodeport"}),
    "kuberc": frozenset({"set", "view"}),
    "plugin": frozenset({"list"}),
    "rollout": frozenset({"history", "pause", "restart", "resume", "status", "undo"}),
    "set": frozenset({"env", "image", "resources", "selector", "serviceaccount", "subject"}),
    "top": frozenset({"node", "pod"}),
}
# Parent path -> {alias: canonical sub-command}.
_ALIASES: dict[str, dict[str, str]] = {
    "config": {"use": "use-context"},
    "create": {
        "cj": "cronjob", "cm": "configmap", "deploy": "deployment", "ing": "ingress", "ns": "namespace",
        "pc": "priorityclass", "pdb": "poddisruptionbudget", "resourcequota": "quota", "sa": "serviceaccount",
        "svc": "service",
    },
    "set": {"sa": "serviceaccount"},
    "top": {"no": "node", "nodes": "node", "po": "pod", "pods": "pod"},
}
# Whatever follows these is taken as a sub-command (alpha's content changes from release to release).
_ANY_SUBCOMMAND = frozenset({"alpha"})

_NONE: frozenset[str] = frozenset()
_PRINT = frozenset({"output", "template"})
_PRINT_N = frozenset({"allow-missing-template-keys", "show-managed-fields"})
_FILE = frozenset({"filename", "kustomize"})
_FILE_N = frozenset({"recursive"})
_S_PRINT = {"o": "output"}
_S_FILE = {"f": "filename", "k": "kustomize", "R": "recursive"}

# Command path -> (local flags that take a value, local flags that take one only as --flag=value,
# shorthand letter -> long name). Commands with no local flags are absent; every command also
# has -h/--help. Each entry is built when first asked for (_spec): building all of them cost a
# third of a millisecond on every kubectl call, and a call needs two or three.
_FLAGS: dict[str, Callable[[], _Spec]] = {
    "annotate": lambda: (
        _PRINT | _FILE | {"field-manager", "field-selector", "resource-version", "selector"},
        _PRINT_N | _FILE_N | {"all", "all-namespaces", "dry-run", "list", "local", "overwrite", "record"},
        {**_S_PRINT, **_S_FILE, "A": "all-namespaces", "l": "selector"},
    ),
    "api-resources": lambda: (
        frozenset({"api-group", "categories", "output", "sort-by", "verbs"}),
        frozenset({"cached", "namespaced", "no-headers", "show-managed-fields"}),
        {"o": "output"},
    ),
    "apply": lambda: (
        _PRINT | _FILE | {
            "applyset",  # only with KUBECTL_APPLYSET=true
            "field-manager", "grace-period", "prune-allowlist", "prune-whitelist", "selector", "subresource",
            "timeout",
        },
        _PRINT_N | _FILE_N | {
            "all", "cascade", "dry-run", "force", "force-conflicts", "openapi-patch", "overwrite", "prune",
            "record", "server-side", "validate", "wait",
        },
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "apply edit-last-applied": lambda: (
        _PRINT | _FILE | {"field-manager"},
        _PRINT_N | _FILE_N | {"record", "validate", "windows-line-endings"},
        {**_S_PRINT, **_S_FILE},
    ),
    "apply set-last-applied": lambda: (
        _PRINT | {"filename"},
        _PRINT_N | {"create-annotation", "dry-run"},
        {**_S_PRINT, "f": "filename"},
    ),
    "apply view-last-applied": lambda: (
        _FILE | {"output", "selector"},
        _FILE_N | {"all"},
        {**_S_FILE, "l": "selector", "o": "output"},
    ),
    "attach": lambda: (
        frozenset({"container", "detach-keys", "pod-running-timeout"}),
        frozenset({"quiet", "stdin", "tty"}),
        {"c": "container", "i": "stdin", "q": "quiet", "t": "tty"},
    ),
    "auth can-i": lambda: (
        frozenset({"subresource"}),
        frozenset({"all-namespaces", "list", "no-headers", "quiet"}),
        {"A": "all-namespaces", "q": "quiet"},
    ),
    "auth reconcile": lambda: (
        _PRINT | _FILE,
        _PRINT_N | _FILE_N | {"dry-run", "remove-extra-permissions", "remove-extra-subjects"},
        {**_S_PRINT, **_S_FILE},
    ),
    "auth whoami": lambda: (
        _PRINT,
        _PRINT_N,
        _S_PRINT,
    ),
    "autoscale": lambda: (
        _PRINT | _FILE | {"cpu", "cpu-percent", "field-manager", "max", "memory", "min", "name"},
        _PRINT_N | _FILE_N | {"dry-run", "record", "save-config"},
        {**_S_PRINT, **_S_FILE},
    ),
    "certificate approve": lambda: (
        _PRINT | _FILE,
        _PRINT_N | _FILE_N | {"force"},
        {**_S_PRINT, **_S_FILE},
    ),
    "certificate deny": lambda: (
        _PRINT | _FILE,
        _PRINT_N | _FILE_N | {"force"},
        {**_S_PRINT, **_S_FILE},
    ),
    "cluster-info dump": lambda: (
        _PRINT | {"namespaces", "output-directory", "pod-running-timeout"},
        _PRINT_N | {"all-namespaces"},
        {**_S_PRINT, "A": "all-namespaces"},
    ),
    "config get-contexts": lambda: (
        frozenset({"output"}),
        frozenset({"no-headers"}),
        {"o": "output"},
    ),
    "config set": lambda: (
        _NONE,
        frozenset({"set-raw-bytes"}),
        {},
    ),
    "config set-cluster": lambda: (
        frozenset({"certificate-authority", "proxy-url", "server", "tls-server-name"}),
        frozenset({"embed-certs", "insecure-skip-tls-verify"}),
        {},
    ),
    "config set-context": lambda: (
        frozenset({"cluster", "namespace", "user"}),
        frozenset({"current"}),
        {"n": "namespace"},
    ),
    "config set-credentials": lambda: (
        frozenset({
            "auth-provider", "auth-provider-arg", "client-certificate", "client-key", "exec-api-version",
            "exec-arg", "exec-command", "exec-env", "exec-interactive-mode", "password", "token", "username",
        }),
        frozenset({"embed-certs", "exec-provide-cluster-info"}),
        {},
    ),
    "config view": lambda: (
        _PRINT,
        _PRINT_N | {"flatten", "merge", "minify", "raw"},
        _S_PRINT,
    ),
    "cordon": lambda: (
        frozenset({"selector"}),
        frozenset({"dry-run"}),
        {"l": "selector"},
    ),
    "cp": lambda: (
        frozenset({"container", "retries"}),
        frozenset({"no-preserve"}),
        {"c": "container"},
    ),
    "create": lambda: (
        _PRINT | _FILE | {"field-manager", "raw", "selector"},
        _PRINT_N | _FILE_N | {"dry-run", "edit", "record", "save-config", "validate", "windows-line-endings"},
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "create clusterrole": lambda: (
        _PRINT | {
            "aggregation-rule", "field-manager", "non-resource-url", "resource", "resource-name", "verb",
        },
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create clusterrolebinding": lambda: (
        _PRINT | {"clusterrole", "field-manager", "group", "serviceaccount", "user"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create configmap": lambda: (
        _PRINT | {"field-manager", "from-env-file", "from-file", "from-literal"},
        _PRINT_N | {"append-hash", "dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create cronjob": lambda: (
        _PRINT | {"field-manager", "image", "restart", "schedule"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create deployment": lambda: (
        _PRINT | {"field-manager", "image", "port", "replicas"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        {**_S_PRINT, "r": "replicas"},
    ),
    "create ingress": lambda: (
        _PRINT | {"annotation", "class", "default-backend", "field-manager", "rule"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create job": lambda: (
        _PRINT | {"field-manager", "from", "image"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create namespace": lambda: (
        _PRINT | {"field-manager"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create poddisruptionbudget": lambda: (
        _PRINT | {"field-manager", "max-unavailable", "min-available", "selector"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create priorityclass": lambda: (
        _PRINT | {"description", "field-manager", "preemption-policy", "value"},
        _PRINT_N | {"dry-run", "global-default", "save-config", "validate"},
        _S_PRINT,
    ),
    "create quota": lambda: (
        _PRINT | {"field-manager", "hard", "scopes"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create role": lambda: (
        _PRINT | {"field-manager", "resource", "resource-name", "verb"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create rolebinding": lambda: (
        _PRINT | {"clusterrole", "field-manager", "group", "role", "serviceaccount", "user"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create secret docker-registry": lambda: (
        _PRINT | {
            "docker-email", "docker-password", "docker-server", "docker-username", "field-manager",
            "from-file",
        },
        _PRINT_N | {"append-hash", "dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create secret generic": lambda: (
        _PRINT | {"field-manager", "from-env-file", "from-file", "from-literal", "type"},
        _PRINT_N | {"append-hash", "dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create secret tls": lambda: (
        _PRINT | {"cert", "field-manager", "key"},
        _PRINT_N | {"append-hash", "dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create service clusterip": lambda: (
        _PRINT | {"clusterip", "field-manager", "tcp"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create service externalname": lambda: (
        _PRINT | {"external-name", "field-manager", "tcp"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create service loadbalancer": lambda: (
        _PRINT | {"field-manager", "tcp"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create service nodeport": lambda: (
        _PRINT | {"field-manager", "node-port", "tcp"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create serviceaccount": lambda: (
        _PRINT | {"field-manager"},
        _PRINT_N | {"dry-run", "save-config", "validate"},
        _S_PRINT,
    ),
    "create token": lambda: (
        _PRINT | {"audience", "bound-object-kind", "bound-object-name", "bound-object-uid", "duration"},
        _PRINT_N,
        _S_PRINT,
    ),
    "debug": lambda: (
        frozenset({
            "container", "copy-to", "custom", "env", "filename", "image", "image-pull-policy", "profile",
            "set-image", "target",
        }),
        frozenset({
            "arguments-only", "attach", "keep-annotations", "keep-init-containers", "keep-labels",
            "keep-liveness", "keep-readiness", "keep-startup", "quiet", "replace", "same-node",
            "share-processes", "stdin", "tty",
        }),
        {"c": "container", "f": "filename", "i": "stdin", "q": "quiet", "t": "tty"},
    ),
    "delete": lambda: (
        _FILE | {"field-selector", "grace-period", "output", "raw", "selector", "timeout"},
        _FILE_N | {
            "all", "all-namespaces", "cascade", "dry-run", "force", "ignore-not-found", "interactive", "now",
            "wait",
        },
        {**_S_FILE, "A": "all-namespaces", "i": "interactive", "l": "selector", "o": "output"},
    ),
    "describe": lambda: (
        _FILE | {"chunk-size", "selector"},
        _FILE_N | {"all-namespaces", "show-events"},
        {**_S_FILE, "A": "all-namespaces", "l": "selector"},
    ),
    "diff": lambda: (
        _FILE | {"concurrency", "field-manager", "prune-allowlist", "selector"},
        _FILE_N | {"force-conflicts", "prune", "server-side", "show-managed-fields", "show-secrets"},
        {**_S_FILE, "l": "selector"},
    ),
    "drain": lambda: (
        frozenset({
            "chunk-size", "grace-period", "pod-selector", "selector", "skip-wait-for-delete-timeout",
            "timeout",
        }),
        frozenset({
            "delete-emptydir-data", "delete-local-data", "disable-eviction", "dry-run", "force",
            "ignore-daemonsets",
        }),
        {"l": "selector"},
    ),
    "edit": lambda: (
        _PRINT | _FILE | {"field-manager", "subresource"},
        _PRINT_N | _FILE_N | {"output-patch", "record", "save-config", "validate", "windows-line-endings"},
        {**_S_PRINT, **_S_FILE},
    ),
    "events": lambda: (
        _PRINT | {"chunk-size", "for", "types"},
        _PRINT_N | {"all-namespaces", "no-headers", "watch"},
        {**_S_PRINT, "A": "all-namespaces", "w": "watch"},
    ),
    "exec": lambda: (
        frozenset({"container", "filename", "pod-running-timeout"}),
        frozenset({"quiet", "stdin", "tty"}),
        {"c": "container", "f": "filename", "i": "stdin", "q": "quiet", "t": "tty"},
    ),
    "explain": lambda: (
        frozenset({"api-version", "max-depth", "output"}),
        frozenset({"recursive"}),
        {"R": "recursive", "o": "output"},
    ),
    "expose": lambda: (
        _PRINT | _FILE | {
            "cluster-ip", "external-ip", "field-manager", "labels", "load-balancer-ip", "name",
            "override-type", "overrides", "port", "protocol", "selector", "session-affinity", "target-port",
            "type",
        },
        _PRINT_N | _FILE_N | {"dry-run", "record", "save-config"},
        {**_S_PRINT, **_S_FILE, "l": "labels"},
    ),
    "get": lambda: (
        _PRINT | _FILE | {
            "chunk-size", "field-selector", "label-columns", "raw", "selector", "sort-by", "subresource",
        },
        _PRINT_N | _FILE_N | {
            "all-namespaces", "ignore-not-found", "no-headers", "output-watch-events", "server-print",
            "show-kind", "show-labels", "watch", "watch-only",
        },
        {**_S_PRINT, **_S_FILE, "A": "all-namespaces", "L": "label-columns", "l": "selector", "w": "watch"},
    ),
    "kuberc set": lambda: (
        frozenset({
            "allowlist-entry", "appendarg", "command", "kuberc", "name", "option", "policy", "prependarg",
            "section",
        }),
        frozenset({"overwrite"}),
        {},
    ),
    "kuberc view": lambda: (
        _PRINT | {"kuberc"},
        _PRINT_N,
        _S_PRINT,
    ),
    "kustomize": lambda: (
        frozenset({
            "env", "helm-api-versions", "helm-command", "helm-kube-version", "load-restrictor", "mount",
            "network-name", "output",
        }),
        frozenset({"as-current-user", "enable-alpha-plugins", "enable-helm", "helm-debug", "network"}),
        {"e": "env", "o": "output"},
    ),
    "label": lambda: (
        _PRINT | _FILE | {"field-manager", "field-selector", "resource-version", "selector"},
        _PRINT_N | _FILE_N | {"all", "all-namespaces", "dry-run", "list", "local", "overwrite", "record"},
        {**_S_PRINT, **_S_FILE, "A": "all-namespaces", "l": "selector"},
    ),
    "logs": lambda: (
        frozenset({
            "container", "limit-bytes", "max-log-requests", "pod-running-timeout", "selector", "since",
            "since-time", "tail",
        }),
        frozenset({
            "all-containers", "all-pods", "follow", "ignore-errors", "insecure-skip-tls-verify-backend",
            "prefix", "previous", "timestamps",
        }),
        {"c": "container", "f": "follow", "l": "selector", "p": "previous"},
    ),
    "patch": lambda: (
        _PRINT | _FILE | {"field-manager", "patch", "patch-file", "subresource", "type"},
        _PRINT_N | _FILE_N | {"dry-run", "local", "record"},
        {**_S_PRINT, **_S_FILE, "p": "patch"},
    ),
    "plugin list": lambda: (
        _NONE,
        frozenset({"name-only"}),
        {},
    ),
    "port-forward": lambda: (
        frozenset({"address", "pod-running-timeout"}),
        _NONE,
        {},
    ),
    "proxy": lambda: (
        frozenset({
            "accept-hosts", "accept-paths", "address", "api-prefix", "keepalive", "port", "reject-methods",
            "reject-paths", "unix-socket", "www", "www-prefix",
        }),
        frozenset({"append-server-path", "disable-filter"}),
        {"P": "www-prefix", "p": "port", "u": "unix-socket", "w": "www"},
    ),
    "replace": lambda: (
        _PRINT | _FILE | {"field-manager", "grace-period", "raw", "subresource", "timeout"},
        _PRINT_N | _FILE_N | {"cascade", "dry-run", "force", "save-config", "validate", "wait"},
        {**_S_PRINT, **_S_FILE},
    ),
    "rollout history": lambda: (
        _PRINT | _FILE | {"revision", "selector"},
        _PRINT_N | _FILE_N,
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "rollout pause": lambda: (
        _PRINT | _FILE | {"field-manager", "selector"},
        _PRINT_N | _FILE_N,
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "rollout restart": lambda: (
        _PRINT | _FILE | {"field-manager", "selector"},
        _PRINT_N | _FILE_N,
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "rollout resume": lambda: (
        _PRINT | _FILE | {"field-manager", "selector"},
        _PRINT_N | _FILE_N,
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "rollout status": lambda: (
        _FILE | {"revision", "selector", "timeout"},
        _FILE_N | {"watch"},
        {**_S_FILE, "l": "selector", "w": "watch"},
    ),
    "rollout undo": lambda: (
        _PRINT | _FILE | {"selector", "to-revision"},
        _PRINT_N | _FILE_N | {"dry-run"},
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "run": lambda: (
        _PRINT | _FILE | {
            "annotations", "detach-keys", "env", "field-manager", "grace-period", "image",
            "image-pull-policy", "labels", "override-type", "overrides", "pod-running-timeout", "port",
            "restart", "timeout",
        },
        _PRINT_N | _FILE_N | {
            "attach", "cascade", "command", "dry-run", "expose", "force", "leave-stdin-open", "privileged",
            "quiet", "record", "rm", "save-config", "stdin", "tty", "wait",
        },
        {**_S_PRINT, **_S_FILE, "i": "stdin", "l": "labels", "q": "quiet", "t": "tty"},
    ),
    "scale": lambda: (
        _PRINT | _FILE | {"current-replicas", "replicas", "resource-version", "selector", "timeout"},
        _PRINT_N | _FILE_N | {"all", "dry-run", "record"},
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "set env": lambda: (
        _PRINT | _FILE | {"containers", "env", "field-manager", "from", "keys", "prefix", "selector"},
        _PRINT_N | _FILE_N | {"all", "dry-run", "list", "local", "overwrite", "resolve"},
        {**_S_PRINT, **_S_FILE, "c": "containers", "e": "env", "l": "selector"},
    ),
    "set image": lambda: (
        _PRINT | _FILE | {"field-manager", "selector"},
        _PRINT_N | _FILE_N | {"all", "dry-run", "local", "record"},
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "set resources": lambda: (
        _PRINT | _FILE | {"containers", "field-manager", "limits", "requests", "selector"},
        _PRINT_N | _FILE_N | {"all", "dry-run", "local", "record"},
        {**_S_PRINT, **_S_FILE, "c": "containers", "l": "selector"},
    ),
    "set selector": lambda: (
        _PRINT | {"field-manager", "filename", "resource-version"},
        _PRINT_N | {"all", "dry-run", "local", "record", "recursive"},
        {**_S_PRINT, "R": "recursive", "f": "filename"},
    ),
    "set serviceaccount": lambda: (
        _PRINT | _FILE | {"field-manager"},
        _PRINT_N | _FILE_N | {"all", "dry-run", "local", "record"},
        {**_S_PRINT, **_S_FILE},
    ),
    "set subject": lambda: (
        _PRINT | _FILE | {"field-manager", "group", "selector", "serviceaccount", "user"},
        _PRINT_N | _FILE_N | {"all", "dry-run", "local"},
        {**_S_PRINT, **_S_FILE, "l": "selector"},
    ),
    "taint": lambda: (
        _PRINT | {"field-manager", "selector"},
        _PRINT_N | {"all", "dry-run", "overwrite", "validate"},
        {**_S_PRINT, "l": "selector"},
    ),
    "top node": lambda: (
        frozenset({"selector", "sort-by"}),
        frozenset({"no-headers", "show-capacity", "show-swap", "use-protocol-buffers"}),
        {"l": "selector"},
    ),
    "top pod": lambda: (
        frozenset({"field-selector", "selector", "sort-by"}),
        frozenset({"all-namespaces", "containers", "no-headers", "show-swap", "sum", "use-protocol-buffers"}),
        {"A": "all-namespaces", "l": "selector"},
    ),
    "uncordon": lambda: (
        frozenset({"selector"}),
        frozenset({"dry-run"}),
        {"l": "selector"},
    ),
    "version": lambda: (
        frozenset({"output"}),
        frozenset({"client", "short"}),
        {"o": "output"},
    ),
    "wait": lambda: (
        _PRINT | {"field-selector", "filename", "for", "selector", "timeout"},
        _PRINT_N | {"all", "all-namespaces", "local", "recursive"},
        {**_S_PRINT, "A": "all-namespaces", "R": "recursive", "f": "filename", "l": "selector"},
    ),
}

_Spec = tuple[frozenset[str], frozenset[str], dict[str, str]]
_SPECS: dict[str, _Spec] = {}


def _spec(command: str) -> _Spec | None:
    spec = _SPECS.get(command)
    if spec is None:
        make = _FLAGS.get(command)
        if make is None:
            return None
        spec = _SPECS[command] = make()
    return spec

# How a flag behaves in the found command.
_GLOBAL_VALUE, _GLOBAL_BOOL, _LOCAL_VALUE, _LOCAL_NOVALUE = range(4)

# strconv.ParseBool, which pflag uses for booleans and kubectl for --dry-run's legacy values.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_bool(value: str) -> bool | None:
    """Go's strconv.ParseBool: True, False, or None when kubectl would reject the value."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def subcommands(command: Sequence[str]) -> frozenset[str]:
    """Canonical sub-command names of ``command`` (empty if it has none)."""
    return _SUBCOMMANDS.get(" ".join(command), _NONE)


def local_flags(command: Sequence[str]) -> frozenset[str]:
    """Long names of the local flags ``command`` has in some release 1.27-1.37 (help excluded)."""
    spec = _spec(" ".join(command))
    return spec[0] | spec[1] if spec else _NONE


def _kind(spec: _Spec | None, name: str) -> int | None:
    # Local first: cobra does not add an inherited flag whose name the command already has.
    if spec is not None:
        if name in spec[0]:
            return _LOCAL_VALUE
        if name in spec[1]:
            return _LOCAL_NOVALUE
    if name == "help":
        return _LOCAL_NOVALUE
    if name in GLOBAL_VALUE_FLAGS:
        return _GLOBAL_VALUE
    if name in GLOBAL_BOOL_FLAGS:
        return _GLOBAL_BOOL
    return None


def _long_of(spec: _Spec | None, letter: str) -> str | None:
    if spec is not None and letter in spec[2]:
        return spec[2][letter]
    if letter == "h":
        return "help"
    return GLOBAL_SHORT.get(letter)


def _takes_value(kind: int | None) -> bool:
    # cobra assumes an unknown flag takes a value while it looks for the command.
    return kind not in (_GLOBAL_BOOL, _LOCAL_NOVALUE)


def _skips_next(token: str, spec: _Spec | None) -> bool:
    """cobra's stripFlags: does flag ``token`` (without '=') consume the argument after it?"""
    if "=" in token:
        return False
    if token.startswith("--"):
        return _takes_value(_kind(spec, token[2:].replace("_", "-")))
    # Only a lone short flag can take the next argument; Go measures bytes, hence isascii.
    if len(token) != 2 or not token[1].isascii():
        return False
    long = _long_of(spec, token[1])
    return long is None or _takes_value(_kind(spec, long))


def _first_word(args: Sequence[str], spec: _Spec | None) -> int | None:
    """Index of the first argument that is neither a flag nor a flag's value, before any `--`."""
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            return None
        if token.startswith("-"):
            i += 2 if _skips_next(token, spec) else 1
            continue
        if token:
            return i
        i += 1
    return None


def _subcommand(parent: str, word: str) -> str | None:
    if parent in _ANY_SUBCOMMAND:
        return word
    if word in _SUBCOMMANDS.get(parent, _NONE):
        return word
    return _ALIASES.get(parent, {}).get(word)


def _find_command(args: list[str]) -> tuple[str, ...]:
    """Walk the command tree like cobra's Find; removes the command words from ``args``."""
    path: list[str] = []
    while True:
        parent = " ".join(path)
        at = _first_word(args, _spec(parent))
        if at is None:
            break
        word = args.pop(at)
        name = _subcommand(parent, word)
        if name is None:
            if path:  # a positional argument, or a sub-command kubectl will reject
                args.insert(at, word)
            else:  # an unknown first word is a plugin or a kuberc alias: kubectl hands it the rest
                path.append(word)
            break
        path.append(name)
    return tuple(path)


class _Parse:
    """pflag's parse of one command line against one command's flag set."""

    def __init__(self, spec: _Spec | None) -> None:
        self.spec = spec
        self.globals: dict[str, str] = {}
        self.global_bools: dict[str, bool] = {}
        self.local: dict[str, list[str]] = {}
        self.positional: list[str] = []
        self.unknown: list[str] = []
        self.dashdash = False

    def run(self, args: Sequence[str]) -> None:
        i = 0
        while i < len(args):
            token = args[i]
            i += 1
            if token == "--":
                self.dashdash = True
                self.positional.extend(args[i:])
                return
            if len(token) < 2 or token[0] != "-":
                self.positional.append(token)
            elif token[1] == "-":
                i = self._long(token, args, i)
            else:
                i = self._shorts(token, args, i)

    def _long(self, token: str, args: Sequence[str], i: int) -> int:
        body = token[2:]
        if body[:1] in ("-", "="):  # pflag: "bad flag syntax"
            self.unknown.append(token)
            return i
        name, eq, value = body.partition("=")
        name = name.replace("_", "-")
        kind = _kind(self.spec, name)
        if not eq and kind in (_GLOBAL_VALUE, _LOCAL_VALUE):
            value, i = (args[i], i + 1) if i < len(args) else ("", i)
        self._record(kind, name, value, bool(eq), "--" + name)
        return i

    def _shorts(self, token: str, args: Sequence[str], i: int) -> int:
        letters = token[1:]
        while letters:
            letter, rest = letters[0], letters[1:]
            name = _long_of(self.spec, letter)
            kind = None if name is None else _kind(self.spec, name)
            if len(rest) > 1 and rest[0] == "=":  # -n=ns, -i=false
                value, letters, given = rest[1:], "", True
            elif kind in (_GLOBAL_BOOL, _LOCAL_NOVALUE):
                value, letters, given = "", rest, False
            elif rest:  # -nns; an unknown letter takes the rest of its group, never the next argument
                value, letters, given = rest, "", True
            elif kind is None or i >= len(args):
                value, letters, given = "", "", False
            else:
                value, letters, given = args[i], "", True
                i += 1
            self._record(kind, name or letter, value, given, "-" + letter)
        return i

    def _record(self, kind: int | None, name: str, value: str, given: bool, typed: str) -> None:
        if kind == _GLOBAL_VALUE:
            self.globals[name] = value
        elif kind == _GLOBAL_BOOL:
            # A value kubectl would reject counts as set: assume the riskier setting.
            self.global_bools[name] = parse_bool(value) is not False if given else True
        else:
            if kind is None:
                self.unknown.append(typed)
            self.local.setdefault(name, []).append(value)


def _parse(argv: list[str], completion: bool) -> KubectlArgs:
    command = _find_command(argv)
    if completion and command and command[0] in COMPLETION_COMMANDS:
        # The rest is the line being completed: cobra passes it verbatim, but completing it talks to
        # the cluster its flags name, so report those flags.
        inner = _parse(list(argv), completion=False)
        return KubectlArgs(inner.globals, inner.global_bools, command, tuple(argv), {}, inner.dashdash)
    state = _Parse(_spec(" ".join(command)))
    state.run(argv)
    return KubectlArgs(
        globals=state.globals,
        global_bools=state.global_bools,
        command=command,
        args=tuple(state.positional),
        local=state.local,
        dashdash=state.dashdash,
        unknown=tuple(state.unknown),
    )


def parse(argv: Sequence[str]) -> KubectlArgs:
    """Split kubectl's arguments (without the program name). Never raises."""
    return _parse([a if isinstance(a, str) else str(a) for a in argv], completion=True)
