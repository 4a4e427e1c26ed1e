"""`kctx lock`: end this shell's unlock (kctx/commands/unlock.py) now."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.workspace import Workspace

HELP = Help(
    ["lock"],
    "End this shell's unlock ('kctx unlock'): confirmations are asked again, read-only contexts refuse writes.",
    [("kctx lock", "done with prod: ask again from now on")])


def run(argv: list[str], env: Environment) -> int:
    simple(argv, "lock", HELP, max_positional=0)
    from kctx.guard.audit import write
    from kctx.guard.unlock import revoke, this_shell

    ws = Workspace(env)
    shell = this_shell()
    u = revoke(ws.paths, shell) if shell is not None else None
    if u is None:
        env.stdout.write("nothing is unlocked in this shell\n")
        return int(ExitStatus.OK)
    write(ws.paths.audit_log, {"event": "lock", "context": u.context, "reason": u.reason,
                               "decision": "locked"}, env.environ)
    env.stdout.write(f"locked {u.context}\n")
    return int(ExitStatus.OK)
