"""Version files of asdf and mise that name kubectl: the nearest project file, and the user's global one.

Project files, walking up from the working directory, the nearest folder that has one naming kubectl wins
(a file that does not mention kubectl does not stop the walk, as in asdf and mise). In one folder:
``mise.local.toml``, ``.mise.toml``, ``mise.toml``, ``.config/mise.toml``, then ``.tool-versions``
(``$ASDF_DEFAULT_TOOL_VERSIONS_FILENAME`` renames it). The files of the home folder are not a project's:
they and mise's global config (``$MISE_GLOBAL_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/mise/config.toml``,
else ``~/.config/mise/config.toml``) are the user's default (``find_global``), which selection puts below
the cluster's own version. asdf's format: ``kubectl 1.29.3 [fallback…]``, ``#`` starts a comment.

Shim path: ``posix`` only, one access() per name and folder when there is no file.
"""

from __future__ import annotations

import posix

from kctx.util.fastos import abspath

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

TOOL = "kubectl"
DEFAULT_NAME = ".tool-versions"
MISE_NAMES = ("mise.local.toml", ".mise.toml", "mise.toml", ".config/mise.toml")  # first wins in a folder


class Found:
    """A kubectl entry: ``kind`` is "tool-versions" or "mise"; ``versions`` in order of preference."""

    __slots__ = ("file", "line", "versions", "kind")

    def __init__(self, file: str, line: int, versions: list[str], kind: str = "tool-versions") -> None:
        self.file, self.line, self.versions, self.kind = file, line, versions, kind


def find(cwd: str, environ: Mapping[str, str]) -> Found | None:
    """The nearest project file naming kubectl, the home folder excluded."""
    name = environ.get("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME") or DEFAULT_NAME
    folder = (cwd if cwd[:1] == "/" else abspath(cwd)).rstrip("/") if cwd else ""
    home = environ.get("HOME", "").rstrip("/")
    while True:  # folder is "" for the root; plain string ops: this runs on every kubectl call
        if folder != home or not home:
            hit = in_folder(folder, name)
            if hit is not None:
                return hit
        if not folder:
            return None
        folder = folder.rpartition("/")[0]


def find_global(environ: Mapping[str, str]) -> Found | None:
    """The user's default: the home folder's files, then mise's global config."""
    home = environ.get("HOME", "").rstrip("/")
    if home[:1] == "/":
        hit = in_folder(home, environ.get("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME") or DEFAULT_NAME)
        if hit is not None:
            return hit
    config = environ.get("MISE_GLOBAL_CONFIG_FILE", "")
    if not config:
        base = environ.get("XDG_CONFIG_HOME", "")
        base = base if base[:1] == "/" else f"{home}/.config" if home[:1] == "/" else ""
        config = f"{base}/mise/config.toml" if base else ""
    return read_mise(config) if config else None


def in_folder(folder: str, name: str = DEFAULT_NAME) -> Found | None:
    for mise_name in MISE_NAMES:
        hit = read_mise(f"{folder}/{mise_name}")
        if hit is not None:
            return hit
    return read(f"{folder}/{name}")


def _text(path: str) -> str | None:
    if not posix.access(path, posix.F_OK):  # the usual case, and 3x cheaper than a failing open()
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None


def read(path: str) -> Found | None:
    """The kubectl line of one .tool-versions file, or None (missing, unreadable or no kubectl line)."""
    text = _text(path)
    if text is None:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words and words[0] == TOOL:
            return Found(path, number, words[1:])
    return None


def read_mise(path: str) -> Found | None:
    """The kubectl entry of one mise config file; KctxError (file:line) for one kctx cannot read."""
    text = _text(path)
    if text is None or TOOL not in text:
        return None
    from kctx.versions import misetoml

    hit = misetoml.find(text, path)
    return Found(path, hit[0], hit[1], "mise") if hit is not None else None
