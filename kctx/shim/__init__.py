"""The `kubectl` shim: the native launcher and the Python script on PATH, the full path that decides, the
memo records it writes and the launcher replays, the hot-path bundle, and their installation."""

TYPE_CHECKING = False  # typing is slow to import; annotations only (quoted: no __future__ import here)
if TYPE_CHECKING:
    from typing import Any


def main(*args: "Any", **kwargs: "Any") -> None:  # passed on as they came
    """Shim scripts written before the shim became a package run ``from kctx.shim import main``."""
    from kctx.shim.fullpath import main as run

    run(*args, **kwargs)
