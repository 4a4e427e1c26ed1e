"""meta.k8s.io/v1 Table responses: the server decides the columns `kubectl get` prints."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from typing import Any

from kctx.sandbox.store import Obj

Column = tuple[str, str, int, Callable[[Obj], Any]]  # (name, type, priority, cell)


def human_age(created: str, now: float | None = None) -> str:
    try:
        then = calendar.timegm(time.strptime(created, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return "<unknown>"
    s = max(0, int((time.time() if now is None else now) - then))
    if s < 120:
        return f"{s}s"
    m, h, d = s // 60, s // 3600, s // 86400
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if h < 3:
        return f"{m}m"
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    return f"{h}h" if h < 48 else f"{d}d"


def _age(obj: Obj) -> str:
    return human_age(obj["metadata"].get("creationTimestamp", ""))


def _name(obj: Obj) -> str:
    return obj["metadata"]["name"]


def _pod_ready(obj: Obj) -> str:
    statuses = obj.get("status", {}).get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    return f"{ready}/{len(obj.get('spec', {}).get('containers') or [])}"


def _pod_restarts(obj: Obj) -> int:
    return sum(s.get("restartCount", 0) for s in obj.get("status", {}).get("containerStatuses") or [])


def _deploy_ready(obj: Obj) -> str:
    status = obj.get("status", {})
    return f"{status.get('readyReplicas', 0)}/{obj.get('spec', {}).get('replicas', 1)}"


def _containers(obj: Obj) -> list[dict[str, Any]]:
    return obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []


def _selector(obj: Obj) -> str:
    labels = obj.get("spec", {}).get("selector", {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


NAME: Column = ("Name", "string", 0, _name)
AGE: Column = ("Age", "string", 0, _age)

COLUMNS: dict[str, list[Column]] = {
    "namespaces": [NAME, ("Status", "string", 0, lambda o: o.get("status", {}).get("phase", "")), AGE],
    "pods": [
        NAME, ("Ready", "string", 0, _pod_ready),
        ("Status", "string", 0, lambda o: o.get("status", {}).get("phase", "")),
        ("Restarts", "integer", 0, _pod_restarts), AGE,
        ("IP", "string", 1, lambda o: o.get("status", {}).get("podIP", "<none>")),
        ("Node", "string", 1, lambda o: o.get("spec", {}).get("nodeName", "<none>")),
    ],
    "configmaps": [NAME, ("Data", "integer", 0, lambda o: len(o.get("data") or {})
                          + len(o.get("binaryData") or {})), AGE],
    "deployments": [
        NAME, ("Ready", "string", 0, _deploy_ready),
        ("Up-to-date", "integer", 0, lambda o: o.get("status", {}).get("updatedReplicas", 0)),
        ("Available", "integer", 0, lambda o: o.get("status", {}).get("availableReplicas", 0)), AGE,
        ("Containers", "string", 1, lambda o: ",".join(c.get("name", "") for c in _containers(o))),
        ("Images", "string", 1, lambda o: ",".join(c.get("image", "") for c in _containers(o))),
        ("Selector", "string", 1, _selector),
    ],
}


def _row_object(obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def table(plural: str, objs: list[Obj], rv: int, include: str = "Metadata") -> Obj:
    columns = COLUMNS.get(plural, [NAME, AGE])
    rows = []
    for obj in objs:
        row: Obj = {"cells": [cell(obj) for _, _, _, cell in columns]}
        if (partial := _row_object(obj, include)) is not None:
            row["object"] = partial
        rows.append(row)
    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": str(rv)},
        "columnDefinitions": [{"name": n, "type": t, "format": "name" if n == "Name" else "",
                               "description": "", "priority": p} for n, t, p, _ in columns],
        "rows": rows,
    }
