"""Sort a parsed kubectl command line into read / mutate / access / local / local-write / unknown.

The table covers kubectl 1.27-1.37 and is held to what the real binaries send (tests/data/
guard_facts.json, made by scripts/gen_guard_facts.py; docs/guard.md). Anything it does not know
(plugins, kuberc aliases, `alpha`, a sub-command kubectl would reject, a command the kubectl that
will run does not have) is UNKNOWN, which the guard treats like a write. Flags only ever lower
the class where kubectl honours them for that command form: the last --dry-run (not with --raw,
nor with create --edit), the last --local, --list, a true -h/--help; and never when the line has a
flag the command does not know, because a newer kubectl's value flag could have swallowed them.
Given the minor that will run, a command is judged by that release; without one, by every
release 1.27-1.37.

Hot path: no enum or dataclasses (they cost milliseconds to import), so CommandClass is a str
subclass with the members as attributes, and Classification a frozen slotted record.
"""

from __future__ import annotations

from kctx.kubectl.argv import COMPLETION_COMMANDS, FrozenRecord, KubectlArgs, find_command, parse_bool, subcommands


class CommandClass(str):
    """A command's class; compares, prints and serialises as its value ("read", "mutate", ...)."""

    __slots__ = ()
    READ: CommandClass
    MUTATE: CommandClass
    ACCESS: CommandClass
    LOCAL: CommandClass
    LOCAL_WRITE: CommandClass
    UNKNOWN: CommandClass

    def __new__(cls, value: str) -> CommandClass:
        # Like an enum: only the six members exist, and looking one up by value returns it.
        member = _MEMBERS.get(value)
        if member is None:
            raise ValueError(f"{value!r} is not a valid CommandClass")
        return member

    def __reduce__(self) -> tuple[type[CommandClass], tuple[str]]:
        return CommandClass, (self.value,)  # unpickle to the member itself

    def __repr__(self) -> str:
        return f"<CommandClass.{self.name}: {str.__repr__(self)}>"

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def name(self) -> str:
        return self.value.upper().replace("-", "_")


_MEMBERS: dict[str, CommandClass] = {
    v: str.__new__(CommandClass, v) for v in ("read", "mutate", "access", "local", "local-write", "unknown")
}
READ = CommandClass.READ = _MEMBERS["read"]
MUTATE = CommandClass.MUTATE = _MEMBERS["mutate"]
ACCESS = CommandClass.ACCESS = _MEMBERS["access"]
LOCAL = CommandClass.LOCAL = _MEMBERS["local"]
LOCAL_WRITE = CommandClass.LOCAL_WRITE = _MEMBERS["local-write"]
UNKNOWN = CommandClass.UNKNOWN = _MEMBERS["unknown"]
ALL_CLASSES = (READ, MUTATE, ACCESS, LOCAL, LOCAL_WRITE, UNKNOWN)


class Classification(FrozenRecord):
    """What a kubectl command line does, after --dry-run / --local / --help are taken into account."""

    __slots__ = ("cls", "command", "dry_run", "reason")

    cls: CommandClass
    command: str  # display form: "rollout restart", "create deployment", "delete"
    dry_run: bool  # the effective (last) --dry-run makes the command non-writing
    reason: str  # short human explanation

    def __init__(self, cls: CommandClass, command: str, dry_run: bool, reason: str) -> None:
        for name, value in zip(self.__slots__, (cls, command, dry_run, reason), strict=True):
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        return hash(self._fields())


# Command path -> class. Paths not listed are UNKNOWN.
_CLASSES: dict[str, CommandClass] = {
    # Reads.
    "get": READ, "describe": READ, "logs": READ, "events": READ, "explain": READ, "top node": READ,
    "top pod": READ, "api-resources": READ, "api-versions": READ, "cluster-info": READ,
    "cluster-info dump": READ, "wait": READ, "diff": READ, "auth can-i": READ, "auth whoami": READ,
    "rollout status": READ, "rollout history": READ, "apply view-last-applied": READ, "version": READ,
    "__complete": READ, "__completeNoDesc": READ,
    # Writes.
    "create": MUTATE, "create clusterrole": MUTATE, "create clusterrolebinding": MUTATE,
    "create configmap": MUTATE, "create cronjob": MUTATE, "create deployment": MUTATE,
    "create ingress": MUTATE, "create job": MUTATE, "create namespace": MUTATE,
    "create poddisruptionbudget": MUTATE, "create priorityclass": MUTATE, "create quota": MUTATE,
    "create role": MUTATE, "create rolebinding": MUTATE, "create secret docker-registry": MUTATE,
    "create secret generic": MUTATE, "create secret tls": MUTATE, "create service clusterip": MUTATE,
    "create service externalname": MUTATE, "create service loadbalancer": MUTATE,
    "create service nodeport": MUTATE, "create serviceaccount": MUTATE, "create token": MUTATE,
    "apply": MUTATE, "apply edit-last-applied": MUTATE, "apply set-last-applied": MUTATE,
    "delete": MUTATE, "edit": MUTATE, "patch": MUTATE, "replace": MUTATE, "label": MUTATE,
    "annotate": MUTATE, "scale": MUTATE, "autoscale": MUTATE, "expose": MUTATE, "run": MUTATE,
    "set env": MUTATE, "set image": MUTATE, "set resources": MUTATE, "set selector": MUTATE,
    "set serviceaccount": MUTATE, "set subject": MUTATE, "rollout pause": MUTATE, "rollout resume": MUTATE,
    "rollout restart": MUTATE, "rollout undo": MUTATE, "cordon": MUTATE, "uncordon": MUTATE,
    "drain": MUTATE, "taint": MUTATE, "certificate approve": MUTATE, "certificate deny": MUTATE,
    "auth reconcile": MUTATE, "debug": MUTATE,
    # Direct access to containers or the API server.
    "exec": ACCESS, "attach": ACCESS, "cp": ACCESS, "port-forward": ACCESS, "proxy": ACCESS,
    # Client side only.
    "config view": LOCAL, "config get-contexts": LOCAL, "config current-context": LOCAL,
    "config get-clusters": LOCAL, "config get-users": LOCAL, "completion": LOCAL, "kustomize": LOCAL,
    "plugin list": LOCAL, "help": LOCAL, "options": LOCAL, "kuberc view": LOCAL,
    # Local files change (the caller handles kubeconfig changes), never the cluster.
    "config use-context": LOCAL_WRITE, "config set": LOCAL_WRITE, "config set-context": LOCAL_WRITE,
    "config set-cluster": LOCAL_WRITE, "config set-credentials": LOCAL_WRITE, "config unset": LOCAL_WRITE,
    "config delete-context": LOCAL_WRITE, "config delete-cluster": LOCAL_WRITE,
    "config delete-user": LOCAL_WRITE, "config rename-context": LOCAL_WRITE, "kuberc set": LOCAL_WRITE,
}
# Top-level commands only some releases have (minor they appear in); before it, kubectl runs a plugin
# of that name from PATH (`kubectl kuberc view` runs kubectl-kuberc on 1.35). From the facts table's
# "commands", read from each binary's --help; the per-release flag tables in this folder may take it over.
_SINCE: dict[str, int] = {"kuberc": 36}
# An unknown `create <word>` runs a plugin kubectl-create-<word> from PATH when there is one: from 1.31 always,
# and already in 1.28-1.30 (seen with the real binaries and such a plugin on PATH; 1.27 prints create's help
# for -h). With no plugin kubectl rejects the line, so it stays unknown, -h or not, in every release.
_OLDEST, _NEWEST = 27, 37  # the releases the facts cover; any other minor counts as unknown
# --dry-run is ignored by these commands when one of these flags is on: kubectl sends the --raw
# request, or the edited object, as it is.
_DRY_RUN_IGNORED_WITH: dict[str, tuple[str, ...]] = {"create": ("raw", "edit"), "replace": ("raw",),
                                                     "delete": ("raw",)}
# --list only prints the current labels, annotations or environment; nothing is written.
_LISTS = frozenset({"label", "annotate", "set env"})
# get --raw to one of these sub-resources reaches a container, node or service (kubectl exec/proxy).
_ACCESS_SEGMENTS = frozenset({"exec", "attach", "portforward", "proxy"})

# Commands that only group sub-commands: alone they print help, with an argument kubectl rejects it.
_GROUPS = frozenset({
    "auth", "certificate", "config", "create secret", "create service", "kuberc", "plugin", "rollout", "set",
    "top",
})
# Unknown sub-commands of these fail inside kubectl, before anything is sent.
_CLIENT_SIDE_ROOTS = frozenset({"config", "kuberc", "plugin"})

_REASONS = {
    READ: "{} only reads from the cluster",
    MUTATE: "{} writes to the cluster",
    ACCESS: "{} gives direct access to containers or the API server",
    LOCAL: "{} runs locally; nothing is sent to the cluster",
    LOCAL_WRITE: "{} changes local files, not the cluster",
}


def needs_confirmation(cls: CommandClass) -> bool:
    """Whether the guard must confirm this class on a protected target."""
    return cls in (MUTATE, ACCESS, UNKNOWN)


def dry_run_mode(args: KubectlArgs) -> str | None:
    """kubectl's reading of the last --dry-run: "client", "server", "none", "invalid", or None if absent."""
    value = args.last("dry-run")
    if value is None:
        return None
    if value in ("", "unchanged", "client"):  # bare --dry-run: kubectl's "unchanged" means client
        return "client"
    if value in ("server", "none"):
        return value
    legacy = parse_bool(value)  # older spellings: --dry-run=true / =false
    if legacy is None:
        return "invalid"
    return "client" if legacy else "none"


def _flag_on(args: KubectlArgs, name: str) -> bool:
    """A boolean local flag whose last value is true (bare counts as true)."""
    value = args.last(name)
    return value is not None and (value == "" or parse_bool(value) is True)


def _base(args: KubectlArgs, key: str) -> tuple[CommandClass, str]:
    """The class of the command itself, before flags that lower it."""
    if not args.command:
        return LOCAL, "kubectl without a command prints help"
    if key in _GROUPS:
        if args.args:
            return UNKNOWN, f"{key} has no sub-command {args.args[0]!r}"
        return LOCAL, f"{key} without a sub-command prints help"
    if key == "create" and args.args:
        return UNKNOWN, f"create {args.args[0]!r} is not a kubectl create sub-command (a plugin?)"
    if key == "version" and _flag_on(args, "client"):
        return LOCAL, "version --client only prints the client version"
    if key == "get" and args.last("raw") is not None and is_access_path(args.last("raw") or ""):
        return ACCESS, "get --raw to an exec, attach, port-forward or proxy path reaches a pod, node or service"
    cls = _CLASSES.get(key)
    if cls is None and args.command[0] == "alpha":
        return UNKNOWN, f"{key}: alpha commands differ from release to release"
    if cls is None:
        return UNKNOWN, f"{key} is not a kubectl built-in command (a plugin or kuberc alias?)"
    return cls, _REASONS[cls].format(key)


def _lowered(args: KubectlArgs, key: str, cls: CommandClass, mode: str | None,
             minor: int | None) -> tuple[CommandClass, str] | None:
    """The class and reason a --help, --local, --list or --dry-run lowers ``cls`` to, if any."""
    if _flag_on(args, "help") and (cls is not UNKNOWN or key in _GROUPS):
        return LOCAL, "--help: kubectl only prints help"
    if cls is UNKNOWN:
        return None  # a plugin or alias gets its flags verbatim: no telling what they do
    if _flag_on(args, "local"):
        return LOCAL, f"--local: {key} works on local files; nothing is sent to the cluster"
    if key in _LISTS and _flag_on(args, "list"):
        return READ, f"--list: {key} only prints what is set; nothing is written"
    if cls is MUTATE and mode in ("client", "server") and _dry_run_ignored_with(args, key) is None:
        return READ, f"--dry-run={mode}: nothing is written"
    return None


def _dry_run_ignored_with(args: KubectlArgs, key: str) -> str | None:
    """The flag (raw, edit) that makes kubectl ignore --dry-run on this line, if any."""
    return next((f for f in _DRY_RUN_IGNORED_WITH.get(key, ()) if _given(args, f)), None)


def _given(args: KubectlArgs, name: str) -> bool:
    """--raw (any value, even empty) or a true boolean such as --edit."""
    return args.last(name) is not None if name == "raw" else _flag_on(args, name)


def _display(args: KubectlArgs) -> str:
    key = " ".join(args.command)
    if (key == "create" or key in _GROUPS) and args.args:
        return f"{key} {args.args[0]}"
    return key


def parse_minor(minor: str | int | None) -> int | None:
    """27 for "1.27", "v1.27.3" or 27; None when unknown or outside the releases the facts cover."""
    if isinstance(minor, int):
        n = minor
    else:
        parts = (minor or "").removeprefix("v").split(".")
        if len(parts) < 2 or parts[0] != "1" or not parts[1].isdigit():
            return None
        n = int(parts[1])
    return n if _OLDEST <= n <= _NEWEST else None


def missing_command(command: tuple[str, ...], minor: int | None) -> str:
    """Why kubectl 1.<minor> (any of 1.27-1.37 when None) may not have ``command`` built in; "" if it has."""
    since = _SINCE.get(command[0]) if command else None
    if since is None or (minor is not None and minor >= since):
        return ""
    where = "this kubectl" if minor is not None else "kubectl before 1." + str(since)
    return f"{command[0]} is built in only from kubectl 1.{since}: {where} runs a plugin kubectl-{command[0]} from PATH"


def is_access_path(raw: str) -> bool:
    """Whether a --raw URI names an exec/attach/portforward/proxy sub-resource (percent-decoded, dot
    segments either kept or resolved: the server may see either)."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    words = [w.lower() for w in _percent_decoded(path).split("/")]
    resolved: list[str] = []
    for w in words:
        if w == "..":
            resolved = resolved[:-1]
        elif w not in ("", "."):
            resolved.append(w)
    return any(w in _ACCESS_SEGMENTS for w in words[2:] + resolved[1:])


def _percent_decoded(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        h = text[i + 1:i + 3]
        if text[i] == "%" and len(h) == 2 and all(c in "0123456789abcdefABCDEF" for c in h):
            out.append(chr(int(h, 16)))
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def classify(args: KubectlArgs, minor: str | int | None = None) -> Classification:
    """Classify a parsed kubectl command line for kubectl 1.<minor> ("1.37"); for any of 1.27-1.37 when
    the minor is not given or not one of those."""
    key = " ".join(args.command)
    n = parse_minor(minor)
    missing = missing_command(args.command, n) or _completion_plugin(args, n)
    if missing:  # a plugin gets every word, -h and --dry-run included
        return Classification(UNKNOWN, _display(args), False, missing)
    cls, reason = _base(args, key)
    # A flag the command lacks (--dry-run on `rollout restart`, or one newer than our tables) makes
    # kubectl fail, or means we may have misread what follows it: lower nothing then.
    mode = None if args.unknown else dry_run_mode(args)
    lowered = None if args.unknown else _lowered(args, key, cls, mode, n)
    if lowered is not None:
        cls, reason = lowered
    elif args.unknown and cls in (MUTATE, ACCESS):
        reason += f" (unknown flag {args.unknown[0]}: --dry-run, --local and --help are not trusted)"
    ignored = _dry_run_ignored_with(args, key) if mode in ("client", "server") else None
    if ignored is not None and cls is MUTATE:
        reason += f" (--dry-run={mode} is ignored with --{ignored}: kubectl sends it as it is)"
    return Classification(cls, _display(args), mode in ("client", "server") and ignored is None, reason)


def _completion_plugin(args: KubectlArgs, minor: int | None) -> str:
    """Why a completion request runs a plugin: completing a line whose first word is not a built-in command runs
    the plugin's own completion program kubectl_complete-<word> from PATH ("" when it does not)."""
    if not args.command or args.command[0] not in COMPLETION_COMMANDS:
        return ""
    inner = find_command(list(args.args), f"1.{minor}" if minor is not None else None)
    if inner and inner[0] not in subcommands((), f"1.{minor}" if minor is not None else None):
        return f"completing {inner[0]!r} runs a plugin's completion program (kubectl_complete-{inner[0]})"
    return missing_command(inner, minor)


def is_client_only(args: KubectlArgs, minor: str | int | None = None) -> bool:
    """Whether kubectl will not talk to any server for this command line (a plugin might)."""
    cls = classify(args, minor).cls
    if cls in (LOCAL, LOCAL_WRITE):
        return True
    return (cls is UNKNOWN and bool(args.command) and args.command[0] in _CLIENT_SIDE_ROOTS
            and not missing_command(args.command, parse_minor(minor)))
