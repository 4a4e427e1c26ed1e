"""Label and field selectors, enough for `kubectl get -l ...` and kubectl's own name-field watches."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kctx.sandbox.errors import ApiError

Matcher = Callable[[dict[str, Any]], bool]

_SET = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ = re.compile(r"^\s*([\w./-]+)\s*(==|!=|=)\s*([\w./-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def _split(selector: str) -> list[str]:
    # Commas separate requirements, except inside "in (a,b)" sets.
    parts, depth, current = [], 0, ""
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _requirement(text: str, lookup: Callable[[dict[str, Any], str], str | None]) -> Matcher:
    if m := _SET.match(text):
        key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
        if op == "in":
            return lambda obj: lookup(obj, key) in values
        return lambda obj: lookup(obj, key) not in values
    if m := _EQ.match(text):
        key, op, value = m.groups()
        if op == "!=":
            return lambda obj: lookup(obj, key) != value
        return lambda obj: lookup(obj, key) == value
    if m := _EXISTS.match(text):
        negate, key = m.group(1) == "!", m.group(2)
        return lambda obj: (lookup(obj, key) is None) == negate
    raise ApiError(400, f"unable to parse requirement: {text!r}")


def _label(obj: dict[str, Any], key: str) -> str | None:
    return (obj.get("metadata", {}).get("labels") or {}).get(key)


def _field(obj: dict[str, Any], key: str) -> str | None:
    value: Any = obj
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    # An unset field compares equal to "" in Kubernetes field selectors.
    return "" if value is None else str(value)


def _compile(selector: str, lookup: Callable[[dict[str, Any], str], str | None]) -> Matcher:
    tests = [_requirement(p, lookup) for p in _split(selector or "")]
    return lambda obj: all(t(obj) for t in tests)


def matcher(label_selector: str = "", field_selector: str = "") -> Matcher:
    labels, fields = _compile(label_selector, _label), _compile(field_selector, _field)
    return lambda obj: labels(obj) and fields(obj)
