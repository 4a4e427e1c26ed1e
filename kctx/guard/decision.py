"""The guard's decision: allow, confirm or deny a classified kubectl call on its effective target.

Standard library only (the shim runs it). Asking is kctx/guard/confirm.py, the log kctx/guard/audit.py.
"""

from __future__ import annotations

import posix

from kctx.config import Config
from kctx.guard.target import Target
from kctx.kubectl.classify import Classification, needs_confirmation

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.guard.unlock import Unlock

ALLOW, CONFIRM, DENY = "allow", "confirm", "deny"


class Decision:
    """``action``: ALLOW, CONFIRM or DENY; ``reason``: why, in one line; ``by_env``: allowed on a protected
    target because KCTX_CONFIRM names its context (audited, never remembered); ``unlock``: allowed because this
    shell unlocked the context (kctx/guard/unlock.py; audited, never remembered)."""

    __slots__ = ("action", "reason", "by_env", "unlock")

    def __init__(self, action: str, reason: str, by_env: bool = False, unlock: Unlock | None = None) -> None:
        self.action, self.reason, self.by_env, self.unlock = action, reason, by_env, unlock


def decide(target: Target, c: Classification, environ: Mapping[str, str], config: Config, tty: bool,
           skew: str = "") -> Decision:
    """``tty``: whether a terminal is there to ask on (the shim checks /dev/tty). ``skew``: the chosen
    kubectl is outside the supported version skew of the server; on a protected target that needs
    confirmation even for a read."""
    if skew and target.protected:
        why = f"{skew}; the target is protected: {target.protected_by}"
    elif not needs_confirmation(c.cls):
        return Decision(ALLOW, c.reason or f"{c.cls} command")
    elif target.protected:
        why = f"{c.command or 'command'} is {c.cls} and the target is protected: {target.protected_by}"
    elif target.problem:
        # We cannot rule out a protected target (a kubeconfig mark may be in what we could not read): fail closed.
        why = f"the target cannot be resolved, so it may be protected: {target.problem}"
    else:
        return Decision(ALLOW, "target is not protected")
    # A read confirmed for the skew alone is asked as before: read-only refuses writes and access only.
    readonly = target.readonly_by if needs_confirmation(c.cls) else ""
    return confirm_or_deny(target, why, environ, tty, readonly=readonly)


def confirm_or_deny(target: Target, why: str, environ: Mapping[str, str], tty: bool, readonly: str = "") -> Decision:
    """How a call that needs confirmation for ``why`` gets it: this shell's unlock of the context, KCTX_CONFIRM
    naming it, the terminal, or not at all; ``readonly``: why the target is read-only, so that only an unlock
    lets the call through."""
    # KCTX_CONFIRM and unlocks name a context; with --cluster/-s the call may reach another cluster than its own.
    plain = target.context and not target.problem and not {"cluster", "server"} & set(target.overridden)
    if plain and tty:
        unlocked = _unlocked(target, environ)
        if unlocked is not None:
            return Decision(ALLOW, f"unlocked in this shell ({unlocked.reason}); {why}", unlock=unlocked)
    if readonly:
        hint = f"; 'kctx unlock {target.context}' lifts it in this shell" if plain else ""
        return Decision(DENY, f"read-only: {readonly}{hint}")
    allowed, name = environ.get("KCTX_CONFIRM", ""), target.confirm_as
    if allowed and plain and allowed == name:
        return Decision(ALLOW, f"KCTX_CONFIRM={allowed} allows this context; {why}", by_env=True)
    if tty:
        return Decision(CONFIRM, why)
    hint = f"; set KCTX_CONFIRM={name} to allow it here" if plain else ""
    return Decision(DENY, f"no terminal to confirm on: {why}{hint}")


def _unlocked(target: Target, environ: Mapping[str, str]) -> Unlock | None:
    """This shell's unlock of the target's context (cold path: only a call that would be asked gets here)."""
    from kctx.guard.protection import normalize_server
    from kctx.guard.unlock import find
    from kctx.paths import Paths

    return find(Paths(environ), target.context, normalize_server(target.server))


def tty_available(tty_path: str = "/dev/tty") -> bool:
    try:
        fd = posix.open(tty_path, posix.O_RDWR | posix.O_NOCTTY)
    except OSError:
        return False
    posix.close(fd)
    return True
