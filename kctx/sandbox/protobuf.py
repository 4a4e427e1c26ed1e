"""Decode the Kubernetes protobuf bodies kubectl's typed clients send (`kubectl create configmap`, ...).

kubectl's built-in clients POST `application/vnd.kubernetes.protobuf` and have no JSON fallback,
so the sandbox reads the fields those commands emit for the kinds it serves. Field numbers are
those of the published k8s.io/api protobuf definitions. Zero values of non-pointer fields are
dropped, like JSON's omitempty. An unknown field with a non-zero value is refused (415) rather
than silently lost.
"""

from __future__ import annotations

import base64
from typing import Any

from kctx.sandbox.errors import ApiError
from kctx.sandbox.protowire import LENGTH, fields, signed

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

# Field kinds: "str", "int", "bool", "bytes", "intstr", "skip", "map:<kind>", or a message name.
# A trailing "[]" means repeated; a leading "*" means a pointer field, whose zero value is kept.
Field = tuple[str, str]
SCHEMAS: dict[str, dict[int, Field]] = {
    "TypeMeta": {1: ("apiVersion", "str"), 2: ("kind", "str")},
    "ObjectMeta": {
        1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"), 4: ("selfLink", "skip"),
        5: ("uid", "str"), 6: ("resourceVersion", "str"), 7: ("generation", "int"),
        8: ("creationTimestamp", "skip"), 9: ("deletionTimestamp", "skip"),
        11: ("labels", "map:str"), 12: ("annotations", "map:str"), 14: ("finalizers", "str[]"),
        17: ("managedFields", "skip"),
    },
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map:str"), 3: ("binaryData", "map:bytes"),
                  4: ("immutable", "*bool")},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"), 3: ("status", "skip")},
    "NamespaceSpec": {1: ("finalizers", "str[]")},
    "Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec"), 3: ("status", "skip")},
    "DeploymentSpec": {
        1: ("replicas", "*int"), 2: ("selector", "LabelSelector"), 3: ("template", "PodTemplateSpec"),
        4: ("strategy", "DeploymentStrategy"), 5: ("minReadySeconds", "int"),
        6: ("revisionHistoryLimit", "*int"), 7: ("paused", "bool"), 9: ("progressDeadlineSeconds", "*int"),
    },
    "DeploymentStrategy": {1: ("type", "str"), 2: ("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", "intstr"), 2: ("maxSurge", "intstr")},
    "LabelSelector": {1: ("matchLabels", "map:str"), 2: ("matchExpressions", "LabelSelectorRequirement[]")},
    "LabelSelectorRequirement": {1: ("key", "str"), 2: ("operator", "str"), 3: ("values", "str[]")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {
        2: ("containers", "Container[]"), 3: ("restartPolicy", "str"),
        4: ("terminationGracePeriodSeconds", "*int"), 6: ("dnsPolicy", "str"), 7: ("nodeSelector", "map:str"),
        8: ("serviceAccountName", "str"), 9: ("serviceAccount", "skip"), 10: ("nodeName", "str"),
        11: ("hostNetwork", "bool"), 12: ("hostPID", "bool"), 13: ("hostIPC", "bool"),
        16: ("hostname", "str"), 17: ("subdomain", "str"), 19: ("schedulerName", "str"),
        20: ("initContainers", "Container[]"), 24: ("priorityClassName", "str"),
    },
    "Container": {
        1: ("name", "str"), 2: ("image", "str"), 3: ("command", "str[]"), 4: ("args", "str[]"),
        5: ("workingDir", "str"), 6: ("ports", "ContainerPort[]"), 7: ("env", "EnvVar[]"),
        8: ("resources", "ResourceRequirements"), 13: ("terminationMessagePath", "str"),
        14: ("imagePullPolicy", "str"), 16: ("stdin", "bool"), 17: ("stdinOnce", "bool"), 18: ("tty", "bool"),
        20: ("terminationMessagePolicy", "str"),
    },
    "ContainerPort": {1: ("name", "str"), 2: ("hostPort", "int"), 3: ("containerPort", "int"),
                      4: ("protocol", "str"), 5: ("hostIP", "str")},
    "EnvVar": {1: ("name", "str"), 2: ("value", "str")},
    "ResourceRequirements": {1: ("limits", "map:quantity"), 2: ("requests", "map:quantity")},
    # `kubectl auth can-i` (authorization.k8s.io/v1)
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec"),
                                3: ("status", "skip")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"),
                                    2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "str"), 2: ("verb", "str"), 3: ("group", "str"), 4: ("version", "str"),
                           5: ("resource", "str"), 6: ("subresource", "str"), 7: ("name", "str"),
                           8: ("fieldSelector", "skip"), 9: ("labelSelector", "skip")},
    "NonResourceAttributes": {1: ("path", "str"), 2: ("verb", "str")},
}
_TOP_LEVEL = ("ConfigMap", "Namespace", "Deployment", "SelfSubjectAccessReview")


def decode(body: bytes) -> dict[str, Any]:
    """A JSON-shaped object from a `k8s\\0`-prefixed protobuf envelope."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "protobuf body lacks the k8s envelope")
    # The envelope is runtime.Unknown: 1 = TypeMeta, 2 = the object's own encoding.
    parts = {number: raw for number, _, raw in fields(body[len(MAGIC):])}
    type_meta = _message("TypeMeta", _bytes(parts.get(1, b"")))
    kind = type_meta.get("kind", "")
    if kind not in _TOP_LEVEL:
        raise ApiError(415, f"the kctx sandbox cannot decode {kind or 'this kind'} from protobuf; "
                            "send JSON instead")
    obj = _message(kind, _bytes(parts.get(2, b"")))
    return {"apiVersion": type_meta.get("apiVersion", ""), "kind": kind, **obj}


def _message(name: str, data: bytes) -> dict[str, Any]:
    schema, out = SCHEMAS[name], {}
    for number, wire, raw in fields(data):
        if number not in schema:
            if raw:  # zero-valued unknowns are just always-emitted defaults
                raise ApiError(415, f"the kctx sandbox cannot decode protobuf field {number} of {name}; "
                                    "send JSON instead")
            continue
        key, kind = schema[number]
        if kind == "skip":
            continue
        repeated = kind.endswith("[]")
        value = _value(kind.removesuffix("[]"), wire, raw)
        if repeated:
            out.setdefault(key, []).append(value)
        elif kind.startswith("map:"):
            out.setdefault(key, {}).update([value])
        else:
            out[key] = value
    return {k: v for k, v in out.items() if _keep(schema, k, v)}


def _keep(schema: dict[int, Field], key: str, value: Any) -> bool:
    pointer = any(k == key and kind.startswith("*") for k, kind in schema.values())
    return pointer or value not in ("", 0, False, None, {}, [])


def _value(kind: str, wire: int, raw: int | bytes) -> Any:
    kind = kind.removeprefix("*")
    if kind.startswith("map:"):
        return _map_entry(kind[4:], raw)
    if kind == "int":
        return signed(_int(raw))
    if kind == "bool":
        return bool(_int(raw))
    if kind == "str":
        return _bytes(raw).decode()
    if kind == "bytes":
        return base64.b64encode(_bytes(raw)).decode()  # JSON carries bytes as base64
    if kind == "intstr":
        return _int_or_string(_bytes(raw))
    if kind == "quantity":
        return _quantity(_bytes(raw))
    if wire != LENGTH:
        raise ApiError(400, f"protobuf field for {kind} is not a message")
    return _message(kind, _bytes(raw))


def _map_entry(kind: str, raw: int | bytes) -> tuple[str, Any]:
    key, value = "", "" if kind != "quantity" else "0"
    for number, wire, item in fields(_bytes(raw)):
        if number == 1:
            key = _bytes(item).decode()
        elif number == 2:
            value = _value(kind, wire, item)
    return key, value


def _int_or_string(data: bytes) -> int | str:
    parts = {n: v for n, _, v in fields(data)}
    if parts.get(1, 0) == 1:
        return _bytes(parts.get(3, b"")).decode()
    return signed(_int(parts.get(2, 0)))


def _quantity(data: bytes) -> str:
    parts = {n: v for n, _, v in fields(data)}
    return _bytes(parts.get(1, b"")).decode() or "0"


def _int(raw: int | bytes) -> int:
    if not isinstance(raw, int):
        raise ApiError(400, "protobuf field expected a number")
    return raw


def _bytes(raw: int | bytes) -> bytes:
    if not isinstance(raw, bytes):
        raise ApiError(400, "protobuf field expected bytes")
    return raw
