"""The nearest asdf ``.tool-versions`` that names kubectl, walking up from the working directory.

asdf's format: ``kubectl 1.29.3 [fallback…]`` per line, ``#`` starts a comment. Like asdf, a file that
does not mention kubectl does not stop the walk, ``$HOME/.tool-versions`` is the global fallback, and
``ASDF_DEFAULT_TOOL_VERSIONS_FILENAME`` renames the file. Shim path: ``os`` only, one failed open() per
folder when there is no file.
"""

from __future__ import annotations

import posix

from kctx.util.fastos import abspath

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

TOOL = "kubectl"
DEFAULT_NAME = ".tool-versions"


class Found:
    __slots__ = ("file", "line", "versions")

    def __init__(self, file: str, line: int, versions: list[str]) -> None:
        self.file, self.line, self.versions = file, line, versions


def find(cwd: str, environ: Mapping[str, str]) -> Found | None:
    name = environ.get("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME") or DEFAULT_NAME
    folder = (cwd if cwd[:1] == "/" else abspath(cwd)).rstrip("/") if cwd else ""
    home = environ.get("HOME", "").rstrip("/")
    walked_home = False
    while True:  # folder is "" for the root; plain string ops: this runs on every kubectl call
        walked_home = walked_home or folder == home
        hit = read(f"{folder}/{name}")
        if hit is not None:
            return hit
        if not folder:
            break
        folder = folder.rpartition("/")[0]
    if home[:1] == "/" and not walked_home:
        return read(f"{home}/{name}")
    return None


def read(path: str) -> Found | None:
    """The kubectl line of one file, or None (missing, unreadable or no kubectl line)."""
    if not posix.access(path, posix.F_OK):  # the usual case, and 3x cheaper than a failing open()
        return None
    try:
        with open(path, "rb") as fh:
            text = fh.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words and words[0] == TOOL:
            return Found(path, number, words[1:])
    return None
