"""kubectl's kuberc (user preferences: command aliases and per-command option defaults), expanded like kubectl.

kubectl rewrites the command line from the kuberc before it runs anything, so the guard must judge the
rewritten line. What kubectl 1.35-1.37 do (checked against the real binaries, see tests/test_kuberc.py):

- The file: the first ``--kuberc PATH`` / ``--kuberc=PATH`` in argv (a raw scan that stops at ``--``),
  else $KUBERC, else ~/.kube/kuberc. ``KUBECTL_KUBERC=false`` (any case; no other value) turns kuberc off,
  and so does ``KUBERC=off`` (together with --kuberc kubectl refuses the call). A missing default file is
  ignored; a missing or preference-less explicit file makes kubectl refuse every call.
- Documents are split at lines starting with ``---``; the first one with apiVersion
  kubectl.config.k8s.io/v1beta1 (``defaults``/``options``) or /v1alpha1 (``overrides``/``flags``) and kind
  Preference is used, unknown fields ignored. Bad alias names (only letters), duplicate aliases and option
  names with dashes make kubectl refuse every call.
- An alias applies only when cobra finds no built-in command in argv and the first argument that does not
  start with ``-`` is its name (so built-ins win, and ``help`` can be aliased). It runs its command (a copy
  of it, sharing its flags) with ``prependArgs`` after the alias name and ``appendArgs`` at the end.
- Alias options and ``defaults`` set flag values before argv is parsed, so whatever argv says wins; they are
  skipped when argv seems to give the flag (a naive scan of every argument, after ``--`` too). Any flag of
  the command can be set, global ones included: --context, --namespace, --server, --kubeconfig, --dry-run...
  An alias option on a local flag is lost when the user's words lead into a sub-command.
- ``defaults`` match the found command by its name only (``create serviceaccount`` also covers
  ``set serviceaccount``), never an alias itself, and an unknown option name makes kubectl refuse the call.

Older kubectl reads it otherwise (RULES; the probes and their outcomes per minor are tests/kuberc_facts.json):
1.32 and older read no kuberc and do not know --kuberc; 1.33 reads one only with KUBECTL_KUBERC=true (any case),
knows only v1alpha1 and decodes strictly (an unknown or repeated field makes it ignore its default file, not an
explicit one); 1.33 and 1.34 take $KUBERC only as ``off``, not as a path. Expansion itself is the same in all.

Which reading counts: the one of the kubectl that will run. The kubectl is chosen for the target
(kctx/versions/select.py), and the target depends on the reading (a kuberc may set --context), so apply()
works out every kind of kubectl's reading first (the file is parsed once for all of them). When they agree on
what the guard looks at (target flags, class, refusal), that is the answer and no kubectl is chosen here.
Otherwise, newest first, each reading's target is resolved and its kubectl chosen exactly as the caller will
choose it next (a kubectl kctx did not install is asked its version once, cached by its stat): the first
reading whose kubectl reads the line that way is the one that runs, since the caller, resolving the target
from the same flags, chooses the same kubectl. When no reading is consistent, or the version cannot be told,
kctx fails closed: the most cautious class, and a problem (writes need confirmation) when the readings reach
different targets. So a kuberc kctx applies but the running kubectl ignores never lowers a class.

Hot path: the file is parsed once (kctx/kubectl/kubercfile.py, with yaml; in a child process in the shim) and
cached with marshal, keyed on its path and stamp (kctx/util/parsecache.py); the shim then stats the file and
reads the cache here.
"""

from __future__ import annotations

import posix

from kctx.kubectl.argv import (
    COMPLETION_COMMANDS,
    GLOBAL_BOOL_FLAGS,
    GLOBAL_VALUE_FLAGS,
    KubectlArgs,
    find_command,
    local_flags,
    parse,
    parse_bool,
    shorthand,
    subcommands,
)
from kctx.kubectl.classify import classify
from kctx.util import parsecache
from kctx.util.fastos import abspath, join

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TypedDict, TypeGuard

    from kctx.kubectl.classify import CommandClass
    from kctx.paths import Paths

    Option = tuple[str, str]  # (flag name, value)
    Alias = tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[Option, ...]]  # name, command, prepend, append
    Default = tuple[str, tuple[Option, ...]]  # (command, options)
    Preset = tuple[str, str, str]  # (LOCAL or GLOBAL, flag name, value)

    class Preferences(TypedDict):
        aliases: list[Alias]
        defaults: list[Default]
        unknown: str  # the first field kubectl 1.33's strict decoding rejects ("" when none)

    Reading = tuple[str, Preferences | str]  # (PREFS, preferences), or (another kind, one line)
    Readings = dict[str, Reading]  # key of READINGS -> how those kubectls read the file
    GuardKey = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, bool], ...], CommandClass, bool]

# The cache of parsed kuberc files (kctx/util/parsecache.py), whose parser is kctx/kubectl/kubercfile.py.
# This module owns its format: the parser imports it from here, and this module names the parser only as a
# string (it runs in a child process in the shim), so neither imports the other's yaml side.
MAGIC = "kctx-kuberc-3"
PARSER = "kctx.kubectl.kubercfile:parse_and_cache"
# What a parse gives, per reading: (PREFS, preferences) or (kind, one line) for the others. NONE: no document;
# IGNORED: no preferences kubectl can use; REJECTED: kubectl refuses the file; ERROR: kctx cannot tell.
PREFS, NONE, IGNORED, REJECTED, ERROR = "prefs", "none", "ignored", "rejected", "error"
KINDS = (PREFS, NONE, IGNORED, REJECTED, ERROR)
ALPHA, BETA = "kubectl.config.k8s.io/v1alpha1", "kubectl.config.k8s.io/v1beta1"
# apiVersion -> (key of the defaults list, key of an entry's options). v1 is not known to kubectl 1.37.
VERSIONS = {BETA: ("defaults", "options"), ALPHA: ("overrides", "flags")}
# The readings a file is parsed for (and cached with): which apiVersions a kubectl knows.
READINGS = {"alpha": (ALPHA,), "both": (ALPHA, BETA)}
# klog's flags are added to kubectl after it applied the kuberc, so a kuberc cannot set them.
_LATE_FLAGS = frozenset({"v", "vmodule", "log-flush-frequency", "log-backtrace-at", "log-dir", "log-file",
                         "log-file-max-size", "stderrthreshold", "add-dir-header", "alsologtostderr", "logtostderr",
                         "one-output", "skip-headers", "skip-log-headers"})
GLOBALS = (GLOBAL_VALUE_FLAGS | GLOBAL_BOOL_FLAGS) - _LATE_FLAGS
# Root commands kubectl has while it applies the kuberc (cobra adds help and completion requests later).
ROOT = subcommands(()) - {"help", "__complete", "__completeNoDesc"}
LOCAL, GLOBAL = "local", "global"


class Rules:
    """How the kubectl minors from ``since`` on read a kuberc (tests/kuberc_facts.json, from the real binaries).

    ``gate``: read only with KUBECTL_KUBERC=true (any case), else unless KUBECTL_KUBERC=false (any case).
    ``env_path``: $KUBERC may name the file (before, only KUBERC=off counts). ``reading``: which apiVersions
    it knows (a key of READINGS). ``strict``: an unknown or repeated field makes it ignore the default file.
    """

    __slots__ = ("name", "since", "gate", "env_path", "reading", "strict")

    def __init__(self, name: str, since: int, gate: bool, env_path: bool, reading: str, strict: bool) -> None:
        self.name, self.since, self.gate, self.env_path = name, since, gate, env_path
        self.reading, self.strict = reading, strict

    def __repr__(self) -> str:
        return f"Rules({self.name})"


# Newest first. Minors before the last one read no kuberc (and do not know --kuberc); newer minors than
# the first one are assumed to read it like it.
RULES = (Rules("1.35+", 35, gate=False, env_path=True, reading="both", strict=False),
         Rules("1.34", 34, gate=False, env_path=False, reading="both", strict=False),
         Rules("1.33", 33, gate=True, env_path=False, reading="alpha", strict=True))
NEWEST = RULES[0]
NO_KUBERC = "none"  # the reading of a kubectl that reads no kuberc


def rules_for(minor: int) -> Rules | None:
    """The rules of kubectl 1.<minor>; None when it reads no kuberc at all."""
    return next((r for r in RULES if minor >= r.since), None)


def enabled(rules: Rules, environ: Mapping[str, str]) -> bool:
    value = environ.get("KUBECTL_KUBERC", "").lower()
    return value == "true" if rules.gate else value != "false"


class Expansion:
    """What kubectl makes of argv: the line it parses, and the flag values kuberc sets before parsing it.

    ``argv``: the alias replaced by its command words, prependArgs and appendArgs in place.
    ``presets``: (LOCAL or GLOBAL, flag, value) in the order kubectl sets them. ``error``: kubectl refuses the
    call because of the kuberc (nothing is sent). ``alias``: the alias that applied ("").
    """

    __slots__ = ("argv", "presets", "alias", "error")

    def __init__(self, argv: list[str], presets: list[Preset] | None = None, alias: str = "", error: str = "") -> None:
        self.argv, self.presets, self.alias, self.error = argv, presets or [], alias, error

    def __repr__(self) -> str:
        return f"Expansion({self.argv!r}, {self.presets!r}, alias={self.alias!r}, error={self.error!r})"


class Result:
    """The parsed line after kuberc, why it cannot be judged (""), and the expansion behind it.

    ``reading``: the rules it was judged by when kubectl versions read this line differently (a Rules name,
    NO_KUBERC, or "" when they agree); ``expansion`` is set whenever a kuberc is in play (the shim keeps no memo)."""

    __slots__ = ("args", "problem", "expansion", "path", "reading")

    def __init__(self, args: KubectlArgs, problem: str = "", expansion: Expansion | None = None,
                 path: str = "", reading: str = "") -> None:
        self.args, self.problem, self.expansion, self.path, self.reading = args, problem, expansion, path, reading


def apply(argv: list[str], environ: Mapping[str, str], paths: Paths, *, install: bool | None = None) -> Result:
    """Parse argv as the kubectl that will run reads it after its kuberc; kubectl still gets the original argv.

    Every kubectl version's reading is worked out (cheap: the file is parsed once, for all of them); when they
    differ in what the guard looks at, the kubectl that will run is chosen here the way the caller then
    chooses it (``install``: may download; by default only the shim does, reports do not)."""
    argv = [a if isinstance(a, str) else str(a) for a in argv]
    if not argv:  # kubectl applies no kuberc to a bare `kubectl`
        return Result(parse(argv))
    readings = _readings(argv, environ, paths)
    if all(r.expansion is None and not r.problem for _n, r in readings):
        return readings[0][1]  # no kuberc in play: every kubectl runs argv as typed
    groups = _grouped(readings)
    if len(groups) == 1:
        result = groups[0][1]
    else:
        result = _pick(groups, environ, paths, parsecache.PARSE_IN_CHILD if install is None else install)
    if result.expansion is None and any(r.expansion is not None or r.problem for _n, r in readings):
        result.expansion = Expansion(list(argv))  # a kuberc is in play: no memo of this decision
    return result


def _readings(argv: list[str], environ: Mapping[str, str], paths: Paths) -> list[tuple[str, Result]]:
    """(rules name, Result) for every kind of kubectl, newest first; each file is read once."""
    typed = parse(argv)  # shared by the readings that leave argv as it is (nothing changes it later)
    out: list[tuple[str, Result]] = []
    seen: dict[tuple[str, bool, str, str, bool], Result] = {}
    files: dict[tuple[str, bool], tuple[Readings | None, str]] = {}
    for rules in RULES:
        if not enabled(rules, environ):
            continue
        path, explicit, error = locate(argv, environ, rules)
        key = (path, explicit, error, rules.reading, rules.strict)
        if key not in seen:
            seen[key] = _reading(argv, typed, path, explicit, error, rules, paths, files)
        out.append((rules.name, seen[key]))
    # A kubectl that reads no kuberc (1.32 and older, 1.33 without the gate, KUBECTL_KUBERC=false) has no
    # --kuberc flag either: it refuses a line that gives one.
    out.append((NO_KUBERC, Result(typed, "this kubectl does not know --kuberc and will refuse the call"
                              if "kuberc" in typed.globals else "")))
    return out


def _reading(argv: list[str], typed: KubectlArgs, path: str, explicit: bool, error: str, rules: Rules,
             paths: Paths, files: dict[tuple[str, bool], tuple[Readings | None, str]]) -> Result:
    if error:
        return Result(typed, f"{error}; kubectl will refuse the call", path=path)
    if not path:
        return Result(typed)
    if (path, explicit) not in files:
        files[path, explicit] = _parsed(path, explicit, paths)
    readings, problem = files[path, explicit]
    prefs, problem = _outcome(path, explicit, readings[rules.reading], rules) if readings else (None, problem)
    if prefs is None:
        return Result(typed, problem, path=path)
    try:
        exp = expand(argv, prefs)
        args = parse_expanded(exp)
    except Exception as exc:  # noqa: BLE001 - the guard fails closed rather than crash on a line it cannot expand
        return Result(typed, f"{path}: kctx could not expand the kuberc for this line ({exc!r})", path=path)
    if exp.error:
        return Result(typed, f"{path}: kubectl will refuse the call: {exp.error}", exp, path)
    return Result(args, "", exp, path)


def _grouped(readings: list[tuple[str, Result]]) -> list[tuple[tuple[str, ...], Result]]:
    """The readings that differ in what the guard looks at (target flags, class, refusal), newest first."""
    groups: dict[GuardKey, tuple[tuple[str, ...], Result]] = {}
    for name, result in readings:
        key = _guard_key(result)
        names, first = groups.get(key, ((), result))
        groups[key] = ((*names, name), first)
    return list(groups.values())


def _guard_key(result: Result) -> GuardKey:
    args = result.args
    return (tuple(sorted(args.globals.items())), tuple(sorted(args.global_bools.items())), classify(args).cls,
            bool(result.problem))


# --- which kubectl runs -------------------------------------------------------------------------------------

def _pick(groups: list[tuple[tuple[str, ...], Result]], environ: Mapping[str, str], paths: Paths,
          install: bool) -> Result:
    """The reading of the kubectl that will run. A reading's flags decide the target, the target decides the
    kubectl (kctx/versions/select.py): a reading holds when that kubectl reads the line that way. When none
    holds, or the kubectl's version cannot be told, fail closed (``_worst``)."""
    # target flags -> the name of the rules of the kubectl chosen for them
    chosen: dict[tuple[object, ...], str | None] = {}
    for names, result in groups:
        key = _guard_key(result)[:2]
        if key not in chosen:
            chosen[key] = _rules_that_run(result, environ, paths, install)
        reading = chosen[key]
        if reading is None:
            return _worst(groups, "kctx cannot tell which kubectl version runs")
        if reading in names:
            result.reading = reading
            return result
    return _worst(groups, "the kubectl chosen for each reading reads it another way")


def _worst(groups: list[tuple[tuple[str, ...], Result]], why: str) -> Result:
    """Fail closed: the reading with the most cautious class, and a problem (writes need confirmation) when
    the readings go to different targets or kubectl refuses some of them."""
    from kctx.kubectl.classify import needs_confirmation

    names, worst = max(groups, key=lambda g: (needs_confirmation(classify(g[1].args).cls), bool(g[1].problem)))
    problem = worst.problem
    if not problem and len({_guard_key(r)[:2] for _n, r in groups}) > 1:
        path = next((r.path for _n, r in groups if r.path), "the kuberc")
        problem = f"{path}: kubectl versions send this line to different targets and {why}"
    return Result(worst.args, problem, worst.expansion, worst.path, names[0])


def _rules_that_run(result: Result, environ: Mapping[str, str], paths: Paths, install: bool) -> str | None:
    """The rules name of the kubectl the caller will choose for this reading's target; None when unknown."""
    from kctx.config import load
    from kctx.errors import KctxError
    from kctx.guard.target import resolve
    from kctx.kubectl.classify import is_client_only
    from kctx.versions.parse import parse_spec
    from kctx.versions.select import choose

    environ = _session_environ(result.args, environ)
    try:
        config = load(paths)
        target = resolve(result.args.globals, environ, paths, config, problem=result.problem)
        choice = choose(target, config, environ, posix.getcwd(), paths, detect=not is_client_only(result.args),
                        install=install, mark=False)
    except (KctxError, OSError):
        return None
    version = parse_spec(choice.version or binary_version(choice.path, paths))
    if version is None or version[0] != 1:
        return None
    rules = rules_for(version[1])
    return rules.name if rules is not None else NO_KUBERC


def _session_environ(args: KubectlArgs, environ: Mapping[str, str]) -> Mapping[str, str]:
    """The environment the shim resolves the target in: inside a session it follows the session's current
    KUBECONFIG (kctx/shim/fullpath.py), unless --kubeconfig names the file."""
    session = environ.get("KCTX_SESSION", "")
    if not session or args.globals.get("kubeconfig"):
        return environ
    from kctx.session.envfile import read as read_session

    value = read_session(session).get("KUBECONFIG")
    return {**environ, "KUBECONFIG": value} if value else environ


BINARY_MAGIC = "kctx-kubectl-version-1"


def binary_version(path: str, paths: Paths) -> str:
    """The version ("1.31.9") of a kubectl kctx did not install (on PATH, a configured path), asked once per
    file (kctx/kubectl/binaryversion.py) and cached by its stat; "" when it cannot be told."""
    try:
        st = posix.stat(path)
    except (OSError, ValueError):
        return ""
    cache = join(paths.cache_dir, "kubectl-versions-v1.marshal")
    key = parsecache.key(abspath(path), st)
    found = parsecache.lookup(cache, BINARY_MAGIC, key)
    if isinstance(found, str):
        return found
    from kctx.kubectl.binaryversion import ask

    return ask(path, cache, BINARY_MAGIC, key)


# --- which file --------------------------------------------------------------------------------------------

def locate(argv: list[str], environ: Mapping[str, str], rules: Rules = NEWEST) -> tuple[str, bool, str]:
    """(path, explicitly chosen, error): the kuberc kubectl reads for this argv; path "" when kuberc is off."""
    if not enabled(rules, environ):
        return "", False, ""
    flag, error = _explicit(argv)
    if error:
        return "", True, error
    if environ.get("KUBERC", "") == "off":
        return "", bool(flag), "KUBERC=off and --kuberc together" if flag else ""
    if flag:
        return flag, True, ""
    if rules.env_path and environ.get("KUBERC", ""):
        return environ["KUBERC"], True, ""
    return join(environ.get("HOME", ""), ".kube", "kuberc"), False, ""


def _explicit(argv: list[str]) -> tuple[str, str]:
    """kubectl's own scan for --kuberc: the first one before `--`, even as another flag's value."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--kuberc":
            return (argv[i + 1], "") if i + 1 < len(argv) else ("", "--kuberc without a file")
        if "--kuberc=" in arg:
            parts = arg.split("=")  # like kubectl: "--kuberc=a=b" means file "a"
            return (parts[1], "") if parts[1] else ("", "--kuberc= without a file")
    return "", ""


# --- reading it through the cache --------------------------------------------------------------------------

def read(path: str, explicit: bool, paths: Paths, *, rules: Rules = NEWEST) -> tuple[Preferences | None, str]:
    """(preferences or None, why the call cannot be judged or "") as ``rules`` read the file."""
    readings, problem = _parsed(path, explicit, paths)
    return _outcome(path, explicit, readings[rules.reading], rules) if readings else (None, problem)


def _parsed(path: str, explicit: bool, paths: Paths) -> tuple[Readings | None, str]:
    """(the file's readings (kctx/kubectl/kubercfile.py) or None, why not)."""
    try:
        st = posix.stat(path)
    except FileNotFoundError:
        return None, f"{path}: no such kuberc file; kubectl will refuse the call" if explicit else ""
    except (OSError, ValueError) as exc:
        return None, f"{path}: cannot read the kuberc: {getattr(exc, 'strerror', None) or exc}"
    result = _cached(paths.kuberc_cache, parsecache.key(abspath(path), st))
    if result is None:  # the cold path: parsing needs yaml (kctx/kubectl/kubercfile.py)
        try:
            parsed = parsecache.parse(PARSER, [abspath(path), paths.kuberc_cache])
        except parsecache.ChildFailed as exc:
            parsed = ERROR, f"cannot parse the kuberc: {exc}"
        result = parsed if is_result(parsed) else (
            ERROR, "cannot parse the kuberc: the parser gave no answer kctx knows")
    if isinstance(result, dict):
        return result, ""
    return None, _outcome(path, explicit, result, NEWEST)[1]  # the file could not be read or parsed at all


def _outcome(path: str, explicit: bool, result: Reading, rules: Rules) -> tuple[Preferences | None, str]:
    kind, value = result
    if not isinstance(value, str):  # PREFS (is_result checked that only it holds preferences)
        if rules.strict and not explicit and value.get("unknown"):
            return None, ""  # kubectl 1.33 warns (strict decoding error) and ignores its default file
        return value, ""
    if kind == NONE or (kind == IGNORED and not explicit):  # kubectl ignores it (with a warning)
        return None, ""
    if kind == IGNORED:
        return None, f"{path}: {value}; kubectl will refuse the call"
    if kind == REJECTED:
        return None, f"{path}: kubectl rejects this kuberc ({value}) and will refuse the call"
    return None, f"{path}: {value}; kctx cannot expand this kuberc (KUBERC=off turns kuberc off)"


def _cached(cache: str, key: tuple[object, ...]) -> Readings | tuple[str, str] | None:
    result = parsecache.lookup(cache, MAGIC, key)
    return result if is_result(result) else None


def is_result(result: object) -> TypeGuard[Readings | tuple[str, str]]:
    """A file's readings ({key of READINGS: (kind, value)}), or the error of a file that could not be read."""
    if isinstance(result, dict):
        return set(result) == set(READINGS) and all(_is_reading(r) for r in result.values())
    return isinstance(result, tuple) and len(result) == 2 and result[0] == ERROR and isinstance(result[1], str)


def _is_reading(result: object) -> bool:
    if not (isinstance(result, tuple) and len(result) == 2):
        return False
    kind, value = result
    if kind == PREFS:
        return isinstance(value, dict) and isinstance(value.get("aliases"), list) and isinstance(
            value.get("defaults"), list) and isinstance(value.get("unknown"), str)
    return kind in KINDS and isinstance(value, str)


# --- the expansion (pure) ----------------------------------------------------------------------------------

def expand(argv: list[str], prefs: Preferences) -> Expansion:
    """What kubectl makes of ``argv`` (without the program name) under the preferences ``prefs``."""
    path = find_command(argv)
    if path and path[0] in ROOT and any(a[0] == path[0] for a in prefs["aliases"]) and _not_in_every(path[0]):
        # kubectl releases with this command built in never look at the alias, older ones apply it: which one
        # runs is not settled here, so the call is not judged as either (writes fail closed).
        raise ValueError(f"the alias {path[0]!r} is a built-in command only in some kubectl releases")
    if not path or path[0] in ROOT:  # a built-in command: aliases are not looked at
        return _with_defaults(Expansion(list(argv)), prefs, path, path[-1] if path else "kubectl", ())
    at, word = _command_word(argv)
    alias = next((a for a in prefs["aliases"] if a[0] == word), None)
    if alias is None or alias[0] in ROOT:
        return Expansion(list(argv))  # a plugin, or nothing kubectl knows: it fails or runs a plugin
    if path[0] in COMPLETION_COMMANDS:
        return _complete_alias(argv, alias, at)
    return _expand_alias(argv, prefs, alias, at)


def _not_in_every(command: str) -> bool:
    """Whether some kubectl release 1.27-1.37 lacks ``command`` at the top level (`kuberc` before 1.36)."""
    return any(command not in subcommands((), f"1.{minor}") for minor in range(27, 38))


def _command_word(argv: list[str]) -> tuple[int, str]:
    """kubectl's guess at the alias name: the first argument that is not a flag or a completion request."""
    for i, arg in enumerate(argv):
        if not arg.startswith("-") and not arg.startswith("__complete"):
            return i, arg
    return -1, ""


def _alias_target(alias: Alias) -> tuple[str, ...] | None:
    """The command an alias runs (cobra's Find over its words: extra words and flags are dropped)."""
    target = find_command(alias[1].split())
    return None if target and target[0] not in ROOT else target


def _complete_alias(argv: list[str], alias: Alias, at: int) -> Expansion:
    """A completion request for an alias line: cobra completes the alias's command, with the alias options on
    global flags (which server it asks); no `defaults` (kubectl finds no command while it applies them)."""
    name, command, prepend, append, options = alias
    target = _alias_target(alias)
    if target is None:
        return Expansion(list(argv), alias=name, error=f'command "{command}" not found to set alias "{name}"')
    presets, error = _presets(options, target, argv, f"alias {name}")
    line = [*argv[:at], *target, *prepend, *argv[at + 1:], *append]
    return Expansion(line, [p for p in presets if p[0] == GLOBAL], name, error)


def _expand_alias(argv: list[str], prefs: Preferences, alias: Alias, at: int) -> Expansion:
    name, command, prepend, append, options = alias
    target = _alias_target(alias)
    if target is None:
        return Expansion(list(argv), alias=name, error=f'command "{command}" not found to set alias "{name}"')
    presets, error = _presets(options, target, argv, f"alias {name}")
    rest = [*prepend, *argv[at + 1:], *append]
    # cobra finds the alias unless a flag before it swallowed it as its value (then the alias word is that value)
    via_alias = find_command(argv[:at + 1]) == (name,)
    line = [*argv[:at], *target, *rest] if via_alias else [*argv[:at + 1], *rest]
    final = find_command(line)
    if not via_alias and final and final[0] not in ROOT:
        return Expansion(line, alias=name, error=error)  # cobra finds no command: kubectl fails
    if final != target:  # alias options on the alias command's own flags do not reach a sub-command
        presets = [p for p in presets if p[0] == GLOBAL]
    exp = Expansion(line, presets, name, error)
    if error:
        return exp
    found_name = name if via_alias and final == target else (final[-1] if final else "kubectl")
    registered = tuple(a[0] for a in prefs["aliases"])
    return _with_defaults(exp, prefs, final, found_name, registered, (name, target))


def _with_defaults(exp: Expansion, prefs: Preferences, final: tuple[str, ...], found_name: str,
                   registered: tuple[str, ...], alias: tuple[str, tuple[str, ...]] | None = None) -> Expansion:
    """Add the `defaults` entries whose command has the found command's name (kubectl compares names only)."""
    for command, options in prefs["defaults"]:
        if _name_of(command.split(), alias) != found_name:
            continue  # another command, or one kubectl does not know (it warns and goes on)
        if found_name in registered:
            exp.error = f"alias {found_name} can not be overridden"
            return exp
        presets, error = _presets(options, final, exp.argv, f"command {command}")
        exp.presets.extend(presets)
        if error:
            exp.error = error
            return exp
    return exp


def _name_of(words: list[str], alias: tuple[str, tuple[str, ...]] | None) -> str | None:
    """The name of the command a `defaults` entry means (cobra's Find), or None when kubectl finds none."""
    path = find_command(words)
    if alias is not None and path == (alias[0],):  # the running alias is a command now
        at = words.index(alias[0])
        path = find_command([*words[:at], *alias[1], *words[at + 1:]])
        return alias[0] if path == alias[1] else path[-1]
    if path and path[0] not in ROOT:
        return None
    return path[-1] if path else "kubectl"


def _presets(options: tuple[Option, ...], command: tuple[str, ...], args: list[str],
             owner: str) -> tuple[list[Preset], str]:
    """The flag values kuberc sets on ``command``, skipping those argv seems to give; or kubectl's error."""
    out: list[Preset] = []
    for name, value in options:
        scope = LOCAL if name in local_flags(command) else GLOBAL if name in GLOBALS else ""
        if not scope:
            return out, f"invalid flag {name} for {owner}"
        if _given(name, shorthand(command, name), args):
            continue
        if scope == GLOBAL and name in GLOBAL_BOOL_FLAGS and parse_bool(value) is None:
            return out, f'could not apply value "{value}" to flag {name} in {owner}'
        out.append((scope, name, value))
    return out, ""


def _given(name: str, short: str, args: list[str]) -> bool:
    """kubectl's test whether argv gives a flag: any argument that looks like it, wherever it is."""
    for arg in args:
        if arg == "--" + name or arg.startswith(f"--{name}="):
            return True
        if not short:
            continue
        if arg.startswith("-" + short):
            return True
        if len(arg) > 1 and arg[0] == "-" and arg[1:].isascii() and arg[1:].isalpha() and short in arg:
            return True  # a group of one-letter flags, e.g. -qn
    return False


def parse_expanded(exp: Expansion) -> KubectlArgs:
    """Parse the expanded line, then lay kuberc's values under the line's own (which win, being parsed later)."""
    args = parse(exp.argv)
    if not exp.presets:
        return args
    values: dict[str, str] = {}
    bools: dict[str, bool] = {}
    local: dict[str, list[str]] = {}
    for scope, name, value in exp.presets:
        if scope == LOCAL:
            local.setdefault(name, []).append(value)
        elif name in GLOBAL_BOOL_FLAGS:
            bools[name] = parse_bool(value) is not False
        else:
            values[name] = value
    values.update(args.globals)
    bools.update(args.global_bools)
    for name, given in args.local.items():
        local[name] = [*local.get(name, []), *given]
    return KubectlArgs(values, bools, args.command, args.args, local, args.dashdash, args.unknown)


def describe(exp: Expansion) -> str:
    """The line kubectl runs, for `kctx explain`: kuberc's values shown as flags after the command words."""
    import shlex

    line = "kubectl " + shlex.join(exp.argv)
    if exp.presets:
        line += "  (kuberc sets " + " ".join(f"--{n}={v}" for _s, n, v in exp.presets) + ")"
    return line
