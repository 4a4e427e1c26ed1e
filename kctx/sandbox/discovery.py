"""/version and API discovery, both legacy (per group-version) and aggregated (apidiscovery v2)."""

from __future__ import annotations

import re
from typing import Any

from kctx.sandbox.resources import GROUPS, VERBS, Resource, in_group_version

AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)([-+][0-9A-Za-z.+-]*)?$")


def parse_version(version: str) -> tuple[str, str]:
    """("1", "29") for "v1.29.3"; raises ValueError for anything not shaped like a Kubernetes version."""
    m = _VERSION.match(version)
    if not m:
        raise ValueError(f"not a Kubernetes version (want e.g. v1.29.3): {version!r}")
    return m.group(1), m.group(2)


def version_info(version: str) -> dict[str, Any]:
    major, minor = parse_version(version)
    return {
        "major": major, "minor": minor, "gitVersion": version,
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc",
        "platform": "linux/amd64",
    }


def wants_aggregated(accept: str) -> bool:
    # kubectl lists the aggregated type first and plain JSON as a fallback; answer the best we can.
    wanted = {"g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"}
    return any(wanted <= {p.strip() for p in part.split(";")[1:]} for part in accept.split(","))


def api_versions(host: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": list(GROUPS[""]),
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]}


def _group(name: str) -> dict[str, Any]:
    versions = [{"groupVersion": f"{name}/{v}", "version": v} for v in GROUPS[name]]
    return {"name": name, "versions": versions, "preferredVersion": versions[0]}


def api_group_list() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g) for g in GROUPS if g]}


def api_group(name: str) -> dict[str, Any]:
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name)}


def resource_list(group: str, version: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for res in in_group_version(group, version):
        resources.append(_legacy_entry(res))
        for sub in res.subresources:
            entry = {"name": f"{res.plural}/{sub.name}", "singularName": "", "namespaced": res.namespaced,
                     "kind": sub.kind, "verbs": list(sub.verbs)}
            if (sub.group, sub.version) != (group, version):
                entry.update(group=sub.group, version=sub.version)
            resources.append(entry)
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": resources}


def _legacy_entry(res: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": res.plural, "singularName": res.singular,
                             "namespaced": res.namespaced, "kind": res.kind, "verbs": list(VERBS)}
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    return entry


def aggregated(legacy_core: bool) -> dict[str, Any]:
    """The APIGroupDiscoveryList for /api (core group only) or /apis (every named group)."""
    names = [""] if legacy_core else [g for g in GROUPS if g]
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
            "items": [_aggregated_group(n) for n in names]}


def _aggregated_group(name: str) -> dict[str, Any]:
    versions = [{"version": v, "freshness": "Current",
                 "resources": [_aggregated_resource(r) for r in in_group_version(name, v)]}
                for v in GROUPS[name]]
    return {"metadata": {"name": name, "creationTimestamp": None}, "versions": versions}


def _aggregated_resource(res: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": res.plural, "singularResource": res.singular,
        "responseKind": {"group": res.group, "version": res.version, "kind": res.kind},
        "scope": "Namespaced" if res.namespaced else "Cluster", "verbs": list(VERBS),
    }
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    entry["subresources"] = [
        {"subresource": s.name, "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
         "verbs": list(s.verbs)} for s in res.subresources]
    return entry
