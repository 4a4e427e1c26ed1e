"""The few resource types the sandbox serves, described once for routing, discovery and tables."""

from __future__ import annotations

from dataclasses import dataclass, field

VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str = ""
    version: str = "v1"


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = field(default=())

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> tuple[str, str]:
        return (self.group, self.version)


# exec/attach/portforward are advertised (kubectl checks for them) but always refused.
_POD_SUBS = (
    Subresource("attach", "PodAttachOptions", ("create", "get")),
    Subresource("exec", "PodExecOptions", ("create", "get")),
    Subresource("log", "Pod", ("get",)),
    Subresource("portforward", "PodPortForwardOptions", ("create", "get")),
    Subresource("status", "Pod", ("get", "patch", "update")),
)

RESOURCES: tuple[Resource, ...] = (
    Resource("", "v1", "Namespace", "namespaces", False, ("ns",),
             subresources=(Subresource("status", "Namespace", ("get", "patch", "update")),)),
    Resource("", "v1", "Pod", "pods", True, ("po",), ("all",), _POD_SUBS),
    Resource("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    Resource("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("all",),
             (Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1"),
              Subresource("status", "Deployment", ("get", "patch", "update"), "apps", "v1"))),
)

# Group -> versions served, in preference order; "" is the legacy core group at /api.
GROUPS: dict[str, tuple[str, ...]] = {"": ("v1",), "apps": ("v1",)}


def lookup(group: str, version: str, plural: str) -> Resource | None:
    for res in RESOURCES:
        if (res.group, res.version, res.plural) == (group, version, plural):
            return res
    return None


def in_group_version(group: str, version: str) -> list[Resource]:
    return [r for r in RESOURCES if r.group_version == (group, version)]


def by_plural(plural: str) -> Resource:
    return next(r for r in RESOURCES if r.plural == plural)
