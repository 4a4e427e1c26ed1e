"""`kctx session start|sync|show|cleanup`: the plumbing under the shell integration."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, UsageError
from kctx.session import ops
from kctx.session import store as ksession
from kctx.workspace import Workspace

HELP = Help(
    ["session start --pid PID [--context CONTEXT]", "session sync|show|cleanup"],
    """
Per-shell sessions: the plumbing under the shell integration (`kctx init` runs these for you).
""",
    [("kctx session show", "this shell's session file"), ("kctx session cleanup", "after a crash or a reboot")],
    [("actions", [("start", "create a session for the shell PID and print its path"),
                  ("sync", "re-derive the session's .env after kubectl or an editor changed a file"),
                  ("show", "print this shell's session file"),
                  ("cleanup", "remove sessions whose shell is gone")]),
     ("options", [("--pid PID", "start: the shell the session belongs to"),
                  ("--context CONTEXT", "start: begin in this context instead of kubectl's current one")])])
ACTIONS = ("start", "sync", "show", "cleanup")


def run(argv: list[str], env: Environment) -> int:
    # No argparse: `sync` runs from the prompt hook, where every millisecond shows.
    flags, pos = simple(argv, "session", HELP, {"--pid": "pid", "--context": "context"})
    if not pos or pos[0] not in ACTIONS:
        raise UsageError(f"session: expected one of {', '.join(ACTIONS)} (see 'kctx session -h')")
    action = pos[0]
    ws = Workspace(env)
    if action == "start":
        if not flags.get("pid", "").isdigit():
            raise UsageError("session start: --pid PID is required")
        s = ops.start(ws, int(flags["pid"]), flags.get("context", ""))
        env.stdout.write(f"{s.path}\n")
        return int(ExitStatus.OK)
    if action == "cleanup":
        n = ksession.cleanup(ws.paths.sessions_dir)
        env.stderr.write(f"removed {n} stale session(s)\n")
        return int(ExitStatus.OK)
    s = ops.require(ws)
    if action == "show":
        env.stdout.write(f"{s.path}\n")
    else:
        with ops.edit(ws) as fresh:
            ops.save(ws, fresh)
    return int(ExitStatus.OK)
