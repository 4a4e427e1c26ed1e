"""What most commands need, loaded lazily: config, the active session, the merged kubeconfig view."""

from __future__ import annotations

import os

from kctx import config as kconfig
from kctx.env import Environment
from kctx.errors import KctxError, line
from kctx.kubeconfig import files as kfiles
from kctx.kubeconfig import index
from kctx.kubeconfig.model import View

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from functools import cached_property  # what the class below behaves like

    from kctx.session.store import Session
else:
    class cached_property:  # noqa: N801 - named like the functools original it stands in for
        """functools.cached_property without importing functools, which pulls in collections: a cost on the
        start of every `kctx use` / `kctx ns`."""

        def __init__(self, fn) -> None:
            self.fn, self.name = fn, fn.__name__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj, owner: type | None = None):
            if obj is None:
                return self
            value = obj.__dict__[self.name] = self.fn(obj)
            return value


class Workspace:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.paths = env.paths

    @cached_property
    def config(self) -> kconfig.Config:
        """The config as written; KctxError when it cannot be read. What guards a write must use this one."""
        return kconfig.load(self.paths)

    @cached_property
    def local_config(self) -> kconfig.Config:
        """The config for listing and switching: a broken file must not keep anyone from switching away, so it
        reads as the defaults then, after a one-line warning. The guard still refuses the writes it cannot
        rule out (kctx/guard/judge.py)."""
        try:
            return self.config
        except KctxError as exc:
            self.warn(f"{exc.message} (using the defaults until it is fixed; kubectl writes that may reach a "
                      "protected cluster are refused)")
            return kconfig.Config()

    @cached_property
    def session(self) -> Session | None:
        """This shell's Session, or None outside a session."""
        path = self.env.session_path
        if path is None:
            return None
        if not os.path.exists(path):
            raise KctxError(f"{path}: the session file is gone; run 'eval \"$(kctx init SHELL)\"' again")
        from kctx.session import store as ksession

        return ksession.read(path)

    @property
    def base_files(self) -> list[str]:
        """kubectl's own files for this shell, ignoring the session's narrowed KUBECONFIG."""
        s = self.session
        if s is not None:
            return s.base or [self.paths.default_kubeconfig()]
        return kfiles.kubectl_files(self.env.environ, self.paths)

    @cached_property
    def known_files(self) -> list[str]:
        return kfiles.known_files(self.base_files, self.local_config.kubeconfigs, str(self.paths.home))

    @cached_property
    def view(self) -> View:
        """Everything kctx knows: kubectl's files, then the config's globs."""
        return index.view(self.known_files, self.paths.index_dir)

    @cached_property
    def kubectl_view(self) -> View:
        """Only what kubectl sees outside a session (the files kubectx would edit)."""
        files = [os.path.abspath(f) for f in self.base_files]
        return index.view(files, self.paths.index_dir)

    def kubeconfig_places(self) -> list[str]:
        """Where kubeconfig files are looked for, as a user writes them: kubectl's files, then the config's globs."""
        from kctx.paths import display

        places = [display(os.path.abspath(f), self.paths.home) for f in self.base_files]
        return list(dict.fromkeys([*places, *self.local_config.kubeconfigs]))

    def current_context(self) -> str:
        s = self.session
        if s is not None:
            return s.context
        return self.kubectl_view.current_context

    def warn_broken_files(self) -> None:
        for err in self.view.errors:
            self.warn(err)

    def warn(self, message: str) -> None:
        self.env.stderr.write(line("warning", message))
