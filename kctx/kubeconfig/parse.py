"""Read one kubeconfig file (YAML or JSON) into a FileIndex, as kubectl reads it. Never on the shim's path.

kubectl's own output (and most hand-written files) is read by ``simpleyaml``; anything else by ``kubeyaml``,
which imports PyYAML (whose import takes longer than the prompt's whole refresh may). Both read the YAML the
way kubectl does; where kctx cannot be sure it would read a file as kubectl does, or kubectl refuses it, the
file's index carries a one-line error naming the file (and the line), and the guard fails closed on it.
"""

from __future__ import annotations

import os

from kctx.kubeconfig import kubeyaml, simpleyaml
from kctx.kubeconfig.extract import NotAKubeconfig, fill
from kctx.kubeconfig.model import FileIndex
from kctx.util.parsecache import read_file

InvalidYAML = kubeyaml.Problem


def parse_file(path: str) -> FileIndex:
    """Index ``path``. Failures are recorded in ``FileIndex.error`` as one line naming the file."""
    idx = FileIndex(path=path)
    raw = b""
    try:
        idx.stamp, raw = read_file(path)  # stamped before reading: an edit while we read leaves it stale
        fill(idx, load(raw), os.path.dirname(os.path.abspath(path)))
    except kubeyaml.Problem as exc:
        idx.error = f"{path}{_at(exc.line)}: {exc}"
    except NotAKubeconfig as exc:
        idx.error = f"{path}{_at(kubeyaml.line_of(raw, exc.path) if exc.path else 0)}: not a kubeconfig kubectl " \
                    f"reads: {exc}"
    except OSError as exc:
        idx.error = f"{path}: cannot read: {exc.strerror or exc}"
    if idx.error:
        idx.current_context, idx.contexts, idx.clusters, idx.users = "", {}, {}, {}
    return idx


def _at(line: int) -> str:
    return f": line {line}" if line else ""


def load(raw: bytes) -> object:
    """The first document of ``raw`` as kubectl reads it (it ignores the others); kubeyaml.Problem when kctx
    cannot read it so."""
    if not raw.strip():
        return None  # kubectl reads an empty file as an empty config
    doc = simpleyaml.load(raw)
    if doc is not None:
        return doc
    return kubeyaml.load(raw)
