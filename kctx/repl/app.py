"""The interactive shell: wires the prompt, completer, refresher, toolbar, keys and history together.

Start-up order matters for the time to the first prompt: the session is created, prompt_toolkit is
imported, the prompt is drawn, and only then does the refresher start asking kubectl and the cluster.
"""

from __future__ import annotations

import signal

from kctx.env import Environment
from kctx.errors import line as message_line
from kctx.repl.builtins import Shell
from kctx.repl.cache import Cache
from kctx.repl.state import ReplState

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from kctx.picker.ui import Entry


def main(env: Environment, context: str = "") -> int:
    state = ReplState.start(env, context)
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        for w in state.warnings:
            env.stderr.write(message_line("warning", w))
        state.warnings.clear()
        if _interactive(env):
            return App(state).run()
        return line_mode(state, env)
    finally:
        state.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so the session file is removed on hang-up and kill


def _interactive(env: Environment) -> bool:
    try:
        return env.stdin.isatty() and env.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def line_mode(state: ReplState, env: Environment) -> int:
    """stdin is not a terminal (`kctx shell < script`): run each line, no prompt, no completion."""
    shell = Shell(state, Cache(), err=env.stderr, out=env.stdout)
    for line in env.stdin:
        if not shell.execute(line):
            break
    return shell.last_exit if shell.exit_status is None else shell.exit_status


def _fill_local(cache: Cache, state: ReplState) -> None:
    cache.contexts = tuple(state.contexts())
    clusters, users = state.clusters_users()
    cache.clusters, cache.users = tuple(clusters), tuple(users)
    cache.namespace = state.target.namespace or "default"


class App:
    def __init__(self, state: ReplState) -> None:
        from kctx.repl.refresher import Refresher

        self.state = state
        self.cache = Cache()
        _fill_local(self.cache, state)
        self.refresher = Refresher(self.cache, state.child_env, state.env.environ, state.paths, state.config,
                                   self._refreshed)
        self.shell = Shell(state, self.cache, self.refresher, pick=self._pick, changed=self._target_changed,
                           err=state.env.stderr, out=state.env.stdout, clear=self._clear)
        self.session = None
        self._style = None
        self._waiting_for = ""  # the text whose completions are being fetched
        self._history_context = None
        self._toolbar_module = None
        self._unlock: object = None  # this terminal's unlock (kctx/guard/unlock.py), read before each prompt

    # ------------------------------------------------------------ the loop

    def run(self) -> int:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.styles import DynamicStyle

        from kctx.repl import completer, history, keys, toolbar

        self._style = self._make_style()
        self.session = PromptSession(
            message=self._message,
            bottom_toolbar=self._toolbar,
            completer=completer.make_completer(lambda: self.cache, self._wants),
            complete_while_typing=True,
            auto_suggest=history.make_auto_suggest(lambda: self.state.target.protected),
            history=self._history(),
            key_bindings=keys.bindings(),
            vi_mode=self.state.key_mode == "vi",
            enable_suspend=True,
            style=DynamicStyle(lambda: self._style),
            include_default_pygments_style=False,
            reserve_space_for_menu=6,
            search_ignore_case=True,
        )
        self._toolbar_module = toolbar
        self.session.app.after_render += self._first_render
        try:
            while True:
                self._warn()
                self._waiting_for = ""
                self._unlock = self._read_unlock()
                try:
                    line = self.session.prompt()
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                if not self.shell.execute(line):
                    break
        finally:
            self.refresher.stop()
        return self.shell.exit_status or 0

    def _first_render(self, _app) -> None:
        self.session.app.after_render -= self._first_render
        self.refresher.start(self.state.target)

    def _warn(self) -> None:
        for w in self.state.warnings:
            self.shell.fail(w, "warning")
        self.state.warnings.clear()

    # ------------------------------------------------------------ what is drawn

    def _message(self):
        from kctx.repl.toolbar import message

        return message(self.state.target, self.state.identity, self.session.default_buffer.text)

    def _toolbar(self):
        tb = self._toolbar_module
        width = self.session.app.output.get_size().columns
        hint = tb.hint_for(self.session.default_buffer.text, self.state.target)
        return tb.toolbar(self.state.target, self.refresher, self.cache, self.shell.last_exit, hint, width,
                          unlock=self._unlock)

    def _read_unlock(self):
        """This terminal's unlock (kctx unlock): a command just run may have granted, used or ended one. The
        toolbar only computes the time left from it."""
        from kctx.guard.unlock import current

        return current(self.state.paths)

    def _make_style(self):
        from prompt_toolkit.styles import Style

        from kctx.picker.ui import STYLE_RULES as extra
        from kctx.repl.toolbar import style_rules

        t = self.state.target
        default = "red" if t.protected else "green"
        color = self.state.color_for(t.context) or default
        try:
            return Style.from_dict({**style_rules(color), **extra})
        except (ValueError, AssertionError):
            self.state.warnings.append(f"{self.state.config.source}: colors: {color!r} is not a colour")
            return Style.from_dict({**style_rules(default), **extra})

    def _history(self):
        from kctx.repl.history import history_path, make_history

        self._history_context = self.state.target.context
        return make_history(history_path(self.state.paths.history_dir, self.state.target.context))

    # ------------------------------------------------------------ events

    def _target_changed(self) -> None:
        _fill_local(self.cache, self.state)
        self.refresher.switch(self.state.target)
        self._style = self._make_style()
        if self.session is not None and self.state.target.context != self._history_context:
            h = self._history()
            self.session.history = h
            self.session.default_buffer.history = h
            self.session.default_buffer.reset()

    def _wants(self, wants: list[tuple], text: str) -> None:
        if text.strip():
            self._waiting_for = text
        self.refresher.want(wants)

    def _refreshed(self, key: tuple) -> None:
        """A refresher thread finished a job: redraw, and re-open the menu if it was waiting for this."""
        app = self.session.app if self.session is not None else None
        if app is None or app.loop is None or not app.is_running:
            return
        app.invalidate()
        if self._waiting_for:
            app.loop.call_soon_threadsafe(self._retrigger)

    def _retrigger(self) -> None:
        buf = self.session.default_buffer
        waiting, self._waiting_for = self._waiting_for, ""
        if not waiting or buf.document.text_before_cursor != waiting:
            return
        if buf.complete_state is None or not buf.complete_state.completions:
            buf.start_completion(select_first=False)

    def _clear(self) -> None:
        from prompt_toolkit.shortcuts import clear

        clear()

    def _pick(self, kind: str, entries: list[Entry]) -> str | None:
        from kctx.picker.ui import pick

        return pick(kind, entries, self._style)

