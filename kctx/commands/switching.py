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
from kctx.util.fsutil import kubeconfig_locks, wait_for_writers
from kctx.util.suggest import did_you_mean
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager
    from typing import Concatenate, ParamSpec, TypeVar

    from kctx.kubeconfig.model import Context, FileIndex

    B = TypeVar("B", bound="Backend")
    P = ParamSpec("P")
    R = TypeVar("R")


def kubectx_home(environ: Mapping[str, str]) -> str:
    """kubectx keeps its state under $XDG_CACHE_HOME if set, else $HOME (a kubectx quirk we keep)."""
    home = environ.get("XDG_CACHE_HOME") or environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".kube")


def _locked(method: Callable[Concatenate[B, P], R]) -> Callable[Concatenate[B, P], R]:
    """Run a write to the kubeconfig files under the backend's lock (``Backend.locked``): the checks it
    makes and the edits it commits then see the same files, with no other writer in between."""

    def run(self: B, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.locked():
            return method(self, *args, **kwargs)

    run.__name__, run.__doc__ = method.__name__, method.__doc__
    return run


class _NoLock:
    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


class Backend:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def locked(self) -> AbstractContextManager[None]:
        """Held around a write; in a session the transaction locks the files it edits."""
        return _NoLock()

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

    @_locked
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

    @_locked
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

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws)
        self.pending_state: dict[str, str] = {}  # kubectx's state files, written once the lock is released

    def view(self) -> View:
        """kubectl's files as their last writer left them: kubectl rewrites a file in place while it holds the
        lock, so a view read meanwhile may show it emptied or cut; then it is read again."""
        for _ in range(_SETTLE_TRIES):
            if "kubectl_view" in self.ws.__dict__:  # settled when it was read: one view per decision
                return self.ws.kubectl_view
            view = self.ws.kubectl_view
            if wait_for_writers(self._files()) and all(_unchanged(f) for f in view.files):
                return view
            self.ws.__dict__.pop("kubectl_view", None)
        return self.ws.kubectl_view

    def locked(self) -> AbstractContextManager[None]:
        """kubectl's lock on every one of its files, as kubectl takes them for any config write, with the
        view read again under it."""
        return _FreshLocks(self, self._files())

    def _files(self) -> list[str]:
        return [os.path.abspath(f) for f in self.ws.base_files]

    def _require_files(self) -> None:
        if not any(os.path.exists(f) for f in self._files()):
            raise KctxError(f"kubeconfig error: kubeconfig file not found: {self._files()[0]}")

    def current(self) -> str:
        return self.view().current_context

    @_locked
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

    @_locked
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

    @_locked
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
        """Queued while kubectl's lock is held (kubectl fails at once on it: hold it no longer than needed)."""
        self.pending_state[name] = value

    def write_state(self) -> None:
        while self.pending_state:
            self._write_state(*self.pending_state.popitem())

    def _write_state(self, name: str, value: str) -> None:
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


_SETTLE_TRIES = 4


def _unchanged(f: FileIndex) -> bool:
    """The file is still the one this index was read from (a FileIndex without a stamp was not read)."""
    from kctx.util.parsecache import stamp

    try:
        return not f.stamp or stamp(os.stat(f.path)) == tuple(f.stamp)
    except OSError:
        return False


class _FreshLocks:
    def __init__(self, b: FileBackend, files: list[str]) -> None:
        self.b, self.locks = b, kubeconfig_locks(files)

    def __enter__(self) -> None:
        self.locks.__enter__()
        for cached in ("kubectl_view", "view"):  # read before the lock: decide on the files as they are now
            self.b.ws.__dict__.pop(cached, None)

    def __exit__(self, *exc: object) -> None:
        self.locks.__exit__()
        self.b.write_state()


class SessionBackend(Backend):
    """Changes land in this shell's session file only."""

    def __init__(self, ws: Workspace, s: ksession.Session) -> None:
        super().__init__(ws)
        self.s = s

    def view(self) -> View:
        return self.ws.view

    def locked(self) -> AbstractContextManager[None]:
        """kubectl's lock on the session file, with the session read again under it."""
        return _FreshSession(self)

    def current(self) -> str:
        return self.s.context

    @_locked
    def switch(self, name: str) -> None:
        if not self.ws.view.has_context(name):
            raise KctxError(f'failed to switch context: no context exists with the name: "{name}"'
                            f"{did_you_mean(name, self.ws.view.context_names())}")
        ksession.switch_context(self.s, self.ws.view, name)
        session_ops.save(self.ws, self.s)

    @_locked
    def unset(self) -> None:
        ksession.unset_context(self.s, self.ws.view)
        session_ops.save(self.ws, self.s)

    def previous(self) -> str:
        return self.s.previous_context

    def namespace(self) -> str:
        if not self.s.context:
            raise KctxError("current-context is not set")
        return self.s.namespace or "default"

    @_locked
    def set_namespace(self, ns: str) -> None:
        ksession.set_namespace(self.s, ns)
        session_ops.save(self.ws, self.s)

    def previous_namespace(self) -> str:
        return self.s.previous_namespaces.get(self.s.context, "")

    @_locked
    def rename(self, old: str, new: str) -> None:
        super().rename(old, new)
        ksession.rename_context(self.s, old, new)
        self.ws.__dict__.pop("view", None)
        session_ops.save(self.ws, self.s)

    @_locked
    def delete(self, name: str) -> None:
        super().delete(name)
        ksession.forget_context(self.s, name)
        self.ws.__dict__.pop("view", None)
        session_ops.save(self.ws, self.s)


class _FreshSession:
    def __init__(self, b: SessionBackend) -> None:
        self.b, self.editing = b, session_ops.edit(b.ws)

    def __enter__(self) -> None:
        self.b.s = self.editing.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.editing.__exit__()


def backend(ws: Workspace) -> Backend:
    s = ws.session
    return SessionBackend(ws, s) if s is not None else FileBackend(ws)
