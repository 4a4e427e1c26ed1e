"""The two places a context/namespace switch can land, behind one interface.

Outside a kctx session the change goes into the user's kubeconfig files, as kubectx/kubens do (with
kubectl's rules for which file). Inside a session only the session changes; other shells keep theirs.
"""

from __future__ import annotations

import os

from kctx.errors import KctxError
from kctx.kubeconfig import edit
from kctx.kubeconfig.model import View
from kctx.kubeconfig.writer import Transaction, default_file
from kctx.session import ops as session_ops
from kctx.session import store as ksession
from kctx.util.suggest import did_you_mean
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.kubeconfig.model import Context


def kubectx_home(environ: Mapping[str, str]) -> str:
    """kubectx keeps its state under $XDG_CACHE_HOME if set, else $HOME (a kubectx quirk we keep)."""
    home = environ.get("XDG_CACHE_HOME") or environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".kube")


class Backend:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # --- contexts
    def view(self) -> View: raise NotImplementedError
    def current(self) -> str: raise NotImplementedError
    def switch(self, name: str) -> None: ...
    def unset(self) -> None: ...
    def previous(self) -> str: raise NotImplementedError
    # --- namespaces
    def namespace(self) -> str: raise NotImplementedError
    def set_namespace(self, ns: str) -> None: ...
    def previous_namespace(self) -> str: raise NotImplementedError

    def rename(self, old: str, new: str) -> None:
        """Rename in the file that defines ``old`` (an explicit edit of the user's file, in or out of a session)."""
        view = self.ws.view if self.ws.session else self.view()
        ctx = view.context(old)
        if ctx is None:
            raise KctxError(f'context "{old}" not found, can\'t rename it{did_you_mean(old, view.context_names())}')
        tx = Transaction()
        existing = view.context(new)
        if existing is not None:
            from kctx.commands.printer import Printer

            Printer(self.ws.env).warning(f'context "{new}" exists, overwriting it.')
            tx.add(existing.file, lambda t: edit.delete_entry(t, "contexts", new))
        tx.add(ctx.file, lambda t: edit.rename_context(t, old, new))
        # current-context lives in whichever file sets it; follow the rename there too.
        if view.current_context == old and view.current_context_file != ctx.file:
            tx.add(view.current_context_file, lambda t: edit.set_current_context(t, new))
        tx.commit()

    def delete(self, name: str) -> None:
        view = self.ws.view if self.ws.session else self.view()
        ctx = view.context(name)
        if ctx is None:
            raise KctxError(f'error deleting context "{name}": context does not exist'
                            f"{did_you_mean(name, view.context_names())}")
        tx = Transaction()
        tx.add(ctx.file, lambda t: edit.delete_entry(t, "contexts", name))
        tx.commit()


class FileBackend(Backend):
    """kubectx/kubens semantics on the files kubectl reads (KUBECONFIG or ~/.kube/config)."""

    def view(self) -> View:
        return self.ws.kubectl_view

    def _files(self) -> list[str]:
        return [os.path.abspath(f) for f in self.ws.base_files]

    def _require_files(self) -> None:
        if not any(os.path.exists(f) for f in self._files()):
            raise KctxError(f"kubeconfig error: kubeconfig file not found: {self._files()[0]}")

    def current(self) -> str:
        return self.view().current_context

    def switch(self, name: str) -> None:
        self._require_files()
        view = self.view()
        if not view.has_context(name):
            elsewhere = self.ws.view.context(name)
            if elsewhere is not None:
                raise KctxError(f'context "{name}" is defined in {elsewhere.file}, which kubectl does not read '
                                "outside a kctx session; use 'kctx use' in a shell set up with 'kctx init'")
            raise KctxError(f'failed to switch context: no context exists with the name: "{name}"'
                            f"{did_you_mean(name, view.context_names())}")
        prev = view.current_context
        tx = Transaction()
        tx.add(default_file(self._files()), lambda t: edit.set_current_context(t, name))
        tx.commit()
        if prev != name:
            self._save_state("kubectx", prev)

    def unset(self) -> None:
        self._require_files()
        view = self.view()
        target = view.current_context_file or default_file(self._files())
        tx = Transaction()
        tx.add(target, lambda t: edit.set_current_context(t, ""))
        tx.commit()

    def previous(self) -> str:
        return self._load_state("kubectx")

    def namespace(self) -> str:
        ctx = self._current_ctx()
        return ctx.namespace or "default"

    def _current_ctx(self) -> Context:
        cur = self.current()
        if not cur:
            raise KctxError("current-context is not set")
        ctx = self.view().context(cur)
        if ctx is None:
            raise KctxError(f'failed to read namespace of "{cur}": context with name "{cur}" not found')
        return ctx

    def set_namespace(self, ns: str) -> None:
        ctx = self._current_ctx()
        before = ctx.namespace or "default"
        tx = Transaction()
        tx.add(ctx.file, lambda t: edit.set_context_namespace(t, ctx.name, ns))
        tx.commit()
        if before != ns:
            self._save_state(os.path.join("kubens", ctx.name), before)

    def previous_namespace(self) -> str:
        return self._load_state(os.path.join("kubens", self._current_ctx().name)).strip()

    def _state_path(self, name: str) -> str:
        return os.path.join(kubectx_home(self.ws.env.environ), name)

    def _save_state(self, name: str, value: str) -> None:
        path = self._state_path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        from kctx.util.fsutil import atomic_write

        atomic_write(path, value, mode=0o644)

    def _load_state(self, name: str) -> str:
        try:
            with open(self._state_path(name), encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError):
            return ""


class SessionBackend(Backend):
    """Changes land in this shell's session file only."""

    def __init__(self, ws: Workspace, s: ksession.Session) -> None:
        super().__init__(ws)
        self.s = s

    def view(self) -> View:
        return self.ws.view

    def current(self) -> str:
        return self.s.context

    def switch(self, name: str) -> None:
        if not self.ws.view.has_context(name):
            raise KctxError(f'failed to switch context: no context exists with the name: "{name}"'
                            f"{did_you_mean(name, self.ws.view.context_names())}")
        ksession.switch_context(self.s, self.ws.view, name)
        session_ops.save(self.ws, self.s)

    def unset(self) -> None:
        ksession.unset_context(self.s, self.ws.view)
        session_ops.save(self.ws, self.s)

    def previous(self) -> str:
        return self.s.previous_context

    def namespace(self) -> str:
        if not self.s.context:
            raise KctxError("current-context is not set")
        return self.s.namespace or "default"

    def set_namespace(self, ns: str) -> None:
        ksession.set_namespace(self.s, ns)
        session_ops.save(self.ws, self.s)

    def previous_namespace(self) -> str:
        return self.s.previous_namespaces.get(self.s.context, "")

    def rename(self, old: str, new: str) -> None:
        super().rename(old, new)
        ksession.rename_context(self.s, old, new)
        self.ws.__dict__.pop("view", None)
        session_ops.save(self.ws, self.s)

    def delete(self, name: str) -> None:
        super().delete(name)
        ksession.forget_context(self.s, name)
        self.ws.__dict__.pop("view", None)
        session_ops.save(self.ws, self.s)


def backend(ws: Workspace) -> Backend:
    s = ws.session
    return SessionBackend(ws, s) if s is not None else FileBackend(ws)
