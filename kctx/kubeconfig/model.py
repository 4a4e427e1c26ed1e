"""What kctx knows about one kubeconfig file, and the merged view over many (kubectl's rules).

Standard library only and cheap to import (plain classes, no dataclasses): the shim builds the merged
view from the index cache. The index holds names, references, server URLs and CA fingerprints, never
credentials.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, TypedDict

    from kctx.config import Config
    from kctx.kubeconfig.index import LazyFiles
    from kctx.util.parsecache import Stamp

    class ContextEntry(TypedDict, total=False):
        cluster: str
        user: str
        namespace: str
        protected: bool
        readonly: bool

    class ClusterEntry(TypedDict, total=False):
        server: str
        ca_sha256: str
        ca_file: str
        insecure: bool
        tls_server_name: str
        proxy_url: str
        protected: bool
        readonly: bool

    class UserEntry(TypedDict, total=False):
        auth: str
        expires: int  # seconds since the epoch when the credential stops working (absent: not known)
        expiring: str  # what expires: "client certificate" or "bearer token"
        exec: str  # the exec credential plugin's command

    class Entry(ContextEntry, ClusterEntry, UserEntry, total=False):
        """An entry of any section, as the View's lookups by section name see it."""

INDEX_FIELDS = ("path", "stamp", "current_context", "contexts", "clusters", "users", "error")


class FileIndex:
    """One file, as it was when ``stamp`` (kctx/util/parsecache.py; () when it could not be read) was taken:
    ``contexts`` name -> {cluster, user, namespace, protected};
    ``clusters`` name -> {server, ca_sha256, ca_file, insecure, tls_server_name, proxy_url, protected};
    ``users`` name -> {auth, expires, expiring, exec}; ``error`` is one line naming the file (and line) when it
    could not be used."""

    __slots__ = INDEX_FIELDS

    def __init__(self, path: str, stamp: Stamp | tuple[()] = (), current_context: str = "",
                 contexts: dict[str, ContextEntry] | None = None, clusters: dict[str, ClusterEntry] | None = None,
                 users: dict[str, UserEntry] | None = None, error: str = "") -> None:
        self.path, self.stamp = path, stamp
        self.current_context = current_context
        self.contexts: dict[str, ContextEntry] = contexts if contexts is not None else {}
        self.clusters: dict[str, ClusterEntry] = clusters if clusters is not None else {}
        self.users: dict[str, UserEntry] = users if users is not None else {}
        self.error = error

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in INDEX_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileIndex:
        return cls(**data)


class Context:
    __slots__ = ("name", "cluster", "user", "namespace", "file", "protected_mark")

    def __init__(self, name: str, cluster: str, user: str, namespace: str, file: str,
                 protected_mark: bool = False) -> None:
        self.name, self.cluster, self.user, self.namespace = name, cluster, user, namespace
        self.file, self.protected_mark = file, protected_mark


class Cluster:
    __slots__ = ("name", "server", "file", "ca_sha256", "ca_file", "insecure", "tls_server_name", "proxy_url",
                 "protected_mark")

    def __init__(self, name: str, entry: ClusterEntry, file: str) -> None:
        self.name, self.file = name, file
        self.server = entry.get("server", "")
        self.ca_sha256 = entry.get("ca_sha256", "")
        self.ca_file = entry.get("ca_file", "")
        self.insecure = bool(entry.get("insecure"))
        self.tls_server_name = entry.get("tls_server_name", "")
        self.proxy_url = entry.get("proxy_url", "")
        self.protected_mark = bool(entry.get("protected"))


class View:
    """The merge of several files: first file to set current-context wins, first definition of a name wins.

    Lookups by name scan the files in order and stop at the first hit, so the shim resolving one context
    among 1000 does not build the whole merge; listing builds it once, on demand.
    """

    def __init__(self, files: list[FileIndex] | LazyFiles) -> None:
        """``files``: a list of FileIndex, or an iterable that loads them lazily (index.LazyFiles)."""
        self._source = files
        self._cc: tuple[str, str] | None = None
        self._merged: dict[str, dict[str, tuple[Entry, str]]] | None = None
        # kctx.guard.protection's cache of what protected contexts use
        self._protected_uses: tuple[Config, tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]] | None = None

    @property
    def files(self) -> list[FileIndex]:
        src = self._source
        return src if isinstance(src, list) else src.all()

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.files if f.error]

    def _usable(self) -> Iterator[FileIndex]:
        return (f for f in self._source if not f.error)

    def _current(self) -> tuple[str, str]:
        if self._cc is None:
            self._cc = next(((f.current_context, f.path) for f in self._usable() if f.current_context), ("", ""))
        return self._cc

    @property
    def current_context(self) -> str:
        return self._current()[0]

    @property
    def current_context_file(self) -> str:
        return self._current()[1]

    def _find(self, section: str, name: str) -> tuple[Entry, str] | None:
        if self._merged is not None:
            return self._merged[section].get(name)
        for f in self._usable():
            entry = getattr(f, section).get(name)
            if entry is not None:
                return entry, f.path
        return None

    def _merge(self) -> dict[str, dict[str, tuple[Entry, str]]]:
        if self._merged is None:
            merged: dict[str, dict[str, tuple[Entry, str]]] = {"contexts": {}, "clusters": {}, "users": {}}
            for f in self._usable():
                for section, dst in merged.items():
                    for name, entry in getattr(f, section).items():
                        if name not in dst:
                            dst[name] = (entry, f.path)
            self._merged = merged
        return self._merged

    def context_names(self) -> list[str]:
        return list(self._merge()["contexts"])

    def definitions(self, section: str) -> Iterator[tuple[str, Entry, FileIndex]]:
        """Every entry of ``section`` in every usable file, also those a same-named entry earlier in the list
        hides from kubectl: what protects something must not vanish behind a shadow."""
        for f in self._usable():
            for name, entry in getattr(f, section).items():
                yield name, entry, f

    def cluster_names(self) -> list[str]:
        return list(self._merge()["clusters"])

    def user_names(self) -> list[str]:
        return list(self._merge()["users"])

    def has_context(self, name: str) -> bool:
        return self._find("contexts", name) is not None

    def context_marked(self, name: str) -> bool:
        """Cheaper than context(name).protected_mark when scanning many names."""
        hit = self._find("contexts", name)
        return bool(hit and hit[0].get("protected"))

    def cluster_marked(self, name: str) -> bool:
        """Like context_marked, for cluster entries."""
        hit = self._find("clusters", name)
        return bool(hit and hit[0].get("protected"))

    def marked_readonly(self, section: str, name: str) -> str:
        """The file that marks context or cluster (``section``: "contexts", "clusters") ``name`` read-only, or ""."""
        hit = self._find(section, name)
        return hit[1] if hit and hit[0].get("readonly") else ""

    def context(self, name: str) -> Context | None:
        hit = self._find("contexts", name)
        if hit is None:
            return None
        entry, path = hit
        return Context(name, entry.get("cluster", ""), entry.get("user", ""), entry.get("namespace", ""), path,
                       bool(entry.get("protected")))

    def cluster(self, name: str) -> Cluster | None:
        hit = self._find("clusters", name)
        return Cluster(name, hit[0], hit[1]) if hit else None

    def user_file(self, name: str) -> str | None:
        hit = self._find("users", name)
        return hit[1] if hit else None

    def user_auth(self, name: str) -> str:
        hit = self._find("users", name)
        return hit[0].get("auth", "none") if hit else "none"

    def user_entry(self, name: str) -> UserEntry:
        """The user's index entry (auth kind, expiry, exec plugin); empty when no file defines it."""
        hit = self._find("users", name)
        return hit[0] if hit else {}

    def contexts(self) -> list[Context]:
        return [c for c in (self.context(n) for n in self._merge()["contexts"]) if c is not None]

    def dangling(self, ctx: Context) -> str:
        """Why ``ctx`` cannot be used (empty when it can)."""
        for kind, name in (("cluster", ctx.cluster), ("user", ctx.user)):
            if name and self._find(kind + "s", name) is None:
                return f'{ctx.file}: context "{ctx.name}" refers to {kind} "{name}", which no kubeconfig file defines'
        return ""

    def files_for(self, cluster: str, user: str) -> list[str]:
        """The files kubectl needs for ``cluster`` and ``user``, in their original order."""
        hits = [hit[1] for hit in (self._find("clusters", cluster), self._find("users", user)) if hit]
        order = {f.path: i for i, f in enumerate(self._source) if f.path in hits}  # stops nowhere early: small
        return sorted(set(hits), key=order.__getitem__)
