"""`kctx completion`: the shell completion scripts, and the candidates they ask for.

One table here describes every command's arguments, so the bash, zsh and fish scripts stay thin: they
pass the words typed so far to `kctx completion candidates -- WORDS… CURRENT` and show what comes back.
Commands this table does not know (added later) still get their flags and sub-commands from their -h.
"""

from __future__ import annotations

import os

from kctx.commands.helptext import Help, render
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, UsageError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

    Source = tuple[str, ...] | str | None  # see Spec

HELP = Help(
    ["completion bash|zsh|fish", "completion contexts|namespaces|versions|commands",
     "completion candidates -- WORD… CURRENT", "completion kubectl-script bash|zsh|fish"],
    """
Print a completion script (`kctx init` loads it already; docs/shell.md shows how to install it without
`kctx init`), a list of names, the candidates for a command line (what the scripts ask for), or the path
of kubectl's own completion script, generated once per kubectl binary and cached.
""",
    [("kctx completion bash > ~/.local/share/bash-completion/completions/kctx", "install for bash"),
     ("kctx completion zsh > ~/.zfunc/_kctx", "install for zsh (~/.zfunc on fpath)"),
     ("kctx completion fish > ~/.config/fish/completions/kctx.fish", "install for fish")],
    [("actions", [("bash, zsh, fish", "the completion script for that shell"),
                  ("contexts, namespaces, versions, commands", "the names, one a line"),
                  ("candidates", "what completes CURRENT after WORD…, with descriptions"),
                  ("kubectl-script", "the path of kubectl's completion script for that shell")])])
SCRIPTS = {"bash": "kctx.bash", "zsh": "_kctx", "fish": "kctx.fish"}
NAMESPACE_TTL = 30  # seconds: long enough for a burst of <Tab>s, short enough to see new namespaces
NAMESPACE_TIMEOUT = 3  # seconds: completion must never hang on an unreachable cluster
KUBECTL_SCRIPT_TIMEOUT = 20


class Spec:
    """What a command takes. A source is a tuple of words or a name: contexts, namespaces, versions,
    subcommands (the command's own parser or -h), files, dirs, none. A trailing "-" adds kubectx's
    "previous" argument."""

    def __init__(self, args: Iterable[Source] = (), flags: dict[str, Source] | None = None, rest: Source = "none",
                 modes: dict[str, Source] | None = None, after: dict[str, Source] | None = None) -> None:
        self.args = list(args)  # one source per positional argument
        self.flags = flags or {}  # spelling -> source of its value, or None for a switch
        self.rest = rest  # positionals past `args`
        self.modes = modes or {}  # a switch that changes every positional (kubectx -d NAME…)
        self.after = after or {}  # sub-command -> source of the positionals that follow it


SHELL_NAMES = ("bash", "zsh", "fish")
LS_OUTPUTS = ("table", "wide", "json", "yaml", "name")  # kctx/commands/ls.py OUTPUTS
SPECS = {
    "ls": Spec(flags={"-o": LS_OUTPUTS, "--output": LS_OUTPUTS}),
    "ctx": Spec(["contexts-"], {"-c": None, "--current": None, "-u": None, "--unset": None, "-d": None,
                                "-V": None, "--version": None}, modes={"-d": "contexts"}),
    "ns": Spec(["namespaces-"], {"-f": None, "--force": None, "-c": None, "--current": None, "-u": None,
                                 "--unset": None, "-V": None, "--version": None}),
    "use": Spec(["contexts-"]),
    "current": Spec(flags={"--json": None}),
    "explain": Spec(flags={"--json": None, "--preview": None}, rest="files"),
    "unlock": Spec(["contexts", ("5m", "15m", "30m", "1h")], {"--reason": "none", "-r": "none"}),
    "lock": Spec(),
    "audit": Spec(flags={"--context": "contexts", "--since": ("15m", "1h", "2h", "1d", "7d"), "--json": None,
                         "--tail": None}),
    "init": Spec([SHELL_NAMES]),
    "session": Spec([("start", "sync", "show", "cleanup")], {"--pid": "none", "--context": "contexts"}),
    "shim": Spec([("install", "path")], {"--dir": "dirs"}),
    "prompt": Spec([("on", "off", "toggle")], {"--format": "none", "--color": ("auto", "always", "never"),
                                              "--shell": ("bash", "zsh", "fish", "plain")}),
    "completion": Spec([SHELL_NAMES + ("contexts", "namespaces", "versions", "commands")]),
    "kubectl": Spec(["subcommands"],
                    {"--context": "contexts", "--kubectl-version": "versions", "--days": "none"},
                    after={"install": "versions", "uninstall": "versions", "add": "files"}),
    "onboard": Spec(["files"], {"--dry-run": None, "--check": None, "--json": None, "--online": None,
                                "--prune": None, "--shell": None, "--sha256": "none", "--yes": None,
                                "--allow-commands": None, "--insecure-http": None, "--kuberc-allowlist": None,
                                "--refresh": None, "--no-install": None}),
    "doctor": Spec(flags={"--online": None, "--timeout": "none"}),
    "each": Spec(rest="contexts", flags={"--group": "groups", "-g": "groups", "-j": "none", "--jobs": "none",
                                         "--timeout": "none", "--json": None}),
    "prune": Spec(flags={"--days": "none", "--dry-run": None, "--yes": None, "-y": None}),
    "demo": Spec(flags={"--script": None}),
    "shell": Spec(["contexts"]),
}
GENERIC = Spec(["subcommands"])


def run(argv: list[str], env: Environment) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        env.stdout.write(render(HELP))
        return int(ExitStatus.OK if argv else ExitStatus.USAGE)
    action, rest = argv[0], argv[1:]
    if action in SCRIPTS and not rest:
        from importlib import resources

        env.stdout.write(resources.files("kctx").joinpath(f"data/completions/{SCRIPTS[action]}").read_text())
        return int(ExitStatus.OK)
    if action == "candidates":
        words = rest[1:] if rest[:1] == ["--"] else rest
        directive, items = candidates(words, env)
        env.stdout.write(directive + "\n" + "".join(f"{v}\t{d}\n" if d else f"{v}\n" for v, d in items))
        return int(ExitStatus.OK)
    if action in ("contexts", "namespaces", "versions", "commands") and not rest:
        env.stdout.write("".join(f"{v}\n" for v, _ in source(action, env, [])))
        return int(ExitStatus.OK)
    if action == "kubectl-script" and len(rest) == 1 and rest[0] in SCRIPTS:
        env.stdout.write(kubectl_script(env, rest[0]) + "\n")
        return int(ExitStatus.OK)
    raise UsageError(f"completion: unexpected arguments {' '.join(argv)!r} (see 'kctx completion -h')")


# --- the engine -----------------------------------------------------------------------------------------

def candidates(words: list[str], env: Environment) -> tuple[str, list[tuple[str, str]]]:
    """(directive, [(value, description)]) for the last word, given the words after `kctx`.

    The directive tells the shell what to do besides our values: "plain", or "files"/"dirs" to let the
    shell complete paths itself.
    """
    *done, cur = words or [""]
    if not done:
        return "plain", _filter(source("commands", env, []), cur)
    from kctx.cli import ALIASES

    name = ALIASES.get(done[0], done[0])
    spec = SPECS.get(name, GENERIC)
    typed = _Typed(spec, done[1:])
    if typed.dashes:
        return "files", []
    if typed.wants is not None:
        return _answer(spec.flags[typed.wants], env, done, cur)
    flag, eq, value = cur.partition("=")
    if eq and spec.flags.get(flag) is not None:
        directive, items = _answer(spec.flags[flag], env, done, value)
        return directive, [(f"{flag}={v}", d) for v, d in items]
    what = typed.source()
    if cur.startswith("-"):
        return "plain", _flag_words(name, spec, env, done, cur, what)
    return _answer(what, env, done, cur)


class _Typed:
    """What the words after the command say: which flag wants a value (the word being typed), how many
    positionals came, the source a mode switch or sub-command set, and whether `--` came."""

    def __init__(self, spec: Spec, words: list[str]) -> None:
        self.spec = spec
        self.positional, self.dashes = 0, False
        self.wants: str | None = None
        self.mode: Source = None
        for word in words:
            if word == "--" and self.wants is None:
                self.dashes = True
                return
            self._read(word)

    def _read(self, word: str) -> None:
        spec = self.spec
        if self.wants is not None:
            self.wants = None  # the word is that flag's value
        elif word in spec.modes:
            self.mode = spec.modes[word]
        elif word.startswith("-") and word != "-":
            flag = word.partition("=")[0]
            if "=" not in word and spec.flags.get(flag) is not None:
                self.wants = flag
        else:
            self.positional += 1
            self.mode = spec.after.get(word, self.mode) if self.positional == 1 else self.mode

    def source(self) -> Source:
        """The source of the next positional."""
        args = self.spec.args
        return self.mode or (args[self.positional] if self.positional < len(args) else self.spec.rest)


def _flag_words(name: str, spec: Spec, env: Environment, done: list[str], cur: str,
                what: Source) -> list[tuple[str, str]]:
    flags = _filter([(f, "") for f in _flags(name, spec, env, done)], cur)
    # kubectx's "-" (the previous one) is a positional that looks like a flag.
    if cur == "-" and isinstance(what, str) and what.endswith("-"):
        flags.insert(0, ("-", "the previous one"))
    return flags


def _answer(what: Source, env: Environment, done: list[str], cur: str) -> tuple[str, list[tuple[str, str]]]:
    if what in ("files", "dirs"):
        return what, []
    return "plain", _filter(source(what, env, done), cur)


def _filter(items: list[tuple[str, str]], cur: str) -> list[tuple[str, str]]:
    return [(v, d) for v, d in items if v.startswith(cur)]


def source(what: Source, env: Environment, done: list[str]) -> list[tuple[str, str]]:
    """The values a source stands for, each with a short description ("" for none)."""
    if isinstance(what, tuple):
        return [(w, "") for w in what]
    if what is None or what == "none":
        return []
    if what.endswith("-"):
        return source(what[:-1], env, done) + [("-", "the previous one")]
    try:
        if what == "commands":
            from kctx.cli import COMMANDS

            return [(n, help_) for n, (_, help_) in COMMANDS.items()]
        if what == "contexts":
            return contexts(env)
        if what == "groups":
            return groups(env)
        if what == "namespaces":
            return [(n, "") for n in namespaces(env)]
        if what == "versions":
            return [(v, "") for v in versions(env)]
        if what == "subcommands":
            from kctx.cli import ALIASES

            return [(s, "") for s in _discovered(ALIASES.get(done[0], done[0]), env, done)[1]]
    except (KctxError, OSError):
        return []  # completion never shows a traceback or an error in the middle of the line
    return []


def contexts(env: Environment) -> list[tuple[str, str]]:
    """Every context, the same list and order as `kctx ls -o name`."""
    from kctx.commands.ls import rows_for
    from kctx.workspace import Workspace

    rows = rows_for(Workspace(env))
    return [(r["name"], " ".join(filter(None, [r["cluster"], "(protected)" if r["protected"] else "",
                                               "(current)" if r["current"] else ""]))) for r in rows]


def groups(env: Environment) -> list[tuple[str, str]]:
    """The config's context groups, each with its globs."""
    from kctx.config import load

    return [(name, " ".join(globs)) for name, globs in load(env.paths).groups.items()]


def _flags(name: str, spec: Spec, env: Environment, done: list[str]) -> list[str]:
    """What the command accepts: exactly its parser's options when it has one, else the table's flags
    plus what its -h shows (so flags added later are offered too)."""
    found, _, exact = _discovered(name, env, done)
    if not exact:
        found = list(dict.fromkeys([*spec.flags, *spec.modes, *found]))
    return found + [f for f in ("-h", "--help") if f not in found]


def _discovered(name: str, env: Environment, done: list[str]) -> tuple[list[str], list[str], bool]:
    """(flags, sub-commands, exact) the command itself knows: from its argparse parser when the module
    offers `parser()` (exact), else from what its -h (and the typed sub-command's -h) prints."""
    import importlib

    from kctx.cli import COMMANDS

    if name not in COMMANDS:
        return [], [], False
    try:
        module = importlib.import_module(f"kctx.commands.{COMMANDS[name][0]}")
        make = getattr(module, "parser", None)
        if callable(make):
            return (*_from_parser(make(), done), True)
        flags, subs = _from_help([name], env)
        typed = next((w for w in done[1:] if w in subs), None)
        if typed is not None:
            flags += [f for f in _from_help([name, typed], env)[0] if f not in flags]
        return flags, subs, False
    except Exception:  # another command's code: whatever it raises, a <Tab> must not print a traceback
        return [], [], False


def _from_parser(parser: argparse.ArgumentParser, done: list[str]) -> tuple[list[str], list[str]]:
    import argparse

    subs: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:  # argparse has no public API for this; _actions has been stable for years
        if isinstance(action, argparse._SubParsersAction):
            subs = dict(action.choices)
    flags = [o for a in parser._actions for o in a.option_strings]
    typed = next((w for w in done[1:] if w in subs), None)
    if typed is not None:
        flags += [o for a in subs[typed]._actions for o in a.option_strings if o not in flags]
    return flags, list(subs)


def _from_help(argv: list[str], env: Environment) -> tuple[list[str], list[str]]:
    import io
    import re
    from contextlib import redirect_stderr, redirect_stdout

    from kctx.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):  # argparse prints its help to sys.stdout itself
        main([*argv, "-h"], Environment(stdout=out, stderr=err, environ=env.environ))
    text = out.getvalue()
    flags = list(dict.fromkeys(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text)))
    subs: list[str] = []
    for group in re.findall(r"\{([\w,-]+)\}", text):
        subs += [s for s in group.split(",") if s not in subs]
    return flags, subs


# --- namespaces: asked from the cluster, cached briefly --------------------------------------------------

def namespaces(env: Environment) -> list[str]:
    import hashlib
    import time

    environ = env.environ
    kubeconfig, context = environ.get("KUBECONFIG", ""), ""
    if environ.get("KCTX_SESSION"):
        from kctx.session.envfile import read

        values = read(environ["KCTX_SESSION"])
        kubeconfig, context = values.get("KUBECONFIG", kubeconfig), values.get("KCTX_CONTEXT", "")
    key = hashlib.sha256(f"{kubeconfig}\0{context}".encode()).hexdigest()[:20]
    cache = os.path.join(env.paths.cache_dir, "completion", f"namespaces-{key}")
    try:
        if time.time() - os.stat(cache).st_mtime < NAMESPACE_TTL:
            with open(cache, encoding="utf-8") as fh:
                return fh.read().split()
    except OSError:
        pass
    names = _ask_namespaces(env, kubeconfig)
    # Failures are cached too, as an empty list, so each <Tab> does not wait for the timeout again.
    _write_cache(cache, "".join(f"{n}\n" for n in names))
    return names


def _ask_namespaces(env: Environment, kubeconfig: str) -> list[str]:
    import subprocess

    from kctx.kubectl.binaries import find

    binary = find(env.environ, env.paths.shim_dir)
    if not binary:
        return []
    run_env = dict(env.environ, KUBECONFIG=kubeconfig) if kubeconfig else dict(env.environ)
    try:
        argv = [binary, "get", "namespaces", "-o", "name", f"--request-timeout={NAMESPACE_TIMEOUT}s"]
        proc = subprocess.run(argv, capture_output=True, text=True, env=run_env,
                              timeout=NAMESPACE_TIMEOUT + 1, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    return [ln.strip().removeprefix("namespace/") for ln in proc.stdout.splitlines() if ln.strip()]


def _write_cache(path: str, text: str) -> None:
    from kctx.util.fsutil import atomic_write

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        atomic_write(path, text, mode=0o600)
    except OSError:
        pass


# --- kubectl versions ---------------------------------------------------------------------------------

def versions(env: Environment) -> list[str]:
    """Versions `kctx kubectl list` shows; installed folders if that command does not exist (yet)."""
    import io
    import re

    from kctx.cli import COMMANDS, main

    found: list[str] = []
    if "kubectl" in COMMANDS:
        out = io.StringIO()
        main(["kubectl", "list"], Environment(stdout=out, stderr=io.StringIO(), environ=env.environ))
        found = re.findall(r"(?<![\w.])(v?\d+\.\d+(?:\.\d+)?)(?![\w.])", out.getvalue())
    if not found:
        try:
            found = sorted(n for n in os.listdir(env.paths.kubectl_dir) if n[:1].isdigit() or n[:2] == "v1")
        except OSError:
            found = []
    return list(dict.fromkeys(found))


# --- kubectl's own completion script, cached per binary --------------------------------------------------

def kubectl_script(env: Environment, shell: str) -> str:
    """Path of `kubectl completion SHELL` for the real kubectl, written once per binary (path, size, time)."""
    import hashlib
    import subprocess

    from kctx.kubectl.binaries import find

    binary = find(env.environ, env.paths.shim_dir)
    if not binary:
        raise KctxError("no real kubectl found on PATH, so there is no kubectl completion to load")
    st = os.stat(binary)
    identity = f"{os.path.realpath(binary)}\0{st.st_size}\0{st.st_mtime_ns}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:20]
    folder = os.path.join(env.paths.cache_dir, "completion")
    path = os.path.join(folder, f"kubectl-{key}.{shell}")
    if os.path.exists(path):
        return path
    try:
        proc = subprocess.run([binary, "completion", shell], capture_output=True, text=True,
                              timeout=KUBECTL_SCRIPT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KctxError(f"{binary} completion {shell} failed: {exc}") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        raise KctxError(f"{binary} completion {shell} failed: {proc.stderr.strip() or 'no output'}")
    _write_cache(path, proc.stdout)
    _drop_old_scripts(folder, shell, keep=os.path.basename(path))
    return path


def _drop_old_scripts(folder: str, shell: str, keep: str) -> None:
    """One script per shell is enough: the previous kubectl's goes when a new one is cached."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith("kubectl-") and name.endswith(f".{shell}") and name != keep:
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
