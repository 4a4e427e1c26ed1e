"""Find the real kubectl binary: never the shim itself (no recursion), never a directory.

Until a version is selected per cluster, this is the first kubectl on PATH that is not a kctx shim.
Standard library only (shim path).
"""

from __future__ import annotations

import posix

from kctx.util.fastos import isdir, join

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping


def is_shim(path: str) -> bool:
    """A kctx shim: a script with the marker in its first lines, or a native launcher (an executable with
    the marker appended after its image, kctx/shim/native.py)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(160)
            if head[:4] != b"\x7fELF":
                return b"# kctx-shim" in head
            fh.seek(-64, 2)
            return b"# kctx-shim native " in fh.read()
    except OSError:
        return False


def _identity(folder: str) -> tuple[int, int] | None:
    """(device, inode): the same folder whatever path or symlink names it (cheaper than realpath)."""
    try:
        st = posix.stat(folder)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def find_on_path(environ: Mapping[str, str], skip_dirs: tuple[str, ...] = ()) -> str:
    """The first executable ``kubectl`` on PATH outside ``skip_dirs`` that is not a shim; "" if none."""
    skip = {_identity(d) for d in skip_dirs if d} - {None}
    for folder in environ.get("PATH", "").split(":"):
        if not folder:
            continue
        candidate = join(folder, "kubectl")
        if not posix.access(candidate, posix.X_OK) or isdir(candidate):
            continue
        if _identity(folder) in skip or is_shim(candidate):
            continue
        return candidate
    return ""


def find(environ: Mapping[str, str], shim_dir: str = "") -> str:
    """$KCTX_KUBECTL (an explicit binary) wins; otherwise the first real kubectl on PATH."""
    explicit = environ.get("KCTX_KUBECTL", "")
    if explicit and posix.access(explicit, posix.X_OK) and not is_shim(explicit):
        return explicit
    return find_on_path(environ, (shim_dir,))
