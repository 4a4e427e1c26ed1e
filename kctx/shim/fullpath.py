"""The `kubectl` shim: resolve the target, classify, guard, pick the binary, then exec kubectl.

Hot path. Standard library only, and only the cheap parts of it (no yaml, json, re, enum, dataclasses
or typing imports when the caches are warm): a test proves it with ``python -X importtime``.
"""

from __future__ import annotations

import posix
import sys

from kctx.errors import ExitStatus, KctxError
from kctx.kubectl.classify import classify, is_client_only
from kctx.kubectl.kuberc import apply as apply_kuberc
from kctx.paths import Paths
from kctx.shim.memo import MAX_DEPTH, plain
from kctx.util import parsecache
from kctx.util.fastos import basename
from kctx.util.fastos import environ as process_environ

DEBUG = b"KCTX_DEBUG"  # set: the shim says on stderr which path it takes and why


def main(argv: list[str] | None = None, stale_bundle: str | None = None, code: tuple | None = None,
         native: bool | None = None) -> None:
    """``stale_bundle``: the shim script's hot-path bundle was missing or stale; write it before exec.
    ``code``: the bundle this code was loaded from (kctx/shim/boot.py), which memo records check.
    ``native``: whether a native launcher ran this script (then it replays the memo records written here)."""
    argv = sys.argv[1:] if argv is None else argv
    parsecache.hot_path()  # this process is the shim: files are parsed in child processes
    try:
        status = run(argv, process_environ(), stale_bundle, code, native)
    except KctxError as exc:
        sys.stderr.write(f"kctx: error: {exc.message}\n")
        status = exc.status
    except KeyboardInterrupt:
        status = ExitStatus.INTERRUPTED
    sys.exit(status)


def run(argv: list[str], environ: dict, stale_bundle: str | None = None, code: tuple | None = None,
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
    paths = Paths(environ)
    if recorder is not None:
        recorder.start((paths.index_dir + "/", paths.config_cache, paths.kuberc_cache))
    try:
        binary, until, any_line = _decide(argv, environ, paths, replayable=recorder is not None)
    finally:
        if recorder is not None:
            recorder.stop()
    if isinstance(binary, int):
        return binary
    if recorder is not None:
        _remember(recorder, code, binary, until, environ, None if any_line else argv)
    if stale_bundle:
        from kctx.shim import bundle as hotbundle

        if basename(stale_bundle).startswith(hotbundle.PREFIX):  # not for an older shim script's bundle
            hotbundle.write(stale_bundle)
    from kctx.shim.exec import replace_process

    replace_process(binary, [binary, *argv], environ)
    return ExitStatus.ERROR  # not reached


def _remember(recorder, code: tuple, binary: str, until: float, environ: dict, line: list | None) -> None:
    """Write the memo record the native launcher replays (kctx/shim/memo.py), when the decision holds for any
    command (``line`` None) or for this command line whenever it comes again."""
    why = recorder.write(code, binary, until, environ, line) if until else (
        "the decision depends on more than this command line (a confirmation, a warning, a kuberc, an audit "
        "entry) or on a cache that was not warm (a version detected or installed just now)")
    if DEBUG in posix.environ:
        note(f"no memo: {why}" if why else "memo written: the next calls take the fast path")


def note(text: str) -> None:
    """A $KCTX_DEBUG line on stderr."""
    posix.write(2, f"kctx: debug: {text}\n".encode(errors="replace"))


def _decide(argv: list[str], environ: dict, paths: Paths, replayable: bool) -> tuple[str | int, float, bool]:
    """(kubectl to exec, or the exit status of a call handled here; until when the decision holds, 0.0 when
    it must be made again; whether it holds for any plain command line or only for this one).
    ``replayable``: whether to work out the last two."""
    # Judge the line kubectl will run after its kuberc (aliases, option defaults); kubectl still gets argv.
    expanded = apply_kuberc(argv, environ, paths)
    args = expanded.args
    session = environ.get("KCTX_SESSION", "")
    if session and not args.globals.get("kubeconfig"):
        _follow_session(session, environ)
        if args.command[:2] == ("config", "use-context") and classify(args).cls == "local-write":
            return _session_use_context(args, environ, paths), 0.0, False  # (-h/--help: "local": kubectl's help)
    replayable = replayable and expanded.expansion is None and not expanded.problem
    return _guard_and_pick(argv, args, environ, paths, expanded.problem, replayable)


def _follow_session(session: str, environ: dict) -> None:
    """Use the session's current KUBECONFIG, even if this shell has not picked up a switch yet."""
    from kctx.session.envfile import read

    value = read(session).get("KUBECONFIG")
    if value:
        environ["KUBECONFIG"] = value


def _guard_and_pick(argv: list[str], args, environ: dict, paths: Paths, kuberc_problem: str = "",
                    replayable: bool = False) -> tuple[str, float, bool]:
    """Resolve the target, pick the kubectl for it, apply the guard; returns the binary to exec, until when
    that holds (0.0: no memo; only worked out when ``replayable``) and whether for any plain command line.
    ``kuberc_problem``: the kuberc could not be expanded, so writes fail closed."""
    from kctx.config import Config, load
    from kctx.guard.target import resolve
    from kctx.kubectl.classify import needs_confirmation
    from kctx.versions.select import choose

    c = classify(args)
    client_only = is_client_only(args)
    risky = needs_confirmation(c.cls) and not client_only
    try:
        config = load(paths)
    except KctxError as exc:
        if risky:  # a broken config could hide a protection rule: fail closed for writes
            _refuse(argv, c, environ, paths, f"cannot read the kctx config, so protection cannot be ruled out: "
                                              f"{exc.message}")
        sys.stderr.write(f"kctx: warning: {exc.message} (using defaults)\n")
        config = Config()
        replayable = False  # the warning must show on every call
    target = resolve(args.globals, environ, paths, config, problem=kuberc_problem)
    choice = choose(target, config, environ, posix.getcwd(), paths, detect=not client_only)
    skew = "" if client_only else choice.skew
    if skew:
        sys.stderr.write(f"kctx: warning: {skew}\n")
    if c.cls == "local-write":  # deleting, renaming or re-pointing a protected context or cluster asks first
        from kctx.guard.localwrite import guard_kubectl

        if guard_kubectl(argv, args, target, config, environ, paths.audit_log):
            return choice.path, 0.0, False  # confirmed or allowed by KCTX_CONFIRM: decided again next time
    # Not protected and nothing to warn about: the guard lets every command through (no audit either).
    memo = replayable and not skew and not target.problem
    if memo and not choice.skew and not target.protected and plain(argv):
        return choice.path, choice.valid_until, True
    # Otherwise a line let through without a question, a warning or an audit entry may skip the full path
    # when it comes again, word for word: the classification is a function of the line.
    until = choice.valid_until if memo else 0.0
    if not risky and not (skew and target.protected):
        return choice.path, until, False
    from kctx.guard import decision as guard
    from kctx.guard.audit import audit

    d = guard.decide(target, c, environ, config, guard.tty_available(), skew=skew)
    if d.action == guard.ALLOW:
        if target.protected:
            audit(paths.audit_log, target, argv, c, "allowed-by-env", d.reason, environ)
            return choice.path, 0.0, False
        return choice.path, until, False
    if d.action == guard.DENY:
        audit(paths.audit_log, target, argv, c, "refused", d.reason, environ)
        raise KctxError(f"refused: {d.reason}", ExitStatus.REFUSED)
    from kctx.guard.confirm import ask

    if ask(target, argv, c, d.reason, config):
        audit(paths.audit_log, target, argv, c, "confirmed", d.reason, environ)
        return choice.path, 0.0, False
    audit(paths.audit_log, target, argv, c, "declined", d.reason, environ)
    raise KctxError("not confirmed; nothing was sent to the cluster", ExitStatus.DECLINED)


def _refuse(argv: list[str], c, environ: dict, paths: Paths, why: str) -> None:
    from kctx.guard.audit import audit
    from kctx.guard.target import Target

    audit(paths.audit_log, Target(), argv, c, "refused", why, environ)
    raise KctxError(f"refused: {why}", ExitStatus.REFUSED)


def _session_use_context(args, environ: dict, paths: Paths) -> int:
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
    s = session_ops.require(ws)
    if not ws.view.has_context(name):
        sys.stderr.write(f'error: no context exists with the name: "{name}"\n')
        return ExitStatus.ERROR
    switch_context(s, ws.view, name)
    session_ops.save(ws, s)
    sys.stdout.write(f'Switched to context "{name}".\n')
    return ExitStatus.OK
