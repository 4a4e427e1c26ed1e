"""Record what the shim's full path reads, and write the memo record the native launcher replays.

While the full path decides, a Recorder watches every file system observation it makes (stat, lstat,
access, listdir, scandir, opening a file for reading) and every environment variable it reads. When the
decision holds for any command (the target is not protected, nothing warned, no kuberc rewrites the line),
or for the exact command line whenever it comes again (a read on a protected target, a line that names its
target; no question was asked and no audit entry written; the line is kept as its SHA-256, never its
words), it writes a record (kctx/shim/memo.py): each observed path with its stat signature, each variable
with its value in this process, the chosen kubectl and the variables the full path set for it, and the
files of the code that decided. Recording whole system calls rather than listing inputs by hand means a new
input is covered the day it is added: tests/test_shimmemo.py also compares the recorded paths with what
strace sees.

Hot path (when a memo is due): standard library builtins only.
"""

from __future__ import annotations

import builtins
import posix
import sys
import time

from kctx.shim import memo

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from os import PathLike
    from types import ModuleType
    from typing import Any, TypeVar, overload

    from kctx.shim.boot import Code

    T = TypeVar("T")
    PathArg = int | str | bytes | PathLike[str] | PathLike[bytes]  # what the watched calls take: a path or an fd

RACY_SECONDS = 2.0  # a file changed this recently may change again within the same timestamp tick
MAX_AGE = 86400.0  # a memo is rebuilt at least daily whatever it depends on
MAX_LINES = 16  # exact command lines per record (the most recent)
IGNORED_ENV = frozenset({"KCTX_SHIM_DEPTH", "KCTX_DEBUG"})  # the launcher reads these itself
_WRITE_MODES = frozenset("wax+")
_WRITE_FLAGS = posix.O_WRONLY | posix.O_RDWR | posix.O_CREAT | posix.O_TRUNC | posix.O_APPEND


def _listing(method: Callable[..., T]) -> Callable[..., T]:
    """A dict method of RecordingEnviron that lists the environment: it then may depend on any variable."""
    def listed(self: RecordingEnviron, *args: object) -> T:
        self.whole = True
        return method(self, *args)
    return listed


class RecordingEnviron(dict[str, str]):
    """The environment as a dict that notes every name looked up (writes are not reads). Code that lists
    it (iterating, copying) may depend on any variable: ``whole`` is then set and no memo is written."""

    __slots__ = ("names", "whole")

    def __init__(self, environ: dict[str, str]) -> None:
        super().__init__(environ)
        self.names: set[object] = set()
        self.whole = False

    __iter__ = _listing(dict.__iter__)
    keys = _listing(dict.keys)
    items = _listing(dict.items)
    values = _listing(dict.values)
    copy = _listing(lambda self: dict(dict.items(self)))

    def __getitem__(self, name: str) -> str:
        self.names.add(name)
        return super().__getitem__(name)

    if TYPE_CHECKING:  # dict.get's overloads
        @overload
        def get(self, name: str, default: None = None, /) -> str | None: ...
        @overload
        def get(self, name: str, default: str, /) -> str: ...
        @overload
        def get(self, name: str, default: T, /) -> str | T: ...

    def get(self, name: str, default: object = None) -> object:
        self.names.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        self.names.add(name)
        return super().__contains__(name)


class Recorder:
    """Watches the file system calls of the code run between start() and stop()."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = RecordingEnviron(environ)
        # (path, follow symlinks) -> signature when first seen
        self.files: dict[tuple[str | bytes, bool], memo.Signature | None] = {}
        self._derived: tuple[str, ...] = ()
        self._saved: list[tuple[ModuleType, str, object]] = []
        self._modules = 0

    def start(self, derived: tuple[str, ...] = ()) -> None:
        """``derived``: path prefixes of caches keyed by the stat signature of files that are recorded anyway
        (the kubeconfig index, the config cache): checking them again would only double the stat calls."""
        self._derived = derived
        self._modules = len(sys.modules)
        mods: list[ModuleType] = [posix]
        if "os" in sys.modules:  # cold code calls os.stat, which is posix.stat bound into another module
            mods.append(sys.modules["os"])
        for mod in mods:
            for name in ("stat", "lstat", "access", "listdir", "scandir", "open"):
                self._patch(mod, name)
        self._patch(builtins, "open")

    def stop(self) -> None:
        while self._saved:
            mod, name, original = self._saved.pop()
            setattr(mod, name, original)

    def _patch(self, mod: ModuleType, name: str) -> None:
        original = getattr(mod, name)
        self._saved.append((mod, name, original))
        note = self._note

        # Pass-through wrappers: the arguments go on to the original as they came.
        watched: Callable[..., object]
        if name == "lstat":
            def watched(path: PathArg, *args: Any, **kwargs: Any) -> object:
                note(path, follow=False)
                return original(path, *args, **kwargs)
        elif name == "stat":
            def watched(path: PathArg, *args: Any, **kwargs: Any) -> object:
                note(path, follow=kwargs.get("follow_symlinks", True))
                return original(path, *args, **kwargs)
        elif name in ("listdir", "scandir"):
            def watched(path: PathArg = ".", *args: Any, **kwargs: Any) -> object:
                note(path)
                return original(path, *args, **kwargs)
        elif mod is builtins:  # open(file, mode="r", ...)
            def watched(file: PathArg, mode: str = "r", *args: Any, **kwargs: Any) -> object:
                if not _WRITE_MODES & set(mode):
                    note(file)
                return original(file, mode, *args, **kwargs)
        elif name == "open":  # posix.open(path, flags, mode=0o777, *, dir_fd=None)
            def watched(path: PathArg, flags: int, *args: Any, **kwargs: Any) -> object:
                if not flags & _WRITE_FLAGS:
                    note(path)
                return original(path, flags, *args, **kwargs)
        else:  # access(path, mode)
            def watched(path: PathArg, *args: Any, **kwargs: Any) -> object:
                note(path)
                return original(path, *args, **kwargs)
        setattr(mod, name, watched)

    def _note(self, path: PathArg, follow: bool = True) -> None:
        if isinstance(path, int):  # a file descriptor: its file was noted when opened
            return
        key = (path if isinstance(path, (str, bytes)) else posix.fspath(path), follow)
        if key not in self.files and not (self._derived and isinstance(key[0], str)
                                          and key[0].startswith(self._derived)):  # the first look counts
            self.files[key] = memo.signature(key[0], follow)

    def write(self, code: Code, binary: str, until: float, final_env: dict[str, str], line: list[str] | None = None,
              bind: str = "", roots: frozenset[str] = frozenset()) -> str:
        """Write the memo record for this call, for any plain command line (``line`` None) or for ``line``
        (kept as its digest: a word may be a secret); returns why not ("" when written). ``code``: the
        bundle the running modules came from (kctx/shim/boot.py), whose files the record checks too.
        ``bind``: the context kubectl is told to use (kctx/shim/bind.py); ``roots``: with a bind, the first
        words a record for any line holds for."""
        now = time.time()
        until = min(until, now + MAX_AGE)
        why = self._unsafe(now, until)
        if why:
            return why
        record = self._record(code, binary, int(until), final_env, line, bind, roots)
        if isinstance(record, str):
            return record
        path = memo.memo_file(posix.environ, record.key())
        if path is None:
            return "no cache folder ($HOME is not an absolute path)"
        return _store(path, _merge(record, memo.read(path), now))

    def _unsafe(self, now: float, until: float) -> str:
        """Why what this call read cannot be trusted to show every later change ("" when it can)."""
        if self.environ.whole:
            return "the full path listed the whole environment"
        if len(sys.modules) != self._modules:  # their files would be checked on every replay, for nothing
            return "modules were imported while deciding (a cache was rebuilt); the next call writes it"
        if until <= now:
            return "the server version cache is about to expire"
        racy = int((now - RACY_SECONDS) * 1e9)
        if any(sig is not None and max(sig[3], sig[4]) > racy for sig in self.files.values()):
            return f"a file it depends on changed in the last {RACY_SECONDS:g} s (a change within the same " \
                   "timestamp tick could go unseen)"
        if not memo.unchanged(tuple((path, follow, sig) for (path, follow), sig in self.files.items())):
            return "files it depends on changed while deciding (caches written, a version marked as used)"
        return ""

    def _record(self, code: Code, binary: str, until: int, final_env: dict[str, str], line: list[str] | None,
                bind: str, roots: frozenset[str]) -> memo.Record | str:
        """The record of this call, or why there is none."""
        env = posix.environ
        overrides = _overrides(env, final_env)
        if overrides is None:
            return "the full path removed a variable (kubectl can only be given more or other values)"
        code_checks = _code_checks(code)
        if code_checks is None:
            return "kctx's code changed since this call loaded it"
        try:
            session, kubeconfig, cwd = memo.memo_key(env)
        except OSError:
            return "the working folder is gone"
        names = {_encode(n) for n in self.environ.names if n not in IGNORED_ENV and isinstance(n, str)}
        names.add(b"HOME")  # kctx.util.fastos.expanduser reads it from the process environment
        files = tuple((_encode(p) if isinstance(p, str) else p, bool(follow), sig)
                      for (p, follow), sig in self.files.items())
        words = b" ".join(sorted(_encode(r) for r in roots)) if bind and line is None else b""
        return memo.Record(session, kubeconfig, cwd, until, _encode(binary), _encode(bind), words,
                           None if line is None else (memo.line_digest(line),),
                           tuple((n, env.get(n)) for n in sorted(names)), overrides, files + code_checks)


def _overrides(env: Mapping[bytes, bytes], final_env: dict[str, str]) -> tuple[tuple[bytes, bytes], ...] | None:
    """The variables the full path set or changed for kubectl, sorted; None if it removed one."""
    if any(not dict.__contains__(final_env, _decode(name)) for name in env):
        return None
    changed = {_encode(name): _encode(value) for name, value in dict.items(final_env) if name not in IGNORED_ENV}
    return tuple(sorted((name, value) for name, value in changed.items() if env.get(name) != value))


def _code_checks(code: Code) -> tuple[memo.FileCheck, ...] | None:
    """File checks for the code that decided: the bundle and every source it was built from (a record made
    by other code must not replay). None if one of them changed since this process loaded it."""
    bundle, st, sources = code
    checks = [(_encode(bundle), True, memo.stat_signature(st))]
    for origin, mtime_ns, size in sources:
        sig = memo.signature(origin)
        if sig is None or (sig[3], sig[2]) != (mtime_ns, size):
            return None
        checks.append((_encode(origin), True, sig))
    if memo.signature(bundle) != checks[0][2]:
        return None
    return tuple(checks)


def _merge(record: memo.Record, old: list[memo.Record], now: float) -> list[memo.Record]:
    """The records to keep, newest first. Replaced: the record for any line of the same key and environment;
    a record of exact lines that differs in nothing else lends ``record`` its lines. Dropped: records past
    their time or whose files changed (made by other code: the bundle is one of them). A few others stay: a
    shell that alternates environments (a variable set for one command) keeps both fast, so do two keys that
    share a slot, exact lines next to the record for any line, and lines whose decisions read other files."""
    old = [r for r in old if now < r.until and memo.unchanged(r.files)]
    if record.lines is not None:
        for r in old:
            if _replaces(record, r) and r.lines is not None:  # (it is not: _replaces checks)
                record.lines = (*record.lines, *(x for x in r.lines if x not in record.lines))[:MAX_LINES]
                record.until = min(record.until, r.until)
    return [record, *[r for r in old if not _replaces(record, r)][:memo.KEEP - 1]]


def _replaces(new: memo.Record, old: memo.Record) -> bool:
    """Whether ``old`` is of no use next to ``new``: the same key and environment, and both for any line,
    or both for exact lines with the same checks (``new`` lists the old lines too)."""
    if old.key() != new.key() or old.env != new.env:
        return False
    if new.lines is None:
        return old.lines is None
    return old.lines is not None and (old.files, old.binary, old.bind, old.overrides) == (
        new.files, new.binary, new.bind, new.overrides)


def _store(path: bytes, records: list[memo.Record]) -> str:
    """Write the memo file, 0600 in a private folder; returns why not ("" when written)."""
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    try:
        data = memo.encode(records)
    except ValueError as exc:
        return f"the memo format cannot hold it ({exc})"
    try:
        ensure_private_dir(_decode(path.rpartition(b"/")[0]))
        atomic_write(_decode(path), data, mode=0o600, durable=False)
    except (OSError, ValueError) as exc:
        return f"cannot write {_decode(path)}: {getattr(exc, 'strerror', None) or exc}"  # only a shortcut
    return ""


def _encode(text: str) -> bytes:
    return text.encode(sys.getfilesystemencoding(), "surrogateescape")


def _decode(raw: bytes) -> str:
    return raw.decode(sys.getfilesystemencoding(), "surrogateescape")
