"""Parse kubectl's argv the way kubectl itself does (cobra finds the command, pflag the flags).

Cobra walks the command tree first: at each level it skips flags, judging them by that level's
flag set (a flag unknown there is assumed to take a value, so `kubectl -A get` finds no `get`),
and takes the first remaining word as a sub-command if the level has one of that name or alias.
pflag then parses every flag against the found command's flag set, where a local flag shadows
the global one of the same name (`config set-cluster --server`, `create rolebinding --user`):
flags with a no-option default (booleans, --dry-run, --validate, --cascade) take a value only
as `--flag=value`, every other flag takes the next argument whatever it looks like, `_` in a
long name reads as `-`, and `--` ends the flags.

The command tree and flags come from kctx/kubectl/flagtable.py, generated from the real binaries
release by release. A line is parsed for one release (`parse(argv, minor="1.33")`: a command that
release lacks is a plugin call, a flag it lacks is unknown) or, by default, for all of them at once:
whatever any release has is known. Import cost matters (this runs before every kubectl): the table
is plain strings, read for a command when a line first names it.
"""

from __future__ import annotations

from kctx.kubectl import flagtable as table

TYPE_CHECKING = False  # the typing module costs milliseconds on the hot path
if TYPE_CHECKING:
    from collections.abc import Sequence


class FrozenRecord:
    """A frozen record (dataclass-like eq and repr) without importing dataclasses on the hot path."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __reduce__(self) -> tuple[type[FrozenRecord], tuple[object, ...]]:
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


def _minor(version: str | None) -> int | None:
    """"1.33" (or "v1.33.2") -> 33, moved into the table's range; None (every release) when unreadable."""
    if version is None:
        return None
    parts = version.lstrip("v").split(".")
    if len(parts) < 2 or parts[0] != "1" or not parts[1].isdecimal():
        return None
    return min(max(int(parts[1]), table.MINORS[0]), table.MINORS[-1])


def _has(word: str, minor: int | None) -> str | None:
    """The name in ``word`` if it exists in ``minor`` (None: in any release)."""
    name, _, minors = word.partition("@")
    if not minors or minor is None:
        return name
    for part in minors.split(","):
        low, _, high = part.partition("-")
        if int(low) <= minor <= int(high or low):
            return name
    return None


def _names(text: str, minor: int | None) -> frozenset[str]:
    if "@" not in text:  # most rows: every release has every word
        return frozenset(text.split())
    return frozenset(name for word in text.split() if (name := _has(word, minor)))


def _pairs(text: str, minor: int | None) -> dict[str, str]:
    """short=long words -> {short: long}."""
    return dict(name.split("=") for word in text.split() if (name := _has(word, minor)))


# The union over every release: the public names other modules read.
GLOBAL_VALUE_FLAGS = _names(table.GLOBAL_VALUE, None)
GLOBAL_BOOL_FLAGS = _names(table.GLOBAL_BOOL, None)
GLOBAL_SHORT = _pairs(table.GLOBAL_SHORT, None)

# cobra's hidden commands that take the rest of the line verbatim (shell completion requests).
COMPLETION_COMMANDS = frozenset({"__complete", "__completeNoDesc"})
# Whatever follows these is taken as a sub-command (alpha's content changes from release to release).
_ANY_SUBCOMMAND = frozenset({"alpha"})


# Per (command or parent, minor): the table's strings turned into sets the first time a line names them.
_Local = tuple[frozenset[str], frozenset[str], dict[str, str]]
_LOCALS: dict[tuple[str, int | None], _Local] = {}
_SUBS: dict[tuple[str, int | None], dict[str, str]] = {}
_GLOBALS: dict[int | None, tuple[frozenset[str], frozenset[str], dict[str, str]]] = {
    None: (GLOBAL_VALUE_FLAGS, GLOBAL_BOOL_FLAGS, GLOBAL_SHORT),
}


def _local(command: str, minor: int | None) -> _Local:
    """(flags that take a value, flags that take none unless given as --flag=value, shorthands)."""
    spec = _LOCALS.get((command, minor))
    if spec is None:
        row = table.FLAGS.get(command, ("", "", ""))
        spec = _LOCALS[command, minor] = (_names(row[0], minor), _names(row[1], minor), _pairs(row[2], minor))
    return spec


def _subs(parent: str, minor: int | None) -> dict[str, str]:
    """The words that name a sub-command of ``parent`` -> its canonical name (aliases included)."""
    subs = _SUBS.get((parent, minor))
    if subs is None:
        subs = _SUBS[parent, minor] = {}
        for word in table.SUBCOMMANDS.get(parent, "").split():
            if "@" in word and not (word := _has(word, minor) or ""):
                continue
            alias, _, canonical = word.rpartition("=")
            subs[alias or canonical] = canonical
    return subs


def _global_kinds(minor: int | None) -> tuple[frozenset[str], frozenset[str], dict[str, str]]:
    """(global flags that take a value, boolean global flags, global shorthands) of ``minor``."""
    kinds = _GLOBALS.get(minor)
    if kinds is None:
        kinds = _GLOBALS[minor] = (_names(table.GLOBAL_VALUE, minor), _names(table.GLOBAL_BOOL, minor),
                                   _pairs(table.GLOBAL_SHORT, minor))
    return kinds


# How a flag behaves in the found command.
_GLOBAL_VALUE, _GLOBAL_BOOL, _LOCAL_VALUE, _LOCAL_NOVALUE = range(4)
# What a command accepts: its local flags (value, no value, shorthands), then the global ones (value,
# boolean, shorthands) of the same release.
_Flags = tuple[frozenset[str], frozenset[str], dict[str, str], frozenset[str], frozenset[str], dict[str, str]]


def _flags(command: str, minor: int | None) -> _Flags:
    return _local(command, minor) + _global_kinds(minor)


def _kind(flags: _Flags, name: str) -> int | None:
    # Local first: cobra does not add an inherited flag whose name the command already has. Where
    # releases differ (the union), taking a value wins.
    if name in flags[0]:
        return _LOCAL_VALUE
    if name in flags[1] or name == "help":
        return _LOCAL_NOVALUE
    if name in flags[3]:
        return _GLOBAL_VALUE
    if name in flags[4]:
        return _GLOBAL_BOOL
    return None


def _long_of(flags: _Flags, letter: str) -> str | None:
    long = flags[2].get(letter)
    if long is not None:
        return long
    if letter == "h":
        return "help"
    long = flags[5].get(letter)
    # A global flag a local one shadows is not there, nor is its shorthand (1.27's config set-context -n).
    return None if long in flags[0] or long in flags[1] else long


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


def subcommands(command: Sequence[str], minor: str | None = None) -> frozenset[str]:
    """Canonical sub-command names of ``command`` (empty if it has none) in release ``minor`` ("1.33";
    None: in any release 1.27-1.37)."""
    return frozenset(_subs(" ".join(command), _minor(minor)).values())


def local_flags(command: Sequence[str], minor: str | None = None) -> frozenset[str]:
    """Long names of the local flags ``command`` has in release ``minor`` (None: in any; help excluded)."""
    value, novalue, _short = _local(" ".join(command), _minor(minor))
    return value | novalue


def shorthand(command: Sequence[str], name: str, minor: str | None = None) -> str:
    """The one-letter form of flag ``name`` in ``command`` ("" if none); a local flag shadows a global one."""
    value, novalue, short = _local(" ".join(command), _minor(minor))
    if name not in value and name not in novalue:
        short = _global_kinds(_minor(minor))[2]
    return next((letter for letter, long in short.items() if long == name), "")


def find_command(args: Sequence[str], minor: str | None = None) -> tuple[str, ...]:
    """The command path cobra finds in ``args`` (an unknown first word is kept: a plugin or kuberc alias)."""
    return _find_command([a if isinstance(a, str) else str(a) for a in args], _minor(minor))


def _takes_value(kind: int | None) -> bool:
    # cobra assumes an unknown flag takes a value while it looks for the command.
    return kind not in (_GLOBAL_BOOL, _LOCAL_NOVALUE)


def _skips_next(token: str, flags: _Flags) -> bool:
    """cobra's stripFlags: does flag ``token`` (without '=') consume the argument after it?"""
    if "=" in token:
        return False
    if token.startswith("--"):
        name = token[2:].replace("_", "-")
        # cobra adds the help flag to a command only once it runs it, after Find: while it looks for the
        # command, a bare --help is an unknown flag and takes the next word (`kubectl --help get create ns x`
        # runs `create`, with `get` as an argument). pflag's parse of the found command knows it as a boolean.
        return name == "help" or _takes_value(_kind(flags, name))
    # Only a lone short flag can take the next argument; Go measures bytes, hence isascii.
    if len(token) != 2 or not token[1].isascii():
        return False
    long = _long_of(flags, token[1])
    return long is None or long == "help" or _takes_value(_kind(flags, long))


def _first_word(args: Sequence[str], flags: _Flags) -> int | None:
    """Index of the first argument that is neither a flag nor a flag's value, before any `--`."""
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            return None
        if token.startswith("-"):
            i += 2 if _skips_next(token, flags) else 1
            continue
        if token:
            return i
        i += 1
    return None


def _find_command(args: list[str], minor: int | None) -> tuple[str, ...]:
    """Walk the command tree like cobra's Find; removes the command words from ``args``."""
    path: list[str] = []
    while True:
        parent = " ".join(path)
        at = _first_word(args, _flags(parent, minor))
        if at is None:
            break
        word = args.pop(at)
        name = word if parent in _ANY_SUBCOMMAND else _subs(parent, minor).get(word)
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

    def __init__(self, flags: _Flags) -> None:
        self.flags = flags
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
        kind = _kind(self.flags, name)
        if not eq and kind in (_GLOBAL_VALUE, _LOCAL_VALUE):
            value, i = (args[i], i + 1) if i < len(args) else ("", i)
        self._record(kind, name, value, bool(eq), "--" + name)
        return i

    def _shorts(self, token: str, args: Sequence[str], i: int) -> int:
        letters = token[1:]
        while letters:
            letter, rest = letters[0], letters[1:]
            name = _long_of(self.flags, letter)
            kind = None if name is None else _kind(self.flags, name)
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


def _parse(argv: list[str], minor: int | None, completion: bool) -> KubectlArgs:
    command = _find_command(argv, minor)
    if completion and command and command[0] in COMPLETION_COMMANDS:
        # The rest is the line being completed: cobra passes it verbatim, but completing it talks to
        # the cluster its flags name, so report those flags.
        inner = _parse(list(argv), minor, completion=False)
        return KubectlArgs(inner.globals, inner.global_bools, command, tuple(argv), {}, inner.dashdash)
    state = _Parse(_flags(" ".join(command), minor))
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


def parse(argv: Sequence[str], minor: str | None = None) -> KubectlArgs:
    """Split kubectl's arguments (without the program name) as kubectl ``minor`` would ("1.33"; a release
    outside 1.27-1.37 counts as the nearest). None judges by every release at once: a flag or command
    any of them has is known. Never raises."""
    return _parse([a if isinstance(a, str) else str(a) for a in argv], _minor(minor), completion=True)
