"""Server-side defaults and made-up status, so objects look plausible in `kubectl get` output."""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from kctx.sandbox.store import Obj, timestamp

NODE = "sandbox-node"


def apply_defaults(plural: str, obj: Obj) -> Obj:
    fn = _DEFAULTERS.get(plural)
    if fn is not None:
        fn(obj)
    return obj


def _namespace(obj: Obj) -> None:
    name = obj["metadata"]["name"]
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj["status"] = {"phase": "Active"}


def _pod_spec(spec: dict[str, Any]) -> None:
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for port in container.get("ports") or []:
            port.setdefault("protocol", "TCP")


def _pod(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    _pod_spec(spec)
    spec.setdefault("nodeName", NODE)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("securityContext", {})  # kubectl debug (1.33+) reads it and fails when it is absent
    containers = spec.get("containers") or []
    started = obj.get("status", {}).get("startTime") or timestamp()
    ip = fake_ip(obj["metadata"]["name"])
    obj["status"] = {
        "phase": "Running",
        "hostIP": "127.0.0.1",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": started,
        "conditions": [{"type": t, "status": "True"} for t in ("Initialized", "Ready", "PodScheduled")],
        "containerStatuses": [_container_status(c, started) for c in containers],
    }


def _container_status(container: dict[str, Any], started: str) -> dict[str, Any]:
    return {"name": container.get("name", ""), "image": container.get("image", ""), "ready": True,
            "restartCount": 0, "started": True, "state": {"running": {"startedAt": started}}}


def _deployment(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("strategy", {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _pod_spec(spec.get("template", {}).get("spec") or {})
    replicas = spec["replicas"]
    # The fake controller makes every replica ready at once, so the status is always "done".
    obj["status"] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas,
        "availableReplicas": replicas,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        ],
    }
    if not replicas:
        for key in ("readyReplicas", "availableReplicas"):
            obj["status"].pop(key)


_DEFAULTERS = {"namespaces": _namespace, "pods": _pod, "deployments": _deployment}


def fake_ip(name: str) -> str:
    n = zlib.crc32(name.encode())
    return f"10.244.{(n >> 8) & 0xFF}.{n & 0xFF or 1}"


def template_hash(template: Any) -> str:
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
