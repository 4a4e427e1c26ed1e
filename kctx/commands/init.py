"""`kctx init bash|zsh|fish`: print the shell integration (session, shim on PATH, prompt values)."""

from __future__ import annotations

import shlex
from importlib import resources

from kctx import shiminstall
from kctx.commands._args import Parser
from kctx.env import Environment
from kctx.status import ExitStatus

SHELLS = ("bash", "zsh", "fish")


def fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def script(shell: str, kctx_bin: str, shim_dir: str) -> str:
    text = resources.files("kctx").joinpath(f"data/shell/kctx.{shell}").read_text()
    quote = fish_quote if shell == "fish" else shlex.quote
    return text.replace("@KCTX_BIN@", quote(kctx_bin)).replace("@KCTX_SHIM_DIR@", quote(shim_dir))


def run(argv: list[str], env: Environment) -> int:
    p = Parser("init", 'Print the shell integration. bash/zsh: eval "$(kctx init bash)"; fish: kctx init fish | source')
    p.add_argument("shell", choices=SHELLS)
    args = p.parse_args(argv)
    shim_dir = env.paths.shim_dir
    shiminstall.install(shim_dir)
    env.stdout.write(script(args.shell, shiminstall.kctx_executable(), str(shim_dir)))
    return int(ExitStatus.OK)
