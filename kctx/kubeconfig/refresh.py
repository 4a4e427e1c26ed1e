"""Child process entry: ``python -m kctx.kubeconfig.refresh INDEX_DIR FILE...`` re-indexes FILEs.

Run by processes that keep yaml out of their own imports (the shim); the results land in the cache.
"""

from __future__ import annotations

import sys

from kctx.kubeconfig.index import refresh


def main(argv: list[str]) -> int:
    refresh(argv[1:], argv[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
