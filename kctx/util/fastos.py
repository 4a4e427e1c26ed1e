"""The few os.path helpers and the str environment the shim's hot path needs, on the posix module alone.

`import os` costs about 1.2 ms when the interpreter starts without site (it pulls in _collections_abc,
posixpath and stat): a tenth of the shim's whole time budget. posix is loaded with the interpreter. Hot
modules call posix for system calls and these helpers for paths; they give os.path's results for the
inputs used here, and the rare cases (``~user``) fall back to os itself. Cold code just imports os.
"""

import posix
import sys

S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000


def environ() -> dict[str, str]:
    """A copy of the process environment as str, decoded exactly like os.environ."""
    enc = sys.getfilesystemencoding()
    return {k.decode(enc, "surrogateescape"): v.decode(enc, "surrogateescape") for k, v in posix.environ.items()}


def join(a: str, *parts: str) -> str:
    path = a
    for p in parts:
        if p[:1] == "/":
            path = p
        elif not path or path[-1] == "/":
            path += p
        else:
            path += "/" + p
    return path


def dirname(p: str) -> str:
    head = p[:p.rfind("/") + 1]
    return head.rstrip("/") or head  # "/a" -> "/", "a/b" -> "a", "a" -> ""


def basename(p: str) -> str:
    return p[p.rfind("/") + 1:]


def isabs(p: str) -> bool:
    return p[:1] == "/"


def normpath(p: str) -> str:
    if not p:
        return "."
    lead = 2 if p[:2] == "//" and p[2:3] != "/" else 1 if p[:1] == "/" else 0  # POSIX keeps exactly two
    out: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part != ".." or (not lead and not out) or (out and out[-1] == ".."):
            out.append(part)
        elif out:
            out.pop()
    return "/" * lead + "/".join(out) or "."


def abspath(p: str) -> str:
    return normpath(p if p[:1] == "/" else join(posix.getcwd(), p))


def expanduser(p: str) -> str:
    if p[:1] != "~":
        return p
    home = posix.environ.get(b"HOME")
    if home is not None and (p == "~" or p[:2] == "~/"):
        return (home.decode(sys.getfilesystemencoding(), "surrogateescape").rstrip("/") + p[1:]) or "/"
    import os.path  # ~user, or no $HOME: the password database

    return os.path.expanduser(p)


def _mode(p: str, follow: bool = True) -> int:
    try:
        return (posix.stat(p) if follow else posix.lstat(p)).st_mode & S_IFMT
    except (OSError, ValueError):
        return 0


def exists(p: str) -> bool:
    return _mode(p) != 0


def isfile(p: str) -> bool:
    return _mode(p) == S_IFREG


def isdir(p: str) -> bool:
    return _mode(p) == S_IFDIR


def islink(p: str) -> bool:
    return _mode(p, follow=False) == S_IFLNK
