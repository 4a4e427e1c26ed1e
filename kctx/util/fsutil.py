"""Atomic, locked writes. Standard library only; imports are local because the shim loads this module."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]


class _FlockGuard:
    """Exclusive advisory lock on ``<path>.lock`` for kctx's own files (caches, audit log)."""

    def __init__(self, path: str) -> None:
        self.lock_path = f"{path}.lock"
        self.fd = -1

    def __enter__(self) -> None:
        import fcntl

        self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def locked(path: StrPath) -> _FlockGuard:
    return _FlockGuard(str(path))


class _KubeconfigLock:
    """kubectl's lock on a kubeconfig file: ``<path>.lock``, created exclusively and removed after writing.

    kubectl (client-go) refuses to write while that file exists and fails at once; kctx waits its turn
    instead, within bounds, and tells a crashed writer's lock apart where it can:
    - kctx marks its own lock ``kctx <pid>`` while holding an flock on it; the kernel drops the flock when
      the process dies, so a marked lock nobody holds was left by a crashed kctx and is removed at once;
    - any other lock (kubectl's are empty) is waited for while it changes hands, but one holder keeping
      it longer than ``timeout`` (kubectl holds it for milliseconds) ends the wait with a one-line error
      naming the file; so does the lock never coming free within ``_ROUNDS`` times that.
    Re-entrant within a thread, so a transaction may lock a file its caller already holds.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.path, self.lock_path, self.timeout = path, f"{path}.lock", timeout
        self.fd = -1
        self.key: tuple[str, int] = ("", 0)

    def __enter__(self) -> None:
        import _thread  # (threading imports collections and functools: a large part of a switch's start-up)
        import time

        self.key = (os.path.realpath(self.lock_path), _thread.get_ident())
        if self.key in _HELD:
            _HELD[self.key] += 1
            return
        started = time.monotonic()
        holder, since, delay = None, started, 0.001
        while True:
            fd = _create_lock(self.lock_path)
            if fd >= 0:
                self.fd = fd
                _HELD[self.key] = 1
                return
            seen = _inspect_lock(self.lock_path)
            now = time.monotonic()
            if seen is None:  # released, or left by a dead kctx and removed: try again now
                continue
            if seen[0] != holder:
                holder, since = seen[0], now
            elif now - since > self.timeout:
                raise _stuck(self.path, self.lock_path, seen[1], now - since)
            if now - started > self.timeout * _ROUNDS:
                from kctx.errors import KctxError

                raise KctxError(f"{self.path} stayed locked by other writers, one after the other, for "
                                f"{now - started:.0f} s ({self.lock_path}); nothing was written, try again")
            time.sleep(delay * (0.5 + (time.monotonic_ns() // 1000 % 499) / 998))  # jitter: waiters spread
            delay = min(delay * 2, 0.025)

    def __exit__(self, *exc: object) -> None:
        count = _HELD.pop(self.key, 1)
        if count > 1:
            _HELD[self.key] = count - 1
            return
        try:
            if _same_file(os.stat(self.lock_path), os.fstat(self.fd)):  # never remove someone else's
                os.unlink(self.lock_path)
        except FileNotFoundError:
            pass
        finally:
            os.close(self.fd)  # drops the flock


_HELD: dict[tuple[str, int], int] = {}  # (lock file, thread) -> nesting depth, for the locks held here
_ROUNDS = 12  # the whole wait is bounded at this many times one holder's allowance
_MARK = b"kctx "


def _create_lock(lock_path: str) -> int:
    """The new lock's descriptor (flocked, marked with our pid), or -1 when the lock exists."""
    import fcntl

    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # before the mark: a marked lock without flock means a dead owner
        os.write(fd, _MARK + str(os.getpid()).encode() + b"\n")
    except BaseException:
        os.unlink(lock_path)
        os.close(fd)
        raise
    return fd


def _inspect_lock(lock_path: str) -> tuple[tuple[int, int, int], str] | None:
    """(identity, who holds it) of an existing lock; None when it is gone or was left by a dead kctx (then
    it is removed: the same file is still in place, checked while holding its flock)."""
    import fcntl

    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except PermissionError:  # kubectl creates its lock with mode 0
        try:
            st = os.stat(lock_path)
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino, st.st_mtime_ns), ""
    try:
        st = os.fstat(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alive = False
        except BlockingIOError:
            alive = True
        mark = os.read(fd, 64)
        pid = mark[len(_MARK):].strip().decode("ascii", "replace") if mark.startswith(_MARK) else ""
        if pid and not alive:
            try:
                if _same_file(os.stat(lock_path), st):
                    os.unlink(lock_path)
            except FileNotFoundError:
                pass
            return None
        return (st.st_dev, st.st_ino, st.st_mtime_ns), f"kctx (process {pid})" if pid else ""
    finally:
        os.close(fd)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _stuck(path: str, lock_path: str, holder: str, held: float) -> Exception:
    from kctx.errors import KctxError

    if holder:
        return KctxError(f"{lock_path} is held by {holder} for more than {held:.0f} s; {path} was not changed")
    return KctxError(f"{lock_path} exists and was not removed within {held:.0f} s: kubectl (or another "
                     f"program) is writing {path} or crashed while writing it; if none is running, remove "
                     f"{lock_path} (kubectl cannot write {path} either while it exists)")


LOCK_TIMEOUT = 5.0  # seconds one holder may keep a kubeconfig lock while kctx waits for it


def kubeconfig_lock(path: StrPath, timeout: float | None = None) -> _KubeconfigLock:
    return _KubeconfigLock(str(path), LOCK_TIMEOUT if timeout is None else timeout)


class _Locks:
    """Several kubeconfig locks, taken in sorted order (as kubectl does: no deadlock between waiters)."""

    def __init__(self, paths: list[str], timeout: float) -> None:
        self.locks = [kubeconfig_lock(p, timeout) for p in sorted(set(paths))]
        self.held: list[_KubeconfigLock] = []

    def __enter__(self) -> None:
        import errno

        try:
            for lock in self.locks:
                try:
                    lock.__enter__()
                except OSError as exc:
                    # No folder, or one nobody may create files in: kubectl cannot lock (so cannot write)
                    # the file either, nor can kctx replace it; writing it, if asked, fails on its own.
                    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS):
                        continue
                    raise
                self.held.append(lock)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        while self.held:
            self.held.pop().__exit__()


def kubeconfig_locks(paths: list[str], timeout: float | None = None) -> _Locks:
    """Hold kubectl's lock on every file of ``paths`` (absolute paths), for a read-edit-write of them."""
    return _Locks(paths, LOCK_TIMEOUT if timeout is None else timeout)


def wait_for_writers(paths: list[str], patience: float = 1.0) -> bool:
    """True when no ``<path>.lock`` of ``paths`` is held by another writer; else wait until none is (at
    most ``patience`` seconds: a lock nobody releases is reported by the next write, not by readers) and
    return False. kubectl rewrites a file in place while it holds the lock, so what a reader saw then may
    be the file emptied or cut: read it again."""
    import _thread
    import time

    ident = _thread.get_ident()
    deadline = time.monotonic() + patience
    quiet = True
    for path in paths:
        lock_path = f"{path}.lock"
        if (os.path.realpath(lock_path), ident) in _HELD:
            continue
        while os.path.lexists(lock_path) and _inspect_lock(lock_path) is not None:
            quiet = False
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
    return quiet


def atomic_write(path: StrPath, data: bytes | str, mode: int | None = None, durable: bool = True) -> None:
    """Write via a temp file in the same folder, fsync, then rename over ``path``.

    ``durable=False`` skips the fsyncs (still atomic): for files that do not outlive the machine's
    uptime anyway, such as session files under $XDG_RUNTIME_DIR.

    The new file keeps the old file's permission bits unless ``mode`` is given; a new file
    without ``mode`` gets 0600 because kubeconfig-like files may hold credentials.
    """
    path = str(path)
    if isinstance(data, str):
        data = data.encode()
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o600
    folder, name = os.path.split(path)
    tmp = os.path.join(folder or ".", f".{name}.{os.getpid()}.{id(data):x}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable:
        _fsync_dir(folder or ".")


def _fsync_dir(folder: str) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def ensure_private_dir(path: StrPath) -> str:
    folder = str(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder
