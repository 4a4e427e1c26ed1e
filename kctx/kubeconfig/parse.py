"""Read one kubeconfig file (YAML or JSON) into a FileIndex. Imports yaml: never on the shim's path."""

from __future__ import annotations

import os

import yaml

try:  # the C loader is ~10x faster on 1000-context setups
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-python PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from kctx.kubeconfig.extract import NotAKubeconfig, fill
from kctx.kubeconfig.model import FileIndex


def parse_file(path: str) -> FileIndex:
    """Index ``path``. Failures are recorded in ``FileIndex.error`` as one line naming the file."""
    idx = FileIndex(path=path)
    try:
        st = os.stat(path)
        idx.mtime_ns, idx.size, idx.ino = st.st_mtime_ns, st.st_size, st.st_ino
        with open(path, "rb") as fh:
            raw = fh.read()
        # Like kubectl (sigs.k8s.io/yaml), only the first document of a multi-document file counts.
        doc = next(iter(yaml.load_all(raw, Loader=_Loader)), None) if raw.strip() else {}
        fill(idx, doc, os.path.dirname(os.path.abspath(path)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f": line {mark.line + 1}" if mark else ""
        idx.error = f"{path}{where}: invalid YAML: {exc.problem or exc.context}"
    except yaml.YAMLError as exc:
        idx.error = f"{path}: invalid YAML: {str(exc).splitlines()[0]}"
    except NotAKubeconfig as exc:
        idx.error = f"{path}: not a kubeconfig: {exc}"
    except OSError as exc:
        idx.error = f"{path}: cannot read: {exc.strerror or exc}"
    except UnicodeDecodeError:
        idx.error = f"{path}: cannot read: not UTF-8 text"
    return idx
