"""`kctx use CONTEXT|-`: switch this shell's session to another context (other shells keep theirs)."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.commands.printer import GREEN_BOLD, Printer, natural_key
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.session import ops as session_ops
from kctx.session import store as ksession
from kctx.workspace import Workspace

USAGE = """usage: kctx use [CONTEXT|-]

Switch this shell's context ("-": the previous one). Other terminals and your kubeconfig files are
untouched. Needs the shell integration: eval "$(kctx init bash)". Without CONTEXT: list contexts, the
current one marked with * (and highlighted on a terminal).
"""


def run(argv: list[str], env: Environment) -> int:
    _, pos = simple(argv, "use", USAGE)
    ws = Workspace(env)
    s = session_ops.require(ws)
    if not pos:
        paint = Printer(env).paint
        for name in sorted(ws.view.context_names(), key=natural_key):
            env.stdout.write(f"* {paint(name, GREEN_BOLD)}\n" if name == s.context else f"  {name}\n")
        return int(ExitStatus.OK)
    name = pos[0]
    if name == "-":
        if not s.previous_context:
            raise KctxError("no previous context found")
        name = s.previous_context
    ksession.switch_context(s, ws.view, name)
    session_ops.save(ws, s)
    env.stderr.write(f'Switched to context "{name}".\n')
    return int(ExitStatus.OK)
