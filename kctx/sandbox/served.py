"""What the HTTP layer (handler.py, watch.py) asks of the cluster it serves. A Protocol, so that layer
needs no import of cluster.py, which builds its server on the handler."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from kctx.sandbox.routes import ClusterView


class ServedCluster(ClusterView, Protocol):
    stopping: threading.Event  # set when the server begins to stop: open watches end

    def record(self, method: str, path: str, query: str, user: str, user_agent: str) -> None: ...

    def wait_while_hung(self) -> bool: ...

    def user_for_token(self, token: str) -> str | None: ...

    def user_for_cert(self, cert: dict[str, Any]) -> str | None: ...
