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
    from collections.abc import Sequence


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
# shorthand letter=long name). Commands with no local flags are absent; every command also has
# -h/--help. Plain strings, turned into sets when a command is first looked up (_spec): building
# all 86 entries as sets cost a third of a millisecond on every kubectl call. Upper-case words
# stand for flag groups many commands share (_GROUPS). apply's --applyset exists only with
# KUBECTL_APPLYSET=true.
_FLAGS: dict[str, tuple[str, str, str]] = {
    "annotate": (
        "P F field-manager field-selector resource-version selector",
        "PN FN all all-namespaces dry-run list local overwrite record",
        "SP SF A=all-namespaces l=selector",
    ),
    "api-resources": (
        "api-group categories output sort-by verbs",
        "cached namespaced no-headers show-managed-fields",
        "SP",
    ),
    "apply": (
        "P F applyset field-manager grace-period prune-allowlist prune-whitelist selector subresource timeout",
        "PN FN all cascade dry-run force force-conflicts openapi-patch overwrite prune record server-side "
        "validate wait",
        "SP SF l=selector",
    ),
    "apply edit-last-applied": ("P F field-manager", "PN FN record validate windows-line-endings", "SP SF"),
    "apply set-last-applied": ("P filename", "PN create-annotation dry-run", "SP f=filename"),
    "apply view-last-applied": ("F output selector", "FN all", "SP SF l=selector"),
    "attach": ("container detach-keys pod-running-timeout", "quiet stdin tty", "c=container i=stdin q=quiet t=tty"),
    "auth can-i": ("subresource", "all-namespaces list no-headers quiet", "A=all-namespaces q=quiet"),
    "auth reconcile": ("P F", "PN FN dry-run remove-extra-permissions remove-extra-subjects", "SP SF"),
    "auth whoami": ("P", "PN", "SP"),
    "autoscale": ("P F cpu cpu-percent field-manager max memory min name", "PN FN dry-run record save-config", "SP SF"),
    "certificate approve": ("P F", "PN FN force", "SP SF"),
    "certificate deny": ("P F", "PN FN force", "SP SF"),
    "cluster-info dump": (
        "P namespaces output-directory pod-running-timeout",
        "PN all-namespaces",
        "SP A=all-namespaces",
    ),
    "config get-contexts": ("output", "no-headers", "SP"),
    "config set": ("", "set-raw-bytes", ""),
    "config set-cluster": (
        "certificate-authority proxy-url server tls-server-name",
        "embed-certs insecure-skip-tls-verify",
        "",
    ),
    "config set-context": ("cluster namespace user", "current", "n=namespace"),
    "config set-credentials": (
        "auth-provider auth-provider-arg client-certificate client-key exec-api-version exec-arg "
        "exec-command exec-env exec-interactive-mode password token username",
        "embed-certs exec-provide-cluster-info",
        "",
    ),
    "config view": ("P", "PN flatten merge minify raw", "SP"),
    "cordon": ("selector", "dry-run", "l=selector"),
    "cp": ("container retries", "no-preserve", "c=container"),
    "create": (
        "P F field-manager raw selector",
        "PN FN dry-run edit record save-config validate windows-line-endings",
        "SP SF l=selector",
    ),
    "create clusterrole": (
        "P aggregation-rule field-manager non-resource-url resource resource-name verb",
        "PN dry-run save-config validate",
        "SP",
    ),
    "create clusterrolebinding": (
        "P clusterrole field-manager group serviceaccount user",
        "PN dry-run save-config validate",
        "SP",
    ),
    "create configmap": (
        "P field-manager from-env-file from-file from-literal",
        "PN append-hash dry-run save-config validate",
        "SP",
    ),
    "create cronjob": ("P field-manager image restart schedule", "PN dry-run save-config validate", "SP"),
    "create deployment": ("P field-manager image port replicas", "PN dry-run save-config validate", "SP r=replicas"),
    "create ingress": (
        "P annotation class default-backend field-manager rule",
        "PN dry-run save-config validate",
        "SP",
    ),
    "create job": ("P field-manager from image", "PN dry-run save-config validate", "SP"),
    "create namespace": ("P field-manager", "PN dry-run save-config validate", "SP"),
    "create poddisruptionbudget": (
        "P field-manager max-unavailable min-available selector",
        "PN dry-run save-config validate",
        "SP",
    ),
    "create priorityclass": (
        "P description field-manager preemption-policy value",
        "PN dry-run global-default save-config validate",
        "SP",
    ),
    "create quota": ("P field-manager hard scopes", "PN dry-run save-config validate", "SP"),
    "create role": ("P field-manager resource resource-name verb", "PN dry-run save-config validate", "SP"),
    "create rolebinding": (
        "P clusterrole field-manager group role serviceaccount user",
        "PN dry-run save-config validate",
        "SP",
    ),
    "create secret docker-registry": (
        "P docker-email docker-password docker-server docker-username field-manager from-file",
        "PN append-hash dry-run save-config validate",
        "SP",
    ),
    "create secret generic": (
        "P field-manager from-env-file from-file from-literal type",
        "PN append-hash dry-run save-config validate",
        "SP",
    ),
    "create secret tls": ("P cert field-manager key", "PN append-hash dry-run save-config validate", "SP"),
    "create service clusterip": ("P clusterip field-manager tcp", "PN dry-run save-config validate", "SP"),
    "create service externalname": ("P external-name field-manager tcp", "PN dry-run save-config validate", "SP"),
    "create service loadbalancer": ("P field-manager tcp", "PN dry-run save-config validate", "SP"),
    "create service nodeport": ("P field-manager node-port tcp", "PN dry-run save-config validate", "SP"),
    "create serviceaccount": ("P field-manager", "PN dry-run save-config validate", "SP"),
    "create token": ("P audience bound-object-kind bound-object-name bound-object-uid duration", "PN", "SP"),
    "debug": (
        "container copy-to custom env filename image image-pull-policy profile set-image target",
        "arguments-only attach keep-annotations keep-init-containers keep-labels keep-liveness "
        "keep-readiness keep-startup quiet replace same-node share-processes stdin tty",
        "c=container f=filename i=stdin q=quiet t=tty",
    ),
    "delete": (
        "F field-selector grace-period output raw selector timeout",
        "FN all all-namespaces cascade dry-run force ignore-not-found interactive now wait",
        "SP SF A=all-namespaces i=interactive l=selector",
    ),
    "describe": ("F chunk-size selector", "FN all-namespaces show-events", "SF A=all-namespaces l=selector"),
    "diff": (
        "F concurrency field-manager prune-allowlist selector",
        "FN force-conflicts prune server-side show-managed-fields show-secrets",
        "SF l=selector",
    ),
    "drain": (
        "chunk-size grace-period pod-selector selector skip-wait-for-delete-timeout timeout",
        "delete-emptydir-data delete-local-data disable-eviction dry-run force ignore-daemonsets",
        "l=selector",
    ),
    "edit": (
        "P F field-manager subresource",
        "PN FN output-patch record save-config validate windows-line-endings",
        "SP SF",
    ),
    "events": ("P chunk-size for types", "PN all-namespaces no-headers watch", "SP A=all-namespaces w=watch"),
    "exec": (
        "container filename pod-running-timeout",
        "quiet stdin tty",
        "c=container f=filename i=stdin q=quiet t=tty",
    ),
    "explain": ("api-version max-depth output", "FN", "SP R=recursive"),
    "expose": (
        "P F cluster-ip external-ip field-manager labels load-balancer-ip name override-type overrides port "
        "protocol selector session-affinity target-port type",
        "PN FN dry-run record save-config",
        "SP SF l=labels",
    ),
    "get": (
        "P F chunk-size field-selector label-columns raw selector sort-by subresource",
        "PN FN all-namespaces ignore-not-found no-headers output-watch-events server-print show-kind "
        "show-labels watch watch-only",
        "SP SF A=all-namespaces L=label-columns l=selector w=watch",
    ),
    "kuberc set": ("allowlist-entry appendarg command kuberc name option policy prependarg section", "overwrite", ""),
    "kuberc view": ("P kuberc", "PN", "SP"),
    "kustomize": (
        "env helm-api-versions helm-command helm-kube-version load-restrictor mount network-name output",
        "as-current-user enable-alpha-plugins enable-helm helm-debug network",
        "SP e=env",
    ),
    "label": (
        "P F field-manager field-selector resource-version selector",
        "PN FN all all-namespaces dry-run list local overwrite record",
        "SP SF A=all-namespaces l=selector",
    ),
    "logs": (
        "container limit-bytes max-log-requests pod-running-timeout selector since since-time tail",
        "all-containers all-pods follow ignore-errors insecure-skip-tls-verify-backend prefix previous timestamps",
        "c=container f=follow l=selector p=previous",
    ),
    "patch": ("P F field-manager patch patch-file subresource type", "PN FN dry-run local record", "SP SF p=patch"),
    "plugin list": ("", "name-only", ""),
    "port-forward": ("address pod-running-timeout", "", ""),
    "proxy": (
        "accept-hosts accept-paths address api-prefix keepalive port reject-methods reject-paths "
        "unix-socket www www-prefix",
        "append-server-path disable-filter",
        "P=www-prefix p=port u=unix-socket w=www",
    ),
    "replace": (
        "P F field-manager grace-period raw subresource timeout",
        "PN FN cascade dry-run force save-config validate wait",
        "SP SF",
    ),
    "rollout history": ("P F revision selector", "PN FN", "SP SF l=selector"),
    "rollout pause": ("P F field-manager selector", "PN FN", "SP SF l=selector"),
    "rollout restart": ("P F field-manager selector", "PN FN", "SP SF l=selector"),
    "rollout resume": ("P F field-manager selector", "PN FN", "SP SF l=selector"),
    "rollout status": ("F revision selector timeout", "FN watch", "SF l=selector w=watch"),
    "rollout undo": ("P F selector to-revision", "PN FN dry-run", "SP SF l=selector"),
    "run": (
        "P F annotations detach-keys env field-manager grace-period image image-pull-policy labels "
        "override-type overrides pod-running-timeout port restart timeout",
        "PN FN attach cascade command dry-run expose force leave-stdin-open privileged quiet record rm "
        "save-config stdin tty wait",
        "SP SF i=stdin l=labels q=quiet t=tty",
    ),
    "scale": (
        "P F current-replicas replicas resource-version selector timeout",
        "PN FN all dry-run record",
        "SP SF l=selector",
    ),
    "set env": (
        "P F containers env field-manager from keys prefix selector",
        "PN FN all dry-run list local overwrite resolve",
        "SP SF c=containers e=env l=selector",
    ),
    "set image": ("P F field-manager selector", "PN FN all dry-run local record", "SP SF l=selector"),
    "set resources": (
        "P F containers field-manager limits requests selector",
        "PN FN all dry-run local record",
        "SP SF c=containers l=selector",
    ),
    "set selector": (
        "P field-manager filename resource-version",
        "PN FN all dry-run local record",
        "SP R=recursive f=filename",
    ),
    "set serviceaccount": ("P F field-manager", "PN FN all dry-run local record", "SP SF"),
    "set subject": (
        "P F field-manager group selector serviceaccount user",
        "PN FN all dry-run local",
        "SP SF l=selector",
    ),
    "taint": ("P field-manager selector", "PN all dry-run overwrite validate", "SP l=selector"),
    "top node": ("selector sort-by", "no-headers show-capacity show-swap use-protocol-buffers", "l=selector"),
    "top pod": (
        "field-selector selector sort-by",
        "all-namespaces containers no-headers show-swap sum use-protocol-buffers",
        "A=all-namespaces l=selector",
    ),
    "uncordon": ("selector", "dry-run", "l=selector"),
    "version": ("output", "client short", "SP"),
    "wait": (
        "P field-selector filename for selector timeout",
        "PN FN all all-namespaces local",
        "SP A=all-namespaces R=recursive f=filename l=selector",
    ),
}

_Spec = tuple[frozenset[str], frozenset[str], dict[str, str]]
_SPECS: dict[str, _Spec] = {}
_GROUPS = {"P": _PRINT, "PN": _PRINT_N, "F": _FILE, "FN": _FILE_N}
_SHORT_GROUPS = {"SP": _S_PRINT, "SF": _S_FILE}


def _spec(command: str) -> _Spec | None:
    spec = _SPECS.get(command)
    if spec is None:
        row = _FLAGS.get(command)
        if row is None:
            return None
        spec = _SPECS[command] = (_flag_names(row[0]), _flag_names(row[1]), _shorthands(row[2]))
    return spec


def _flag_names(text: str) -> frozenset[str]:
    out: set[str] = set()
    for word in text.split():
        out.update(_GROUPS.get(word) or (word,))
    return frozenset(out)


def _shorthands(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in text.split():
        letter, _, name = word.partition("=")
        out.update(_SHORT_GROUPS.get(word) or {letter: name})
    return out

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


def shorthand(command: Sequence[str], name: str) -> str:
    """The one-letter form of flag ``name`` in ``command`` ("" if none); a local flag shadows a global one."""
    spec = _spec(" ".join(command))
    if spec is not None and (name in spec[0] or name in spec[1]):
        return next((letter for letter, long in spec[2].items() if long == name), "")
    return next((letter for letter, long in GLOBAL_SHORT.items() if long == name), "")


def find_command(args: Sequence[str]) -> tuple[str, ...]:
    """The command path cobra finds in ``args`` (an unknown first word is kept: a plugin or kuberc alias)."""
    return _find_command([a if isinstance(a, str) else str(a) for a in args])


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
