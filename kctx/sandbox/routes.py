"""Map one HTTP request to a response; independent of sockets so it can be read (and tested) alone."""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from typing import Any, Protocol

from kctx.sandbox import discovery, openapi, protobuf, tables
from kctx.sandbox.api import ClusterApi, decode_patch, patch_function
from kctx.sandbox.errors import ApiError, status_body
from kctx.sandbox.resources import GROUPS, Resource, lookup
from kctx.sandbox.store import Obj

JSON = "application/json"
TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"
PARTIAL_TYPE = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
REFUSED = ("exec", "attach", "portforward")
# Proxy subresources, refused like exec: the path after them is the proxied one (.../pods/x/proxy/metrics).
PROXIED = ("pods", "services", "nodes")
SELF_REVIEW = "/apis/authentication.k8s.io/"
ACCESS_REVIEW = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


class ClusterView(Protocol):
    name: str
    version: str
    user: str
    api: ClusterApi
    address: str  # host:port
    denied: set[tuple[str, str]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: Any
    content_type: str = JSON


@dataclass
class WatchPlan:
    """A watch the HTTP layer streams; routing only decides what to watch and how to render it."""
    resource: Resource
    namespace: str | None
    query: dict[str, str]
    table: bool


@dataclass
class Target:
    resource: Resource
    namespace: str | None
    name: str | None
    sub: str | None


def _not_found() -> ApiError:
    return ApiError(404, "the server could not find the requested resource")


def handle(cluster: ClusterView, req: Request) -> Response | WatchPlan:
    try:
        return _route(cluster, req)
    except ApiError as err:
        return Response(err.code, err.status())
    except Exception as err:  # a sandbox bug: answer like an apiserver would, and leave a trace
        traceback.print_exc()
        return Response(500, ApiError(500, f"kctx sandbox internal error: {err!r}").status())


def _route(cluster: ClusterView, req: Request) -> Response | WatchPlan:
    path = req.path.rstrip("/") or "/"
    if path in ("/healthz", "/livez", "/readyz"):
        return Response(200, b"ok", "text/plain; charset=utf-8")
    if path == "/version":
        return Response(200, discovery.version_info(cluster.version))
    if path == "/openapi/v2" and "protobuf" in req.headers.get("accept", ""):
        return Response(200, openapi.v2_document(), openapi.V2_TYPE)
    if path.startswith("/openapi/"):
        return Response(200, openapi.document(path))
    if path.startswith(SELF_REVIEW) and path.endswith("/selfsubjectreviews") and req.method == "POST":
        return _self_review(cluster, path)
    if path == ACCESS_REVIEW and req.method == "POST":
        return _access_review(cluster, req)
    parts = path.strip("/").split("/")
    if parts[0] == "api":
        return _core(cluster, req, parts[1:])
    if parts[0] == "apis":
        return _named(cluster, req, parts[1:])
    raise _not_found()


def _self_review(cluster: ClusterView, path: str) -> Response:
    """`kubectl auth whoami`: the one user a sandbox cluster authenticates (v1, v1beta1 or v1alpha1)."""
    version = path[len(SELF_REVIEW):].split("/")[0]
    if version not in ("v1", "v1beta1", "v1alpha1"):
        raise _not_found()
    return Response(201, {
        "kind": "SelfSubjectReview", "apiVersion": f"authentication.k8s.io/{version}",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": {"username": cluster.user, "groups": ["system:masters", "system:authenticated"]}},
    })


def _access_review(cluster: ClusterView, req: Request) -> Response:
    """`kubectl auth can-i`: allowed unless the test said otherwise (Sandbox.set_denied)."""
    review = _json_body(req)
    spec = review.get("spec") if isinstance(review, dict) else None
    if not isinstance(spec, dict):
        raise ApiError(400, "expected a SelfSubjectAccessReview")
    attrs = spec.get("resourceAttributes") or spec.get("nonResourceAttributes") or {}
    verb, resource = str(attrs.get("verb", "")), str(attrs.get("resource", attrs.get("path", "")))
    no = any(v in (verb, "*") and r in (resource, "*") for v, r in cluster.denied)
    review["status"] = {"allowed": not no, **({"reason": "denied by the sandbox"} if no else {})}
    return Response(201, review)


def _discovery(req: Request, legacy_core: bool, plain: Any) -> Response:
    if discovery.wants_aggregated(req.headers.get("accept", "")):
        return Response(200, discovery.aggregated(legacy_core), discovery.AGGREGATED_TYPE)
    return Response(200, plain)


def _core(cluster: ClusterView, req: Request, parts: list[str]) -> Response | WatchPlan:
    if not parts:
        return _discovery(req, True, discovery.api_versions(cluster.address))
    if parts[0] not in GROUPS[""]:
        raise _not_found()
    if len(parts) == 1:
        return Response(200, discovery.resource_list("", parts[0]))
    return _resource(cluster, req, _target("", parts[0], parts[1:]))


def _named(cluster: ClusterView, req: Request, parts: list[str]) -> Response | WatchPlan:
    if not parts:
        return _discovery(req, False, discovery.api_group_list())
    group = parts[0]
    if not group or group not in GROUPS:
        raise _not_found()
    if len(parts) == 1:
        return Response(200, discovery.api_group(group))
    if parts[1] not in GROUPS[group]:
        raise _not_found()
    if len(parts) == 2:
        return Response(200, discovery.resource_list(group, parts[1]))
    return _resource(cluster, req, _target(group, parts[1], parts[2:]))


def _target(group: str, version: str, rest: list[str]) -> Target:
    ns = None
    # /namespaces/{ns}/{plural}/... unless the third segment is not a resource (namespace subresource).
    if len(rest) >= 3 and rest[0] == "namespaces" and lookup(group, version, rest[2]):
        ns, rest = rest[1], rest[2:]
    res = lookup(group, version, rest[0])
    if res is not None and res.plural in PROXIED and len(rest) > 3 and rest[2] == "proxy":
        rest = rest[:3]
    if res is None or len(rest) > 3 or (ns is not None and not res.namespaced):
        raise _not_found()
    return Target(res, ns, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None)


def _resource(cluster: ClusterView, req: Request, t: Target) -> Response | WatchPlan:
    if t.sub is not None:
        return _subresource(cluster, req, t)
    if t.name is None:
        return _collection(cluster, req, t)
    return _item(cluster, req, t)


def _wants_table(req: Request) -> bool:
    return any("as=Table" in p and "g=meta.k8s.io" in p for p in req.headers.get("accept", "").split(","))


def _wants_partial(req: Request) -> bool:
    return "as=PartialObjectMetadata" in req.headers.get("accept", "")


def _dry_run(req: Request) -> bool:
    return req.query.get("dryRun") == "All"


def _delete_dry_run(req: Request) -> bool:
    """kubectl sends a delete's dry run in the DeleteOptions body, not the query."""
    return is_dry_run(req)


def is_dry_run(req: Request) -> bool:
    """A server-side dry run: `dryRun=All` in the query, or in a DeleteOptions (or Eviction) JSON body."""
    if _dry_run(req) or not req.body or req.body[:1] != b"{":
        return _dry_run(req)
    try:
        body = json.loads(req.body)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    options = body.get("deleteOptions") if isinstance(body.get("deleteOptions"), dict) else body
    return "All" in (options.get("dryRun") or ())


def _collection(cluster: ClusterView, req: Request, t: Target) -> Response | WatchPlan:
    res, api = t.resource, cluster.api
    if req.method == "GET" and req.query.get("watch") in ("true", "1"):
        return WatchPlan(res, t.namespace, req.query, _wants_table(req))
    if req.method == "GET":
        items, rv = api.list(res, t.namespace, req.query.get("labelSelector", ""),
                             req.query.get("fieldSelector", ""))
        return _list_response(req, res, items, rv)
    if req.method == "POST":
        if res.namespaced and t.namespace is None:
            raise ApiError(405, "the server does not allow this method on the requested resource")
        created = api.create(res, t.namespace or "", _json_body(req), _dry_run(req))
        return Response(201, created)
    raise ApiError(405, "the server does not allow this method on the requested resource")


def _list_response(req: Request, res: Resource, items: list[Obj], rv: int) -> Response:
    if _wants_table(req):
        return Response(200, tables.table(res.plural, items, rv, req.query.get("includeObject", "Metadata")),
                        TABLE_TYPE)
    if _wants_partial(req):
        return Response(200, {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                              "metadata": {"resourceVersion": str(rv)},
                              "items": [_partial(o) for o in items]},
                        "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
    return Response(200, {"kind": f"{res.kind}List", "apiVersion": res.api_version,
                          "metadata": {"resourceVersion": str(rv)}, "items": items})


def _partial(obj: Obj) -> Obj:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def _item(cluster: ClusterView, req: Request, t: Target) -> Response:
    res, api, ns, name = t.resource, cluster.api, t.namespace or "", t.name or ""
    if req.method == "GET":
        obj = api.get(res, ns, name)
        if _wants_table(req):
            rv = int(obj["metadata"]["resourceVersion"])
            table = tables.table(res.plural, [obj], rv, req.query.get("includeObject", "Metadata"))
            return Response(200, table, TABLE_TYPE)
        if _wants_partial(req):
            return Response(200, _partial(obj), PARTIAL_TYPE)
        return Response(200, obj)
    if req.method == "PUT":
        return Response(200, api.update(res, ns, name, _json_body(req), _dry_run(req)))
    if req.method == "PATCH":
        ctype = req.headers.get("content-type", "").split(";")[0].strip()
        obj, created = api.patch(res, ns, name, ctype, req.body, _dry_run(req))
        return Response(201 if created else 200, obj)
    if req.method == "DELETE":
        gone = api.delete(res, ns, name, _delete_dry_run(req))
        body = status_body("Success")
        body["details"] = {"name": name, "group": res.group, "kind": res.plural,
                           "uid": gone["metadata"].get("uid", "")}
        return Response(200, body)
    raise ApiError(405, "the server does not allow this method on the requested resource")


def _subresource(cluster: ClusterView, req: Request, t: Target) -> Response:
    res, api, ns, name, sub = t.resource, cluster.api, t.namespace or "", t.name or "", t.sub
    if (res.plural == "pods" and sub in REFUSED) or (res.plural in PROXIED and sub == "proxy"):
        api.get(res, ns, name)  # a missing pod is still "not found", as on a real cluster
        raise ApiError(403, f"{sub} is not supported by the kctx sandbox", "Forbidden")
    if res.plural == "pods" and sub == "log" and req.method == "GET":
        api.get(res, ns, name)
        return Response(200, f"(kctx sandbox: pod {name} is fake and has no logs)\n".encode(),
                        "text/plain")
    if res.plural == "deployments" and sub == "scale":
        return _scale(cluster, req, ns, name)
    if sub == "status" and req.method == "GET":
        return Response(200, api.get(res, ns, name))
    handler = _SUBRESOURCE_WRITES.get((res.plural, sub, req.method))
    if handler is not None:
        return handler(cluster, req, t)
    raise ApiError(405, f"the kctx sandbox does not support {req.method} on {res.plural}/{sub}")


def _ephemeral(cluster: ClusterView, req: Request, t: Target) -> Response:
    """`kubectl debug` patches pods/x/ephemeralcontainers: patch the pod itself (nothing is run)."""
    if req.method == "GET":
        return Response(200, cluster.api.get(t.resource, t.namespace or "", t.name or ""))
    ctype = req.headers.get("content-type", "").split(";")[0].strip()
    obj, _ = cluster.api.patch(t.resource, t.namespace or "", t.name or "", ctype, req.body, _dry_run(req))
    return Response(200, obj)


def _evict(cluster: ClusterView, req: Request, t: Target) -> Response:
    """An eviction (`kubectl drain`) deletes the pod at once: no disruption budgets are checked."""
    cluster.api.delete(t.resource, t.namespace or "", t.name or "", is_dry_run(req))
    return Response(201, status_body("Success"))


def _token(cluster: ClusterView, req: Request, t: Target) -> Response:
    """`kubectl create token`: a made-up token (the body, a protobuf TokenRequest, is not read)."""
    cluster.api.get(t.resource, t.namespace or "", t.name or "")
    return Response(201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                          "metadata": {"name": t.name, "namespace": t.namespace},
                          "spec": {"audiences": []},
                          "status": {"token": "kctx-sandbox-token", "expirationTimestamp": "2099-01-01T00:00:00Z"}})


def _approval(cluster: ClusterView, req: Request, t: Target) -> Response:
    """`kubectl certificate approve|deny`: accepted and answered with the object unchanged."""
    return Response(200, cluster.api.get(t.resource, "", t.name or ""))


_SUBRESOURCE_WRITES = {
    ("pods", "ephemeralcontainers", "GET"): _ephemeral,
    ("pods", "ephemeralcontainers", "PATCH"): _ephemeral,
    ("pods", "eviction", "POST"): _evict,
    ("serviceaccounts", "token", "POST"): _token,
    ("certificatesigningrequests", "approval", "PUT"): _approval,
}


def _scale(cluster: ClusterView, req: Request, ns: str, name: str) -> Response:
    api = cluster.api
    if req.method == "GET":
        return Response(200, api.scale(ns, name))
    if req.method not in ("PUT", "PATCH"):
        raise ApiError(405, "the server does not allow this method on the requested resource")
    current = api.scale(ns, name)
    if req.method == "PUT":
        desired = _json_body(req)
    else:
        ctype = req.headers.get("content-type", "").split(";")[0].strip()
        desired = patch_function(ctype)(current, decode_patch(ctype, req.body))
    try:
        replicas = int(desired["spec"]["replicas"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(422, "Scale is invalid: spec.replicas: Required value") from None
    if replicas < 0:
        raise ApiError(422, "Scale is invalid: spec.replicas: must be greater than or equal to 0")
    return Response(200, api.scale(ns, name, replicas, _dry_run(req)))


def _json_body(req: Request) -> Any:
    if req.headers.get("content-type", "").split(";")[0].strip() == protobuf.CONTENT_TYPE:
        return protobuf.decode(req.body)
    try:
        return json.loads(req.body or b"null")
    except ValueError:
        raise ApiError(400, "the kctx sandbox accepts JSON request bodies only") from None
