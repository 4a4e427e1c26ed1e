"""`kctx session start|sync|show|cleanup`: the plumbing under the shell integration."""

from __future__ import annotations

import os
from pathlib import Path

from kctx import session as ksession
from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.kubeconfig import files as kfiles
from kctx.status import ExitStatus, KctxError
from kctx.target import protection
from kctx.workspace import Workspace


def run(argv: list[str], env: Environment) -> int:
    p = Parser("session", "Per-shell sessions (used by the shell integration).")
    sub = p.add_subparsers(dest="action", required=True)
    start = sub.add_parser("start", help="create a session for a shell and print its path")
    start.add_argument("--pid", type=int, required=True, help="the shell's process id")
    start.add_argument("--context", default="", help="start in this context instead of the current one")
    sub.add_parser("sync", help="rewrite the session's .env after kubeconfig files changed")
    sub.add_parser("show", help="print the session file path")
    sub.add_parser("cleanup", help="remove sessions whose shell is gone")
    args = p.parse_args(argv)
    ws = Workspace(env)
    if args.action == "start":
        return start_session(ws, args.pid, args.context)
    if args.action == "cleanup":
        n = ksession.cleanup(ws.paths.sessions_dir)
        env.stderr.write(f"removed {n} stale session(s)\n")
        return int(ExitStatus.OK)
    s = require(ws)
    if args.action == "show":
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
    server = ""
    if ctx is not None:
        cl = view.cluster(s.cluster or ctx.cluster)
        server = cl.server if cl else ""
    protected = bool(s.context) and bool(protection(ws.config, view, s.context, s.cluster, server))
    ksession.write(s, view, protected=protected)


def start_session(ws: Workspace, pid: int, context: str) -> int:
    env = ws.env
    parent = ws.session if env.session_path and env.session_path.exists() else None
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
    ksession.cleanup(ws.paths.sessions_dir, keep=Path(s.path))
    env.stdout.write(f"{s.path}\n")
    return int(ExitStatus.OK)
