"""One kubectl line judged for many contexts at once (`kctx each`): each call pinned to its context and judged
by the shim's guard (kctx/guard/judge.py), then one question on the terminal for every protected context that
needs confirmation, or, with no terminal, KCTX_CONFIRM naming each of them (comma-separated).

All or nothing: when any context is refused or the question is declined, no call runs.
"""

from __future__ import annotations

import os

from kctx.errors import ExitStatus, KctxError
from kctx.guard.decision import ALLOW, CONFIRM, DENY, tty_available
from kctx.guard.judge import Judgement, judge
from kctx.kubectl.classify import MUTATE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.config import Config
    from kctx.guard.preview import Preview
    from kctx.paths import Paths


class Call:
    """One context's call: its judgement, the environment kubectl gets, and the argv (bound to the context)."""

    __slots__ = ("context", "judgement", "environ")

    def __init__(self, context: str, judgement: Judgement, environ: dict[str, str]) -> None:
        self.context, self.judgement, self.environ = context, judgement, environ

    @property
    def binary(self) -> str:
        choice = self.judgement.choice
        return choice.path if choice is not None else ""

    @property
    def failure(self) -> str:
        """Why this call cannot run at all (no kubectl), "" when it can."""
        j = self.judgement
        if j.choice is None or not j.choice.path:
            return j.failure.message if j.failure is not None else "no kubectl was chosen"
        return ""


def confirmed_names(environ: dict[str, str]) -> set[str]:
    return {n.strip() for n in environ.get("KCTX_CONFIRM", "").split(",") if n.strip()}


def judge_all(contexts: list[str], args: list[str], environ: dict[str, str], paths: Paths, *,
              tty_path: str = "/dev/tty", jobs: int = 4) -> list[Call]:
    """Each context's judgement of ``kubectl --context=<context> ARGS``, ``jobs`` at once (choosing a kubectl
    may detect a server's version: an unreachable one must not hold the others). KCTX_CONFIRM, a comma-separated
    list here, is narrowed to the one context it names for each call (the shim's rule: one name, one context):
    the call's own, or the protected context whose cluster it reaches (Target.confirm_as)."""
    from concurrent.futures import ThreadPoolExecutor

    tty = tty_available(tty_path)
    allowed = confirmed_names(environ)
    cwd = os.getcwd()
    depth = environ.get("KCTX_SHIM_DEPTH", "0")

    def one(name: str) -> Call:
        env = {k: v for k, v in environ.items() if k != "KCTX_CONFIRM"}
        if name in allowed:
            env["KCTX_CONFIRM"] = name
        env["KCTX_SHIM_DEPTH"] = str(int(depth) + 1 if depth.isdigit() else 1)  # as the shim counts its calls
        j = judge([f"--context={name}", *args], env, paths, cwd, tty=tty)
        borrowed = j.target.confirm_as if j.decision.action == DENY else name
        if borrowed != name and borrowed in allowed:  # it reaches another protected context's cluster, named too
            env["KCTX_CONFIRM"] = borrowed
            j = judge([f"--context={name}", *args], env, paths, cwd, tty=tty)
        return Call(name, j, env)

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(contexts)))) as pool:
        return list(pool.map(one, contexts))


def enforce_all(calls: list[Call], args: list[str], config: Config, audit_log: str,
                tty_path: str = "/dev/tty") -> None:
    """Refuse (exit 4) when any call is denied; ask once for those that need confirmation (exit 3 when
    declined); audit what protected targets let through. Returns only when every call may run."""
    from kctx.guard.audit import audit
    from kctx.guard.enforce import ALLOWED_BY_ENV, CONFIRMED, UNLOCKED

    denied = [c for c in calls if c.judgement.decision.action == DENY]
    for c in denied:
        j = c.judgement
        audit(audit_log, j.target, j.argv, j.c, "refused", j.decision.reason, c.environ)
    if denied:
        lines = "\n".join(f"  {c.context}: {c.judgement.decision.reason}" for c in denied)
        hint = ("; with no terminal, set KCTX_CONFIRM to the comma-separated names of the protected contexts "
                "to allow them" if any("no terminal" in c.judgement.decision.reason for c in denied) else "")
        raise KctxError(f"refused for {len(denied)} context{'s' if len(denied) != 1 else ''}, so nothing "
                        f"was run{hint}:\n{lines}", ExitStatus.REFUSED)
    asked = [c for c in calls if c.judgement.decision.action == CONFIRM]
    shown = previews(asked, args)
    if asked and not ask_once(asked, args, config, tty_path, shown):
        for c in asked:
            j = c.judgement
            audit(audit_log, j.target, j.argv, j.c, "declined", j.decision.reason, c.environ, **_extra(shown, c))
        sent = any(p.sent for p in shown.values())
        raise KctxError("not confirmed; " + ("only dry runs were sent" if sent else "nothing was sent to any cluster"),
                        ExitStatus.DECLINED)
    for c in calls:
        j = c.judgement
        if c in asked:
            audit(audit_log, j.target, j.argv, j.c, CONFIRMED, j.decision.reason, c.environ, **_extra(shown, c))
        elif j.decision.action == ALLOW and j.decision.by_env:
            audit(audit_log, j.target, j.argv, j.c, ALLOWED_BY_ENV, j.decision.reason, c.environ)
        elif j.decision.action == ALLOW and j.decision.unlock is not None:
            from kctx.guard.unlock import touch

            touch(j.decision.unlock)  # the idle period starts again, as in the shim
            audit(audit_log, j.target, j.argv, j.c, UNLOCKED, j.decision.reason, c.environ)


def previews(asked: list[Call], args: list[str], jobs: int = 8) -> dict[str, Preview]:
    """The preview of each asked mutate call (the shim's: kctx/guard/preview.py, a server-side dry run only
    where the fact table proves the form honours it, 2 s at most each), by context, made in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from kctx.guard.preview import for_judgement

    wanted = [c for c in asked if c.judgement.c.cls == MUTATE]
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(wanted)))) as pool:
        made = list(pool.map(lambda c: for_judgement(c.judgement, [f"--context={c.context}", *args], c.environ),
                             wanted))
    return {c.context: p for c, p in zip(wanted, made, strict=True)}


def _extra(shown: dict[str, Preview], c: Call) -> dict[str, str]:
    p = shown.get(c.context)
    return {"preview": p.summary} if p is not None else {}


def question(asked: list[Call], args: list[str], config: Config,
             shown: dict[str, Preview] | None = None) -> tuple[str, str]:
    """(what is shown, the answer that confirms); ``shown``: each context's preview."""
    import shlex

    from kctx.guard.audit import redact

    first = asked[0].judgement
    lines = [f"kctx: {first.c.command or 'this command'} ({first.c.cls}) on {len(asked)} protected "
             f"context{'s' if len(asked) != 1 else ''}:",
             f"  command    kubectl {shlex.join(redact(args))}"]
    width = max(len(c.context) for c in asked)
    for c in asked:
        t = c.judgement.target
        lines.append(f"  {c.context.ljust(width)}  {t.cluster or '(no cluster)'}  {t.server or '(no server)'}  "
                     f"namespace {t.namespace}")
        p = (shown or {}).get(c.context)
        if p is not None:
            blast = f"HIGH BLAST RADIUS: {p.blast}; " if p.blast else ""
            lines.append(f"  {' ' * width}  preview: {blast}{p.summary or 'no change'}")
    if config.confirm == "yes":
        return "\n".join(lines) + "\nContinue on all of them? [y/N] ", "yes"
    want = asked[0].context if len(asked) == 1 else str(len(asked))
    what = "the context name" if len(asked) == 1 else "how many protected contexts are listed"
    return "\n".join(lines) + f"\nType {what} ({want}) to continue, anything else cancels: ", want


def ask_once(asked: list[Call], args: list[str], config: Config, tty_path: str,
             shown: dict[str, Preview] | None = None) -> bool:
    """One question on the terminal (never stdin) for every call in ``asked``, with their previews."""
    from kctx.guard.confirm import ask_line

    text, want = question(asked, args, config, shown)
    try:
        answer = ask_line(tty_path, text)
    except OSError:
        return False
    if answer is None:
        return False
    answer = answer.strip()
    return answer.lower() in ("y", "yes") if want == "yes" else answer == want
