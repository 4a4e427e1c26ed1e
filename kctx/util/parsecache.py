"""Parsed files kept with marshal, so the shim can use a YAML file without importing yaml.

One cache file holds the last few files of one kind (kctx's config, kuberc files), each under its path
with the (path, mtime_ns, size, inode) it was parsed at: an entry for a file that changed since is never
returned. Several entries, so that calls that alternate files (KCTX_CONFIG or KUBERC set per project) do
not parse again each time. Hot path: marshal and builtins only.
"""

from __future__ import annotations

import marshal

KEEP = 8  # files remembered per cache


def lookup(cache: str, magic: str, key: tuple) -> object | None:
    """The value stored for ``key`` (its first item is the path), or None."""
    entry = _entries(cache, magic).get(key[0])
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key:
        return entry[1]
    return None


def store(cache: str, magic: str, key: tuple, value: object) -> None:
    """Remember ``value`` for ``key``, dropping the oldest entries beyond KEEP. A cache that cannot be
    written only means parsing again next time."""
    from kctx.util.fastos import dirname
    from kctx.util.fsutil import atomic_write, ensure_private_dir

    entries = _entries(cache, magic)
    entries.pop(key[0], None)
    while len(entries) >= KEEP:
        entries.pop(next(iter(entries)))
    entries[key[0]] = (key, value)
    try:
        ensure_private_dir(dirname(cache))
        atomic_write(cache, marshal.dumps((magic, entries)), mode=0o600)
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        pass


def _entries(cache: str, magic: str) -> dict:
    try:
        with open(cache, "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if isinstance(data, tuple) and len(data) == 2 and data[0] == magic and isinstance(data[1], dict):
        return data[1]
    return {}
