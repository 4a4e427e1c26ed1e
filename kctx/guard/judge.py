"""One judgement of a kubectl command line, shared by the shim, `kctx explain` and the REPL: what kubectl will
run (after its kuberc), on which target, with which kubectl, in which class, and what the guard decides.

The steps follow the data: argv -> kuberc -> target (with the kubeconfig files kubectl needs to reach it:
kctx/guard/reach.py) -> version -> class -> decision -> bound argv. The class comes after the version
because a flag lowers a class only where the kubectl that runs honours it, and a sub-command that kubectl
lacks is a plugin call. Nothing here asks, audits or runs anything: the shim acts on
the judgement (kctx/shim/fullpath.py), explain reports it.

Hot path: the shim judges every call it does not replay.
"""

from __future__ import annotations

from kctx.config import Config, load
from kctx.errors import KctxError
from kctx.guard.decision import ALLOW, DENY, Decision, confirm_or_deny, decide
from kctx.guard.reach import wider
from kctx.guard.target import resolve
from kctx.kubectl.argv import parse
from kctx.kubectl.classify import LOCAL_WRITE, Classification, classify, is_client_only, needs_confirmation
from kctx.kubectl.kuberc import apply as apply_kuberc
from kctx.shim.bind import bound_argv
from kctx.versions.select import choose

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

    from kctx.guard.localwrite import Removal
    from kctx.guard.target import Target
    from kctx.kubectl.argv import KubectlArgs
    from kctx.kubectl.kuberc import Result
    from kctx.paths import Paths
    from kctx.versions.select import Choice


class Judgement:
    """``expanded``: kctx.kubectl.kuberc.Result (``args``: the line kubectl runs); ``choice``: the kubectl, or
    None; ``minor``: its minor ("1.37"; "" when unknown); ``c``: the class for that
    kubectl; ``config_error``: the config could not be read (defaults in ``config``); ``decision``: allow,
    confirm or deny with the reason; ``removal``: a local write that removes protection (the target is then
    the protected context it concerns); ``argv``: what kubectl gets (the typed line, bound to the judged
    context: kctx/shim/bind.py); ``kubeconfig``: the KUBECONFIG kubectl needs for this call when its own
    files do not reach the context ("" otherwise; judge() has set it in the environment)."""

    __slots__ = ("expanded", "config", "config_error", "target", "choice", "failure", "minor", "c",
                 "client_only", "skew", "decision", "removal", "argv", "kubeconfig")
    expanded: Result
    config: Config
    config_error: str
    target: Target
    choice: Choice | None
    failure: KctxError | None
    minor: str
    c: Classification
    client_only: bool
    skew: str
    decision: Decision
    removal: Removal | None
    argv: list[str]
    kubeconfig: str

    def __init__(self) -> None:
        self.config_error = self.skew = self.minor = ""
        self.choice = None
        self.failure = None
        self.removal = None

    @property
    def args(self) -> KubectlArgs:
        return self.expanded.args

    @property
    def risky(self) -> bool:
        """Whether the class needs confirmation on a protected target (client-only lines never do)."""
        return needs_confirmation(self.c.cls) and not self.client_only


def judge(argv: list[str], environ: MutableMapping[str, str], paths: Paths, cwd: str, *, tty: bool,
          install: bool | None = None, mark: bool = True, server: bool = True) -> Judgement:
    """Judge ``argv`` (kubectl's arguments as typed) in ``environ`` (KUBECONFIG is set there when the call needs
    more files); ``tty``: whether a terminal is there to ask on. ``install``/``mark``: whether choosing the
    kubectl may download one and count as its use (a report passes False for both). ``server=False``: the
    kubectl is chosen as before any server version is known (no detection, the cache unread)."""
    j = Judgement()
    j.expanded = apply_kuberc(argv, environ, paths, install=install)
    args = j.args
    j.config, j.config_error = _config(paths)
    j.target = resolve(args.globals, environ, paths, j.config, problem=j.expanded.problem)
    view = j.target._view  # (resolve always sets one)
    j.kubeconfig = wider(args, argv, environ, paths, j.config, view) if view is not None else ""
    if j.kubeconfig:  # another context kctx lists: kubectl gets the files it needs, and so does the judgement
        environ["KUBECONFIG"] = j.kubeconfig
        j.target = resolve(args.globals, environ, paths, j.config, problem=j.expanded.problem)
    _pick_kubectl(j, environ, paths, cwd, install, mark, server)
    if j.minor and j.expanded.expansion is None:
        j.expanded.args = parse(argv, j.minor)  # as the kubectl that runs parses it (no kuberc in play)
    j.c = classify(j.args, j.minor or None)
    j.client_only = is_client_only(j.args, j.minor or None)
    j.skew = "" if j.client_only or j.choice is None else j.choice.skew
    j.decision = _decide(j, environ, tty)
    j.argv = bound_argv(argv, parse(argv), j.args, j.target.context, j.minor or None)
    return j


def _config(paths: Paths) -> tuple[Config, str]:
    """The config, or the defaults and why it could not be read."""
    try:
        return load(paths), ""
    except KctxError as exc:
        return Config(), exc.message


def _pick_kubectl(j: Judgement, environ: Mapping[str, str], paths: Paths, cwd: str, install: bool | None,
                  mark: bool, server: bool) -> None:
    """The kubectl for the target and its minor. Whether to detect the server's version is decided on the line's
    class for any kubectl version: a line that is client-only for every version never needs it."""
    try:
        j.choice = choose(j.target, j.config, environ, cwd, paths, detect=server and not is_client_only(j.args),
                          install=True if install is None else install, mark=mark, server=server)
    except KctxError as exc:
        j.failure = exc
        return
    version = j.choice.version
    if not version and j.choice.path:  # a kubectl kctx did not install: ask it once (cached by its stat)
        from kctx.kubectl.kuberc import binary_version

        version = binary_version(j.choice.path, paths)
    parts = version.lstrip("v").split(".")
    j.minor = f"{parts[0]}.{parts[1]}" if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() else ""


def _decide(j: Judgement, environ: Mapping[str, str], tty: bool) -> Decision:
    if j.c.cls == LOCAL_WRITE:  # client-only, but it may remove protection
        return _decide_local_write(j, environ, tty)
    if j.client_only:
        return Decision(ALLOW, "client-only command: nothing reaches a cluster")
    if j.config_error and j.risky:  # a broken config could hide a protection rule: fail closed for writes
        return Decision(DENY, f"cannot read the kctx config, so protection cannot be ruled out: {j.config_error}")
    return decide(j.target, j.c, environ, j.config, tty, skew=j.skew)


def _decide_local_write(j: Judgement, environ: Mapping[str, str], tty: bool) -> Decision:
    """A `kubectl config …` write: allowed, unless it removes protection (kctx/guard/localwrite.py); then it is
    judged like a write to the protected context it concerns."""
    from kctx.guard.localwrite import removal, removal_target

    # Judged on kubectl's view and on kctx's whole one: an entry kubectl's files hold may be what a protected
    # context in a file kubectl does not read uses (kctx's view puts kubectl's files first).
    views = [v for v in (j.target._view, j.target.known_view()) if v is not None]
    removed = next((r for r in (removal(j.args, v, j.config) for v in views) if r is not None), None)
    if removed is None:
        return Decision(ALLOW, j.c.reason)
    j.removal = removed
    j.target = removal_target(removed)
    j.c = Classification(LOCAL_WRITE, j.c.command, False, f"this command {removed.reason}")
    return confirm_or_deny(j.target, j.c.reason, environ, tty, readonly=removed.readonly)
