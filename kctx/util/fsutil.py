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
    """Lock a kubeconfig file the way kubectl does: create ``<path>.lock`` exclusively, remove it after.

    kubectl (client-go) refuses to write while that file exists, so holding it keeps kubectl and kctx
    from interleaving writes. We wait a little for a concurrent writer instead of failing at once.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.path, self.lock_path, self.timeout = path, f"{path}.lock", timeout

    def __enter__(self) -> None:
        import time

        deadline = time.monotonic() + self.timeout
        while True:
            try:
                os.close(os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                return
            except FileExistsError:
                if time.monotonic() >= deadline:
                    from kctx.errors import KctxError

                    raise KctxError(f"{self.lock_path} exists: another program is writing {self.path} "
                                    "(remove the .lock file if no kubectl or kctx is running)") from None
                time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        try:
            os.unlink(self.lock_path)
        except FileNotFoundError:
            pass


def kubeconfig_lock(path: StrPath, timeout: float = 5.0) -> _KubeconfigLock:
    return _KubeconfigLock(str(path), timeout)


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
