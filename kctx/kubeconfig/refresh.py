"""The indexer of YAML kubeconfig files, named by kctx/kubeconfig/index.py and run through
kctx/util/parsecache.py (in a child process in the shim, which never imports yaml)."""

from __future__ import annotations

from kctx.kubeconfig import index


def index_files(args: list[str]) -> list[dict[str, object]]:
    """[index folder, file...]: index each file, store its entry, return the FileIndexes as dicts."""
    from kctx.kubeconfig.parse import parse_file

    index_dir, *paths = args
    out = []
    for p in paths:
        idx = parse_file(p)
        index.store(index_dir, idx)
        out.append(idx.to_dict())
    return out
