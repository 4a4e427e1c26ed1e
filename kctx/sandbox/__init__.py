"""A loopback stand-in Kubernetes API server for the demo and end-to-end tests (not Kubernetes)."""

from kctx.sandbox.cluster import RecordedRequest
from kctx.sandbox.sandbox import ClusterSpec, Sandbox

__all__ = ["ClusterSpec", "RecordedRequest", "Sandbox"]
