"""Install kubectl releases: download, verify, rename into place, under a per-version lock.

Nothing half-done is ever visible: the download streams into a temp file in the version's folder, is
checked (executable magic, Content-Length, sha256), fsynced, made 0755, run once (``version --client``)
and only then renamed to ``<kubectl_dir>/<X.Y.Z>/kubectl``. A flock on ``<kubectl_dir>/.locks/X.Y.Z.lock``
makes N processes asking for one version share one download. Failed installs are remembered for ten
minutes so an offline shim does not retry on every call. Not on the shim's warm path.
"""

from __future__ import annotations

import os
import time

from kctx.errors import KctxError, line
from kctx.versions import failures, mirror, store
from kctx.versions.client import client_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

    from kctx.paths import Paths
    from kctx.versions.mirror import Response

CHUNK = 1 << 16  # small enough that the progress bar moves on a slow link
# ELF, Mach-O 32/64-bit in both byte orders, Mach-O universal
MAGICS = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xfe\xed\xfa\xce",
          b"\xca\xfe\xba\xbe")


class RecentFailure(KctxError):
    """The same install failed minutes ago; not retried until failures.FAILURE_TTL passed (or asked explicitly)."""


def ensure(paths: Paths, version: str, environ: Mapping[str, str], stderr: TextIO, *, no_verify: bool = False,
           retry: bool = False) -> str:
    """The binary of exact ``version`` ("1.29.3"), downloading it first if needed."""
    binary = store.binary_path(paths.kubectl_dir, version)
    if _ready(binary):
        return binary
    if not retry:
        _raise_recent_failure(paths, version)
    try:
        with _VersionLock(paths.kubectl_dir, version, stderr):
            if not _ready(binary):  # another process may have installed it while we waited
                if not retry:
                    _raise_recent_failure(paths, version)  # …or failed while we waited
                _install(paths.kubectl_dir, version, environ, stderr, no_verify)
    except RecentFailure:
        raise
    except KctxError as exc:
        failures.remember(paths.cache_dir, version, exc.message)
        raise
    except OSError as exc:  # an unwritable data dir, a full disk…
        raise KctxError(f"cannot install kubectl {version}: {exc.filename or paths.kubectl_dir}: "
                        f"{exc.strerror or exc}") from None
    failures.forget(paths.cache_dir, version)
    return binary


def ensure_minor(paths: Paths, major: int, minor: int, environ: Mapping[str, str], stderr: TextIO, *,
                 retry: bool = False) -> str:
    """Install the newest patch of major.minor (from ``stable-X.Y.txt``); returns its version."""
    spec = f"{major}.{minor}"
    if not retry:
        _raise_recent_failure(paths, spec)
    try:
        version = mirror.latest_patch(environ, major, minor)
    except KctxError as exc:
        failures.remember(paths.cache_dir, spec, exc.message)
        raise
    ensure(paths, version, environ, stderr, retry=retry)
    return version


def _ready(binary: str) -> bool:
    """Installed, and not a dispatcher an older kctx registered under whatever version it reported."""
    if os.path.islink(binary):
        from kctx.kubectl.binaries import is_dispatcher

        if is_dispatcher(binary):
            return False
    return os.path.isfile(binary) and os.access(binary, os.X_OK)


def _install(kubectl_dir: str, version: str, environ: Mapping[str, str], stderr: TextIO, no_verify: bool) -> None:
    os_arch = mirror.platform(version)
    url = mirror.binary_url(mirror.base_url(environ), version, os_arch)
    digest = _expected_digest(url, environ, no_verify, stderr)
    folder = store.version_dir(kubectl_dir, version)
    os.makedirs(folder, exist_ok=True)
    tmp = _download(url, environ, folder, digest, stderr, f"kubectl v{version} ({'/'.join(os_arch)})")
    try:
        reported = client_version(tmp)
        if reported != version:
            raise KctxError(f"{url}: the downloaded kubectl reports version {reported}, expected {version}")
        _mark_verified(folder, bool(digest))
        os.replace(tmp, store.binary_path(kubectl_dir, version))
    except BaseException:
        _discard(tmp, folder)
        raise
    _fsync_dir(folder)
    _say(stderr, f"kctx: installed kubectl {version} in {folder}\n")


def _mark_verified(folder: str, verified: bool) -> None:
    """`kctx kubectl list` marks a version installed without a checksum (--no-verify)."""
    marker = os.path.join(folder, store.UNVERIFIED)
    if verified:
        if os.path.lexists(marker):
            os.unlink(marker)
        return
    with open(marker, "w", encoding="utf-8") as fh:
        fh.write("installed with --no-verify: no checksum was published\n")


def _expected_digest(url: str, environ: Mapping[str, str], no_verify: bool, stderr: TextIO) -> str:
    try:
        text = mirror.fetch_text(url + ".sha256", environ)
    except mirror.NotFound:
        mirror.head(url, environ)  # no such release at all? Say that rather than "no checksum"
        if not no_verify:
            raise KctxError(f"{url}.sha256: no checksum published, so the download cannot be verified; "
                            "nothing was installed (--no-verify overrides)") from None
        _say(stderr, line("warning", f"no checksum at {url}.sha256: installing kubectl WITHOUT verification "
                                   "(--no-verify)"))
        return ""
    digest = text.split()[0].lower() if text else ""  # a bare digest, or "digest  filename"
    if len(digest) != 64 or digest.strip("0123456789abcdef"):
        raise KctxError(f"{url}.sha256: not a sha256 checksum ({text[:40]!r})")
    return digest


def _download(url: str, environ: Mapping[str, str], folder: str, digest: str, stderr: TextIO, label: str) -> str:
    """Stream ``url`` into a temp file in ``folder``; return its path once every check passed."""
    import hashlib

    from kctx.versions.progress import Progress

    tmp = os.path.join(folder, f".kubectl.{os.getpid()}.{time.monotonic_ns():x}.tmp")
    with mirror.open_url(url, environ) as resp:
        total = _content_length(resp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        progress = Progress(stderr, label, total)
        try:
            h = hashlib.sha256()
            done, head = 0, b""
            while True:
                chunk = _read(resp, url, done)
                if not chunk:
                    break
                if len(head) < 4:
                    head = _check_head(head + chunk[:4], url, resp, final=False)
                h.update(chunk)
                _write_all(fd, chunk)
                done += len(chunk)
                progress.update(len(chunk))
            _check_head(head, url, resp, final=True)
            if total and done != total:
                raise KctxError(f"{url}: short read: got {done} of {total} bytes; nothing was installed")
            if digest and h.hexdigest() != digest:
                raise KctxError(f"{url}: sha256 mismatch (got {h.hexdigest()[:16]}…, expected "
                                f"{digest[:16]}…); nothing was installed")
            os.fchmod(fd, 0o755)
            os.fsync(fd)
        except BaseException:
            progress.abort()
            os.close(fd)
            _discard(tmp, folder)
            raise
    os.close(fd)
    progress.finish(f"downloaded {label}, {'sha256 verified' if digest else 'NOT verified'}")
    return tmp


def _content_length(resp: Response) -> int:
    try:
        return max(int(resp.headers.get("Content-Length") or 0), 0)
    except ValueError:
        return 0


def _read(resp: Response, url: str, done: int) -> bytes:
    import http.client

    try:
        return resp.read(CHUNK)
    except TimeoutError:  # the socket's timeout is mirror.STALL: no byte for that long
        raise KctxError(f"{url}: stalled: no data for {mirror.STALL:g} s after {done} bytes; nothing was "
                        "installed") from None
    except (http.client.IncompleteRead, http.client.HTTPException, OSError) as exc:
        raise KctxError(f"{url}: download interrupted after {done} bytes ({exc.__class__.__name__}); "
                        "nothing was installed") from None


def _check_head(head: bytes, url: str, resp: Response, *, final: bool) -> bytes:
    if len(head) < 4 and not final:
        return head
    if head[:4] not in MAGICS:
        kind = resp.headers.get("Content-Type") or "data"
        hint = " (an HTML error page?)" if head[:1] == b"<" or "html" in kind else ""
        raise KctxError(f"{url}: the mirror sent {kind}{hint}, not a kubectl executable; "
                        "nothing was installed")
    return head


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _discard(tmp: str, folder: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    try:
        os.rmdir(folder)  # only succeeds when nothing else is in it
    except OSError:
        pass


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _say(stderr: TextIO, text: str) -> None:
    try:
        stderr.write(text)
        stderr.flush()
    except (OSError, ValueError):
        pass


class _VersionLock:
    """flock on ``<kubectl_dir>/.locks/<version>.lock``; says so on stderr when it has to wait."""

    def __init__(self, kubectl_dir: str, version: str, stderr: TextIO) -> None:
        self.folder = os.path.join(kubectl_dir, ".locks")
        self.path = os.path.join(self.folder, f"{version}.lock")
        self.version, self.stderr, self.fd = version, stderr, -1

    def __enter__(self) -> None:
        import fcntl

        os.makedirs(self.folder, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(self.stderr, f"kctx: waiting for another kctx to finish with kubectl {self.version}\n")
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing the last descriptor releases the flock


def version_lock(kubectl_dir: str, version: str, stderr: TextIO) -> _VersionLock:
    return _VersionLock(kubectl_dir, version, stderr)


def _raise_recent_failure(paths: Paths, spec: str) -> None:
    why = failures.recent(paths.cache_dir, spec)
    if why:
        raise RecentFailure(why)
