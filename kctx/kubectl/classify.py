"""Sort a parsed kubectl command line into read / mutate / access / local / local-write / unknown.

The table covers kubectl 1.27-1.37. Anything it does not know (plugins, kuberc aliases, `alpha`,
a sub-command kubectl would reject) is UNKNOWN, which the guard treats like a write. Flags only
ever lower the class when kubectl would honour them: the last --dry-run, the last --local, a
true -h/--help; and never when the line has a flag the command does not know, because a newer
kubectl's value flag could have swallowed them.

Hot path: no enum or dataclasses (they cost milliseconds to import), so CommandClass is a str
subclass with the members as attributes, and Classification a frozen slotted record.
"""

from __future__ import annotations

from kctx.kubectl.argv import FrozenRecord, KubectlArgs, parse_bool


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

    def __reduce__(self) -> tuple:
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
    cls = _CLASSES.get(key)
    if cls is None and args.command[0] == "alpha":
        return UNKNOWN, f"{key}: alpha commands differ from release to release"
    if cls is None:
        return UNKNOWN, f"{key} is not a kubectl built-in command (a plugin or kuberc alias?)"
    return cls, _REASONS[cls].format(key)


def _lowered(args: KubectlArgs, key: str, cls: CommandClass,
             mode: str | None) -> tuple[CommandClass, str] | None:
    """The class and reason a --help, --local or --dry-run lowers ``cls`` to, if any."""
    if _flag_on(args, "help") and (cls is not UNKNOWN or key in _GROUPS):
        return LOCAL, "--help: kubectl only prints help"
    if cls is UNKNOWN:
        return None  # a plugin or alias gets its flags verbatim: no telling what they do
    if _flag_on(args, "local"):
        return LOCAL, f"--local: {key} works on local files; nothing is sent to the cluster"
    if cls is MUTATE and mode in ("client", "server"):
        return READ, f"--dry-run={mode}: nothing is written"
    return None


def _display(args: KubectlArgs) -> str:
    key = " ".join(args.command)
    if (key == "create" or key in _GROUPS) and args.args:
        return f"{key} {args.args[0]}"
    return key


def classify(args: KubectlArgs) -> Classification:
    """Classify a parsed kubectl command line."""
    key = " ".join(args.command)
    cls, reason = _base(args, key)
    # A flag the command lacks (--dry-run on `rollout restart`, or one newer than our tables) makes
    # kubectl fail, or means we may have misread what follows it: lower nothing then.
    mode = None if args.unknown else dry_run_mode(args)
    lowered = None if args.unknown else _lowered(args, key, cls, mode)
    if lowered is not None:
        cls, reason = lowered
    elif args.unknown and cls in (MUTATE, ACCESS):
        reason += f" (unknown flag {args.unknown[0]}: --dry-run, --local and --help are not trusted)"
    return Classification(cls, _display(args), mode in ("client", "server"), reason)


def is_client_only(args: KubectlArgs) -> bool:
    """Whether kubectl will not talk to any server for this command line."""
    cls = classify(args).cls
    if cls in (LOCAL, LOCAL_WRITE):
        return True
    return cls is UNKNOWN and bool(args.command) and args.command[0] in _CLIENT_SIDE_ROOTS
