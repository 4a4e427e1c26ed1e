"""--shell: the `kctx init` line in the engineer's rc file, once, inside a marked block. A file that already
loads kctx (the block, or a line of the user's own) is left alone; otherwise the block is appended, the rest
of the file kept byte for byte, through a symlinked rc file to its target (dotfile managers link them)."""

from __future__ import annotations

import os

from kctx.errors import KctxError
from kctx.onboard.step import Run, Step
from kctx.util.fsutil import atomic_write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

BEGIN = "# >>> kctx shell integration (added by kctx onboard --shell) >>>"
END = "# <<< kctx shell integration <<<"
LINES = {"bash": 'eval "$(kctx init bash)"', "zsh": 'eval "$(kctx init zsh)"', "fish": "kctx init fish | source"}


def rc_file(environ: Mapping[str, str], home: str) -> tuple[str, str]:
    """(shell, rc file) for the engineer's login shell ($SHELL); KctxError for another shell."""
    shell = os.path.basename(environ.get("SHELL", ""))
    if shell == "bash":
        return shell, os.path.join(home, ".bashrc")
    if shell == "zsh":
        return shell, os.path.join(environ.get("ZDOTDIR") or home, ".zshrc")
    if shell == "fish":
        config = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        return shell, os.path.join(config, "fish", "config.fish")
    said = f"$SHELL is {environ['SHELL']}" if environ.get("SHELL") else "$SHELL is not set"
    raise KctxError(f"--shell: {said}; kctx integrates with bash, zsh and fish (add the kctx init line by hand: "
                    "README, Install)")


def loads_kctx(text: str) -> bool:
    return BEGIN in text or any("kctx init" in line and not line.lstrip().startswith("#")
                                for line in text.splitlines())


class ShellStep(Step):
    def __init__(self, ctx: Run) -> None:
        self.ctx = ctx
        self.shell, self.path = rc_file(ctx.env.environ, ctx.home)
        self.label = f"shell integration in {ctx.show(self.path)}"

    def pending(self) -> list[str]:
        return [] if loads_kctx(self._read()) else [f"add `{LINES[self.shell]}` to {self.ctx.show(self.path)} "
                                                     "(a marked block at its end)"]

    def run(self) -> list[str]:
        target = os.path.realpath(self.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        text = self._read()  # no lock: an editor holding the file would not honour one
        if loads_kctx(text):
            return []
        sep = "" if not text or text.endswith("\n") else "\n"
        block = f"{sep}\n{BEGIN}\n{LINES[self.shell]}\n{END}\n"
        atomic_write(target, text + block, mode=_mode(target))
        return [f"added `{LINES[self.shell]}` to {self.ctx.show(self.path)}; it loads in new shells"]

    def _read(self) -> str:
        try:
            with open(self.path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
                return fh.read()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise KctxError(f"{self.path}: cannot read: {exc.strerror or exc}") from None


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return 0o644  # an rc file is not secret
