"""Chunked watch streams: one JSON event per line until the client leaves, a timeout, or server stop."""

from __future__ import annotations

import json
import select
import time
from typing import TYPE_CHECKING, Any

from kctx.sandbox import tables
from kctx.sandbox.errors import ApiError
from kctx.sandbox.routes import TABLE_TYPE, WatchPlan
from kctx.sandbox.selectors import matcher
from kctx.sandbox.store import Obj

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from kctx.sandbox.served import ServedCluster

# How often an idle watch checks for a vanished client or a stopping server.
_POLL = 0.2


def stream(handler: BaseHTTPRequestHandler, cluster: ServedCluster, plan: WatchPlan) -> None:
    handler.close_connection = True  # one watch per connection keeps shutdown simple
    handler.send_response(200)
    handler.send_header("Content-Type", TABLE_TYPE if plan.table else "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Cache-Control", "no-cache, private")
    handler.end_headers()
    try:
        _run(handler, cluster, plan)
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()
    except OSError:
        pass  # the client went away mid-write: that is how most watches end


def _run(handler: BaseHTTPRequestHandler, cluster: ServedCluster, plan: WatchPlan) -> None:
    q, store = plan.query, cluster.api.store
    deadline = time.monotonic() + float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else None
    try:
        position = _initial(handler, cluster, plan)
    except ApiError as err:
        _send(handler, {"type": "ERROR", "object": err.status()})
        return
    match = matcher(q.get("labelSelector", ""), q.get("fieldSelector", ""))
    while not _should_end(handler, cluster, deadline):
        _wait_for_change(cluster, position)
        try:
            events = store.events_after(position)
        except ApiError as err:
            _send(handler, {"type": "ERROR", "object": err.status()})
            return
        for event in events:
            position = event.rv
            if event.plural == plan.resource.plural and _in_scope(plan, event.obj) and match(event.obj):
                _send(handler, {"type": event.type, "object": _render(plan, event.obj, event.rv)})


def _wait_for_change(cluster: ServedCluster, position: int) -> None:
    store = cluster.api.store
    with store.cond:
        store.cond.wait_for(lambda: store.resource_version > position or cluster.stopping.is_set(),
                            timeout=_POLL)


def _initial(handler: BaseHTTPRequestHandler, cluster: ServedCluster, plan: WatchPlan) -> int:
    """Send the starting state if asked for; return the resourceVersion to stream from."""
    q = plan.query
    send_initial = q.get("sendInitialEvents") == "true"
    rv = q.get("resourceVersion", "")
    if not send_initial and rv not in ("", "0"):
        try:
            return int(rv)
        except ValueError:
            raise ApiError(400, f"invalid resourceVersion {rv!r}") from None
    items, position = cluster.api.list(plan.resource, plan.namespace, q.get("labelSelector", ""),
                                       q.get("fieldSelector", ""))
    for obj in items:
        _send(handler, {"type": "ADDED", "object": _render(plan, obj, position)})
    if send_initial:
        # The watch-list protocol: a bookmark tells the client the initial state is complete.
        marker = {"kind": plan.resource.kind, "apiVersion": plan.resource.api_version,
                  "metadata": {"resourceVersion": str(position),
                               "annotations": {"k8s.io/initial-events-end": "true"}}}
        _send(handler, {"type": "BOOKMARK", "object": marker})
    return position


def _in_scope(plan: WatchPlan, obj: Obj) -> bool:
    return plan.namespace is None or obj["metadata"].get("namespace") == plan.namespace


def _render(plan: WatchPlan, obj: Obj, rv: int) -> Obj:
    if not plan.table:
        return obj
    return tables.table(plan.resource.plural, [obj], rv, plan.query.get("includeObject", "Metadata"))


def _send(handler: BaseHTTPRequestHandler, event: dict[str, Any]) -> None:
    data = json.dumps(event).encode() + b"\n"
    handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
    handler.wfile.flush()


def _should_end(handler: BaseHTTPRequestHandler, cluster: ServedCluster, deadline: float | None) -> bool:
    if cluster.stopping.is_set() or (deadline is not None and time.monotonic() >= deadline):
        return True
    # A Go client never writes during a response, so a readable socket means it hung up.
    readable, _, _ = select.select([handler.connection], [], [], 0)
    return bool(readable)
