"""Which kubeconfig files exist for kubectl, and which ones kctx knows about. Standard library only."""

from __future__ import annotations

import posix

from kctx.paths import Paths
from kctx.util.fastos import abspath, basename, exists, expanduser, isdir, isfile, islink, join
from kctx.util.fastos import environ as fastos_environ

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping


def split_kubeconfig(value: str) -> list[str]:
    """Split a KUBECONFIG value like client-go: empty entries dropped, duplicates removed, order kept."""
    seen: set[str] = set()
    out: list[str] = []
    for part in value.split(":"):  # os.pathsep
        if part and part not in seen:
            seen.add(part)
            out.append(part)
    return out


def absolute(files: list[str]) -> list[str]:
    """Each file as an absolute path naming the file kubectl opens: a relative one joined to the working folder,
    nothing cleaned. kubectl opens the path as given, so the kernel resolves `..` after following symbolic links
    (`link/../x` is `x` beside the link's target, not beside the link); cleaning it as text would read another file."""
    cwd = ""
    out = []
    for f in files:
        if f[:1] != "/":
            cwd = cwd or posix.getcwd()
            f = f"{cwd.rstrip('/')}/{f}"
        out.append(f)
    return out


def kubectl_files(environ: Mapping[str, str], paths: Paths, explicit: str = "") -> list[str]:
    """The files kubectl itself reads: --kubeconfig, else $KUBECONFIG, else ~/.kube/config."""
    if explicit:
        return [explicit]
    env = environ.get("KUBECONFIG", "")
    if env:
        return split_kubeconfig(env)
    if not environ.get("HOME"):
        return [join(".kube", "config")]  # client-go: no $HOME means a path relative to the cwd
    return [str(paths.default_kubeconfig())]


def with_legacy(files: list[str], environ: Mapping[str, str]) -> list[str]:
    """The files whose content kubectl reads: before loading, kubectl (client-go) copies a legacy
    ~/.kube/.kubeconfig to ~/.kube/config when only the former exists, whatever KUBECONFIG or --kubeconfig
    say; a list naming ~/.kube/config then reads what the legacy file holds (checked with the real binaries,
    tests/test_incluster.py). kctx reads the legacy file in its place and never copies it."""
    home = environ.get("HOME", "")
    config = join(home, ".kube", "config") if home else join(".kube", "config")
    legacy = join(home, ".kube", ".kubeconfig") if home else join(".kube", ".kubeconfig")
    if exists(config) or not isfile(legacy):  # two stats: the usual case ends here, however many files
        return files
    target = abspath(config)
    return [legacy if f == config or abspath(f) == target else f for f in files]


def expand_globs(patterns: list[str], home: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """The files the config's `kubeconfigs:` patterns name (``~`` is ``home``; ``$VAR`` from ``environ``, else the
    process environment). posix alone: the shim's guard reads kctx's whole view on its hot path."""
    env = environ if environ is not None else fastos_environ()
    out: dict[str, None] = {}  # ordered, and membership without a scan (250 files: 30k comparisons)
    for pat in patterns:
        if pat.startswith("~"):
            pat = home + pat[1:]
        pat = expandvars(pat, env)
        hits = expand(pat) if _magic(pat) else [pat]
        for hit in hits:
            name = basename(hit)
            # Skip our own lock/temp files and editor leftovers that may sit in ~/.kube/configs/.
            if name.startswith(".") or name.endswith((".lock", ".tmp", ".swp", "~", ".bak")):
                continue
            out.setdefault(hit)
    return list(out)


def expandvars(text: str, environ: Mapping[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced from ``environ``, unknown names left as written (os.path.expandvars)."""
    if "$" not in text:
        return text
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        braced = text[i + 1:i + 2] == "{"
        start = i + 2 if braced else i + 1
        end = start
        while end < n and (text[end].isalnum() or text[end] == "_") and text[end].isascii():
            end += 1
        if end == start or (braced and text[end:end + 1] != "}"):
            out.append(c)
            i += 1
            continue
        stop = end + 1 if braced else end
        name = text[start:end]
        out.append(environ[name] if name in environ else text[i:stop])
        i = stop
    return "".join(out)


def known_files(base: list[str], patterns: list[str], home: str,
                environ: Mapping[str, str] | None = None) -> list[str]:
    """kctx's view: kubectl's files first (so kubectl's winners stay winners), then the config globs."""
    out = absolute([expanduser(p) for p in base])
    seen = set(out)
    for full in absolute(expand_globs(patterns, home, environ)):
        if full not in seen:
            seen.add(full)
            out.append(full)
    return out


def _magic(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def expand(pattern: str) -> list[str]:
    """Sorted matches of a shell-style path pattern (like glob.glob; hidden names need a leading dot)."""
    from kctx.util.globmatch import match

    parts = pattern.split("/")
    # The folders before the first wildcard are joined, not looked at: each look would make the shim's memo
    # depend on that folder (a home folder changes all day). Listing the first wildcard's folder covers them.
    first = next(i for i, part in enumerate(parts) if _magic(part))
    found = ["/".join(parts[:first]) or ("/" if pattern.startswith("/") else "")]
    for i, part in enumerate(parts):
        if not part or i < first:
            continue
        last = i == len(parts) - 1
        nxt = []
        for base in found:
            if not _magic(part):
                candidate = join(base, part)
                if exists(candidate) or islink(candidate):
                    nxt.append(candidate)
                continue
            try:
                names = posix.listdir(base or ".")
            except (OSError, ValueError):
                continue
            for name in names:
                if name.startswith(".") and not part.startswith("."):
                    continue
                if match(name, part):
                    full = join(base, name)
                    if last or isdir(full):
                        nxt.append(full)
        found = nxt
    return sorted(found)
