"""What a line does: a built-in (use, ctx, ns, as, cd, pwd, clear, help, exit), `!cmd`, or kubectl
through the shim. Words of other shells (cls, quit, logout) are aliases; programs typed out of habit
(ls, cat…) get a one-line hint instead of kubectl's "unknown command".

``Shell`` has no prompt_toolkit in it: the interactive app and the line mode (stdin not a terminal) share it.
Every failure is one line on stderr, and the shell stays up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from kctx.errors import KctxError, line
from kctx.repl import execute
from kctx.repl.cache import Cache
from kctx.repl.classes import classify_words
from kctx.repl.completer import SHELL_WORDS, builtin_name
from kctx.repl.state import ReplState
from kctx.repl.words import split

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import TextIO

    from kctx.picker.ui import Entry
    from kctx.repl.refresher import Refresher

HELP = """\
Type kubectl commands, "kubectl" optional: get pods -w, logs -f deploy/web.
They run through the kctx guard, in this shell's own session: protected
clusters ask to confirm.

  use CTX | use -      switch this shell's context (not other terminals')
  ctx                  pick a context (fuzzy); ctx CTX / ctx - work like use
  ns                   pick a namespace (fuzzy); ns NS / ns - switch,
                       ns -f NS skips the check
  as USER | as -       add --as USER to every command / stop
  !cmd                 run a shell command (this shell's session, kubectl shim)
  CMD | shell…         pipe kubectl's output to a shell command (also > file)
  cd DIR | cd - , pwd  this shell's directory (where -f FILE and !cmd look)
  clear (cls)          clear the screen (Ctrl-L)
  help, exit [N]       this text; leave (also quit, logout, Ctrl-D)

Keys: Tab completes kubectl's commands, flags, types, names, namespaces and
contexts; Ctrl-R searches this context's history; Ctrl-C stops the running
command; Ctrl-Z suspends the shell. The toolbar shows the cluster, the kubectl
in use and why, and whether the cluster answered.
"""
NS_CHECK_TIMEOUT = 8.0
CLEAR = "\033[H\033[2J"


class Shell:
    """``pick(kind, entries)``: a picker (None in line mode); ``changed()``: the target changed;
    ``clear()``: clear the screen (by default, the terminal's escape when the output is a terminal)."""

    def __init__(self, state: ReplState, cache: Cache, refresher: Refresher | None = None,
                 pick: Callable[[str, list[Entry]], str | None] | None = None,
                 changed: Callable[[], None] = lambda: None, err: TextIO | None = None, out: TextIO | None = None,
                 clear: Callable[[], None] | None = None) -> None:
        self.state, self.cache, self.refresher = state, cache, refresher
        self.pick, self.changed = pick, changed
        self.err = err or sys.stderr
        self.out = out or sys.stdout
        self.clear = clear or self._clear
        self.last_exit = 0
        self.exit_status: int | None = None  # set by `exit N`

    def say(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def fail(self, text: str, kind: str = "error") -> None:
        self.err.write(line(kind, text))
        self.err.flush()

    def execute(self, line: str) -> bool:
        """Run one line; False when the shell should end."""
        try:
            return self._execute(line)
        except KctxError as exc:
            self.fail(exc.message)
            self.last_exit = exc.status
            return True

    def _execute(self, line: str) -> bool:
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        if text.startswith("!"):
            command = text[1:].strip()
            if not command:
                raise KctxError("! needs a command, e.g. !ls")
            self._run(execute.shell_command(command, self.state.child_env()), None)
            return True
        w = split(text)
        if w.open_quote:
            raise KctxError(f"unterminated {w.open_quote} quote")
        words = w.all
        bare = words[:1] == ["kubectl"]
        if bare:
            words = words[1:]
        if not words and not bare:
            raise KctxError("nothing to pipe from: put a kubectl command before it")
        name = builtin_name(words[0]) if words else ""
        if name:
            if w.shell is not None:
                raise KctxError(f"{words[0]} is a built-in: it cannot be piped")
            if name == "exit":
                return self._exit(words[1:])
            self._builtin(name, words[1:])
            self.last_exit = 0
            return True
        if not bare and words and words[0] in SHELL_WORDS and not self._plugin(words[0]):
            raise KctxError(f"{words[0]} is not a kubectl command; to run it in a shell: !{text}", 127)
        argv = [self.state.shim, *(["--as", self.state.identity] if self.state.identity else []), *words]
        if w.shell is not None:
            argv = execute.pipeline(argv, w.shell)
        self._run(argv, words)
        return True

    def _run(self, argv: list[str], words: list[str] | None) -> None:
        result = execute.foreground(argv, self.state.child_env())
        self.last_exit = result.code
        if result.interrupted:
            self.out.write("\n")  # the prompt goes on a fresh line, not after ^C
            self.out.flush()
        if self.state.reload_if_changed():
            self.changed()
        if self.refresher is not None and (words is None or classify_words(words)[0] not in ("read", "local")):
            self.refresher.stale()  # it may have written: names may be new or gone

    # ------------------------------------------------------------ built-ins

    def _builtin(self, name: str, args: list[str]) -> None:
        if name == "help":
            self.out.write(HELP)
            self.out.flush()
        elif name in ("use", "ctx"):
            self._use(args)
        elif name == "ns":
            self._ns(args)
        elif name == "as":
            self._as(args)
        elif name == "clear":
            self.clear()
        elif name == "cd":
            self._cd(args)
        elif name == "pwd":
            self._none("pwd", args)
            self.out.write(os.getcwd() + "\n")
            self.out.flush()

    def _exit(self, args: list[str]) -> bool:
        """`exit [N]`: False ends the shell; N (0-255) becomes its exit status."""
        if len(args) > 1 or args and not args[0].isdigit():
            raise KctxError("exit: expected a number from 0 to 255 (see help)", 2)
        if args:
            self.exit_status = int(args[0]) & 0xFF
        return False

    def _none(self, name: str, args: list[str]) -> None:
        if args:
            raise KctxError(f"{name}: takes no arguments (see help)")

    def _clear(self) -> None:
        if self.out.isatty():
            self.out.write(CLEAR)
            self.out.flush()

    def _cd(self, args: list[str]) -> None:
        """Like a shell's cd: no argument is HOME, "-" the previous directory (printed, as shells do)."""
        where = self._one("cd", args)
        environ = self.state.env.environ
        if where is None:
            where = environ.get("HOME", "")
            if not where:
                raise KctxError("cd: HOME is not set")
        elif where == "-":
            where = environ.get("OLDPWD", "")
            if not where:
                raise KctxError("cd: no previous directory")
        before = os.getcwd()
        target = os.path.expanduser(where)
        try:
            os.chdir(target)
        except OSError as exc:
            raise KctxError(f"cd: {where}: {exc.strerror}") from None
        environ["OLDPWD"], environ["PWD"] = before, os.getcwd()
        if args == ["-"]:
            self.say(os.getcwd())
        if self.refresher is not None:
            self.refresher.moved()  # a .tool-versions here may pick another kubectl

    def _plugin(self, word: str) -> bool:
        """Whether kubectl has a plugin named ``word`` (kubectl-WORD on PATH): then kubectl runs it."""
        import shutil

        return shutil.which(f"kubectl-{word}", path=self.state.child_env().get("PATH")) is not None

    def _one(self, name: str, args: list[str]) -> str | None:
        if len(args) > 1:
            raise KctxError(f"{name}: too many arguments (see help)")
        if args and args[0].startswith("-") and args[0] != "-":
            raise KctxError(f"{name}: unknown option {args[0]} (see help)")
        return args[0] if args else None

    def _use(self, args: list[str]) -> None:
        name = self._one("use", args)
        if name is None:
            from kctx.picker.contexts import context_entries

            names, ws = self.state.contexts(), self.state.ws
            name = self._choose("context", context_entries(names, self.state.target.context, ws.view,
                                                           self.state.config))
            if name is None:
                return
        before = self.state.target.context
        switched = self.state.use(name)
        self.changed()
        if switched != before:
            self.say(f'Switched to context "{switched}".')

    def _ns(self, args: list[str]) -> None:
        force = False
        if args and args[0] in ("-f", "--force"):
            force, args = True, args[1:]
        name = self._one("ns", args)
        if not self.state.target.context:
            raise KctxError("no context: use CONTEXT first")
        if name is None:
            known = self._namespaces()
            from kctx.picker.contexts import namespace_entries

            name = self._choose("namespace", namespace_entries(known, self.state.target.namespace))
            if name is None:
                return
        elif name == "-":
            name = self.state.previous_namespace()
        elif not force:
            self._check_namespace(name)
        self.state.set_namespace(name)
        self.changed()
        self.say(f'Active namespace is "{name}".')

    def _as(self, args: list[str]) -> None:
        who = self._one("as", args)
        if who is None:
            self.say(f"commands run as {self.state.identity}" if self.state.identity else
                     "no impersonation; as USER adds --as USER to every command")
        elif who == "-":
            self.state.identity = ""
            self.say("impersonation off")
        else:
            self.state.identity = who
            self.say(f"every command now runs with --as {who}; as - stops")

    def _choose(self, kind: str, entries: list[Entry]) -> str | None:
        if not entries:
            raise KctxError(f"no {kind}s known")
        if self.pick is None:
            raise KctxError(f"say which {kind} (the picker needs a terminal)")
        return self.pick(kind, entries)

    # ------------------------------------------------------------ namespaces

    def _kubectl(self, args: list[str]) -> str:
        from kctx.repl import probe

        binary = self.refresher.choice.path if self.refresher is not None else ""
        if not binary:
            from kctx.kubectl.binaries import find

            binary = find(self.state.child_env(), self.state.paths.shim_dir)
        if not binary:
            raise KctxError("no kubectl found on PATH: cannot ask the cluster (ns -f NAME switches unchecked)")
        try:
            return probe.Runner().run([binary, *args, f"--request-timeout={probe.REQUEST_TIMEOUT}"],
                                      self.state.child_env(), NS_CHECK_TIMEOUT)
        except probe.ProbeError as exc:
            raise KctxError(f"cannot ask the cluster ({exc}); ns -f NAME switches unchecked") from None

    def _namespaces(self) -> list[str]:
        known = self.cache.cluster.namespaces
        if known is not None:
            return list(known)
        from kctx.repl.probe import parse_names

        return parse_names(self._kubectl(["get", "namespaces", "-o", "name"]))

    def _check_namespace(self, name: str) -> None:
        known = self.cache.cluster.namespaces
        if known is not None and name in known:
            return
        try:
            self._kubectl(["get", "namespace", name, "-o", "name"])
        except KctxError as exc:
            if "NotFound" in exc.message or "not found" in exc.message:
                raise KctxError(f'no namespace exists with name "{name}" (ns -f NAME switches anyway)') from None
            raise
