"""The shim's fast path: replay the full path's last decision while nothing it read has changed.

Most kubectl calls go to clusters that are not protected. For those the guard lets every command through,
so which kubectl runs, with which environment, depends only on the files and environment variables the
full path read (kubeconfig files, session, config, .tool-versions, the server-version cache, installed
versions, PATH), never on the command. After such a call the full path writes a memo (kctx/shim/recorder.py):
every file it looked at with its stat signature (or "absent"), every variable it read, the kubectl it
chose and the variables it set. Here every one of those is checked again, one stat per file, and when all
match the memo's kubectl is exec'd without loading the rest of kctx (about 3 ms less per call).

Such a record holds for any command line without a word that could change the target (--context,
--cluster, --user, -s/--server, --kubeconfig, --kuberc, a `config` command). When the decision depended on
the command line - the target is protected and the guard let a read through without asking, or the line
names the target - the record holds for the exact lines that were let through that way and no other.

Anything else goes to the full path: another command line, a memo made by other kctx code (another
bundle), past its expiry, for another shell, KUBECONFIG or folder, or not owned by this user.

The shim script runs this from the hot-path bundle (kctx/shim/boot.py) before anything else is loaded, so
it may import only modules built into the interpreter (posix, marshal, time) and no kctx module; a record
of exact lines also loads the SHA-256 extension (_sha256, ~0.5 ms).
"""

import marshal
import posix
import sys
import time

MAGIC = "kctx-shim-memo-4"
ANY_LINE = None  # a record's command lines: any line plain() accepts, else a tuple of line_digest()s
KEEP = 4  # records per memo file: the last few environments (and keys that share the slot) seen
MAX_DEPTH = 4  # kubectl -> exec credential plugin -> kubectl -> ... stops here (kctx.shim.fullpath reports it)
DEBUG = b"KCTX_DEBUG"  # set: the shim says on stderr which path it takes and why
OFF = b"KCTX_SHIM_MEMO"  # "0": always the full path, no memo read or written (troubleshooting, benchmarks)
SLOTS = 128  # memo files per user, one per (shell session, KUBECONFIG, folder) hashed: 2 ** 7, see memo_file
# Global flags that choose another target or kubeconfig: with any of them the decision depends on argv.
TARGET_FLAGS = frozenset({"context", "cluster", "user", "server", "kubeconfig", "kuberc"})


def plain(argv: list) -> bool:
    """No word of argv can change the target or the kuberc, so a memo applies whatever the command is.
    Conservative: a false "no" only costs the full path."""
    if not argv:  # kubectl reads no kuberc for a bare `kubectl`: neither does the decision
        return False
    for arg in argv:
        if "--kuberc" in arg:  # kubectl finds `--kuberc=F` even inside another flag's value
            return False
        if arg[:2] == "--":
            if arg[2:].partition("=")[0].replace("_", "-") in TARGET_FLAGS:
                return False
        elif (arg[:1] == "-" and "s" in arg.partition("=")[0]  # -s URL, -sURL, or grouped: -As URL
              or arg == "config"):  # `config use-context` inside a session switches the session
            return False
    return True


def memo_key(env: dict) -> bytes:
    """What a memo is for: the shell session, KUBECONFIG and the folder (.tool-versions is looked up from it)."""
    return b"\0".join((env.get(b"KCTX_SESSION", b""), env.get(b"KUBECONFIG", b""), posix.getcwdb()))


def memo_file(env: dict, key: bytes) -> bytes | None:
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
    slot = (int.from_bytes(key, "big") % 4294967291 * 2654435761 & 0xFFFFFFFF) >> (32 - SLOTS.bit_length() + 1)
    return base + b"/kctx/shim-memo-v1/%02x.m" % slot


def signature(path, follow: bool = True, _stat=posix.stat, _lstat=posix.lstat) -> tuple | None:
    """What a file looks like to stat: a change of content, mode, owner or identity changes it; None if absent.
    (The system calls are bound here so that kctx.shim.recorder's recorder, which wraps posix, can call this.)"""
    try:
        st = _stat(path) if follow else _lstat(path)
    except (OSError, ValueError):
        return None
    return st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode


def read(path: bytes) -> tuple:
    """The records of the memo at ``path``, newest first, if it is well formed and only this user could have
    written it; () otherwise."""
    try:
        fd = posix.open(path, posix.O_RDONLY | posix.O_CLOEXEC)
    except OSError:
        return ()
    try:
        st = posix.fstat(fd)
        if st.st_uid != posix.getuid() or st.st_mode & 0o022:
            return ()
        memo = marshal.loads(posix.read(fd, st.st_size + 1))
    except (OSError, ValueError, EOFError, TypeError):
        return ()
    finally:
        posix.close(fd)
    if type(memo) is not tuple or len(memo) != 2 or memo[0] != MAGIC or type(memo[1]) is not tuple:
        return ()
    return tuple(r for r in memo[1] if type(r) is tuple and len(r) == 9 and (r[8] is ANY_LINE or type(r[8]) is tuple))


def run(argv: list, stamp: tuple) -> None:
    """Exec the remembered kubectl when the memo still holds; otherwise return (the full path follows).
    ``stamp`` identifies the code that is running: a memo written by other code is ignored.
    With $KCTX_DEBUG set, one line on stderr says which path runs and why."""
    env = posix.environ
    debug = DEBUG in env
    depth = env.get(b"KCTX_SHIM_DEPTH", b"0")
    if not depth.isdigit() or int(depth) >= MAX_DEPTH:
        return
    if env.get(OFF) == b"0":
        return debug and note("full path: KCTX_SHIM_MEMO=0")
    try:
        key = memo_key(env)
    except OSError:  # the working folder was removed
        return
    path = memo_file(env, key)
    records = read(path) if path else ()
    if not records:
        return debug and note("full path: no memo for this shell, KUBECONFIG and folder yet")
    now, first_why, line = time.time(), "", Line(argv)
    for record in records:
        why = _mismatch(record, key, stamp, now, env, line)
        if not why:
            break
        if not first_why or first_why in NOT_THIS_CALL and why not in NOT_THIS_CALL:
            first_why = why  # the newest record that was for this call says what changed
    else:
        return debug and note(f"full path: {first_why}")
    binary, overrides = record[5], record[6]
    exec_env = dict(env)
    exec_env.update(overrides)
    exec_env[b"KCTX_SHIM_DEPTH"] = b"%d" % (int(depth) + 1)
    if debug:
        note(f"fast path: {binary} (the memo {path.decode(errors='replace')} holds)")
    try:
        posix.execve(binary, [binary, *argv], exec_env)
    except OSError:
        return  # removed since: the full path explains


OTHER_KEY = "the memo is for another shell, KUBECONFIG or folder"
NOT_PLAIN = "an argument may choose another target or kubeconfig"
OTHER_LINES = "the memo holds for other command lines only (the target is protected or named on the line)"
NOT_THIS_CALL = (OTHER_KEY, NOT_PLAIN, OTHER_LINES)


class Line:
    """The command line, and its digest once a record of exact lines asks for it."""

    __slots__ = ("argv", "_digest")

    def __init__(self, argv: list) -> None:
        self.argv, self._digest = argv, b""

    def digest(self) -> bytes:
        if not self._digest:
            self._digest = line_digest(self.argv)
        return self._digest


def line_digest(argv: list) -> bytes:
    """SHA-256 of the words, each NUL-terminated (kctx/shim/launcher.c computes the same): records name the
    lines they hold for without keeping the words, which may hold a secret."""
    try:
        from _sha256 import sha256  # CPython <= 3.11: one small extension instead of hashlib (~1 ms)
    except ImportError:
        try:
            from _sha2 import sha256  # CPython 3.12+
        except ImportError:
            from hashlib import sha256
    enc = sys.getfilesystemencoding()
    return sha256(b"".join(w.encode(enc, "surrogateescape") + b"\0" for w in argv)).digest()


def _mismatch(record: tuple, key: bytes, stamp: tuple, now: float, env, line: Line) -> str:
    """Why ``record`` does not hold here and now for the command ``line`` ("" when it does)."""
    memo_for, made_by, until, env_checks, file_checks, _binary, _overrides, _native, lines = record
    if memo_for != key:
        return OTHER_KEY
    if made_by != stamp:
        return "the memo was made by other kctx code"
    if not now < until:
        return "the memo expired"
    if lines is ANY_LINE:
        if not plain(line.argv):
            return NOT_PLAIN
    elif line.digest() not in lines:
        return OTHER_LINES
    for name, value in env_checks:
        if env.get(name) != value:
            return f"${name.decode(errors='replace')} changed"
    return changed(file_checks)


def changed(file_checks: tuple) -> str:
    """Why a record's files no longer look as they did ("" when they all do)."""
    for file, follow, sig in file_checks:
        if signature(file, follow) != sig:
            return f"{file!s} changed"
    return ""


def note(text: str) -> None:
    """A $KCTX_DEBUG line on stderr."""
    posix.write(2, f"kctx: debug: {text}\n".encode(errors="replace"))
