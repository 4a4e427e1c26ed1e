"""`kctx session start|sync|show|cleanup`: the plumbing under the shell integration."""

from __future__ import annotations

import os

from kctx import session as ksession
from kctx.commands._args import simple
from kctx.env import Environment
from kctx.kubeconfig import files as kfiles
from kctx.status import ExitStatus, KctxError, UsageError
from kctx.target import protection
from kctx.workspace import Workspace

USAGE = """usage: kctx session start --pid PID [--context CONTEXT] | sync | show | cleanup

Per-shell sessions (the plumbing under the shell integration):
  start     create a session for the shell PID and print its path
  sync      re-derive the session's .env after kubectl or an editor changed a file
  show      print this shell's session file
  cleanup   remove sessions whose shell is gone
"""
ACTIONS = ("start", "sync", "show", "cleanup")


def run(argv: list[str], env: Environment) -> int:
    # No argparse: `sync` runs from the prompt hook, where every millisecond shows.
    flags, pos = simple(argv, "session", USAGE, {"--pid": "pid", "--context": "context"})
    if not pos or pos[0] not in ACTIONS:
        raise UsageError(f"kctx session: expected one of {', '.join(ACTIONS)} (see 'kctx session -h')")
    action = pos[0]
    ws = Workspace(env)
    if action == "start":
        if not flags.get("pid", "").isdigit():
            raise UsageError("kctx session start: --pid PID is required")
        return start_session(ws, int(flags["pid"]), flags.get("context", ""))
    if action == "cleanup":
        n = ksession.cleanup(ws.paths.sessions_dir)
        env.stderr.write(f"removed {n} stale session(s)\n")
        return int(ExitStatus.OK)
    s = require(ws)
    if action == "show":
        env.stdout.write(f"{s.path}\n")
    else:
        save(ws, s)
    return int(ExitStatus.OK)


def require(ws: Workspace) -> ksession.Session:
    s = ws.session
    if s is None:
        raise KctxError("no kctx session in this shell; add 'eval \"$(kctx init bash)\"' (or zsh/fish) "
                        "to your shell's rc file")
    return s


def save(ws: Workspace, s: ksession.Session) -> None:
    view = ws.view
    ctx = view.context(s.context) if s.context else None
    if ctx is not None and not (s.cluster or s.user):
        # A raw `kubectl config use-context X` set only current-context in the session: take X's entry.
        s.cluster, s.user, s.namespace = ctx.cluster, ctx.user, s.namespace or ctx.namespace
    if ctx is not None:
        s.marked = s.marked or ctx.protected_mark  # a mark added to the user's file later is picked up too
    server = ""
    if ctx is not None:
        cl = view.cluster(s.cluster or ctx.cluster)
        server = cl.server if cl else ""
    protected = bool(s.context) and bool(protection(ws.config, view, s.context, s.cluster, server))
    ksession.write(s, view, protected=protected)


def start_session(ws: Workspace, pid: int, context: str) -> int:
    env = ws.env
    parent = ws.session if env.session_path and os.path.exists(env.session_path) else None
    ws.__dict__["session"] = parent  # a vanished parent session (e.g. /run/user cleared) starts afresh
    if parent is not None:
        # A child shell (or a new tmux pane) inherits its parent's state, then goes its own way.
        base = parent.base
        s = ksession.Session(path=ksession.new_path(ws.paths.sessions_dir), context=parent.context,
                             cluster=parent.cluster, user=parent.user, namespace=parent.namespace,
                             previous_context=parent.previous_context,
                             previous_namespaces=dict(parent.previous_namespaces), base=base, shell_pid=pid)
    else:
        base = [os.path.abspath(f) for f in kfiles.kubectl_files(env.environ, ws.paths)]
        s = ksession.Session(path=ksession.new_path(ws.paths.sessions_dir), base=base, shell_pid=pid)
        current = ws.kubectl_view.current_context
        if current and ws.view.has_context(current) and not ws.view.dangling(ws.view.context(current)):
            ksession.switch_context(s, ws.view, current)
    # Sessions are rebuilt from `base`, not from the narrowed KUBECONFIG a parent exported.
    ws.__dict__["session"] = s
    if context:
        ksession.switch_context(s, ws.view, context)
    save(ws, s)
    ksession.cleanup(ws.paths.sessions_dir, keep=s.path)
    env.stdout.write(f"{s.path}\n")
    return int(ExitStatus.OK)
