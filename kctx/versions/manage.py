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
from kctx.versions.parse import fmt, parse, pre_release

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import TextIO, TypedDict

    from kctx.config import Config
    from kctx.paths import Paths

    class Row(TypedDict):
        version: str
        path: str
        source: str  # "downloaded", "bundled" (beside a dispatcher on PATH), or the file `kctx kubectl add` linked
        installed: float  # epoch seconds
        last_used: float  # epoch seconds; 0.0 if never
        verified: bool  # False: installed with --no-verify and no published checksum
        pinned_by: list[str]  # the pins that keep it (gc and uninstall need --force)

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
    _refuse_dispatcher(binary, path)
    version = client_version(path)
    if parse(version) is None or pre_release(version):
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


def _refuse_dispatcher(binary: str, path: str) -> None:
    """A dispatcher reports the version of whichever kubectl it would run now: never register it under one."""
    from kctx.kubectl.binaries import bundled

    found = bundled(path)
    if found:
        one = next(iter(found.values()))
        raise KctxError(f"{binary}: a dispatcher that runs one of the kubectls beside it per context "
                        f"({', '.join(found)}), so it has no version of its own; kctx uses those directly when "
                        f"it is on PATH (or register one: kctx kubectl add {one})")


def pins(paths: Paths, config: Config, environ: Mapping[str, str]) -> dict[str, list[str]]:
    """Installed version -> the pins that hold it: config ``kubectl.pins`` (the user's, and the team's that
    onboarding merged in), ``kubectl.default`` and the global asdf/mise file. A pin of a minor holds the
    patch selection would use (the newest installed); a list of fallbacks holds each."""
    from kctx.versions.parse import parse_spec
    from kctx.versions.toolversions import find_global

    source = config.source or "config"
    specs = [(spec, f'kubectl.pins."{glob}" ({source})') for glob, spec in config.kubectl_pins.items()]
    if config.kubectl_default and "/" not in config.kubectl_default:
        specs.append((config.kubectl_default, f"kubectl.default ({source})"))
    found = find_global(environ)
    if found is not None:
        specs += [(spec, f"{found.file}:{found.line}") for spec in found.versions]
    have = store.installed(paths.kubectl_dir)
    held: dict[str, list[str]] = {}
    for spec, where in specs:
        v = parse_spec(spec.strip())
        hit = store.best(have, *v) if v is not None else None
        if hit is not None:
            held.setdefault(fmt(hit), []).append(where)
    return held


def uninstall(paths: Paths, version: str, stderr: TextIO, *, pinned_by: Sequence[str] = (),
              force: bool = False) -> str:
    """Remove an installed (or unregister an added) version; returns what was removed. A pinned version
    (``pinned_by``, from pins()) stays unless ``force``."""
    folder = store.version_dir(paths.kubectl_dir, version)
    binary = store.binary_path(paths.kubectl_dir, version)
    with version_lock(paths.kubectl_dir, version, stderr):
        if not os.path.lexists(binary):
            raise KctxError(f"kubectl {version} is not installed (see 'kctx kubectl list')")
        if pinned_by and not force:
            raise KctxError(f"kubectl {version} is pinned by {'; '.join(pinned_by)}; --force removes it anyway")
        was = f"{binary} -> {os.readlink(binary)}" if os.path.islink(binary) else binary
        os.unlink(binary)
        for name in os.listdir(folder):
            if name in (store.USED, store.UNVERIFIED) or name.endswith(".tmp"):
                os.unlink(os.path.join(folder, name))
        try:
            os.rmdir(folder)
        except OSError:
            pass  # something of the user's is in there: leave it
    return was


def gc(paths: Paths, days: float, stderr: TextIO, *, dry_run: bool = False, now: float | None = None,
       pinned: Mapping[str, Sequence[str]] | None = None, force: bool = False) -> tuple[list[str], dict[str, str]]:
    """Remove downloaded versions not used for ``days`` days (added ones stay, and pinned ones unless
    ``force``); returns the versions removed and the unused ones kept for a pin (version -> pins)."""
    now = time.time() if now is None else now
    removed, kept = [], {}
    for v in store.installed(paths.kubectl_dir):
        version = fmt(v)
        if store.is_registered(paths.kubectl_dir, version):
            continue  # it costs no space, and we could not download it back
        if now - store.last_used(paths.kubectl_dir, version) > days * 86400:
            holders = (pinned or {}).get(version, ())
            if holders and not force:
                kept[version] = "; ".join(holders)
                continue
            if not dry_run:
                uninstall(paths, version, stderr, force=True)
            removed.append(version)
    if not dry_run:
        _remove_stale_temps(paths.kubectl_dir, now)
    return removed, kept


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


def rows(paths: Paths, pinned: Mapping[str, Sequence[str]], environ: Mapping[str, str]) -> list[Row]:
    """One row per installed version, newest first, then the kubectls beside a dispatcher on PATH."""
    from kctx.kubectl.binaries import bundled, find

    kdir = paths.kubectl_dir
    out: list[Row] = []
    for v in store.installed(kdir):
        version = fmt(v)
        binary = store.binary_path(kdir, version)
        added = os.path.islink(binary)
        out.append({"version": version, "path": binary, "source": os.readlink(binary) if added else "downloaded",
                    "installed": store.installed_at(kdir, version), "last_used": store.used_at(kdir, version),
                    "verified": store.is_verified(kdir, version), "pinned_by": list(pinned.get(version, ()))})
    on_path = find(environ, paths.shim_dir)
    for minor, path in (bundled(on_path) if on_path else {}).items():
        out.append({"version": minor, "path": path, "source": "bundled", "installed": os.path.getmtime(path),
                    "last_used": 0.0, "verified": True, "pinned_by": []})
    return out
