"""Unlocks: `kctx unlock CONTEXT [DURATION] --reason TEXT` lets commands that need a confirmation on that context
run without a question (and lifts read-only) in one shell session, until the time runs out, or after an idle
period without a command run under it, or `kctx lock`.

An unlock belongs to the kernel's session of the terminal it was granted on (the shell and everything it
starts): its id (getsid) with its leader's start time, so a reused process id is another session, and the
controlling terminal. A script in another terminal, cron, CI or anything started with setsid is in another
session and finds no unlock; a process without a controlling terminal never uses one. The state is a file per
session in kctx's state folder (0700, the file 0600 and owned by the user, else it is ignored), in
``KEY=VALUE`` lines so that the shells' prompts read it with built-ins (`kctx unlock --state-file` names it).

Not in the hot set: only a call that needs a confirmation on a protected target looks for an unlock.
"""

from __future__ import annotations

import os
import time

from kctx.paths import Paths
from kctx.util.fastos import join

FIELDS = ("context", "server", "reason", "since", "until", "idle", "last")


class Shell:
    """The kernel session this process belongs to: ``sid`` (its leader's pid), ``start`` (the leader's start
    time in clock ticks since boot), ``tty`` (the controlling terminal's device number)."""

    __slots__ = ("sid", "start", "tty")

    def __init__(self, sid: int, start: str, tty: int) -> None:
        self.sid, self.start, self.tty = sid, start, tty

    @property
    def key(self) -> str:
        return f"{self.sid}-{self.start}-{self.tty}"


class Unlock:
    """``server``: the identity of the context's server when it was unlocked (a context pointed elsewhere since
    is not unlocked); times in seconds since the epoch; ``idle``: seconds without a command that end it."""

    __slots__ = (*FIELDS, "path")

    def __init__(self, context: str, server: str, reason: str, since: float, until: float, idle: float,
                 last: float, path: str = "") -> None:
        self.context, self.server, self.reason = context, server, reason
        self.since, self.until, self.idle, self.last, self.path = since, until, idle, last, path

    def ends(self) -> float:
        """When it ends unless a command runs under it first."""
        return min(self.until, self.last + self.idle)

    def left(self, now: float) -> float:
        return max(0.0, self.ends() - now)

    def to_dict(self) -> dict[str, object]:
        """Whole seconds (the shells compare them with integers), and ``ends`` for the prompt."""
        out = {k: getattr(self, k) for k in FIELDS}
        out.update({k: int(getattr(self, k)) for k in ("since", "until", "idle", "last")}, ends=int(self.ends()))
        return out


def this_shell() -> Shell | None:
    """This process's session, or None without a controlling terminal or where /proc cannot tell."""
    sid = os.getsid(0)
    own = _stat_fields("self")
    leader = _stat_fields(str(sid))
    if own is None or leader is None:
        return None
    tty = int(own[4]) if own[4].lstrip("-").isdigit() else 0
    if tty == 0:
        return None
    return Shell(sid, leader[19], tty)


def _stat_fields(pid: str) -> list[str] | None:
    """/proc/PID/stat after the command name (fields 3 on: state, ppid, pgrp, session, tty_nr, ...)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read().decode(errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()
    return fields if len(fields) > 19 else None


def folder(paths: Paths) -> str:
    return join(paths.state_dir, "unlocks")


def _file(paths: Paths, shell: Shell) -> str:
    return join(folder(paths), shell.key + ".unlock")


def state_file(paths: Paths) -> str:
    """This shell's unlock file (whether or not there is one), or "" when this process has no terminal."""
    shell = this_shell()
    return _file(paths, shell) if shell is not None else ""


def current(paths: Paths, now: float | None = None, shell: Shell | None = None) -> Unlock | None:
    """This shell's unlock while it lasts, else None."""
    shell = shell or this_shell()
    if shell is None:
        return None
    now = time.time() if now is None else now
    u = _read(_file(paths, shell))
    return u if u is not None and u.since <= now < u.ends() else None


def find(paths: Paths, context: str, server: str, now: float | None = None) -> Unlock | None:
    """This shell's unlock of ``context`` reaching the server with identity ``server``, while it lasts."""
    u = current(paths, now)
    return u if u is not None and u.context == context and u.server == server else None


def grant(paths: Paths, context: str, server: str, reason: str, seconds: float, idle: float,
          shell: Shell, now: float | None = None) -> Unlock:
    """Unlock ``context`` in ``shell`` (one unlock per shell: it replaces any other)."""
    now = int(time.time() if now is None else now)
    u = Unlock(context, server, reason, now, now + seconds, idle, now, _file(paths, shell))
    _write(u)
    _sweep(paths, now)
    return u


def touch(u: Unlock, now: float | None = None) -> None:
    """A command ran under ``u``: the idle period starts again. Written in place into the file as it is, never
    created: a `kctx lock` that removed the file meanwhile must not be undone by a call that read it before."""
    u.last = int(time.time() if now is None else now)
    try:
        fd = os.open(u.path, os.O_WRONLY | os.O_NOFOLLOW)
    except OSError:
        return  # locked meanwhile
    try:
        data = _text(u).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    except OSError:
        pass
    finally:
        os.close(fd)


def revoke(paths: Paths, shell: Shell) -> Unlock | None:
    """End this shell's unlock; the one that was in force (None if none)."""
    path = _file(paths, shell)
    u = _read(path)
    try:
        os.unlink(path)
    except OSError:
        pass
    return u if u is not None and u.ends() > time.time() else None


def _read(path: str) -> Unlock | None:
    """The unlock in ``path``, when the file is the user's own and no one else may write it or its folder."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        st, dst = os.fstat(fd), os.stat(os.path.dirname(path))
        if st.st_uid != os.getuid() or st.st_mode & 0o077 or dst.st_uid != os.getuid() or dst.st_mode & 0o022:
            return None
        text = os.read(fd, 65536).decode()
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    data = dict(line.partition("=")[::2] for line in text.splitlines())
    try:
        since, until, idle, last = (float(data[k]) for k in ("since", "until", "idle", "last"))
        return Unlock(str(data["context"]), str(data["server"]), str(data["reason"]), since, until, idle, last,
                      path)
    except (KeyError, TypeError, ValueError):
        return None


def _write(u: Unlock) -> None:
    from kctx.util.fsutil import atomic_write

    base = os.path.dirname(u.path)
    os.makedirs(base, mode=0o700, exist_ok=True)
    os.chmod(base, 0o700)
    atomic_write(u.path, _text(u).encode(), mode=0o600, durable=False)


def _text(u: Unlock) -> str:
    # One value per line: no control character in a value (the reason is typed by a person)
    lines = ("".join(c if c.isprintable() else " " for c in f"{k}={v}") for k, v in u.to_dict().items())
    return "\n".join(lines) + "\n"


def _sweep(paths: Paths, now: float) -> None:
    """Drop unlocks that have ended (their shells are gone, or they ran out)."""
    base = folder(paths)
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        path = join(base, name)
        u = _read(path)
        if u is None or u.ends() <= now:
            try:
                os.unlink(path)
            except OSError:
                pass


def left_text(seconds: float) -> str:
    """"14m", "1h05m", "40s": time left, as the prompt and toolbar show it."""
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m" if s >= 60 else f"{s}s"
