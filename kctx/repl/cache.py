"""What completion knows. Filled by the refresher in the background, read by the completer on every key.

Readers never lock: writers build new values and swap them in whole (a dict or tuple assignment is
atomic under the GIL), so a completion sees either the old or the new list, never half of one.
"""

from __future__ import annotations

import time

NAMES_TTL = 30.0  # resource names older than this are fetched again when asked for (still shown meanwhile)


class CommandInfo:
    """One kubectl command path as the binary describes it (``__complete`` for names and descriptions,
    ``--help`` for which flags take a value)."""

    __slots__ = ("subcommands", "flags", "value_flags", "local_flags")

    def __init__(self, subcommands: dict[str, str] | None = None, flags: dict[str, str] | None = None,
                 value_flags: frozenset[str] = frozenset(), local_flags: frozenset[str] = frozenset()) -> None:
        self.subcommands = subcommands or {}
        self.flags = flags or {}
        self.value_flags = value_flags
        self.local_flags = local_flags

    def to_json(self) -> dict:
        return {"subcommands": self.subcommands, "flags": self.flags, "value_flags": sorted(self.value_flags),
                "local_flags": sorted(self.local_flags)}

    @classmethod
    def from_json(cls, data: dict) -> CommandInfo:
        return cls(dict(data.get("subcommands") or {}), dict(data.get("flags") or {}),
                   frozenset(data.get("value_flags") or ()), frozenset(data.get("local_flags") or ()))


class ResourceType:
    """A row of ``kubectl api-resources``. ``name`` is what completion inserts: the plural, or
    ``plural.group`` when another group uses the same plural (events / events.events.k8s.io)."""

    __slots__ = ("name", "plural", "group", "short", "kind", "namespaced")

    def __init__(self, name: str, plural: str, group: str, short: tuple[str, ...], kind: str,
                 namespaced: bool) -> None:
        self.name, self.plural, self.group, self.short = name, plural, group, short
        self.kind, self.namespaced = kind, namespaced

    def spellings(self) -> set[str]:
        """Every way kubectl accepts this type on the command line (lower case)."""
        out = {self.name, self.plural, self.kind.lower(), *self.short}
        if self.group:
            out |= {f"{self.plural}.{self.group}", f"{self.kind.lower()}.{self.group}"}
        return out

    def to_json(self) -> list:
        return [self.name, self.plural, self.group, list(self.short), self.kind, self.namespaced]

    @classmethod
    def from_json(cls, row: list) -> ResourceType:
        return cls(str(row[0]), str(row[1]), str(row[2]), tuple(row[3]), str(row[4]), bool(row[5]))


class ClusterData:
    """What one API server told us. Persisted per server URL so a new shell can complete at once."""

    def __init__(self, server: str = "") -> None:
        self.server = server
        self.types: tuple[ResourceType, ...] | None = None
        self._by_spelling: dict[str, ResourceType] = {}
        self.namespaces: tuple[str, ...] | None = None
        self.names: dict[tuple[str, str], tuple[tuple[str, ...], float]] = {}
        self.reachable: bool | None = None  # None: not asked yet
        self.error = ""  # the last failure, one line
        self.checked_at = 0.0

    def set_types(self, types: list[ResourceType]) -> None:
        spell: dict[str, ResourceType] = {}
        for t in types:
            for s in t.spellings():
                spell.setdefault(s, t)
        self._by_spelling = spell
        self.types = tuple(types)

    def resolve_type(self, word: str) -> ResourceType | None:
        return self._by_spelling.get(word.lower())

    def names_key(self, type_word: str, namespace: str) -> tuple[str, str]:
        """One cache entry for po/pod/pods; cluster-scoped types ignore the namespace."""
        t = self.resolve_type(type_word)
        if t is None:
            return (namespace, type_word.lower())
        return (namespace if t.namespaced else "", t.name)

    def get_names(self, type_word: str, namespace: str) -> tuple[tuple[str, ...] | None, bool]:
        """(names or None when never fetched, whether they are stale)."""
        hit = self.names.get(self.names_key(type_word, namespace))
        if hit is None:
            return None, True
        return hit[0], time.time() - hit[1] > NAMES_TTL

    def put_names(self, type_word: str, namespace: str, names: list[str]) -> None:
        new = dict(self.names)
        new[self.names_key(type_word, namespace)] = (tuple(names), time.time())
        self.names = new

    def stale_names(self) -> None:
        """After a write: keep showing what we had, but fetch again when asked."""
        self.names = {k: (v[0], 0.0) for k, v in self.names.items()}

    def to_json(self) -> dict:
        return {"server": self.server, "types": [t.to_json() for t in self.types or ()],
                "namespaces": list(self.namespaces or ())}

    @classmethod
    def from_json(cls, data: dict) -> ClusterData:
        c = cls(str(data.get("server") or ""))
        if data.get("types"):
            c.set_types([ResourceType.from_json(r) for r in data["types"]])
        if data.get("namespaces"):
            c.namespaces = tuple(str(n) for n in data["namespaces"])
        return c


class Cache:
    """Everything the completer reads. ``commands`` comes from the kubectl binary, ``cluster`` from the
    current context's server, the rest from the kubeconfig view and the session."""

    def __init__(self) -> None:
        self.commands: dict[tuple[str, ...], CommandInfo] = {}
        self.flag_values: dict[tuple[tuple[str, ...], str], tuple[tuple[str, str], ...]] = {}
        self.cluster = ClusterData()
        self.contexts: tuple[str, ...] = ()
        self.clusters: tuple[str, ...] = ()
        self.users: tuple[str, ...] = ()
        self.namespace = "default"

    def command(self, path: tuple[str, ...]) -> CommandInfo | None:
        return self.commands.get(path)

    def put_command(self, path: tuple[str, ...], info: CommandInfo) -> None:
        new = dict(self.commands)
        new[path] = info
        self.commands = new

    def put_flag_values(self, path: tuple[str, ...], flag: str, values: list[tuple[str, str]]) -> None:
        new = dict(self.flag_values)
        new[(path, flag)] = tuple(values)
        self.flag_values = new
