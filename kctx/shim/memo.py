"""The shim's memo: a past decision of the full path and everything it read, in the one format both sides use.

After a call whose decision will hold again, the full path writes a record (kctx/shim/recorder.py): every
file it looked at with its stat signature (or "absent"), every environment variable it read, the kubectl it
chose, the variables it set and the command lines the record holds for. The native launcher
(kctx/shim/launcher.c) reads the records and, when every check still holds, execs that kubectl without
starting Python. docs/architecture.md ("The memo format") defines the format; this module is its Python
side: a Record with named fields, encode, and decode (to merge a new record with the ones a file holds).

A record holds for any command line without a word that could change the target (plain() below; the
launcher has the same rule), or for the exact lines it lists as SHA-256 digests, never their words.

Hot path (the recorder runs on full-path calls): it may import only posix and sys at its top level.
"""

import posix
import sys

# Annotations are evaluated when a function is defined (no __future__ import here): names that exist only for
# the type checker are quoted.
TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    Signature = tuple[int, ...]  # signature(): inode, device, size, mtime and ctime in nanoseconds, mode
    Key = tuple[bytes, bytes, bytes]  # memo_key(): session, KUBECONFIG, folder
    FileCheck = tuple[bytes, bool, Signature | None]  # path, follow symlinks, signature (None: absent)
    Stat = Callable[[str | bytes], posix.stat_result]

MAGIC = b"kctx-shim-memo-6"  # the file's first field: another value is another format, never read
KEEP = 4  # records per memo file: the last few environments (and keys that share the slot) seen
MAX_DEPTH = 4  # kubectl -> exec credential plugin -> kubectl -> ... stops here (kctx.shim.fullpath reports it)
MAX_SIZE = 4 << 20  # a bigger memo file is not read (launcher.c: MAX_MEMO)
SLOTS = 128  # memo files per user, one per (shell session, KUBECONFIG, folder) hashed: 2 ** 7, see memo_file
# Global flags that choose another target or kubeconfig: with any of them the decision depends on argv.
TARGET_FLAGS = frozenset({"context", "cluster", "user", "server", "kubeconfig", "kuberc"})


class Record:
    """One decision and what it depends on. Bytes throughout, as the launcher sees them:

    session, kubeconfig, cwd: the key ($KCTX_SESSION, $KUBECONFIG, the folder; "" for an unset variable)
    until: whole seconds since the epoch; the record holds only before then
    binary: the kubectl to exec
    bind: the context kubectl is told to use (`--context=<bind>` before the line's own words; kctx/shim/bind.py),
        b"" for none
    roots: for a record of any line with a bind, the first words it holds for (besides a line that starts with
        a flag): kubectl's built-in commands, space-separated; a plugin's name is not one of them
    lines: None for any plain command line, else a tuple of SHA-256 digests (32 bytes, line_digest())
    env: ((name, value or None when unset), ...): variables that must have these values
    overrides: ((name, value), ...): variables set for kubectl
    files: ((path, follow symlinks, signature() or None when absent), ...): files that must look the same
    """

    __slots__ = ("session", "kubeconfig", "cwd", "until", "binary", "bind", "roots", "lines", "env", "overrides",
                 "files")

    def __init__(self, session: bytes, kubeconfig: bytes, cwd: bytes, until: int, binary: bytes, bind: bytes,
                 roots: bytes, lines: "tuple[bytes, ...] | None", env: "tuple[tuple[bytes, bytes | None], ...]",
                 overrides: "tuple[tuple[bytes, bytes], ...]", files: "tuple[FileCheck, ...]") -> None:
        self.session, self.kubeconfig, self.cwd = session, kubeconfig, cwd
        self.until, self.binary, self.bind, self.roots, self.lines = until, binary, bind, roots, lines
        self.env, self.overrides, self.files = env, overrides, files

    def key(self) -> "Key":
        return self.session, self.kubeconfig, self.cwd

    def fields(self) -> "tuple[object, ...]":
        return tuple(getattr(self, name) for name in Record.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is Record and self.fields() == other.fields()

    __hash__ = None  # type: ignore[assignment]  # mutable: the recorder merges lines into a new record

    def __repr__(self) -> str:
        return "Record(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in Record.__slots__) + ")"


def encode(records: "Iterable[Record]") -> bytes:
    """The memo file holding ``records`` (newest first). ValueError for a record the format cannot carry: a
    NUL in a field, a variable name that is empty or holds "=", a digest that is not 32 bytes, a negative
    time."""
    out = [MAGIC + b"\0"]
    for record in records:
        body = b"".join(f + b"\0" for f in _fields(record))
        out.append(b"%d\0" % len(body) + body)
    return b"".join(out)


def _fields(r: Record) -> "list[bytes]":
    if r.until < 0:
        raise ValueError("negative expiry")
    out = [r.session, r.kubeconfig, r.cwd, b"%d" % r.until, r.binary, r.bind, r.roots]
    if r.lines is None:
        out.append(b"*")
    else:
        if any(len(digest) != 32 for digest in r.lines):
            raise ValueError("a line digest is not 32 bytes")
        out += [b"%d" % len(r.lines), *(digest.hex().encode() for digest in r.lines)]
    out.append(b"%d" % len(r.env))
    for name, value in r.env:
        out += [_name(name), b"0" if value is None else b"1", value or b""]
    out.append(b"%d" % len(r.overrides))
    for name, value in r.overrides:
        out += [_name(name), value]
    out.append(b"%d" % len(r.files))
    for path, follow, sig in r.files:
        out += [path, b"1" if follow else b"0", b"-" if sig is None else b"%d %d %d %d %d %d" % sig]
    out.append(b"end")
    if any(b"\0" in f for f in out):
        raise ValueError("a NUL byte in a field")
    return out


def _name(name: bytes) -> bytes:
    if not name or b"=" in name:
        raise ValueError(f"not a variable name: {name!r}")
    return name


def decode(data: bytes) -> "list[Record]":
    """The records of a memo file, newest first: [] for another format; a record that does not parse is
    skipped, and a bad length ends the file (the launcher reads it the same way)."""
    head, _, rest = data.partition(b"\0")
    if head != MAGIC:
        return []
    records = []
    while rest:
        size, sep, rest = rest.partition(b"\0")
        n = _number(size)
        if not sep or n < 0 or n > len(rest):
            break
        record = _parse(rest[:n])
        if record is not None:
            records.append(record)
        rest = rest[n:]
    return records


def _number(text: bytes) -> int:
    """A decimal field; -1 for anything else (launcher.c: number)."""
    return int(text) if text.isdigit() and len(text) <= 17 else -1


class _Fields:
    """A record's body, field by field; IndexError past its end."""

    __slots__ = ("items", "at")

    def __init__(self, body: bytes) -> None:
        self.items, self.at = body.split(b"\0"), 0

    def next(self) -> bytes:
        if self.at >= len(self.items) - 1:  # the last item is what follows the final NUL: nothing
            raise IndexError
        self.at += 1
        return self.items[self.at - 1]

    def count(self) -> int:
        n = _number(self.next())
        if n < 0:
            raise ValueError
        return n

    def flag(self) -> bool:
        value = self.next()
        if value not in (b"0", b"1"):
            raise ValueError
        return value == b"1"


def _parse(body: bytes) -> Record | None:
    f = _Fields(body)
    try:
        session, kubeconfig, cwd, until, binary, bind, roots, kind = (f.next() for _ in range(8))
        if _number(until) < 0:
            return None
        lines = None if kind == b"*" else tuple(_digest(f.next()) for _ in range(_count(kind)))
        env = tuple((_name(name), value if present else None) for name, present, value in
                    ((f.next(), f.flag(), f.next()) for _ in range(f.count())))
        overrides = tuple((_name(f.next()), f.next()) for _ in range(f.count()))
        files = tuple((f.next(), f.flag(), _signature(f.next())) for _ in range(f.count()))
        if f.next() != b"end" or f.at != len(f.items) - 1:
            return None
    except (IndexError, ValueError):
        return None
    return Record(session, kubeconfig, cwd, _number(until), binary, bind, roots, lines, env, overrides, files)


def _count(text: bytes) -> int:
    n = _number(text)
    if n < 0:
        raise ValueError
    return n


def _digest(text: bytes) -> bytes:
    """A line's digest from its 64 lowercase hex digits."""
    if len(text) != 64 or text.strip(b"0123456789abcdef"):
        raise ValueError
    return bytes.fromhex(text.decode())


def _signature(text: bytes) -> "Signature | None":
    """"-" (absent), or six integers, one space between them."""
    if text == b"-":
        return None
    parts = text.split(b" ")
    if len(parts) != 6 or not all(p.removeprefix(b"-").isdigit() for p in parts):
        raise ValueError
    return tuple(int(p) for p in parts)


def read(path: bytes) -> "list[Record]":
    """The records of the memo file at ``path`` if only this user could have written it; [] otherwise."""
    try:
        fd = posix.open(path, posix.O_RDONLY | posix.O_CLOEXEC)
    except OSError:
        return []
    try:
        st = posix.fstat(fd)
        if st.st_uid != posix.getuid() or st.st_mode & 0o022 or st.st_size >= MAX_SIZE:
            return []
        data = posix.read(fd, st.st_size + 1)
    except OSError:
        return []
    finally:
        posix.close(fd)
    return decode(data)


def plain(argv: "list[str]") -> bool:
    """No word of argv can change the target or the kuberc, so a record for any line applies whatever the
    command is (launcher.c: plain). Conservative: a false "no" only costs the full path."""
    if not argv:  # kubectl reads no kuberc for a bare `kubectl`: neither does the decision
        return False
    for arg in argv:
        if "--kuberc" in arg:  # kubectl finds `--kuberc=F` even inside another flag's value
            return False
        if arg[:2] == "--":
            if arg[2:].partition("=")[0].replace("_", "-") in TARGET_FLAGS:
                return False
        elif (arg[:1] == "-" and "s" in arg.partition("=")[0]  # -s URL, -sURL, or grouped: -As URL
              or arg in ("config", "kuberc")):  # `config use-context` inside a session switches the session;
            return False  # neither is bound to the judged context
    return True


def binds(argv: "list[str]", roots: bytes) -> bool:
    """Whether a record of any line with a bind holds for ``argv`` (launcher.c: binds): kubectl refuses flags
    before a plugin's name, so the context is put first only on a line that starts with a flag or with one of
    kubectl's built-in commands (kctx/shim/bind.py decides the same for the line it judges)."""
    first = argv[0] if argv else ""
    return first[:1] == "-" or (first != "" and first.encode(sys.getfilesystemencoding(), "surrogateescape")
                                in roots.split())


def memo_key(env: "Mapping[bytes, bytes]") -> "Key":
    """What a record is for: the shell session, KUBECONFIG and the folder (.tool-versions is looked up from
    it). OSError when the working folder was removed."""
    return env.get(b"KCTX_SESSION", b""), env.get(b"KUBECONFIG", b""), posix.getcwdb()


def memo_file(env: "Mapping[bytes, bytes]", key: "Key") -> bytes | None:
    """The memo slot for ``key`` under the cache folder (kctx.paths: $XDG_CACHE_HOME or ~/.cache)."""
    base = env.get(b"XDG_CACHE_HOME", b"")
    if base[:1] != b"/":
        home = env.get(b"HOME", b"")
        if home[:1] != b"/":
            return None
        base = home.rstrip(b"/") + b"/.cache"
    # A checksum without importing zlib or binascii: the key as a number modulo a prime, spread by a
    # multiplicative hash whose top bits depend on every low bit (the low bits alone would depend on the last
    # byte only: 256 is 0 modulo SLOTS). A clash costs nothing: records name their key, several share a slot.
    number = int.from_bytes(b"\0".join(key), "big")
    slot = (number % 4294967291 * 2654435761 & 0xFFFFFFFF) >> (32 - SLOTS.bit_length() + 1)
    return base + b"/kctx/shim-memo-v2/%02x.memo" % slot


def signature(path: "str | bytes", follow: bool = True, _stat: "Stat" = posix.stat,
              _lstat: "Stat" = posix.lstat) -> "Signature | None":
    """What a file looks like to stat: a change of content, mode, owner or identity changes it; None if absent.
    (The system calls are bound here so that kctx.shim.recorder's recorder, which wraps posix, can call this.)"""
    try:
        st = _stat(path) if follow else _lstat(path)
    except (OSError, ValueError):
        return None
    return stat_signature(st)


def stat_signature(st: posix.stat_result) -> "Signature":
    """inode, device, size, mtime and ctime in nanoseconds, mode: what the launcher compares."""
    return st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode


def unchanged(files: "Iterable[tuple[str | bytes, bool, Signature | None]]") -> bool:
    """Whether every file of a record still looks as it did."""
    return all(signature(path, follow) == sig for path, follow, sig in files)


def line_digest(argv: "list[str]") -> bytes:
    """SHA-256 of the words, each NUL-terminated (launcher.c computes the same): records name the lines they
    hold for without keeping the words, which may hold a secret."""
    if TYPE_CHECKING:
        from hashlib import sha256  # the modules below have no type stubs; they give the same digest
    else:
        try:
            from _sha256 import sha256  # CPython <= 3.11: one small extension instead of hashlib (~1 ms)
        except ImportError:
            try:
                from _sha2 import sha256  # CPython 3.12+
            except ImportError:
                from hashlib import sha256
    enc = sys.getfilesystemencoding()
    return sha256(b"".join(w.encode(enc, "surrogateescape") + b"\0" for w in argv)).digest()
