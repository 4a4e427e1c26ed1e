"""The per-file index cache: each kubeconfig file parsed once, re-read only when mtime, size or inode change.

One small marshal file per kubeconfig file (marshal is built in: no import cost, fastest to load), so
the shim reads only the entries of the two or three files its session needs. Standard library only.
A process that may not import yaml (the shim) re-indexes stale YAML files in a child process
(``python -m kctx.kubeconfig.refresh``); JSON files (our sessions) are indexed in-process.
"""

from __future__ import annotations

import marshal
import posix
import sys

from kctx.kubeconfig.model import FileIndex, View
from kctx.util.fastos import abspath, dirname, join

MAGIC = "kctx-index-1"


def entry_path(index_dir: str, path: str) -> str:
    # Readable and collision-free: "/" cannot occur in a file name, "%" is escaped first.
    return join(index_dir, path.replace("%", "%25").replace("/", "%2F") + ".m")


def _read_entry(index_dir: str, path: str, st: posix.stat_result) -> FileIndex | None:
    try:
        with open(entry_path(index_dir, path), "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, tuple) or len(data) != 2 or data[0] != MAGIC:
        return None
    d = data[1]
    if d.get("mtime_ns") != st.st_mtime_ns or d.get("size") != st.st_size or d.get("ino") != st.st_ino:
        return None
    return FileIndex.from_dict(d)


def store(index_dir: str, idx: FileIndex) -> None:
    if not idx.mtime_ns:
        return  # could not even stat it: nothing stable to key on
    _write(entry_path(index_dir, idx.path), (MAGIC, idx.to_dict()), index_dir)


BUNDLE_MIN = 8  # from this many files on, one bundle file replaces one read per file


def load(paths: list[str], index_dir: str, *, in_process: bool = True) -> list[FileIndex]:
    """Index every existing regular file of ``paths``; missing files are skipped, as kubectl does.

    ``in_process=False`` keeps yaml out of this process: stale YAML files are re-indexed by a child.
    """
    stats: dict[str, posix.stat_result] = {}
    odd: list[FileIndex] = []
    for p in paths:
        if p in stats:
            continue
        try:
            st = posix.stat(p)
        except OSError:
            continue
        if (st.st_mode & 0o170000) == 0o100000:  # regular files only
            stats[p] = st
        else:
            odd.append(not_regular(p))
    key = tuple((p, st.st_mtime_ns, st.st_size, st.st_ino) for p, st in stats.items())
    bundle = _bundle_path(index_dir, key) if len(key) >= BUNDLE_MIN and not odd else ""
    previous: dict[str, dict] = {}
    if bundle:
        data = _read_bundle(bundle)
        if data is not None and data[1] == key:
            return [FileIndex.from_dict(d) for d in data[2]]
        if data is not None:  # some files changed: the others' entries are still good
            previous = {d.get("path"): d for d in data[2] if isinstance(d, dict)}
    found: dict[str, FileIndex | None] = {}
    stale: list[str] = []
    for p, st in stats.items():
        found[p] = _reuse(previous.get(p), st) or _read_entry(index_dir, p, st)
        if found[p] is None:
            stale.append(p)
    if stale:
        for idx in _refresh(stale, index_dir, in_process):
            found[idx.path] = idx
    out = [idx for idx in found.values() if idx is not None] + odd
    if bundle and not any(idx.error for idx in out):
        _write(bundle, (MAGIC, key, [idx.to_dict() for idx in out]), index_dir)
    return out


def _bundle_path(index_dir: str, key: tuple) -> str:
    """Many files read together (a long KUBECONFIG, ls): one marshal file keyed by every file's stat."""
    # A checksum of the file names, without importing binascii or zlib (0.4-0.5 ms): the bundle records its
    # own key, so two lists with the same name only take turns in one file.
    digest = int.from_bytes("\0".join(p for p, *_ in key).encode(), "big") % 4294967291
    return join(index_dir, f"bundle-{len(key)}-{digest:08x}.m")


def _read_bundle(bundle: str) -> tuple | None:
    """(MAGIC, key, [FileIndex dicts]), whatever files it was written for; None when unusable."""
    try:
        with open(bundle, "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, tuple) or len(data) != 3 or data[0] != MAGIC or not isinstance(data[2], list):
        return None
    return data


def _reuse(d: dict | None, st: posix.stat_result) -> FileIndex | None:
    """A FileIndex from an older bundle's dict when its file has not changed since (same test as entries)."""
    if d is None or d.get("mtime_ns") != st.st_mtime_ns or d.get("size") != st.st_size or d.get("ino") != st.st_ino:
        return None
    try:
        return FileIndex.from_dict(d)
    except TypeError:
        return None


def _write(path: str, value: object, index_dir: str) -> None:
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    try:
        ensure_private_dir(index_dir)
        # Atomic but not fsynced: after a crash an entry is at worst empty or missing, which reads as a miss.
        atomic_write(path, marshal.dumps(value), mode=0o600, durable=False)
    except OSError:
        pass  # a cache that cannot be written only costs speed


def _refresh(paths: list[str], index_dir: str, in_process: bool) -> list[FileIndex]:
    out = []
    rest = []
    for p in paths:
        idx = index_json(p)
        if idx is None:
            rest.append(p)
        else:
            store(index_dir, idx)
            out.append(idx)
    if rest:
        out += refresh(rest, index_dir) if in_process else _refresh_in_child(rest, index_dir)
    return out


def refresh(paths: list[str], index_dir: str) -> list[FileIndex]:
    from kctx.kubeconfig.parse import parse_file

    out = [parse_file(p) for p in paths]
    for idx in out:
        store(index_dir, idx)
    return out


def index_json(path: str) -> FileIndex | None:
    """Index a JSON kubeconfig (our session files) without yaml; None when the file is not JSON."""
    try:
        st = posix.stat(path)
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    if not raw.lstrip().startswith(b"{"):
        return None
    import json

    from kctx.kubeconfig.extract import NotAKubeconfig, fill

    try:
        doc = json.loads(raw)
        idx = FileIndex(path=path, mtime_ns=st.st_mtime_ns, size=st.st_size, ino=st.st_ino)
        fill(idx, doc, dirname(abspath(path)))
    except (ValueError, NotAKubeconfig):
        return None  # let the full parser produce the proper one-line error
    return idx


def _refresh_in_child(paths: list[str], index_dir: str) -> list[FileIndex]:
    import subprocess

    from kctx.shim.exec import child_env

    proc = subprocess.run([sys.executable, "-m", "kctx.kubeconfig.refresh", index_dir, *paths],
                          capture_output=True, check=False, env=child_env())
    out = []
    for p in paths:
        try:
            st = posix.stat(p)
        except OSError:
            continue
        idx = _read_entry(index_dir, p, st) if proc.returncode == 0 else None
        if idx is None:
            why = proc.stderr.decode(errors="replace").strip().splitlines()
            idx = FileIndex(path=p, error=f"{p}: cannot index: {why[-1] if why else 'indexer failed'}")
        out.append(idx)
    return out


def not_regular(path: str) -> FileIndex:
    """kubectl reads pipes and process substitutions (<(…)) and fails on folders; kctx cannot look at a pipe
    without consuming it, so such an entry is an error that makes the guard fail closed."""
    return FileIndex(path=path, error=f"{path}: not a regular file (a pipe or a folder?); "
                                      "kctx cannot read it without consuming it")


class LazyFiles:
    """FileIndexes read one file at a time, in order, as a View asks for them.

    Resolving one context usually needs only the first few files of a long KUBECONFIG (the one that sets
    current-context, the ones defining the context, cluster and user): the shim stops there. Iterating
    to the end, or meeting a stale entry, loads everything that is left in one go (``load``).
    """

    def __init__(self, paths: list[str], index_dir: str, in_process: bool) -> None:
        self._paths, self._index_dir, self._in_process = paths, index_dir, in_process
        self._loaded: list[FileIndex] = []
        self._seen: set[str] = set()
        self._pos = 0

    def __iter__(self):
        i = 0
        while True:
            if i < len(self._loaded):
                yield self._loaded[i]
                i += 1
            elif not self._advance():
                return

    def all(self) -> list[FileIndex]:
        while self._advance():
            pass
        return self._loaded

    def _advance(self) -> bool:
        """Load the next file; False when there is none left."""
        while self._pos < len(self._paths):
            p = self._paths[self._pos]
            self._pos += 1
            if p in self._seen:
                continue
            self._seen.add(p)
            try:
                st = posix.stat(p)
            except OSError:
                continue
            if (st.st_mode & 0o170000) != 0o100000:
                self._loaded.append(not_regular(p))
                return True
            hit = _read_entry(self._index_dir, p, st)
            if hit is None:  # stale: refresh the rest together (one child process at most)
                rest = [q for q in self._paths[self._pos - 1:] if q not in self._seen or q == p]
                self._loaded += load(rest, self._index_dir, in_process=self._in_process)
                self._pos = len(self._paths)
                return True
            self._loaded.append(hit)
            return True
        return False


def view(paths: list[str], index_dir: str, *, in_process: bool = True, lazy: bool = False) -> View:
    if lazy:
        return View(LazyFiles(paths, index_dir, in_process))
    return View(load(paths, index_dir, in_process=in_process))
