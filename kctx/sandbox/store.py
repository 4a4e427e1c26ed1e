"""One cluster's objects in memory, with a single resourceVersion counter and an event log for watches."""

from __future__ import annotations

import copy
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from kctx.sandbox.errors import ApiError, already_exists, conflict, not_found
from kctx.sandbox.resources import Resource

Obj = dict[str, Any]
Key = tuple[str, str, str]  # (plural, namespace or "", name)

# Watches may resume from any of the last this-many events; older ones answer 410 Gone.
_EVENT_HISTORY = 5000


@dataclass(frozen=True)
class Event:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    plural: str
    obj: Obj


def timestamp(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))


class Store:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._objects: dict[Key, Obj] = {}
        self._events: list[Event] = []
        self._rv = 0

    @property
    def resource_version(self) -> int:
        with self.cond:
            return self._rv

    def _key(self, res: Resource, ns: str, name: str) -> Key:
        return (res.plural, ns if res.namespaced else "", name)

    def _record(self, kind: str, res: Resource, obj: Obj) -> Obj:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._events.append(Event(self._rv, kind, res.plural, copy.deepcopy(obj)))
        del self._events[:-_EVENT_HISTORY]
        self.cond.notify_all()
        return copy.deepcopy(obj)

    def get(self, res: Resource, ns: str, name: str) -> Obj:
        with self.cond:
            obj = self._objects.get(self._key(res, ns, name))
            if obj is None:
                raise not_found(res.plural, name, res.group)
            return copy.deepcopy(obj)

    def exists(self, res: Resource, ns: str, name: str) -> bool:
        with self.cond:
            return self._key(res, ns, name) in self._objects

    def list(self, res: Resource, ns: str | None) -> tuple[list[Obj], int]:
        """Objects of ``res`` (in ``ns`` unless None), sorted by namespace/name, and the list's rv."""
        with self.cond:
            items = [copy.deepcopy(o) for (plural, o_ns, _), o in sorted(self._objects.items())
                     if plural == res.plural and (ns is None or not res.namespaced or o_ns == ns)]
            return items, self._rv

    def create(self, res: Resource, ns: str, obj: Obj) -> Obj:
        meta = obj["metadata"]
        with self.cond:
            key = self._key(res, ns, meta["name"])
            if key in self._objects:
                raise already_exists(res.plural, meta["name"], res.group)
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=timestamp())
            meta.pop("resourceVersion", None)
            self._objects[key] = obj
            return self._record("ADDED", res, obj)

    def update(self, res: Resource, ns: str, obj: Obj, expect_rv: str | None = None) -> Obj:
        """Replace an existing object, keeping its identity; ``expect_rv`` enables optimistic locking."""
        meta = obj["metadata"]
        with self.cond:
            key = self._key(res, ns, meta["name"])
            current = self._objects.get(key)
            if current is None:
                raise not_found(res.plural, meta["name"], res.group)
            if expect_rv and expect_rv != current["metadata"]["resourceVersion"]:
                raise conflict(res.plural, meta["name"], res.group)
            for field in ("uid", "creationTimestamp", "resourceVersion"):
                meta[field] = current["metadata"][field]
            if obj == current:
                return copy.deepcopy(current)  # no-op writes don't bump the resourceVersion
            self._objects[key] = obj
            return self._record("MODIFIED", res, obj)

    def delete(self, res: Resource, ns: str, name: str) -> Obj:
        with self.cond:
            obj = self._objects.pop(self._key(res, ns, name), None)
            if obj is None:
                raise not_found(res.plural, name, res.group)
            return self._record("DELETED", res, obj)

    def events_after(self, rv: int) -> list[Event]:
        with self.cond:
            if rv > self._rv:  # e.g. a resourceVersion from another cluster; the client relists
                raise ApiError(504, f"Too large resource version: {rv}, current: {self._rv}", "Timeout")
            if self._events and rv < self._events[0].rv - 1:
                raise ApiError(410, f"too old resource version: {rv} ({self._events[0].rv - 1})",
                               "Expired")
            return [e for e in self._events if e.rv > rv]
