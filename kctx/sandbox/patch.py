"""JSON merge patch (RFC 7386), a simplified strategic merge patch, and JSON patch (RFC 6902).

Strategic merge here knows no schema: lists of objects are merged by a merge key (containerPort
for "ports", mountPath for "volumeMounts", type for "conditions", otherwise "name" when every
item has one: containers, env, volumes, ...), every other list is replaced, and the "$..."
directives kubectl sends are honoured where simple ($patch: delete/replace, $retainKeys) and
otherwise dropped.
"""

from __future__ import annotations

import copy
from typing import Any

from kctx.sandbox.errors import ApiError


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return _strip_directives(patch)
    if patch.get("$patch") == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, _MERGE_KEYS.get(key, "name"))
        else:
            merged = strategic_merge_patch(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    if isinstance(patch.get("$retainKeys"), list):
        keep = set(patch["$retainKeys"])
        result = {k: v for k, v in result.items() if k in keep}
    return result


# Merge keys of the built-in types the sandbox serves, where they are not "name".
_MERGE_KEYS = {"ports": "containerPort", "volumeMounts": "mountPath", "conditions": "type"}


def _keyed(items: Any, key: str) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and key in i for i in items)


def _merge_list(target: Any, patch: list[Any], key: str) -> list[Any]:
    if not (_keyed(patch, key) and (target is None or _keyed(target, key))):
        return [_strip_directives(i) for i in patch if not _is_delete(i)]
    result = [dict(i) for i in target or []]
    for item in patch:
        index = next((n for n, cur in enumerate(result) if cur[key] == item[key]), None)
        if _is_delete(item):
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(_strip_directives(item))
        else:
            result[index] = strategic_merge_patch(result[index], item)
    return result


def _is_delete(item: Any) -> bool:
    return isinstance(item, dict) and item.get("$patch") == "delete"


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


# --- JSON patch -------------------------------------------------------------------------------

def json_patch(target: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise ApiError(400, "json patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in ops:
        doc = _apply_op(doc, op)
    return doc


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(400, f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        doc = _child(doc, part)
    return doc


def _child(doc: Any, part: str) -> Any:
    try:
        return doc[int(part)] if isinstance(doc, list) else doc[part]
    except (KeyError, IndexError, ValueError, TypeError):
        raise ApiError(422, f"json patch path segment {part!r} does not exist") from None


def _apply_op(doc: Any, op: dict[str, Any]) -> Any:
    kind, parts = op.get("op"), _pointer(op.get("path", ""))
    if kind == "test":
        if _walk(doc, parts) != op.get("value"):
            raise ApiError(422, f"json patch test failed at {op.get('path')!r}")
        return doc
    if kind in ("move", "copy"):
        src = _pointer(op.get("from", ""))
        value = copy.deepcopy(_walk(doc, src))
        if kind == "move":
            doc = _remove(doc, src)
        return _add(doc, parts, value)
    if kind == "remove":
        return _remove(doc, parts)
    if kind == "replace":
        return _add(_remove(doc, parts), parts, op.get("value"))
    if kind == "add":
        return _add(doc, parts, op.get("value"))
    raise ApiError(400, f"unsupported json patch operation {kind!r}")


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, last = _walk(doc, parts[:-1]), parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ApiError(422, "json patch target is not a container")
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return None
    parent, last = _walk(doc, parts[:-1]), parts[-1]
    _child(parent, last)  # raises if missing
    if isinstance(parent, list):
        parent.pop(int(last))
    else:
        del parent[last]
    return doc
