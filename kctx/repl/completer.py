"""Completion: the pure "what to suggest here" step, and a thin prompt_toolkit adapter over it.

``suggest(text_before_cursor, cache)`` reads only the cache and never blocks; what the cache lacks is
returned as ``wants`` for the refresher to fetch in the background (the menu fills in when it arrives).
Standard library only at import time; prompt_toolkit is imported by ``make_completer``.
"""

from __future__ import annotations

from kctx.repl.cache import Cache, ClusterData
from kctx.repl.words import Words, at_cursor

BUILTINS: dict[str, str] = {
    "use": "switch this shell's context (use - : the previous one)",
    "ctx": "pick a context (fuzzy); ctx NAME switches like use",
    "ns": "pick a namespace (fuzzy); ns NAME / ns - switches",
    "as": "impersonate for every command (--as USER); as - stops",
    "help": "what this shell understands",
    "clear": "clear the screen (Ctrl-L)",
    "cd": "change this shell's working directory (for -f FILE and !cmd)",
    "pwd": "print this shell's working directory",
    "exit": "leave the shell (Ctrl-D); exit N: with status N",
}
# Other words for the same built-ins, as other shells spell them.
ALIASES: dict[str, str] = {"cls": "clear", "quit": "exit", "logout": "exit", ":q": "exit", "?": "help"}


# Programs people type out of habit that are no kubectl command: the shell says how to run them (!ls)
# unless a kubectl plugin of that name exists.
SHELL_WORDS = frozenset(("ls", "ll", "cat", "less", "more", "vi", "vim", "nano", "grep", "echo", "export",
                         "source", "man", "ps", "sudo", "mkdir", "rm", "mv", "touch", "which", "history"))


def builtin_name(word: str) -> str:
    """The built-in ``word`` names (an alias gives its built-in), or ""."""
    return word if word in BUILTINS else ALIASES.get(word, "")

# kubectl's global flags that take a value, for parsing lines before the binary has described itself.
GLOBAL_VALUE_FLAGS = frozenset((
    "--as", "--as-group", "--as-uid", "--as-user-extra", "--cache-dir", "--certificate-authority",
    "--client-certificate", "--client-key", "--cluster", "--context", "--kubeconfig", "--kuberc",
    "--log-flush-frequency", "--namespace", "-n", "--password", "--profile", "--profile-output", "--proxy-url",
    "--request-timeout", "--server", "-s", "--tls-server-name", "--token", "--user", "--username", "--v", "-v",
    "--vmodule",
))
NAMESPACE_FLAGS = ("-n", "--namespace")
FILE_FLAGS = ("-f", "--filename", "-k", "--kustomize", "--kubeconfig", "--certificate-authority",
              "--client-certificate", "--client-key", "--kuberc", "--profile-output")
# Flags that point the command at another cluster: the cache describes the current one, so say nothing.
ELSEWHERE_FLAGS = ("--context", "--cluster", "--server", "-s", "--kubeconfig")

TYPE_THEN_NAMES = frozenset(("get", "describe", "delete", "edit", "label", "annotate", "patch", "wait", "scale",
                             "autoscale", "expose", "taint", "rollout", "set"))
POD_COMMANDS = frozenset(("logs", "exec", "attach", "port-forward"))
NODE_COMMANDS = frozenset(("cordon", "uncordon", "drain"))
CONTEXT_SUBCOMMANDS = frozenset(("use-context", "use", "delete-context", "rename-context", "set-context",
                                 "get-contexts"))
MAX_ITEMS = 500


class Suggestions:
    """``items``: (text, meta) best first; ``start``: where the replaced word starts, relative to the cursor
    (<= 0); ``wants``: what the refresher should fetch; ``files``: complete file names instead (``dirs``:
    only directories)."""

    __slots__ = ("items", "start", "wants", "files", "dirs")

    def __init__(self, items: list[tuple[str, str]] | None = None, start: int = 0,
                 wants: list[tuple] | None = None, files: bool = False, dirs: bool = False) -> None:
        self.items = items or []
        self.start = start
        self.wants = wants or []
        self.files = files
        self.dirs = dirs

    def texts(self) -> list[str]:
        return [t for t, _ in self.items]


# ---------------------------------------------------------------- fuzzy matching

def _score(cand: str, typed: str) -> tuple | None:
    """Prefix beats substring beats subsequence (closer letters first); None when it does not match."""
    if cand.startswith(typed):
        return (0, len(cand))
    i = cand.find(typed)
    if i >= 0:
        return (1, i)
    pos = first = -1
    for ch in typed:
        pos = cand.find(ch, pos + 1)
        if pos < 0:
            return None
        if first < 0:
            first = pos
    return (2, pos - first, first)


def fuzzy(items, typed: str, keys=None) -> list[tuple[str, str]]:
    """``items`` ((text, meta) pairs) that match ``typed``, best first, case-insensitive; ties keep order.
    ``keys(text)`` gives the spellings to match against (default: the text itself); the best one counts."""
    if not typed:
        return list(items)[:MAX_ITEMS]
    typed = typed.lower()
    scored = []
    for n, item in enumerate(items):
        best = None
        for k in keys(item[0]) if keys else (item[0],):
            s = _score(k.lower(), typed)
            if s is not None and (best is None or s < best):
                best = s
        if best is not None:
            scored.append((best, n, item))
    scored.sort(key=lambda x: (x[0], x[1]))
    return [item for _, _, item in scored[:MAX_ITEMS]]


def fuzzy_names(names, typed: str) -> list[str]:
    return [t for t, _ in fuzzy([(n, "") for n in names], typed)]


# ---------------------------------------------------------------- reading the line

class Line:
    """A kubectl line as far as it was typed: the command path, positional args, flags seen."""

    __slots__ = ("path", "args", "flags", "pending_flag", "after_dashes")

    def __init__(self) -> None:
        self.path: tuple[str, ...] = ()
        self.args: list[str] = []
        self.flags: dict[str, str] = {}
        self.pending_flag = ""  # a value flag whose value is the word under the cursor
        self.after_dashes = False


def value_flags(cache: Cache, path: tuple[str, ...]) -> frozenset[str]:
    root = cache.command(())
    out = set(root.value_flags) if root and root.value_flags else set(GLOBAL_VALUE_FLAGS)
    for i in range(1, len(path) + 1):
        info = cache.command(path[:i])
        if info is not None:
            out |= info.value_flags
    return frozenset(out)


def read_line(words: list[str], cache: Cache) -> Line:
    line = Line()
    vflags = value_flags(cache, ())
    for word in words:
        if line.pending_flag:
            line.flags[line.pending_flag] = word
            line.pending_flag = ""
        elif line.after_dashes:
            line.args.append(word)
        elif word == "--":
            line.after_dashes = True
        elif word.startswith("-") and len(word) > 1:
            name, eq, value = word.partition("=")
            if eq:
                line.flags[name] = value
            elif name in vflags:
                line.pending_flag = name
            elif not name.startswith("--") and len(name) > 2 and name[:2] in vflags:
                line.flags[name[:2]] = name[2:]  # -oyaml, -nkube-system
            else:
                line.flags[name] = ""
        elif not line.args and _descends(line, word, cache):
            line.path = (*line.path, word)
            vflags = value_flags(cache, line.path)
        else:
            line.args.append(word)
    return line


def _descends(line: Line, word: str, cache: Cache) -> bool:
    info = cache.command(line.path)
    if info is None:
        return not line.path  # the first word is a command even before we know the list
    return word in info.subcommands


# ---------------------------------------------------------------- the step itself

def suggest(text_before_cursor: str, cache: Cache) -> Suggestions:
    if text_before_cursor.lstrip().startswith("!"):
        return Suggestions()  # a shell command: the shell's business
    w = at_cursor(text_before_cursor)
    if w.shell is not None:
        return Suggestions()
    start = w.start - len(text_before_cursor)
    done = list(w.done)
    if done and done[0] == "kubectl":
        done = done[1:]
    elif not done and w.current == "kubectl":
        return Suggestions([("kubectl", "")], start)
    if done and builtin_name(done[0]):
        return _builtin_args(done, w, cache, start)
    line = read_line(done, cache)
    out = _for_line(line, w, cache)
    out.start = start
    if cache.command(()) is None and ("command", ()) not in out.wants:
        out.wants.insert(0, ("command", ()))
    return out


def _builtin_args(done: list[str], w: Words, cache: Cache, start: int) -> Suggestions:
    name, args = builtin_name(done[0]), done[1:]
    if args:
        return Suggestions()
    if name == "cd":
        return Suggestions(files=True, dirs=True)
    if name in ("use", "ctx"):
        return Suggestions(fuzzy([("-", "the previous context"), *((c, "") for c in cache.contexts)], w.current),
                           start)
    if name == "ns":
        namespaces = cache.cluster.namespaces
        wants = [("namespaces",)] if namespaces is None else []
        items = [("-", "the previous namespace"), *((n, "") for n in namespaces or ())]
        return Suggestions(fuzzy(items, w.current), start, wants)
    return Suggestions()


def _for_line(line: Line, w: Words, cache: Cache) -> Suggestions:
    info = cache.command(line.path)
    wants: list[tuple] = [] if info is not None else [("command", line.path)]
    if line.pending_flag:
        return _flag_value(line.path, line.pending_flag, w.current, "", line, cache)
    cur = w.current
    if cur.startswith("-") and not line.after_dashes:
        name, eq, value = cur.partition("=")
        if eq:
            return _flag_value(line.path, name, value, name + "=", line, cache)
        return Suggestions(_flags(line.path, cur, cache), 0, wants)
    if not line.path:
        items = [*BUILTINS.items(), *((info.subcommands.items()) if info else ())]
        return Suggestions(fuzzy(items, cur), 0, wants)
    if info is not None and info.subcommands and not line.args:
        return Suggestions(fuzzy(list(info.subcommands.items()), cur), 0, wants)
    out = _positional(line, cur, cache)
    out.wants = wants + out.wants
    return out


def _flags(path: tuple[str, ...], typed: str, cache: Cache) -> list[tuple[str, str]]:
    info = cache.command(path)
    root = cache.command(())
    if info is None or not info.flags:
        info = root
    if info is None:
        return []
    # The command's own flags first, then kubectl's global ones.
    local = [(f, d) for f, d in info.flags.items() if f in info.local_flags]
    rest = [(f, d) for f, d in info.flags.items() if f not in info.local_flags]
    bare = typed.lstrip("-")
    if not bare:
        return [x for x in local + rest if x[0].startswith(typed)]
    return fuzzy(local + rest, bare, keys=lambda f: (f.lstrip("-"),))


def _elsewhere(line: Line) -> bool:
    return any(f in line.flags for f in ELSEWHERE_FLAGS)


def _namespace(line: Line, cache: Cache) -> str:
    for f in NAMESPACE_FLAGS:
        if line.flags.get(f):
            return line.flags[f]
    return cache.namespace or "default"


def _flag_value(path: tuple[str, ...], flag: str, typed: str, prefix: str, line: Line,
                cache: Cache) -> Suggestions:
    def items(values) -> list[tuple[str, str]]:
        return [(prefix + t, m) for t, m in fuzzy(values, typed)]

    if flag in NAMESPACE_FLAGS:
        if _elsewhere(line):
            return Suggestions()
        ns = cache.cluster.namespaces
        return Suggestions(items([(n, "") for n in ns or ()]), 0, [("namespaces",)] if ns is None else [])
    if flag == "--context":
        return Suggestions(items([(c, "") for c in cache.contexts]))
    if flag == "--cluster":
        return Suggestions(items([(c, "") for c in cache.clusters]))
    if flag == "--user":
        return Suggestions(items([(u, "") for u in cache.users]))
    if flag in FILE_FLAGS:
        return Suggestions(files=True)
    values = cache.flag_values.get((path, flag))
    if values is None:
        return Suggestions(wants=[("flag", path, flag)])
    return Suggestions(items(values))


def _positional(line: Line, cur: str, cache: Cache) -> Suggestions:
    cmd, path, args = line.path[0], line.path, line.args
    if cmd == "config":
        return _config(line, cur, cache)
    if _elsewhere(line):
        return Suggestions()
    ns, cluster = _namespace(line, cache), cache.cluster
    if cmd in POD_COMMANDS:
        return _pod(args, cur, ns, cluster)
    if cmd in NODE_COMMANDS or (cmd == "top" and len(path) > 1):
        kind = "pods" if cmd == "top" and path[1] in ("pod", "pods", "po") else "nodes"
        return _names(kind, cur, ns, cluster)
    if cmd == "explain":
        return _types(cur, cluster) if not args else Suggestions()
    if cmd in TYPE_THEN_NAMES:
        return _type_then_names(args, cur, ns, cluster)
    return Suggestions()


def _config(line: Line, cur: str, cache: Cache) -> Suggestions:
    """kubectl config: the context sub-commands take one context name."""
    if len(line.path) > 1 and line.path[1] in CONTEXT_SUBCOMMANDS and not line.args:
        return Suggestions(fuzzy([(c, "") for c in cache.contexts], cur))
    return Suggestions()


def _pod(args: list[str], cur: str, ns: str, cluster: ClusterData) -> Suggestions:
    """logs, exec, attach, port-forward: one pod, or TYPE/NAME."""
    if args:
        return Suggestions()
    if "/" in cur:
        return _type_slash_name(cur, ns, cluster)
    return _names("pods", cur, ns, cluster)


def _type_then_names(args: list[str], cur: str, ns: str, cluster: ClusterData) -> Suggestions:
    """get, describe, delete…: a type (or TYPE/NAME), then names of that type."""
    if not args:
        return _type_slash_name(cur, ns, cluster) if "/" in cur else _types(cur, cluster)
    first = args[0]
    if "," in first:
        return Suggestions()  # several types: names would be ambiguous
    if "/" in first:
        return _type_slash_name(cur, ns, cluster) if "/" in cur else Suggestions()
    return _names(first, cur, ns, cluster)


def _types(cur: str, cluster: ClusterData) -> Suggestions:
    if cluster.types is None:
        return Suggestions(wants=[("types",)])
    items, spell = [], {}
    for t in cluster.types:
        items.append((t.name, t.kind + (f" ({', '.join(t.short)})" if t.short else "")))
        spell[t.name] = (t.name, *t.short)  # "deploy" finds deployments first
    return Suggestions(fuzzy(items, cur, keys=spell.__getitem__))


def _names(type_word: str, cur: str, ns: str, cluster: ClusterData) -> Suggestions:
    t = cluster.resolve_type(type_word)
    if t is not None and t.plural == "namespaces" and not t.group:
        if cluster.namespaces is None:
            return Suggestions(wants=[("namespaces",)])
        return Suggestions([(n, "") for n in fuzzy_names(cluster.namespaces, cur)])
    names, stale = cluster.get_names(type_word, ns)
    wants = [("names", type_word, ns)] if stale else []
    return Suggestions([(quote(n), "") for n in fuzzy_names(names or (), cur)], 0, wants)


def _type_slash_name(cur: str, ns: str, cluster: ClusterData) -> Suggestions:
    type_word, _, typed = cur.partition("/")
    inner = _names(type_word, typed, ns, cluster)
    inner.items = [(f"{type_word}/{n}", m) for n, m in inner.items]
    return inner


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+")


def quote(word: str) -> str:
    if word and all(c in _SAFE for c in word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


# ---------------------------------------------------------------- prompt_toolkit adapter

def make_completer(get_cache, on_wants=None):
    """A prompt_toolkit Completer over ``suggest``. ``on_wants(wants, text)`` hears what was missing."""
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document

    paths = PathCompleter(expanduser=True)
    dirs = PathCompleter(expanduser=True, only_directories=True)

    class KctxCompleter(Completer):
        def get_completions(self, document, complete_event):
            text = document.text_before_cursor
            s = suggest(text, get_cache())
            if s.wants and on_wants is not None:
                on_wants(s.wants, text)
            if s.files:
                word = at_cursor(text).current
                sub = Document(word, len(word))
                yield from (dirs if s.dirs else paths).get_completions(sub, complete_event)
                return
            for value, meta in s.items:
                yield Completion(value, start_position=s.start, display_meta=meta or None)

    return KctxCompleter()
