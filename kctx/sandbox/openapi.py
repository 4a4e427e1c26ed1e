"""Just enough OpenAPI v3 for kubectl's create/apply validation; no schemas.

kubectl's `--validate=strict` (the default) reads /openapi/v3 to learn whether the server checks
fields itself (a `fieldValidation` query parameter on the PATCH operation for the kind). With
both v3 and v2 missing it refuses to send the object. We advertise the parameter, so kubectl
leaves validation to the server (the sandbox accepts any fields). The PATCH operations do not list
strategic-merge-patch, so client-side apply computes its patch from kubectl's compiled-in types.
/openapi/v2 is an empty protobuf document (no paths, no definitions): kubectl 1.27 and 1.28
fetch it for `edit` and `create --edit` and give up when it is missing; an empty one makes them
fall back to their compiled-in types, as newer releases do with the schema-less v3.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from kctx.sandbox.errors import ApiError
from kctx.sandbox.resources import GROUPS, Resource, in_group_version

_CONTENT = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def document(path: str) -> dict[str, Any]:
    """The /openapi/v3 index or one group-version document (the ?hash= is only a cache key)."""
    if path == "/openapi/v3":
        return _root()
    key = path.removeprefix("/openapi/v3/")
    if key in _docs():
        return _docs()[key][0]
    raise ApiError(404, "the server could not find the requested resource")


V2_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def v2_document() -> bytes:
    """An openapi_v2.Document with only `swagger: "2.0"` and an info block, protobuf-encoded."""
    def string(number: int, text: str) -> bytes:
        data = text.encode()
        return bytes([number << 3 | 2, len(data)]) + data
    info = string(1, "kctx sandbox") + string(2, "unversioned")
    return string(1, "2.0") + bytes([2 << 3 | 2, len(info)]) + info


def _gv_key(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


@cache
def _docs() -> dict[str, tuple[dict[str, Any], str]]:
    docs = {}
    for group, versions in GROUPS.items():
        for version in versions:
            doc = _gv_doc(group, version)
            digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()
            docs[_gv_key(group, version)] = (doc, digest)
    return docs


def _root() -> dict[str, Any]:
    return {"paths": {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
                      for key, (_, digest) in _docs().items()}}


def _gv_doc(group: str, version: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for res in in_group_version(group, version):
        base = f"/{_gv_key(group, version)}"
        scope = f"{base}/namespaces/{{namespace}}" if res.namespaced else base
        paths[f"{scope}/{res.plural}"] = {"post": _operation(res, "post", None)}
        paths[f"{scope}/{res.plural}/{{name}}"] = {"patch": _operation(res, "patch", _CONTENT)}
    return {"openapi": "3.0.0", "info": {"title": "kctx sandbox", "version": "unversioned"},
            "paths": paths, "components": {"schemas": {}}}


def _operation(res: Resource, action: str, content: tuple[str, ...] | None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{action}{res.kind}",
        "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in _QUERY_PARAMS],
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": res.group, "version": res.version, "kind": res.kind},
    }
    if content:
        op["requestBody"] = {"content": {c: {"schema": {"type": "object"}} for c in content}}
    return op
