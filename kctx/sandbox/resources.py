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


# exec/attach/portforward/proxy are advertised (kubectl checks for them) but always refused.
_POD_SUBS = (
    Subresource("attach", "PodAttachOptions", ("create", "get")),
    Subresource("ephemeralcontainers", "Pod", ("get", "patch", "update")),
    Subresource("eviction", "Eviction", ("create",), "policy", "v1"),
    Subresource("exec", "PodExecOptions", ("create", "get")),
    Subresource("log", "Pod", ("get",)),
    Subresource("portforward", "PodPortForwardOptions", ("create", "get")),
    Subresource("proxy", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
    Subresource("status", "Pod", ("get", "patch", "update")),
)
_PROXY = ("create", "delete", "get", "patch", "update")
_STATUS = ("get", "patch", "update")
_RBAC = "rbac.authorization.k8s.io"


def _status(kind: str, group: str = "", version: str = "v1") -> Subresource:
    return Subresource("status", kind, _STATUS, group, version)


RESOURCES: tuple[Resource, ...] = (
    Resource("", "v1", "Namespace", "namespaces", False, ("ns",), subresources=(_status("Namespace"),)),
    Resource("", "v1", "Pod", "pods", True, ("po",), ("all",), _POD_SUBS),
    Resource("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    Resource("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("all",),
             (Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1"),
              _status("Deployment", "apps"))),
    # Served so that every kubectl command form reaches the request it would send to a real cluster
    # (docs/sandbox.md): stored and listed like the others, with no behaviour of their own.
    Resource("", "v1", "Service", "services", True, ("svc",), ("all",),
             (Subresource("proxy", "ServiceProxyOptions", _PROXY), _status("Service"))),
    Resource("", "v1", "Secret", "secrets", True),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",),
             subresources=(Subresource("token", "TokenRequest", ("create",), "authentication.k8s.io", "v1"),)),
    Resource("", "v1", "Node", "nodes", False, ("no",),
             subresources=(Subresource("proxy", "NodeProxyOptions", _PROXY), _status("Node"))),
    Resource("", "v1", "ResourceQuota", "resourcequotas", True, ("quota",), subresources=(_status("ResourceQuota"),)),
    Resource("apps", "v1", "ReplicaSet", "replicasets", True, ("rs",), ("all",), (_status("ReplicaSet", "apps"),)),
    Resource("batch", "v1", "Job", "jobs", True, (), ("all",), (_status("Job", "batch"),)),
    Resource("batch", "v1", "CronJob", "cronjobs", True, ("cj",), ("all",), (_status("CronJob", "batch"),)),
    Resource("networking.k8s.io", "v1", "Ingress", "ingresses", True, ("ing",),
             subresources=(_status("Ingress", "networking.k8s.io"),)),
    Resource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("pdb",),
             subresources=(_status("PodDisruptionBudget", "policy"),)),
    Resource("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False, ("pc",)),
    Resource(_RBAC, "v1", "Role", "roles", True),
    Resource(_RBAC, "v1", "RoleBinding", "rolebindings", True),
    Resource(_RBAC, "v1", "ClusterRole", "clusterroles", False),
    Resource(_RBAC, "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    Resource("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ("hpa",), ("all",),
             (_status("HorizontalPodAutoscaler", "autoscaling", "v2"),)),
    Resource("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ("hpa",), ("all",),
             (_status("HorizontalPodAutoscaler", "autoscaling"),)),
    Resource("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", False,
             ("csr",), subresources=(Subresource("approval", "CertificateSigningRequest", _STATUS,
                                                 "certificates.k8s.io"), _status("CertificateSigningRequest",
                                                                                 "certificates.k8s.io"))),
)

# Group -> versions served, in preference order; "" is the legacy core group at /api.
GROUPS: dict[str, tuple[str, ...]] = {
    "": ("v1",), "apps": ("v1",), "autoscaling": ("v2", "v1"), "batch": ("v1",),
    "certificates.k8s.io": ("v1",), "networking.k8s.io": ("v1",), "policy": ("v1",),
    _RBAC: ("v1",), "scheduling.k8s.io": ("v1",),
}


def lookup(group: str, version: str, plural: str) -> Resource | None:
    for res in RESOURCES:
        if (res.group, res.version, res.plural) == (group, version, plural):
            return res
    return None


def in_group_version(group: str, version: str) -> list[Resource]:
    return [r for r in RESOURCES if r.group_version == (group, version)]


def by_plural(plural: str) -> Resource:
    return next(r for r in RESOURCES if r.plural == plural)
