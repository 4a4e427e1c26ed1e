"""Acting on a decision: let the call through, ask on the terminal, or refuse; every confirmation, refusal,
decline and environment-allowed call on a protected target goes to the audit log."""

from __future__ import annotations

from kctx.config import Config
from kctx.errors import ExitStatus, KctxError
from kctx.guard.decision import ALLOW, DENY, Decision
from kctx.guard.target import Target
from kctx.kubectl.classify import Classification

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from kctx.guard.localwrite import Removal
    from kctx.guard.preview import Preview

SILENT, ALLOWED_BY_ENV, CONFIRMED, UNLOCKED = "silent", "allowed-by-env", "confirmed", "unlocked"
NOTHING_SENT = "nothing was sent to the cluster"


def enforce(d: Decision, target: Target, argv: list[str], c: Classification, config: Config,
            environ: Mapping[str, str], audit_log: str, *, nothing: str = NOTHING_SENT,
            tty_path: str = "/dev/tty", preview: Callable[[], Preview] | None = None) -> str:
    """SILENT (allowed, nothing to log), ALLOWED_BY_ENV, UNLOCKED or CONFIRMED; raises KctxError when refused
    (exit 4) or declined (exit 3). ``nothing``: what the decline message says did not happen; ``preview``: makes
    the preview shown with the question (kctx/guard/preview.py), only when one is asked."""
    from kctx.guard.audit import audit

    if d.action == ALLOW:
        if d.unlock is not None:
            from kctx.guard.unlock import touch

            touch(d.unlock)  # the idle period starts again
            audit(audit_log, target, argv, c, UNLOCKED, d.reason, environ)
            return UNLOCKED
        if not d.by_env:
            return SILENT
        audit(audit_log, target, argv, c, ALLOWED_BY_ENV, d.reason, environ)
        return ALLOWED_BY_ENV
    if d.action == DENY:
        audit(audit_log, target, argv, c, "refused", d.reason, environ)
        raise KctxError(f"refused: {d.reason}", ExitStatus.REFUSED)
    from kctx.guard.confirm import ask

    shown = preview() if preview is not None else None
    extra = {"preview": shown.summary} if shown is not None else {}
    if ask(target, argv, c, d.reason, config, tty_path, shown, color=not environ.get("NO_COLOR")):
        audit(audit_log, target, argv, c, CONFIRMED, d.reason, environ, **extra)
        return CONFIRMED
    audit(audit_log, target, argv, c, "declined", d.reason, environ, **extra)
    if shown is not None and shown.sent and nothing == NOTHING_SENT:
        nothing = "only a dry run was sent to the cluster"
    raise KctxError(f"not confirmed; {nothing}", ExitStatus.DECLINED)


def enforce_removal(removed: Removal, argv: list[str], command: str, environ: Mapping[str, str], config: Config,
                    audit_log: str, tty_path: str = "/dev/tty") -> None:
    """Let a write that removes protection (kctx/guard/localwrite.py) through only when confirmed on the terminal
    or allowed by KCTX_CONFIRM=<context> (by an unlock alone when it touches read-only entries); raise KctxError
    otherwise (exit 4 without a terminal, 3 when declined)."""
    from kctx.guard.decision import confirm_or_deny, tty_available
    from kctx.guard.localwrite import removal_target
    from kctx.kubectl.classify import LOCAL_WRITE

    t = removal_target(removed)
    c = Classification(LOCAL_WRITE, command, False, f"this command {removed.reason}")
    d = confirm_or_deny(t, c.reason, environ, tty_available(tty_path), readonly=removed.readonly)
    enforce(d, t, argv, c, config, environ, audit_log, nothing="nothing was changed", tty_path=tty_path)
