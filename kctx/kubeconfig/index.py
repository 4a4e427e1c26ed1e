"""The per-file index cache: each kubeconfig file parsed once, re-read only when its stamp changes.

One small marshal file per kubeconfig file (marshal is built in: no import cost, fastest to load), so
the shim reads only the entries of the two or three files its session needs. An entry holds for the file's
stamp (mtime, ctime, size, inode, device: kctx/util/parsecache.py), which an edit cannot keep even when it
puts the old mtime back. Standard library only. YAML files are indexed by kctx/kubeconfig/refresh.py,
through kctx/util/parsecache.py (in a child process in the shim, which never imports yaml); JSON files (our
sessions) are indexed here, without yaml.
"""

from __future__ import annotations

import marshal
import posix

from kctx.kubeconfig.model import FileIndex, View
from kctx.util import parsecache
from kctx.util.fastos import abspath, dirname, join

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    BundleKey = tuple[tuple[str, int, int, int, int, int], ...]  # per file: its path, then its stamp

MAGIC = "kctx-index-4"
INDEXER = "kctx.kubeconfig.refresh:index_files"
S_IFMT, S_IFREG = 0o170000, 0o100000


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
    return _reuse(data[1], st)


def store(index_dir: str, idx: FileIndex) -> None:
    if not idx.stamp:
        return  # could not even stat it: nothing stable to key on
    _write(entry_path(index_dir, idx.path), (MAGIC, idx.to_dict()), index_dir)


BUNDLE_MIN = 8  # from this many files on, one bundle file replaces one read per file


def load(paths: list[str], index_dir: str) -> list[FileIndex]:
    """Index every existing regular file of ``paths``; missing files are skipped, as kubectl does."""
    stats, odd = _stat_all(paths)
    key = tuple((p, *parsecache.stamp(st)) for p, st in stats.items())
    bundle = _bundle_path(index_dir, key) if len(key) >= BUNDLE_MIN and not odd else ""
    hit, previous = _from_bundle(bundle, key)
    if hit is not None:
        return hit
    found = _cached(stats, index_dir, previous)
    stale = [p for p, idx in found.items() if idx is None]
    if stale:
        found.update((idx.path, idx) for idx in _refresh(stale, index_dir))
    out = [idx for idx in found.values() if idx is not None] + odd
    if bundle and not any(idx.error for idx in out):
        _write(bundle, (MAGIC, key, [idx.to_dict() for idx in out]), index_dir)
    return out


def _from_bundle(bundle: str, key: BundleKey) -> tuple[list[FileIndex] | None, dict[object, object]]:
    """(every file's index when the bundle was written for exactly ``key``, else None; the bundle's dicts by
    path, which still hold for the files that did not change)."""
    data = _read_bundle(bundle) if bundle else None
    if data is None:
        return None, {}
    if data[1] == key:
        return [FileIndex.from_dict(d) for d in data[2]], {}
    return None, {d.get("path"): d for d in data[2] if isinstance(d, dict)}


def _stat_all(paths: list[str]) -> tuple[dict[str, posix.stat_result], list[FileIndex]]:
    """The regular files of ``paths`` with their stat (each once, in order), and an error for anything else
    that exists (a pipe, a folder)."""
    stats: dict[str, posix.stat_result] = {}
    odd: list[FileIndex] = []
    for p in paths:
        if p in stats:
            continue
        try:
            st = posix.stat(p)
        except OSError:
            continue
        if (st.st_mode & S_IFMT) == S_IFREG:
            stats[p] = st
        else:
            odd.append(not_regular(p))
    return stats, odd


def _cached(stats: dict[str, posix.stat_result], index_dir: str,
            previous: dict[object, object]) -> dict[str, FileIndex | None]:
    """Each file's index from an older bundle (``previous``: path -> dict) or its own entry; None when stale."""
    return {p: _reuse(previous.get(p), st) or _read_entry(index_dir, p, st) for p, st in stats.items()}


def _bundle_path(index_dir: str, key: BundleKey) -> str:
    """Many files read together (a long KUBECONFIG, ls): one marshal file keyed by every file's stamp."""
    # A checksum of the file names, without importing binascii or zlib (0.4-0.5 ms): the bundle records its
    # own key, so two lists with the same name only take turns in one file.
    digest = int.from_bytes("\0".join(p for p, *_ in key).encode(), "big") % 4294967291
    return join(index_dir, f"bundle-{len(key)}-{digest:08x}.m")


def _read_bundle(bundle: str) -> tuple[Any, ...] | None:
    """(MAGIC, key, [FileIndex dicts]), whatever files it was written for; None when unusable."""
    try:
        with open(bundle, "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, tuple) or len(data) != 3 or data[0] != MAGIC or not isinstance(data[2], list):
        return None
    return data


def _reuse(d: object, st: posix.stat_result) -> FileIndex | None:
    """A FileIndex from a cached dict when its file still has the stamp it was indexed at."""
    if not isinstance(d, dict) or d.get("stamp") != parsecache.stamp(st):
        return None
    try:
        return FileIndex.from_dict(d)
    except TypeError:
        return None


def _write(path: str, value: tuple[str, dict[str, object]] | tuple[str, BundleKey, list[dict[str, object]]],
           index_dir: str) -> None:
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    try:
        ensure_private_dir(index_dir)
        # Atomic but not fsynced: after a crash an entry is at worst empty or missing, which reads as a miss.
        atomic_write(path, marshal.dumps(value), mode=0o600, durable=False)
    except OSError:
        pass  # a cache that cannot be written only costs speed


def _refresh(paths: list[str], index_dir: str) -> list[FileIndex]:
    """Index ``paths`` again: JSON files here, the others through the indexer (kctx/kubeconfig/refresh.py)."""
    out = []
    rest = []
    for p in paths:
        idx = index_json(p)
        if idx is None:
            rest.append(p)
        else:
            store(index_dir, idx)
            out.append(idx)
    if not rest:
        return out
    try:
        found: Any = parsecache.parse(INDEXER, [index_dir, *rest])  # unchecked: a wrong shape raises below
        return out + [FileIndex.from_dict(d) for d in found]
    except parsecache.ChildFailed as exc:
        return out + [FileIndex(path=p, error=f"{p}: cannot index: {exc}") for p in rest]
    except (TypeError, AttributeError):  # not a list of FileIndex dicts
        return out + [FileIndex(path=p, error=f"{p}: cannot index: the indexer gave no answer kctx knows")
                      for p in rest]


def index_json(path: str) -> FileIndex | None:
    """Index a JSON kubeconfig (our session files) without yaml; None when the file is not JSON."""
    try:
        file_stamp, raw = parsecache.read_file(path)
    except OSError:
        return None
    if not raw.lstrip().startswith(b"{"):
        return None
    from kctx.kubeconfig.extract import NotAKubeconfig, fill, json_doc

    try:
        doc = json_doc(raw)
        idx = FileIndex(path=path, stamp=file_stamp)
        fill(idx, doc, dirname(abspath(path)))
    except (ValueError, NotAKubeconfig):
        return None  # let the full parser produce the proper one-line error
    return idx


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

    def __init__(self, paths: list[str], index_dir: str) -> None:
        self._paths, self._index_dir = paths, index_dir
        self._loaded: list[FileIndex] = []
        self._seen: set[str] = set()
        self._pos = 0

    def __iter__(self) -> Iterator[FileIndex]:
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
            if (st.st_mode & S_IFMT) != S_IFREG:
                self._loaded.append(not_regular(p))
                return True
            hit = _read_entry(self._index_dir, p, st)
            if hit is None:  # stale: refresh the rest together (one child process at most)
                rest = [q for q in self._paths[self._pos - 1:] if q not in self._seen or q == p]
                self._loaded += load(rest, self._index_dir)
                self._pos = len(self._paths)
                return True
            self._loaded.append(hit)
            return True
        return False


def view(paths: list[str], index_dir: str, *, lazy: bool = False) -> View:
    if lazy:
        return View(LazyFiles(paths, index_dir))
    return View(load(paths, index_dir))
