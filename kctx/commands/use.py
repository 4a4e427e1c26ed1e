"""`kctx use CONTEXT|-`: switch this shell's session to another context (other shells keep theirs)."""

from __future__ import annotations

from kctx import session as ksession
from kctx.commands import session as session_cmd
from kctx.commands._args import Parser
from kctx.env import Environment
from kctx.status import ExitStatus, KctxError
from kctx.workspace import Workspace


def run(argv: list[str], env: Environment) -> int:
    p = Parser("use", "Switch this shell's context. Other terminals and your kubeconfig files are untouched.")
    p.add_argument("context", nargs="?", help='context name, or "-" for the previous one')
    args = p.parse_args(argv)
    ws = Workspace(env)
    s = session_cmd.require(ws)
    if not args.context:
        for name in sorted(ws.view.context_names()):
            env.stdout.write(f"{name}\n")
        return int(ExitStatus.OK)
    name = args.context
    if name == "-":
        if not s.previous_context:
            raise KctxError("no previous context found")
        name = s.previous_context
    ksession.switch_context(s, ws.view, name)
    session_cmd.save(ws, s)
    env.stderr.write(f'Switched to context "{name}".\n')
    return int(ExitStatus.OK)
