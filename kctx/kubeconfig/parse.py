"""Read one kubeconfig file (YAML or JSON) into a FileIndex. Never on the shim's path.

kubectl's own output (and most hand-written files) is read by ``simpleyaml``; PyYAML, whose import takes
longer than the prompt's whole refresh may, is imported only for anything else and for the error messages
of invalid files.
"""

from __future__ import annotations

import os

from kctx.kubeconfig import simpleyaml
from kctx.kubeconfig.extract import NotAKubeconfig, fill
from kctx.kubeconfig.model import FileIndex
from kctx.util.parsecache import read_file


class InvalidYAML(ValueError):
    """The file is not YAML: the problem, and the 1-based line it was found on (0: unknown)."""

    def __init__(self, problem: str, line: int = 0) -> None:
        super().__init__(problem)
        self.line = line


def parse_file(path: str) -> FileIndex:
    """Index ``path``. Failures are recorded in ``FileIndex.error`` as one line naming the file."""
    idx = FileIndex(path=path)
    try:
        idx.stamp, raw = read_file(path)  # stamped before reading: an edit while we read leaves it stale
        fill(idx, load(raw) if raw.strip() else {}, os.path.dirname(os.path.abspath(path)))
    except InvalidYAML as exc:
        where = f": line {exc.line}" if exc.line else ""
        idx.error = f"{path}{where}: invalid YAML: {exc}"
    except NotAKubeconfig as exc:
        idx.error = f"{path}: not a kubeconfig: {exc}"
    except OSError as exc:
        idx.error = f"{path}: cannot read: {exc.strerror or exc}"
    except UnicodeDecodeError:
        idx.error = f"{path}: cannot read: not UTF-8 text"
    return idx


def load(raw: bytes) -> object:
    """The first document of ``raw``, like kubectl (sigs.k8s.io/yaml), which ignores the others."""
    doc = simpleyaml.load(raw)
    if doc is not None:
        return doc
    import yaml

    try:  # the C loader is ~10x faster on 1000-context setups
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - pure-python PyYAML
        from yaml import SafeLoader as Loader  # type: ignore[assignment]
    try:
        return next(iter(yaml.load_all(raw, Loader=Loader)), None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InvalidYAML(str(exc.problem or exc.context), mark.line + 1 if mark else 0) from None
    except yaml.YAMLError as exc:
        raise InvalidYAML(str(exc).splitlines()[0]) from None
