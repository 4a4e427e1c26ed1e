"""What kctx knows about one kubeconfig file, and the merged view over many (kubectl's rules).

Standard library only and cheap to import (plain classes, no dataclasses): the shim builds the merged
view from the index cache. The index holds names, references, server URLs and CA fingerprints, never
credentials.
"""

from __future__ import annotations

INDEX_FIELDS = ("path", "mtime_ns", "size", "ino", "current_context", "contexts", "clusters", "users", "error")


class FileIndex:
    """One file: ``contexts`` name -> {cluster, user, namespace, protected};
    ``clusters`` name -> {server, ca_sha256, ca_file, insecure, tls_server_name, proxy_url, protected};
    ``users`` name -> {auth}; ``error`` is one line naming the file (and line) when it could not be used."""

    __slots__ = INDEX_FIELDS

    def __init__(self, path: str, mtime_ns: int = 0, size: int = 0, ino: int = 0, current_context: str = "",
                 contexts: dict | None = None, clusters: dict | None = None, users: dict | None = None,
                 error: str = "") -> None:
        self.path, self.mtime_ns, self.size, self.ino = path, mtime_ns, size, ino
        self.current_context = current_context
        self.contexts: dict[str, dict] = contexts if contexts is not None else {}
        self.clusters: dict[str, dict] = clusters if clusters is not None else {}
        self.users: dict[str, dict] = users if users is not None else {}
        self.error = error

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in INDEX_FIELDS}

    @classmethod
    def from_dict(cls, data: dict) -> FileIndex:
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

    def __init__(self, name: str, entry: dict, file: str) -> None:
        self.name, self.file = name, file
        self.server = entry.get("server", "")
        self.ca_sha256 = entry.get("ca_sha256", "")
        self.ca_file = entry.get("ca_file", "")
        self.insecure = bool(entry.get("insecure"))
        self.tls_server_name = entry.get("tls_server_name", "")
        self.proxy_url = entry.get("proxy_url", "")
        self.protected_mark = bool(entry.get("protected"))


class View:
    """The merge of several files: first file to set current-context wins, first definition of a name wins."""

    def __init__(self, files: list[FileIndex]) -> None:
        self.files = files
        self.current_context = ""
        self.current_context_file = ""
        self._contexts: dict[str, tuple[dict, str]] = {}
        self._clusters: dict[str, tuple[dict, str]] = {}
        self._users: dict[str, tuple[dict, str]] = {}
        self.errors = [f.error for f in files if f.error]
        for f in files:
            if f.error:
                continue
            if f.current_context and not self.current_context:
                self.current_context, self.current_context_file = f.current_context, f.path
            for src, dst in ((f.contexts, self._contexts), (f.clusters, self._clusters), (f.users, self._users)):
                for name, entry in src.items():
                    if name not in dst:
                        dst[name] = (entry, f.path)

    def context_names(self) -> list[str]:
        return list(self._contexts)

    def has_context(self, name: str) -> bool:
        return name in self._contexts

    def context(self, name: str) -> Context | None:
        hit = self._contexts.get(name)
        if hit is None:
            return None
        entry, path = hit
        return Context(name, entry.get("cluster", ""), entry.get("user", ""), entry.get("namespace", ""), path,
                       bool(entry.get("protected")))

    def cluster(self, name: str) -> Cluster | None:
        hit = self._clusters.get(name)
        return Cluster(name, hit[0], hit[1]) if hit else None

    def user_file(self, name: str) -> str | None:
        hit = self._users.get(name)
        return hit[1] if hit else None

    def user_auth(self, name: str) -> str:
        hit = self._users.get(name)
        return hit[0].get("auth", "none") if hit else "none"

    def contexts(self) -> list[Context]:
        return [c for c in (self.context(n) for n in self._contexts) if c is not None]

    def dangling(self, ctx: Context) -> str:
        """Why ``ctx`` cannot be used (empty when it can)."""
        for kind, name, known in (("cluster", ctx.cluster, self._clusters), ("user", ctx.user, self._users)):
            if name and name not in known:
                return f'{ctx.file}: context "{ctx.name}" refers to {kind} "{name}", which no kubeconfig file defines'
        return ""

    def files_for(self, cluster: str, user: str) -> list[str]:
        """The files kubectl needs for ``cluster`` and ``user``, in their original order."""
        needed = set()
        if cluster in self._clusters:
            needed.add(self._clusters[cluster][1])
        if user in self._users:
            needed.add(self._users[user][1])
        return [f.path for f in self.files if f.path in needed]
