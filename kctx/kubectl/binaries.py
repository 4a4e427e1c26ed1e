"""Find the real kubectl binary: never the shim itself (no recursion), never a directory.

Until a version is selected per cluster, this is the first kubectl on PATH that is not a kctx shim.

Dispatchers: the Google Cloud SDK's ``kubectl`` runs one of the ``kubectl.1.NN`` that ship beside it,
chosen per context, and reports that one's version. Such a kubectl has no version of its own; the
versioned binaries beside it are what kctx can use (``bundled``). Standard library only (shim path).
"""

from __future__ import annotations

import posix

from kctx.util.fastos import dirname, isdir, join

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


BUNDLED_PREFIX = "kubectl."  # kubectl.1.30 beside a dispatcher
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


def real_path(path: str) -> str:
    """``path`` with its symlinks followed (posix only; a loop or a dangling link gives the last name). Each
    step is an lstat, which the shim's memo recorder sees, so a re-pointed link is noticed."""
    for _ in range(40):
        try:
            if posix.lstat(path).st_mode & _S_IFMT != _S_IFLNK:
                return path
            target = posix.readlink(path)
        except (OSError, ValueError):
            return path
        path = target if target[:1] == "/" else join(dirname(path), target)
    return path


def dispatcher_dirs(environ: Mapping[str, str], shim_dir: str = "") -> list[str]:
    """The real folder of the kubectl that would run from PATH (or $KCTX_KUBECTL), where a dispatcher's
    ``kubectl.1.NN`` are; [] when there is none."""
    found = find(environ, shim_dir)
    return [dirname(real_path(found))] if found else []


def bundled_minor(folders: list[str], major: int, minor: int) -> str:
    """The first ``kubectl.<major>.<minor>`` beside a kubectl in ``folders`` (dispatcher_dirs); "" if none."""
    for folder in folders:
        candidate = f"{folder}/{BUNDLED_PREFIX}{major}.{minor}"
        if posix.access(candidate, posix.X_OK) and not isdir(candidate):
            return candidate
    return ""


def bundled(path: str) -> dict[str, str]:
    """{"1.30": path} for each ``kubectl.1.NN`` beside the kubectl at ``path`` (symlinks followed): non-empty
    for a dispatcher. Cold path: it lists the folder."""
    folder = dirname(real_path(path))
    try:
        names = posix.listdir(folder)
    except OSError:
        return {}
    out = {}
    for name in names:
        minor = name[len(BUNDLED_PREFIX):] if name.startswith(BUNDLED_PREFIX) else ""
        major, dot, number = minor.partition(".")
        if dot and major.isdigit() and number.isdigit() and posix.access(join(folder, name), posix.X_OK):
            out[minor] = join(folder, name)
    return dict(sorted(out.items(), key=lambda kv: tuple(int(x) for x in kv[0].split(".")), reverse=True))


def is_dispatcher(path: str) -> bool:
    return bool(bundled(path))
