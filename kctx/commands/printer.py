"""kubectx-style messages: "✔ " for success, kubectx's "warning: " and "error: " prefixes (kctx/errors.py
holds the rule: `kctx ctx` and `kctx ns` print what kubectx and kubens print), optional colour; and
kubectx's usage text and -h/-V answers.

Colour follows kubectx: forced by _KUBECTX_FORCE_COLOR, off with NO_COLOR, else on when stdout is a
terminal (for stderr messages too).
"""

from __future__ import annotations

from kctx import __version__
from kctx.env import Environment
from kctx.errors import prefix

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable

    from kctx.commands.helptext import Help
    from kctx.workspace import Workspace

GREEN, GREEN_BOLD, RED_BOLD, YELLOW_BOLD, RESET = "\033[32m", "\033[32;1m", "\033[31;1m", "\033[33;1m", "\033[0m"


class Printer:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.color = env.color(env.stdout)

    def paint(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def success(self, message: str) -> None:
        self.env.stderr.write(f"{self.paint('✔ ', GREEN)}{message}\n")

    def warning(self, message: str) -> None:
        self.env.stderr.write(f"{self.paint(prefix('warning', drop_in=True), YELLOW_BOLD)}{message}\n")

    def error(self, message: str) -> None:
        self.env.stderr.write(f"{self.paint(prefix('error', drop_in=True), RED_BOLD)}{message}\n")

    def item(self, name: str, active: bool) -> None:
        self.env.stdout.write(f"{self.paint(name, GREEN_BOLD) if active else name}\n")

    def name(self, name: str) -> str:
        return self.paint(name, GREEN)


def first_steps(ws: Workspace) -> str:
    """What to do with no kubeconfig file at all (a brand-new user): try the demo, or where to put one."""
    return (f"kctx demo tries kctx on three stand-in clusters (nothing of yours is touched); or save your "
            f"cluster's kubeconfig as {ws.kubeconfig_places()[0]} (e.g. from your cloud's get-credentials command)")


def no_kubeconfig(ws: Workspace) -> str:
    """The lines a command prints instead of an empty answer when there is no kubeconfig file at all."""
    return (f"no kubeconfig file found, so kubectl has no cluster to talk to\n"
            f"  kctx looks in: {', '.join(ws.kubeconfig_places())}\n"
            f"  next: {first_steps(ws)}\n")


def run_kubectx_style(body: Callable[[list[str], Environment, Printer, str], int], argv: list[str],
                      env: Environment, prog: str) -> int:
    """Run a kubectx/kubens-compatible command: any KctxError becomes "error: …" on stderr and exit 1."""
    from kctx.errors import ExitStatus, KctxError

    out = Printer(env)
    try:
        return body(argv, env, out, prog)
    except KctxError as exc:
        out.error(exc.message)
        return ExitStatus.ERROR


def help_or_version(arg: str, env: Environment, doc: Help) -> bool:
    """Answer kubectx's -h/--help and -V/--version (True), or leave ``arg`` to the command (False)."""
    if arg in ("-h", "--help"):
        from kctx.commands.helptext import render

        env.stdout.write(render(doc))
        return True
    if arg in ("-V", "--version"):
        env.stdout.write(f"v{__version__}\n")
        return True
    return False


def natural_key(name: str) -> list[tuple[int, int, str]]:
    """Sort "ctx2" before "ctx10", as kubectx does."""
    import re

    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part]
