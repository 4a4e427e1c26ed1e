"""Record what the shim's full path reads, and write the memo kctx/shim/memo.py replays.

While the full path decides, a Recorder watches every file system observation it makes (stat, lstat,
access, listdir, scandir, opening a file for reading) and every environment variable it reads. When the
decision holds for any command (the target is not protected, nothing warned, no kuberc rewrites the line),
or for the exact command line whenever it comes again (a read on a protected target, a line that names its
target; no question was asked and no audit entry written; the line is kept as its SHA-256, never its
words), the memo stores each observed path with its stat signature, each variable with its value in this
process, the chosen kubectl and the variables the full path set for it. Recording whole system calls rather than
listing inputs by hand means a new input is covered the day it is added: tests/test_shimmemo.py also
compares the recorded paths with what strace sees.

Hot path (when a memo is due): standard library builtins only.
"""

from __future__ import annotations

import builtins
import marshal
import posix
import sys
import time

from kctx.shim import memo as shimfast

RACY_SECONDS = 2.0  # a file changed this recently may change again within the same timestamp tick
MAX_AGE = 86400.0  # a memo is rebuilt at least daily whatever it depends on
MAX_LINES = 16  # exact command lines per record (the most recent)
IGNORED_ENV = frozenset({"KCTX_SHIM_DEPTH", "KCTX_DEBUG"})  # the fast path reads these itself
_WRITE_MODES = frozenset("wax+")
_WRITE_FLAGS = posix.O_WRONLY | posix.O_RDWR | posix.O_CREAT | posix.O_TRUNC | posix.O_APPEND


class RecordingEnviron(dict):
    """The environment as a dict that notes every name looked up (writes are not reads). Code that lists
    it (iterating, copying) may depend on any variable: ``whole`` is then set and no memo is written."""

    __slots__ = ("names", "whole")

    def __init__(self, environ: dict) -> None:
        super().__init__(environ)
        self.names: set[str] = set()
        self.whole = False

    def _listing(method):  # wraps dict's own methods below (no self: runs while the class is made)
        def listed(self, *args):
            self.whole = True
            return method(self, *args)
        return listed

    __iter__ = _listing(dict.__iter__)
    keys = _listing(dict.keys)
    items = _listing(dict.items)
    values = _listing(dict.values)
    copy = _listing(lambda self: dict(dict.items(self)))
    del _listing

    def __getitem__(self, name):
        self.names.add(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self.names.add(name)
        return super().get(name, default)

    def __contains__(self, name) -> bool:
        self.names.add(name)
        return super().__contains__(name)


class Recorder:
    """Watches the file system calls of the code run between start() and stop()."""

    def __init__(self, environ: dict) -> None:
        self.environ = RecordingEnviron(environ)
        self.files: dict[tuple, tuple | None] = {}  # (path, follow symlinks) -> signature when first seen
        self._derived: tuple[str, ...] = ()
        self._saved: list[tuple] = []
        self._modules = 0

    def start(self, derived: tuple[str, ...] = ()) -> None:
        """``derived``: path prefixes of caches keyed by the stat signature of files that are recorded anyway
        (the kubeconfig index, the config cache): checking them again would only double the stat calls."""
        self._derived = derived
        self._modules = len(sys.modules)
        mods = [posix]
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

    def _patch(self, mod, name: str) -> None:
        original = getattr(mod, name)
        self._saved.append((mod, name, original))
        note = self._note

        if name == "lstat":
            def watched(path, *args, **kwargs):
                note(path, follow=False)
                return original(path, *args, **kwargs)
        elif name == "stat":
            def watched(path, *args, **kwargs):
                note(path, follow=kwargs.get("follow_symlinks", True))
                return original(path, *args, **kwargs)
        elif name in ("listdir", "scandir"):
            def watched(path=".", *args, **kwargs):
                note(path)
                return original(path, *args, **kwargs)
        elif mod is builtins:  # open(file, mode="r", ...)
            def watched(file, mode="r", *args, **kwargs):
                if not _WRITE_MODES & set(mode):
                    note(file)
                return original(file, mode, *args, **kwargs)
        elif name == "open":  # posix.open(path, flags, mode=0o777, *, dir_fd=None)
            def watched(path, flags, *args, **kwargs):
                if not flags & _WRITE_FLAGS:
                    note(path)
                return original(path, flags, *args, **kwargs)
        else:  # access(path, mode)
            def watched(path, *args, **kwargs):
                note(path)
                return original(path, *args, **kwargs)
        setattr(mod, name, watched)

    def _note(self, path, follow: bool = True) -> None:
        if isinstance(path, int):  # a file descriptor: its file was noted when opened
            return
        key = (path if isinstance(path, (str, bytes)) else posix.fspath(path), follow)
        if key not in self.files and not (self._derived and isinstance(key[0], str)
                                          and key[0].startswith(self._derived)):  # the first look counts
            self.files[key] = shimfast.signature(key[0], follow)

    def write(self, stamp: tuple, binary: str, until: float, final_env: dict, line: list | None = None) -> str:
        """Write the memo for this call, for any plain command line (``line`` None) or for ``line`` (kept
        as its digest: a word may be a secret); returns why not ("" when written)."""
        if self.environ.whole:
            return "the full path listed the whole environment"
        if len(sys.modules) != self._modules:  # their files would be checked on every replay, for nothing
            return "modules were imported while deciding (a cache was rebuilt); the next call writes it"
        now = time.time()
        until = min(until, now + MAX_AGE)
        racy = int((now - RACY_SECONDS) * 1e9)
        if until <= now:
            return "the server version cache is about to expire"
        if any(sig is not None and max(sig[3], sig[4]) > racy for sig in self.files.values()):
            return f"a file it depends on changed in the last {RACY_SECONDS:g} s (a change within the same " \
                   "timestamp tick could go unseen)"
        if any(shimfast.signature(path, follow) != sig for (path, follow), sig in self.files.items()):
            return "files it depends on changed while deciding (caches written, a version marked as used)"
        env = posix.environ
        names = {_encode(n) for n in self.environ.names if n not in IGNORED_ENV and isinstance(n, str)}
        names.add(b"HOME")  # kctx.util.fastos.expanduser reads it from the process environment
        overrides = {}
        for name, value in dict.items(final_env):
            if name not in IGNORED_ENV and env.get(_encode(name)) != _encode(value):
                overrides[_encode(name)] = _encode(value)
        if any(not dict.__contains__(final_env, _decode(name)) for name in env):
            return "the full path removed a variable (the fast path can only add or replace)"
        key = shimfast.memo_key(env)
        path = shimfast.memo_file(env, key)
        if path is None:
            return "no cache folder ($HOME is not an absolute path)"
        env_checks = tuple((n, env.get(n)) for n in sorted(names))
        file_checks = tuple((p, follow, sig) for (p, follow), sig in self.files.items())
        old = [r for r in shimfast.read(path) if r[1] == stamp and now < r[2] and not shimfast.changed(r[4])]
        lines = shimfast.ANY_LINE if line is None else (shimfast.line_digest(line),)
        record = (key, stamp, until, env_checks, file_checks, binary, overrides, None, lines)
        for r in old:  # a record of exact lines that differs in nothing else: this one lists its lines too
            if lines is not shimfast.ANY_LINE and _replaces(record, r):
                lines += tuple(x for x in r[8] if x != lines[0])[:MAX_LINES - 1]
                until = min(until, r[2])
        native = _native_memo(key, until, env_checks, file_checks, binary, overrides, lines)
        record = (key, stamp, until, env_checks, file_checks, binary, overrides, native, lines)
        # Newest first. Replaced: the record for any line of the same key and environment, or the one merged
        # above. Dropped: records of other code, past their time or whose files changed. A few others stay: a
        # shell that alternates environments (a variable set for one command) keeps both fast, so do two keys
        # that share a slot, exact lines next to the record for any line, and lines whose decisions read
        # different files.
        records = (record, *[r for r in old if not _replaces(record, r)][:shimfast.KEEP - 1])
        from kctx.util.fsutil import atomic_write, ensure_private_dir

        try:
            ensure_private_dir(_decode(path.rpartition(b"/")[0]))
            atomic_write(_decode(path), marshal.dumps((shimfast.MAGIC, records)), mode=0o600, durable=False)
            natives = [r[7] for r in records if r[7]]
            atomic_write(_decode(path[:-2] + b".n"), b"".join(b"%d\0%s" % (len(n), n) for n in natives),
                         mode=0o600, durable=False)
        except (OSError, ValueError) as exc:
            return f"cannot write {_decode(path)}: {getattr(exc, 'strerror', None) or exc}"  # only a shortcut
        return ""


def _replaces(new: tuple, old: tuple) -> bool:
    """Whether ``old`` is of no use next to ``new``: the same key and environment, and both for any line,
    or both for exact lines with the same checks (``new`` lists the old lines too)."""
    if (old[0], old[3]) != (new[0], new[3]):
        return False
    if new[8] is shimfast.ANY_LINE:
        return old[8] is shimfast.ANY_LINE
    return old[8] is not shimfast.ANY_LINE and old[3:7] == new[3:7]


NATIVE_MAGIC = b"kctx-shim-native-4"


def _native_memo(key: bytes, until: float, env_checks: tuple, file_checks: tuple, binary: str,
                 overrides: dict, lines: tuple | None) -> bytes | None:
    """The memo for the native launcher (kctx/shim/launcher.c): NUL-separated fields. It cannot compare
    bundle stamps, so the bundle and every source it was built from are file checks too."""
    bundle = getattr(shimfast, "bundle", None)  # set when the modules came from the bundle (kctx/shim/boot.py)
    if bundle is None:
        return None
    code = [(bundle[0], True, shimfast.signature(bundle[0]))]
    for origin, mtime_ns, size in bundle[1]:
        sig = shimfast.signature(origin)
        if sig is None or (sig[3], sig[2]) != (mtime_ns, size):
            return None  # changed since this process loaded it
        code.append((origin, True, sig))
    session, kubeconfig, cwd = key.split(b"\0", 2)
    out = [NATIVE_MAGIC, session, kubeconfig, cwd, b"%d" % until, _encode(binary)]
    if lines is shimfast.ANY_LINE:
        out.append(b"*")
    else:
        out += [b"%d" % len(lines), *(digest.hex().encode() for digest in lines)]
    out.append(b"%d" % len(env_checks))
    for name, value in env_checks:
        out += [name, b"0" if value is None else b"1", value or b""]
    out.append(b"%d" % len(overrides))
    for name, value in overrides.items():
        out += [name, value]
    checks = (*file_checks, *code)
    out.append(b"%d" % len(checks))
    for path, follow, sig in checks:
        out += [path if isinstance(path, bytes) else _encode(path), b"1" if follow else b"0",
                b"-" if sig is None else b"%d %d %d %d %d %d" % sig]
    out.append(b"end")
    if any(b"\0" in part for part in out):
        return None
    return b"\0".join(out) + b"\0"


def _encode(text: str) -> bytes:
    return text.encode(sys.getfilesystemencoding(), "surrogateescape")


def _decode(raw: bytes) -> str:
    return raw.decode(sys.getfilesystemencoding(), "surrogateescape")
