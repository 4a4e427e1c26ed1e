"""One cluster's API semantics on top of the store: validation, defaults, patches, a fake controller."""

from __future__ import annotations

import copy
import json
import re
import secrets
from typing import Any

from kctx.sandbox import patch as patches
from kctx.sandbox.defaults import apply_defaults, template_hash
from kctx.sandbox.errors import ApiError, not_found
from kctx.sandbox.resources import RESOURCES, Resource, by_plural
from kctx.sandbox.selectors import matcher
from kctx.sandbox.store import Obj, Store

PROTECTED_NAMESPACES = ("default", "kube-system")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Kubernetes' alphabet for random name suffixes: no vowels, so no accidental words.
_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


def random_suffix(n: int = 5) -> str:
    return "".join(secrets.choice(_SUFFIX_CHARS) for _ in range(n))


class ClusterApi:
    def __init__(self) -> None:
        self.store = Store()
        for name in PROTECTED_NAMESPACES:
            self.create(by_plural("namespaces"), "", {"metadata": {"name": name}})

    # --- reads ---------------------------------------------------------------------------------
    def get(self, res: Resource, ns: str, name: str) -> Obj:
        return self.store.get(res, ns, name)

    def list(self, res: Resource, ns: str | None, labels: str = "",
             fields: str = "") -> tuple[list[Obj], int]:
        match = matcher(labels, fields)
        items, rv = self.store.list(res, ns)
        return [o for o in items if match(o)], rv

    # --- writes --------------------------------------------------------------------------------
    def create(self, res: Resource, ns: str, body: Any, dry_run: bool = False) -> Obj:
        obj = self._prepare(res, ns, body)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + random_suffix()
        self._validate_name(res, meta.get("name"))
        if res.plural == "deployments":
            meta["generation"] = 1
        apply_defaults(res.plural, obj)
        if dry_run:
            return obj
        with self.store.cond:
            self._require_namespace(res, ns)
            created = self.store.create(res, ns, obj)
            self._after_write(res, ns, created)
        return created

    def update(self, res: Resource, ns: str, name: str, body: Any, dry_run: bool = False) -> Obj:
        obj = self._prepare(res, ns, body)
        if obj["metadata"].get("name") != name:
            raise ApiError(400, "the name of the object does not match the name on the URL")
        with self.store.cond:
            current = self.store.get(res, ns, name)
            return self._replace(res, ns, current, obj, obj["metadata"].get("resourceVersion"), dry_run)

    def patch(self, res: Resource, ns: str, name: str, ctype: str, raw: bytes,
              dry_run: bool = False) -> tuple[Obj, bool]:
        """Apply a patch; returns (object, created). Only server-side apply may create."""
        body = decode_patch(ctype, raw)
        if ctype == APPLY and not isinstance(body, dict):
            raise ApiError(400, "an apply patch must be an object")
        with self.store.cond:
            if ctype == APPLY and not self.store.exists(res, ns, name):
                body.setdefault("metadata", {}).setdefault("name", name)
                return self.create(res, ns, body, dry_run), True
            current = self.store.get(res, ns, name)
            patched = patch_function(ctype)(copy.deepcopy(current), body)
            if not isinstance(patched, dict):
                raise ApiError(422, "the patch did not produce an object")
            meta = patched.setdefault("metadata", {})
            if meta.get("name") != name:
                raise ApiError(400, "a patch may not change the object's name")
            expect = meta.get("resourceVersion")
            meta["namespace"] = current["metadata"].get("namespace")
            return self._replace(res, ns, current, self._prepare(res, ns, patched), expect, dry_run), False

    def delete(self, res: Resource, ns: str, name: str, dry_run: bool = False) -> Obj:
        if res.plural == "namespaces" and name in PROTECTED_NAMESPACES:
            raise ApiError(403, f'namespaces "{name}" is forbidden: this namespace may not be deleted')
        with self.store.cond:
            if dry_run:
                return self.store.get(res, ns, name)
            gone = self.store.delete(res, ns, name)
            self._after_delete(res, ns, gone)
        return gone

    def scale(self, ns: str, name: str, replicas: int | None = None, dry_run: bool = False) -> Obj:
        """GET (replicas None) or set a deployment's autoscaling/v1 Scale subresource (``dry_run``: answer as if
        set, store nothing)."""
        deploys = by_plural("deployments")
        with self.store.cond:
            deploy = self.store.get(deploys, ns, name)
            if replicas is not None and replicas != deploy["spec"].get("replicas"):
                changed = copy.deepcopy(deploy)
                changed["spec"]["replicas"] = replicas
                deploy = self._replace(deploys, ns, deploy, changed, None, dry_run)
        meta = {k: deploy["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                   "creationTimestamp")}
        selector = deploy["spec"].get("selector", {}).get("matchLabels") or {}
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
                "spec": {"replicas": deploy["spec"]["replicas"]},
                "status": {"replicas": deploy["status"]["replicas"],
                           "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items()))}}

    # --- helpers -------------------------------------------------------------------------------
    def _prepare(self, res: Resource, ns: str, body: Any) -> Obj:
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        obj = copy.deepcopy(body)
        if obj.setdefault("kind", res.kind) != res.kind:
            raise ApiError(400, f"expected kind {res.kind}, got {obj['kind']}")
        if obj.setdefault("apiVersion", res.api_version) != res.api_version:
            raise ApiError(400, f"expected apiVersion {res.api_version}, got {obj['apiVersion']}")
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "metadata must be an object")
        if res.namespaced:
            if meta.setdefault("namespace", ns) != ns:
                raise ApiError(400, "the namespace of the provided object does not match the namespace "
                                    "sent on the request")
        else:
            meta.pop("namespace", None)
        return obj

    def _validate_name(self, res: Resource, name: Any) -> None:
        pattern = _DNS_LABEL if res.plural == "namespaces" else _DNS_SUBDOMAIN
        if not name:
            raise ApiError(422, f"{res.kind} is invalid: metadata.name: Required value: name or "
                                "generateName is required")
        if not isinstance(name, str) or len(name) > 253 or not pattern.match(name):
            raise ApiError(422, f'{res.kind} "{name}" is invalid: metadata.name: Invalid value: must '
                                "consist of lower case alphanumeric characters, '-' or '.'")

    def _require_namespace(self, res: Resource, ns: str) -> None:
        if res.namespaced and not self.store.exists(by_plural("namespaces"), "", ns):
            raise not_found("namespaces", ns)

    def _replace(self, res: Resource, ns: str, current: Obj, new: Obj, expect_rv: str | None,
                 dry_run: bool) -> Obj:
        if res.plural == "deployments":
            generation = current["metadata"].get("generation", 1)
            new["metadata"]["generation"] = generation + (new.get("spec") != current.get("spec"))
        if res.plural == "pods":
            new.setdefault("status", {})["startTime"] = current.get("status", {}).get("startTime")
        apply_defaults(res.plural, new)
        if dry_run:
            return new
        updated = self.store.update(res, ns, new, expect_rv)
        self._after_write(res, ns, updated)
        return updated

    def _after_write(self, res: Resource, ns: str, obj: Obj) -> None:
        if res.plural == "deployments":
            self._reconcile(ns, obj)

    def _after_delete(self, res: Resource, ns: str, obj: Obj) -> None:
        if res.plural == "namespaces":
            self._empty_namespace(obj["metadata"]["name"])
        elif res.plural == "deployments":
            self._reconcile(ns, obj, deleted=True)
        elif res.plural == "pods":
            owner = _owner_deployment(obj)
            if owner and self.store.exists(by_plural("deployments"), ns, owner):
                self._reconcile(ns, self.store.get(by_plural("deployments"), ns, owner))

    def _empty_namespace(self, ns: str) -> None:
        for plural in dict.fromkeys(r.plural for r in RESOURCES if r.namespaced):
            res = by_plural(plural)
            for obj in self.store.list(res, ns)[0]:
                self.store.delete(res, ns, obj["metadata"]["name"])

    def _reconcile(self, ns: str, deploy: Obj, deleted: bool = False) -> None:
        """A toy ReplicaSet controller: keep spec.replicas ready pods of the current template."""
        pods = by_plural("pods")
        uid = deploy["metadata"]["uid"]
        owned = [p for p in self.store.list(pods, ns)[0]
                 if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])]
        template = deploy.get("spec", {}).get("template") or {}
        current_hash = template_hash(template)
        keep = [] if deleted else [p for p in owned if _pod_hash(p) == current_hash]
        want = 0 if deleted else int(deploy["spec"].get("replicas", 1) or 0)
        extra = [p for p in owned if p not in keep] + keep[want:]
        for pod in extra:
            self.store.delete(pods, ns, pod["metadata"]["name"])
        for _ in range(want - len(keep)):
            self.store.create(pods, ns, _pod_for(deploy, template, current_hash))


def _pod_hash(pod: Obj) -> str | None:
    return (pod["metadata"].get("labels") or {}).get("pod-template-hash")


def _owner_deployment(pod: Obj) -> str | None:
    refs = pod["metadata"].get("ownerReferences") or []
    return next((r["name"] for r in refs if r.get("kind") == "Deployment"), None)


def _pod_for(deploy: Obj, template: Obj, pod_hash: str) -> Obj:
    meta = deploy["metadata"]
    labels = dict((template.get("metadata") or {}).get("labels") or {}, **{"pod-template-hash": pod_hash})
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"], "uid": meta["uid"],
             "controller": True, "blockOwnerDeletion": True}
    pod_meta = {"name": f"{meta['name']}-{pod_hash}-{random_suffix()}", "namespace": meta["namespace"],
                "labels": labels, "ownerReferences": [owner]}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta,
           "spec": copy.deepcopy(template.get("spec") or {})}
    return apply_defaults("pods", pod)


def decode_patch(ctype: str, raw: bytes) -> Any:
    if ctype not in (MERGE, STRATEGIC, JSON_PATCH, APPLY):
        raise ApiError(415, f"the kctx sandbox does not support patch type {ctype!r}")
    try:
        return json.loads(raw or b"null")
    except ValueError:
        # kubectl sends apply patches as JSON; YAML bodies from other clients are out of scope.
        raise ApiError(400, f"the kctx sandbox accepts {ctype} bodies as JSON only") from None


def patch_function(ctype: str):
    return {MERGE: patches.merge_patch, STRATEGIC: patches.strategic_merge_patch,
            JSON_PATCH: patches.json_patch, APPLY: patches.strategic_merge_patch}[ctype]
