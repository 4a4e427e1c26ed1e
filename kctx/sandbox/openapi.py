"""OpenAPI endpoints (placeholder while probing what kubectl needs)."""

from __future__ import annotations

from kctx.sandbox.errors import ApiError


def respond(path: str, query: dict[str, str]):
    raise ApiError(404, "the server could not find the requested resource")
