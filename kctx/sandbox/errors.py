"""Kubernetes-style Status bodies; kubectl prints their message, so make it clear."""

from __future__ import annotations

from typing import Any

_REASONS = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    405: "MethodNotAllowed", 406: "NotAcceptable", 409: "AlreadyExists", 415: "UnsupportedMediaType",
    422: "Invalid", 500: "InternalError", 501: "NotImplemented",
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        body = status_body("Failure", self.message, self.reason, self.code)
        if self.details:
            body["details"] = self.details
        return body


def status_body(status: str, message: str = "", reason: str = "", code: int = 200) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": status}
    if message:
        body["message"] = message
    if reason:
        body["reason"] = reason
    body["code"] = code
    return body


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(404, f'{qualified} "{name}" not found', "NotFound",
                    {"name": name, "group": group, "kind": resource})


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(409, f'{qualified} "{name}" already exists', "AlreadyExists",
                    {"name": name, "group": group, "kind": resource})


def conflict(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    message = (f'Operation cannot be fulfilled on {qualified} "{name}": the object has been modified; '
               "please apply your changes to the latest version and try again")
    return ApiError(409, message, "Conflict", {"name": name, "group": group, "kind": resource})
