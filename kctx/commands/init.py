"""`kctx init bash|zsh|fish`: print the shell integration (session, shim on PATH, prompt values)."""

from __future__ import annotations

import shlex
from importlib import resources

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.shim import install as shiminstall
from kctx.shim import native as shimnative

SHELLS = ("bash", "zsh", "fish")


def fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def launcher() -> list[str]:
    """How the shell function starts kctx: python -S and our launcher skip slow .pth hooks (see launch.py)."""
    import sys

    return [sys.executable, "-S", str(resources.files("kctx").joinpath("launch.py"))]


def script(shell: str, command: list[str], shim_dir: str) -> str:
    text = resources.files("kctx").joinpath(f"data/shell/kctx.{shell}").read_text()
    quote = fish_quote if shell == "fish" else shlex.quote
    return text.replace("@KCTX_BIN@", " ".join(quote(c) for c in command)).replace(
        "@KCTX_SHIM_DIR@", quote(shim_dir))


HELP = Help(
    ["init bash|zsh|fish"],
    "Print the shell integration: a session per shell, the kctx shell function (so use, ctx and ns change\n"
    "this shell at once), the kubectl shim first on PATH, the prompt segment and completions. See\n"
    "docs/shell.md.",
    [('eval "$(kctx init bash)"', "in ~/.bashrc"), ('eval "$(kctx init zsh)"', "in ~/.zshrc"),
     ("kctx init fish | source", "in ~/.config/fish/config.fish")])


def parser() -> Parser:
    p = Parser("init", doc=HELP)
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    shim_dir = env.paths.shim_dir
    shiminstall.install(shim_dir, native=shimnative.wanted(env.environ))
    env.stdout.write(script(args.shell, launcher(), str(shim_dir)))
    return int(ExitStatus.OK)
