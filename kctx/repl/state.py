"""The shell's own session and what it points at. No prompt_toolkit here (also used in line mode).

The REPL owns a session like a terminal does (``kctx session start --pid <repl pid>``): it starts from the
launching shell's session when there is one, `use`/`ns` change only it, and it is removed at exit.
Commands run through the kubectl shim with this session in their environment.
"""

from __future__ import annotations

import os

from kctx.env import Environment
from kctx.errors import KctxError
from kctx.guard.protection import protection
from kctx.session import ops as session_ops
from kctx.session import store as ksession
from kctx.session.envfile import read as read_env
from kctx.util.globmatch import first_match
from kctx.workspace import Workspace

KEY_MODES = ("emacs", "vi")


class Target:
    """What the prompt and the toolbar show; rebuilt after every change of the session."""

    __slots__ = ("context", "namespace", "cluster", "user", "server", "protected_by", "readonly_by")

    def __init__(self, context: str = "", namespace: str = "", cluster: str = "", user: str = "", server: str = "",
                 protected_by: str = "", readonly_by: str = "") -> None:
        self.context, self.namespace, self.cluster, self.user = context, namespace, cluster, user
        self.server, self.protected_by, self.readonly_by = server, protected_by, readonly_by

    @property
    def protected(self) -> bool:
        return bool(self.protected_by)

    def key(self) -> tuple:
        return (self.context, self.namespace, self.cluster, self.user, self.server)


class ReplState:
    def __init__(self, env: Environment, ws: Workspace, s: ksession.Session) -> None:
        self.env = env
        self.ws = ws
        self.session = s
        self.paths = env.paths
        self.shim = os.path.join(self.paths.shim_dir, "kubectl")
        self.identity = ""  # sticky --as USER (the `as` built-in)
        self.warnings: list[str] = []
        self.config = self._load_config()
        self.target = self._compute_target()
        self._stamp = self._session_stamp()

    # ------------------------------------------------------------ life cycle

    @classmethod
    def start(cls, env: Environment, context: str = "") -> ReplState:
        """Create the REPL's session (from the launching shell's, if any) and install the shim."""
        from kctx.shim import install as shiminstall

        ws = Workspace(env)
        s = session_ops.start(ws, os.getpid(), context)
        env.environ["KCTX_SESSION"] = s.path
        env.environ["KCTX_SESSION_PID"] = str(os.getpid())
        try:
            shiminstall.install(env.paths.shim_dir)
        except OSError as exc:
            raise KctxError(f"{env.paths.shim_dir}: cannot install the kubectl shim: {exc.strerror}") from None
        return cls(env, ws, s)

    def close(self) -> None:
        try:
            ksession.remove(self.session.path)
        except OSError:
            pass  # leftovers go at the next session start's cleanup

    # ------------------------------------------------------------ settings

    def _load_config(self):
        from kctx.config import Config

        try:
            return self.ws.config
        except KctxError as exc:
            self.warnings.append(f"{exc.message} (the shell uses defaults; the guard refuses writes until it is fixed)")
            return Config()

    @property
    def shell_settings(self) -> dict:
        raw = self.config.raw.get("shell")
        return raw if isinstance(raw, dict) else {}

    @property
    def key_mode(self) -> str:
        mode = str(self.shell_settings.get("keys") or "emacs")
        if mode not in KEY_MODES:
            self.warnings.append(f"{self.config.source}: shell.keys: expected emacs or vi, got {mode!r}")
            return "emacs"
        return mode

    def color_for(self, context: str) -> str:
        """The configured colour for ``context`` (config ``colors: {"staging-*": "yellow"}``), or ""."""
        colors = self.config.raw.get("colors")
        if not isinstance(colors, dict):
            return ""
        hit = first_match(context, [str(k) for k in colors])
        return str(colors[hit]) if hit else ""

    @property
    def color_enabled(self) -> bool:
        return not self.env.environ.get("NO_COLOR")

    # ------------------------------------------------------------ the target

    def _compute_target(self) -> Target:
        s, view = self.session, self.ws.view
        server = ""
        if s.cluster:
            cl = view.cluster(s.cluster)
            server = cl.server if cl else ""
        why = protection(self.config, view, s.context, s.cluster, server) if s.context else ""
        readonly = ""
        if why:
            from kctx.guard.readonly import readonly as readonly_rule

            readonly = readonly_rule(self.config, view, s.context, s.cluster, server)
        return Target(s.context, s.namespace or ("default" if s.context else ""), s.cluster, s.user, server, why,
                      readonly)

    def _session_stamp(self) -> tuple:
        try:
            st = os.stat(self.session.path)
        except OSError:
            return ()
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _fresh_view(self) -> None:
        """Pick up kubeconfig files edited elsewhere since the shell started (the index cache makes it cheap)."""
        for attr in ("view", "known_files", "kubectl_view"):
            self.ws.__dict__.pop(attr, None)

    def _save(self) -> None:
        session_ops.save(self.ws, self.session)
        self.target = self._compute_target()
        self._stamp = self._session_stamp()

    def use(self, name: str) -> str:
        """Switch to context ``name`` ("-": the previous one); returns the name switched to."""
        s = self.session
        if name == "-":
            if not s.previous_context:
                raise KctxError("no previous context")
            name = s.previous_context
        self._fresh_view()
        ksession.switch_context(s, self.ws.view, name)
        self._save()
        return name

    def previous_namespace(self) -> str:
        prev = self.session.previous_namespaces.get(self.session.context, "")
        if not prev:
            raise KctxError(f"no previous namespace in context {self.session.context}")
        return prev

    def set_namespace(self, namespace: str) -> None:
        ksession.set_namespace(self.session, namespace)
        self._save()

    def reload_if_changed(self) -> bool:
        """kubectl itself may have rewritten the session (`config use-context`, `set-context --current`)."""
        if self._session_stamp() == self._stamp:
            return False
        try:
            fresh = ksession.read(self.session.path)
        except KctxError as exc:
            self.warnings.append(exc.message)
            return False
        fresh.base = fresh.base or self.session.base
        fresh.shell_pid = os.getpid()
        before = self.target.key()
        self.session = fresh
        self.ws.__dict__["session"] = fresh
        self._fresh_view()
        self._save()
        return self.target.key() != before

    # ------------------------------------------------------------ children

    def kubeconfig(self) -> str:
        return read_env(str(self.session.path)).get("KUBECONFIG", "")

    def child_env(self) -> dict:
        """The environment of every command: this session, and the shim first on PATH (also for `!cmd`)."""
        env = dict(self.env.environ)
        env["KCTX_SESSION"] = str(self.session.path)
        env["KCTX_SESSION_PID"] = str(os.getpid())
        kc = self.kubeconfig()
        if kc:
            env["KUBECONFIG"] = kc
        path = env.get("PATH", "")
        shim_dir = self.paths.shim_dir
        if path.split(os.pathsep)[:1] != [shim_dir]:
            env["PATH"] = shim_dir + (os.pathsep + path if path else "")
        return env

    def contexts(self) -> list[str]:
        return sorted(self.ws.view.context_names())

    def clusters_users(self) -> tuple[list[str], list[str]]:
        ctxs = self.ws.view.contexts()
        return sorted({c.cluster for c in ctxs if c.cluster}), sorted({c.user for c in ctxs if c.user})
