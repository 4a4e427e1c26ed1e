"""Parsed files kept with marshal, and where a miss is parsed: in this process, or in a child process.

Every cache of a parsed file (kctx's config, kuberc files, the kubeconfig index) follows one pattern: stat
the file, look up its stamp in a marshal cache (built in: the shim reads it without importing anything), and
parse only on a miss. The parser takes the stamp from the open file before it reads, so an edit made while
it reads leaves an entry that never matches again.

The stamp (``stamp``) is mtime, ctime, size, inode and device. mtime alone can be put back after an edit of
the same size (``touch -d``, ``cp -p``, ``os.utime``); ctime cannot be set by a user (every write, chmod or
utime moves it to the present), and inode and device tell a replaced or another file apart. What is left is
two writes of the same size within one timestamp tick around a parse, which needs a concurrent writer.

Where a miss is parsed is one policy for the whole process: the shim declares once, at its entry point, that
it is the shim (``hot_path``); from then on every parse runs in a child process, and everywhere else in the
process itself. Why: the shim starts Python with -S, so site-packages (yaml) may not even be importable
there, and every module it imported would have to be checked on each replay of its memo; a child costs a
process start, but only when a file changed. Any other kctx process (commands, the shell, ``kctx kubectl
run``) parses in-process: importing yaml costs less than starting a child. Version detection does not follow
this policy: it always runs in a child (``run_child``, see kctx/versions/refresh.py), the only way to hold it
to a deadline (name lookups and TLS handshakes do not all obey socket timeouts).

The child protocol: a parser is named ``"package.module:function"``; the function takes a list of strings and
returns a value marshal can store (it writes the cache itself). The child prints that value, marshalled, on
stdout; when it fails, its last stderr line is the error (``ChildFailed``).

Hot path: marshal, posix and sys at the top; the rest is imported by the functions of the cold paths.
"""

from __future__ import annotations

import marshal
import posix
import sys

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    Stamp = tuple[int, int, int, int, int]

KEEP = 8  # files remembered per cache
PARSE_IN_CHILD = False  # the policy: set once by hot_path()


class ChildFailed(Exception):
    """A child process did not deliver: one line saying why (its last stderr line, a timeout...)."""


def hot_path() -> None:
    """Declare this process the shim: from now on parsers run in child processes (see the module docstring)."""
    global PARSE_IN_CHILD
    PARSE_IN_CHILD = True


# --- the cache ---------------------------------------------------------------------------------------------

def stamp(st: posix.stat_result) -> Stamp:
    """What tells one version of a file from another: (mtime_ns, ctime_ns, size, inode, device)."""
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)


def key(path: str, st: posix.stat_result) -> tuple[object, ...]:
    """The cache key of ``path`` as ``st`` shows it: the path, then its stamp."""
    return (path, *stamp(st))


def lookup(cache: str, magic: str, key: tuple[object, ...]) -> object | None:
    """The value stored for ``key`` (its first item is the path), or None.

    One cache file holds the last few files of one kind, each under its path with the key it was parsed at:
    several, so that calls that alternate files (KCTX_CONFIG or KUBERC set per project) do not parse again
    each time."""
    entry = _entries(cache, magic).get(key[0])
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key:
        value: object = entry[1]
        return value
    return None


def store(cache: str, magic: str, key: tuple[object, ...], value: object) -> None:
    """Remember ``value`` for ``key``, dropping the oldest entries beyond KEEP. A cache that cannot be
    written only means parsing again next time."""
    from kctx.util.fastos import dirname
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    entries = _entries(cache, magic)
    entries.pop(key[0], None)
    while len(entries) >= KEEP:
        entries.pop(next(iter(entries)))
    entries[key[0]] = (key, value)
    try:
        ensure_private_dir(dirname(cache))
        atomic_write(cache, marshal.dumps((magic, entries)), mode=0o600)
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        pass


def _entries(cache: str, magic: str) -> dict[object, object]:
    try:
        with open(cache, "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if isinstance(data, tuple) and len(data) == 2 and data[0] == magic and isinstance(data[1], dict):
        return data[1]
    return {}


def read_file(path: str) -> tuple[Stamp, bytes]:
    """(stamp, content) of ``path``, the stamp taken from the open file before reading; OSError as raised."""
    with open(path, "rb") as fh:
        st = posix.fstat(fh.fileno())
        return stamp(st), fh.read()


# --- parsing a miss: here or in a child --------------------------------------------------------------------

def parse(parser: str, args: list[str]) -> object:
    """``parser`` ("package.module:function") applied to ``args``: in this process, or in a child when the
    process is the shim. A child that fails raises ChildFailed; in-process, errors propagate as raised."""
    if PARSE_IN_CHILD:
        out = run_child(parser, args)
        try:
            return marshal.loads(out)
        except (ValueError, EOFError, TypeError):
            raise ChildFailed("the parser's answer was unreadable") from None
    return _resolve(parser)(args)


def run_child(parser: str, args: list[str], *, environ: Mapping[str, str] | None = None,
              timeout: float | None = None) -> bytes:
    """Run ``parser`` on ``args`` in a child process (``environ``: its environment, default this process's;
    stdin is /dev/null: it may be a manifest meant for kubectl). Its stdout, or ChildFailed."""
    import subprocess

    cmd = [sys.executable or "python3", "-c", _CHILD_CODE, parser, *args]
    try:
        proc = subprocess.run(cmd, env=child_env(environ), stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ChildFailed(f"did not finish in {timeout:g} s") from None
    except OSError as exc:
        raise ChildFailed(f"cannot start {sys.executable}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ChildFailed(lines[-1] if lines else f"exit status {proc.returncode}")
    return proc.stdout


def child_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a kctx child process: kctx importable even when the parent started with ``python -S``
    from a checkout (the shim), where site-packages and .pth files were never read."""
    import os

    env = dict(os.environ if environ is None else environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


# `python -c` puts the current folder first on sys.path: dropped, so that a kctx/ or yaml.py in the folder the
# user runs kubectl in is never imported (kctx comes from PYTHONPATH, see child_env).
_CHILD_CODE = "import sys; del sys.path[0]; from kctx.util.parsecache import child_main; child_main()"


def child_main() -> None:
    """The child's side: ``sys.argv`` is [-c, parser, args...]; the result goes to stdout, marshalled."""
    parser, args = sys.argv[1], sys.argv[2:]
    try:
        data = marshal.dumps(_resolve(parser)(args))
    except Exception as exc:  # noqa: BLE001 - one line for the parent, whatever went wrong
        sys.stderr.write(f"{type(exc).__name__}: {' '.join(str(exc).split())}\n")
        raise SystemExit(1) from None
    sys.stdout.buffer.write(data)


def _resolve(parser: str) -> Callable[[list[str]], Any]:
    module, _, function = parser.partition(":")
    __import__(module)
    fn: Callable[[list[str]], Any] = getattr(sys.modules[module], function)
    return fn
