"""`kctx shell [CONTEXT]`: an interactive kubectl shell with its own session (docs/repl.md)."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.env import Environment

HELP = Help(
    ["shell [CONTEXT]"],
    """
An interactive kubectl shell: type kubectl commands (without "kubectl"), with completion from the
kubectl binary and the cluster, history per context, and the kctx guard in front of every command.
The shell has its own session: `use` and `ns` inside it change nothing in other terminals.
It starts from this terminal's context (or CONTEXT). Type `help` inside for more. See docs/repl.md.
Bare `kctx` on a terminal opens it too.
""",
    [("kctx shell", "start in this terminal's context"), ("kctx shell staging", "start in staging")],
    [("arguments", [("CONTEXT", "the context to start in")])])


def run(argv: list[str], env: Environment) -> int:
    _, pos = simple(argv, "shell", HELP)
    from kctx.repl.app import main

    return main(env, pos[0] if pos else "")
