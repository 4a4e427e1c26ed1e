"""The `kubectl` shim: resolve the target, classify, guard, pick the binary, then exec kubectl.

Hot path. Standard library only, and only the cheap parts of it (no yaml, json, re, enum, dataclasses
or typing imports when the caches are warm): a test proves it with ``python -X importtime``.
"""

from __future__ import annotations

import posix
import sys

from kctx.errors import ExitStatus, KctxError, line
from kctx.guard.decision import DENY, tty_available
from kctx.guard.enforce import CONFIRMED, SILENT, UNLOCKED, enforce
from kctx.guard.judge import Judgement, judge
from kctx.kubectl.classify import LOCAL_WRITE, MUTATE
from kctx.paths import NOWHERE, Paths
from kctx.shim.memo import MAX_DEPTH, plain
from kctx.util import parsecache
from kctx.util.fastos import basename
from kctx.util.fastos import environ as process_environ
from kctx.versions import notices

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable

    from kctx.guard.preview import Preview
    from kctx.kubectl.argv import KubectlArgs
    from kctx.shim.boot import Code
    from kctx.shim.recorder import Recorder
    from kctx.versions.select import Choice

DEBUG = b"KCTX_DEBUG"  # set: the shim says on stderr which path it takes and why


def main(argv: list[str] | None = None, stale_bundle: str | None = None, code: Code | None = None,
         native: bool | None = None) -> None:
    """``stale_bundle``: the shim script's hot-path bundle was missing or stale; write it before exec.
    ``code``: the bundle this code was loaded from (kctx/shim/boot.py), which memo records check.
    ``native``: whether a native launcher ran this script (then it replays the memo records written here)."""
    argv = sys.argv[1:] if argv is None else argv
    parsecache.hot_path()  # this process is the shim: files are parsed in child processes
    try:
        status = run(argv, process_environ(), stale_bundle, code, native)
    except KctxError as exc:
        sys.stderr.write(line("error", exc.message))
        status = exc.status
    except KeyboardInterrupt:
        status = ExitStatus.INTERRUPTED
    sys.exit(status)


def run(argv: list[str], environ: dict[str, str], stale_bundle: str | None = None, code: Code | None = None,
        native: bool | None = None) -> int:
    depth_text = environ.get("KCTX_SHIM_DEPTH", "0")
    depth = int(depth_text) if depth_text.isdigit() else MAX_DEPTH  # garbage: refuse rather than guess
    if depth >= MAX_DEPTH:
        raise KctxError("the kubectl shim called itself too often; is a kctx shim listed as the real kubectl "
                        "(KCTX_KUBECTL)?")
    environ["KCTX_SHIM_DEPTH"] = str(depth + 1)
    if native is False and DEBUG in posix.environ:  # behind a launcher, the launcher said which path and why
        note("full path: no native launcher (no C compiler, or KCTX_SHIM_NATIVE=0)")
    recorder = None
    # The decision may hold for any command line, or for this one: record what it depends on.
    if code and native and environ.get("KCTX_SHIM_MEMO") != "0":
        from kctx.shim.recorder import Recorder

        recorder = Recorder(environ)
        environ = recorder.environ
    # Paths looks at HOME before recording starts: a record checks HOME by its value, not by its stat, which
    # changes with every file made in HOME (a shell's history lock) and would void every record. A HOME that
    # goes away later leaves files below it absent (which the record checks) and no rule it could have hidden.
    paths = Paths(environ)
    if recorder is not None:
        # (the fallback notice's marker says only whether a note was said lately: replaying stays silent)
        recorder.start((paths.index_dir + "/", paths.config_cache, paths.kuberc_cache,
                        notices.folder(paths.cache_dir)))
    try:
        plan = _decide(argv, environ, paths, replayable=recorder is not None)
    finally:
        if recorder is not None:
            recorder.stop()
    if isinstance(plan, int):
        return plan
    if recorder is not None and code is not None:  # (there is a recorder only with code)
        _remember(recorder, code, plan, environ, paths, None if plan.any_line else argv)
    if stale_bundle:
        from kctx.shim import bundle as hotbundle

        if basename(stale_bundle).startswith(hotbundle.PREFIX):  # not for an older shim script's bundle
            hotbundle.write(stale_bundle)
    if plan.finish is not None:  # a confirmed or unlocked call: audited with its exit status and duration
        return _run_audited(plan, environ)
    from kctx.shim.exec import replace_process

    replace_process(plan.binary, [plan.binary, *plan.args], environ)
    return ExitStatus.ERROR  # not reached


def _run_audited(plan: Plan, environ: dict[str, str]) -> int:
    import time

    from kctx.shim.exec import exit_like, run_child

    began = time.monotonic()
    code = run_child(plan.binary, [plan.binary, *plan.args], environ)
    if plan.finish is not None:
        plan.finish(code, time.monotonic() - began)
    return exit_like(code)


def _remember(recorder: Recorder, code: Code, plan: Plan, environ: dict[str, str], paths: Paths,
              line: list[str] | None) -> None:
    """Write the memo record the native launcher replays (kctx/shim/memo.py), when the decision holds for any
    command (``line`` None) or for this command line whenever it comes again."""
    from kctx.shim.bind import roots

    if paths.cache_dir.startswith(NOWHERE + "/"):  # the launcher's slot would be in a HOME that is not there
        why = f"no cache folder ({paths.home_problem})"
    elif plan.until:
        why = recorder.write(code, plan.binary, plan.until, environ, line, plan.bind, roots(plan.minor))
    else:
        why = ("the decision depends on more than this command line (a confirmation, a warning, a kuberc, an "
               "audit entry) or on a cache that was not warm (a version detected or installed just now)")
    if DEBUG in posix.environ:
        note(f"no memo: {why}" if why else "memo written: the next calls take the fast path")


def note(text: str) -> None:
    """A $KCTX_DEBUG line on stderr."""
    posix.write(2, line("debug", text).encode(errors="replace"))


class Plan:
    """What the full path does: exec ``binary`` with ``args`` (the typed line, bound to the judged context), and
    whether to remember it: until when it holds (0.0: not at all), for any plain line or this one only, and
    the context a memo record binds (``bind``, for kubectl release ``minor``); ``finish``: for a call run as a
    child, what records its exit status and duration."""

    __slots__ = ("binary", "args", "until", "any_line", "bind", "minor", "finish")

    def __init__(self, binary: str, args: list[str], until: float = 0.0, any_line: bool = False, bind: str = "",
                 minor: str | None = None) -> None:
        self.binary, self.args, self.until, self.any_line, self.bind, self.minor = (binary, args, until, any_line,
                                                                                    bind, minor)
        self.finish: Callable[[int, float], None] | None = None


def _decide(argv: list[str], environ: dict[str, str], paths: Paths, replayable: bool) -> Plan | int:
    """The plan for this call, or the exit status of a call handled here. ``replayable``: whether a memo
    record may be written (then the plan says for which lines)."""
    session = environ.get("KCTX_SESSION", "")
    if session and not _names_kubeconfig(argv):
        _follow_session(session, environ)
    j = judge(argv, environ, paths, posix.getcwd(), tty=tty_available())
    args = j.args
    if session and not args.globals.get("kubeconfig") and args.command[:2] == ("config", "use-context") \
            and j.c.cls == LOCAL_WRITE and j.removal is None:  # (-h/--help: "local": kubectl's help)
        return _session_use_context(args, environ, paths)
    if j.choice is None:  # judge() says why
        raise j.failure or KctxError("no kubectl was chosen")
    warned = _warn(j)
    previewer = _previewer(j, argv, environ) if j.c.cls == MUTATE else None  # (access, plugins: no dry run)
    outcome = enforce(j.decision, j.target, argv, j.c, j.config, environ, paths.audit_log, preview=previewer)
    _fallback_notice(j, paths)  # (after a refusal, there is nothing to run)
    plan = _plan(j, j.choice, argv, replayable and not warned and outcome == SILENT)
    if outcome in (CONFIRMED, UNLOCKED):
        plan.finish = _finisher(j, argv, environ, paths.audit_log)
    return plan


def _finisher(j: Judgement, argv: list[str], environ: dict[str, str], log: str) -> Callable[[int, float], None]:
    """What audits the end of a confirmed or unlocked call: its exit status (minus a signal) and duration."""

    def finish(code: int, seconds: float) -> None:
        from kctx.guard.audit import audit

        audit(log, j.target, argv, j.c, "finished", j.decision.reason, environ, status=code,
              seconds=round(seconds, 3))

    return finish


def _previewer(j: Judgement, argv: list[str], environ: dict[str, str]) -> Callable[[], Preview]:
    """What makes the preview of this call, run only when a question is asked (kctx/guard/preview.py)."""

    def make() -> Preview:
        from kctx.guard.preview import for_judgement

        return for_judgement(j, argv, environ)

    return make


def _warn(j: Judgement) -> bool:
    """Say on stderr what the judgement warns about (on every call, so none is remembered): whether it did."""
    if j.config_error and j.decision.action != DENY:
        sys.stderr.write(line("warning", f"{j.config_error} (using defaults)"))
    if j.skew:
        sys.stderr.write(line("warning", j.skew))
    return bool(j.config_error or j.skew)


def _fallback_notice(j: Judgement, paths: Paths) -> None:
    """Say that selection fell back to a kubectl it cannot vouch for, once per period and cluster: a memo
    record may replay the same choice silently meanwhile."""
    notice = j.choice.notice if j.choice is not None else ""
    if notice and notices.due(paths.cache_dir, j.target.server):
        sys.stderr.write(line("note", notice))


def _plan(j: Judgement, choice: Choice, argv: list[str], silent: bool) -> Plan:
    """``silent``: nothing was asked, warned or audited. Then the same files give the same decision, unless a
    kuberc is in play or the target has a problem."""
    plan = Plan(choice.path, j.argv, minor=j.minor or None)
    if not (silent and not j.target.problem and j.expanded.expansion is None and not j.expanded.problem):
        return plan
    plan.until = choice.valid_until
    # Not protected: the guard lets every command through, so the record holds for any plain line. Otherwise
    # for this line word for word (the class is a function of the line).
    plan.any_line = not choice.skew and not j.target.protected and plain(argv)
    # A record for any line binds the lines the launcher binds; one for this line, as this line was bound.
    plan.bind = j.target.context if plan.any_line or j.argv != argv else ""
    return plan


def _names_kubeconfig(argv: list[str]) -> bool:
    """Whether the typed line gives --kubeconfig (kubectl then ignores KUBECONFIG, and so the session)."""
    for arg in argv:
        if arg == "--":
            return False
        if arg == "--kubeconfig" or arg.startswith("--kubeconfig="):
            return True
    return False


def _follow_session(session: str, environ: dict[str, str]) -> None:
    """Use the session's current KUBECONFIG, even if this shell has not picked up a switch yet."""
    from kctx.session.envfile import read

    value = read(session).get("KUBECONFIG")
    if value:
        environ["KUBECONFIG"] = value


def _session_use_context(args: KubectlArgs, environ: dict[str, str], paths: Paths) -> int:
    """`kubectl config use-context X` inside a session switches only the session (kubectl's wording)."""
    from kctx.env import Environment
    from kctx.session import ops as session_ops
    from kctx.session.store import switch_context
    from kctx.workspace import Workspace

    if len(args.args) != 1:
        raise KctxError("unexpected args: " + " ".join(args.args) if args.args else "empty context names are "
                        "not allowed")
    name = args.args[0]
    ws = Workspace(Environment(environ=environ))
    session_ops.require(ws)
    if not ws.view.has_context(name):
        sys.stderr.write(line("error", f'no context exists with the name: "{name}"', drop_in=True))
        return ExitStatus.ERROR
    with session_ops.edit(ws) as s:
        switch_context(s, ws.view, name)
        session_ops.save(ws, s)
    sys.stdout.write(f'Switched to context "{name}".\n')
    return ExitStatus.OK
