"""`use`, `ctx` and `ns` without an argument: a fuzzy picker on a terminal, a list otherwise.

kubectx's rule, without needing fzf: the picker opens when stdout is a terminal and KUBECTX_IGNORE_FZF
is unset or empty. Keys come from stdin when it is a terminal, else from the controlling terminal (as fzf
reads them), so `kctx ctx < /dev/null` on a terminal still picks.
"""

from __future__ import annotations

from kctx.env import Environment
from kctx.errors import KctxError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import TextIO

    from kctx.picker.ui import Entry

CANCELLED = "you did not choose any of the options"  # kubectx's and kubens's words


def interactive(env: Environment) -> bool:
    if env.environ.get("KUBECTX_IGNORE_FZF") or not env.stdout_isatty:
        return False
    return env.stdin.isatty() or _tty_readable(env.tty_path)


def choose(env: Environment, title: str, entries: list[Entry]) -> str:
    """The name the user picked; KctxError (nothing changed) when they cancel."""
    from kctx.picker.ui import pick

    with _keys(env) as keys:
        choice = pick(title, entries, stdin=keys, stdout=env.stdout)
    if choice is None:
        raise KctxError(CANCELLED)
    return choice


def choose_many(env: Environment, title: str, entries: list[Entry]) -> list[int] | None:
    """The places in ``entries`` of those the user marked (maybe none); None when they cancel."""
    from kctx.picker.ui import pick_many

    with _keys(env) as keys:
        return pick_many(title, entries, stdin=keys, stdout=env.stdout)


def _keys(env: Environment) -> AbstractContextManager[TextIO]:
    """Where keys come from: stdin on a terminal, else the controlling terminal."""
    from contextlib import nullcontext

    return nullcontext(env.stdin) if env.stdin.isatty() else _open_tty(env.tty_path)


def _tty_readable(path: str) -> bool:
    try:
        with _open_tty(path):
            return True
    except KctxError:
        return False


def _open_tty(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise KctxError(f"cannot open the terminal {path}: {exc.strerror}") from None
