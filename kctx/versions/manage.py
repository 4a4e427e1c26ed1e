"""Installed versions by hand: register an existing kubectl, uninstall, garbage-collect, list.

Each change runs under the version's install lock (install.version_lock), so it never races an install.
Not on the shim's path.
"""

from __future__ import annotations

import os
import time

from kctx.errors import KctxError
from kctx.versions import store
from kctx.versions.client import client_version
from kctx.versions.install import version_lock
from kctx.versions.parse import fmt, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO, TypedDict

    from kctx.paths import Paths

    class Row(TypedDict):
        version: str
        path: str
        source: str  # "downloaded", or the file `kctx kubectl add` linked
        last_used: float  # epoch seconds

TEMP_MAX_AGE = 86400.0  # leftovers of interrupted downloads older than this are removed by gc


def exact(text: str) -> str:
    """The exact version ("1.29.3" for "v1.29.3"); KctxError for anything that is not an exact version."""
    v = parse(text)
    if v is None or text.strip().lstrip("vV") != fmt(v):
        raise KctxError(f'"{text}" is not an exact kubectl version (expected e.g. 1.29.3)')
    return fmt(v)


def add(paths: Paths, binary: str, stderr: TextIO, *, force: bool = False) -> str:
    """Register an existing kubectl: a symlink to it, under the version it reports (returned)."""
    from kctx.shim.install import is_shim

    path = os.path.realpath(os.path.expanduser(binary))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise KctxError(f"{binary}: not an executable file")
    if is_shim(path):
        raise KctxError(f"{binary}: this is the kctx shim, not a real kubectl")
    version = client_version(path)
    if parse(version) is None:
        raise KctxError(f"{binary}: reports version {version}, which is not an exact release (X.Y.Z)")
    dest = store.binary_path(paths.kubectl_dir, version)
    with version_lock(paths.kubectl_dir, version, stderr):
        if os.path.lexists(dest):
            if os.path.realpath(dest) == path:
                return version
            if not force:
                raise KctxError(f"kubectl {version} is already installed ({dest}); --force replaces it")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        tmp = f"{dest}.{os.getpid()}.tmp"
        os.symlink(path, tmp)
        os.replace(tmp, dest)
    return version


def uninstall(paths: Paths, version: str, stderr: TextIO) -> str:
    """Remove an installed (or unregister an added) version; returns what was removed."""
    folder = store.version_dir(paths.kubectl_dir, version)
    binary = store.binary_path(paths.kubectl_dir, version)
    with version_lock(paths.kubectl_dir, version, stderr):
        if not os.path.lexists(binary):
            raise KctxError(f"kubectl {version} is not installed (see 'kctx kubectl list')")
        was = f"{binary} -> {os.readlink(binary)}" if os.path.islink(binary) else binary
        os.unlink(binary)
        for name in os.listdir(folder):
            if name == store.USED or name.endswith(".tmp"):
                os.unlink(os.path.join(folder, name))
        try:
            os.rmdir(folder)
        except OSError:
            pass  # something of the user's is in there: leave it
    return was


def gc(paths: Paths, days: float, stderr: TextIO, *, dry_run: bool = False,
       now: float | None = None) -> list[str]:
    """Remove downloaded versions not used for ``days`` days (added ones stay); returns their versions."""
    now = time.time() if now is None else now
    removed = []
    for v in store.installed(paths.kubectl_dir):
        version = fmt(v)
        if store.is_registered(paths.kubectl_dir, version):
            continue  # it costs no space, and we could not download it back
        if now - store.last_used(paths.kubectl_dir, version) > days * 86400:
            if not dry_run:
                uninstall(paths, version, stderr)
            removed.append(version)
    if not dry_run:
        _remove_stale_temps(paths.kubectl_dir, now)
    return removed


def _remove_stale_temps(kubectl_dir: str, now: float) -> None:
    try:
        folders = [e.path for e in os.scandir(kubectl_dir) if e.is_dir() and not e.name.startswith(".")]
    except OSError:
        return
    for folder in folders:
        for entry in os.scandir(folder):
            old = now - entry.stat(follow_symlinks=False).st_mtime > TEMP_MAX_AGE
            if entry.name.endswith(".tmp") and old:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass


def rows(paths: Paths) -> list[Row]:
    """One row per installed version, newest first: version, path, source (download or the added file)."""
    out: list[Row] = []
    for v in store.installed(paths.kubectl_dir):
        version = fmt(v)
        binary = store.binary_path(paths.kubectl_dir, version)
        added = os.path.islink(binary)
        out.append({"version": version, "path": binary,
                    "source": os.readlink(binary) if added else "downloaded",
                    "last_used": store.last_used(paths.kubectl_dir, version)})
    return out
