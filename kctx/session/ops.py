"""Session operations shared by the commands, the shim and the REPL: find this shell's session, save it,
start a new one."""

from __future__ import annotations

import os

from kctx.errors import KctxError
from kctx.guard.protection import protection
from kctx.kubeconfig import files as kfiles
from kctx.session import store
from kctx.util.fsutil import kubeconfig_lock
from kctx.workspace import Workspace


def require(ws: Workspace) -> store.Session:
    s: store.Session | None = ws.session
    if s is None:
        raise KctxError("no kctx session in this shell; add 'eval \"$(kctx init bash)\"' (or zsh/fish) "
                        "to your shell's rc file")
    return s


class _Editing:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.lock = kubeconfig_lock(require(ws).path)

    def __enter__(self) -> store.Session:
        self.lock.__enter__()
        self.ws.__dict__.pop("session", None)  # read before the lock: change the file as it is now
        try:
            return require(self.ws)
        except BaseException:
            self.lock.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        self.lock.__exit__()


def edit(ws: Workspace) -> _Editing:
    """This shell's session, read again under kubectl's lock on its file and held until the change is
    saved: parallel kctx calls in one shell (a script's) and kubectl's own writes to the session (it is
    first in KUBECONFIG) then come one after the other, and none undoes another."""
    return _Editing(ws)


def save(ws: Workspace, s: store.Session) -> None:
    view = ws.view
    ctx = view.context(s.context) if s.context else None
    if ctx is not None and not (s.cluster or s.user):
        # A raw `kubectl config use-context X` set only current-context in the session: take X's entry.
        s.cluster, s.user = ctx.cluster, ctx.user
        s.namespace = s.namespace or s.namespaces.get(ctx.name) or ctx.namespace
    if ctx is not None:
        s.marked = s.marked or ctx.protected_mark  # a mark added to the user's file later is picked up too
        s.readonly = s.readonly or bool(view.marked_readonly("contexts", ctx.name))
    server = ""
    if ctx is not None:
        cl = view.cluster(s.cluster or ctx.cluster)
        server = cl.server if cl else ""
    protected = bool(s.context) and bool(protection(ws.local_config, view, s.context, s.cluster, server))
    store.write(s, view, protected=protected)


def start(ws: Workspace, pid: int, context: str) -> store.Session:
    """Create and save the session of shell ``pid`` (inheriting a parent shell's), switched to ``context``
    when given; it becomes ``ws.session``."""
    env = ws.env
    parent = ws.session if env.session_path and os.path.exists(env.session_path) else None
    ws.__dict__["session"] = parent  # a vanished parent session (e.g. /run/user cleared) starts afresh
    if parent is not None:
        # A child shell (or a new tmux pane) inherits its parent's state, then goes its own way.
        base = parent.base
        s = store.Session(path=store.new_path(ws.paths.sessions_dir), context=parent.context,
                          cluster=parent.cluster, user=parent.user, namespace=parent.namespace,
                          previous_context=parent.previous_context,
                          previous_namespaces=dict(parent.previous_namespaces), base=base, shell_pid=pid,
                          namespaces=dict(parent.namespaces))
    else:
        base = [os.path.abspath(f) for f in kfiles.kubectl_files(env.environ, ws.paths)]
        s = store.Session(path=store.new_path(ws.paths.sessions_dir), base=base, shell_pid=pid)
        current = ws.kubectl_view.current_context
        ctx = ws.view.context(current) if current else None
        if ctx is not None and not ws.view.dangling(ctx):
            store.switch_context(s, ws.view, current)
    # Sessions are rebuilt from `base`, not from the narrowed KUBECONFIG a parent exported.
    ws.__dict__["session"] = s
    if context:
        store.switch_context(s, ws.view, context)
    save(ws, s)
    store.cleanup(ws.paths.sessions_dir, keep=s.path)
    return s
