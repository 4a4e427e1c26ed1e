"""`kctx unlock CONTEXT [DURATION] --reason TEXT`: in this shell session only, commands that need a confirmation
on CONTEXT run without a question, and read-only is lifted, until the time runs out, after an idle period
without such a command (config `unlock.idle`), or `kctx lock`. Asked once on the terminal; never for
non-interactive use (CI keeps KCTX_CONFIRM=<context>). Without arguments: this shell's unlock and time left.
"""

from __future__ import annotations

import time

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, UsageError
from kctx.workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.guard.target import Target

HELP = Help(
    ["unlock CONTEXT [DURATION] --reason TEXT", "unlock"],
    """
In this shell session only, commands on CONTEXT that would ask for a confirmation (or are refused on a
read-only context) run without a question until DURATION (default 15m; 90s, 15m, 1h; at most the config's
unlock.max) runs out, after unlock.idle (default 10m) without such a command, or 'kctx lock'.
Asks once on the terminal. Every unlock and command run under it goes to the audit log. Without
arguments: this shell's unlock and the time left.
""",
    [('kctx unlock prod 30m --reason "INC-1234"', "no questions on prod in this shell for 30 minutes"),
     ("kctx unlock", "what is unlocked here, and for how long")],
    [("arguments", [("CONTEXT", "the context to unlock"), ("DURATION", "90s, 15m, 1h (default 15m)")]),
     ("options", [("-r, --reason TEXT", "why (kept in the audit log); required")])])
DEFAULT_SECONDS = 900


def run(argv: list[str], env: Environment) -> int:
    if argv == ["--state-file"]:  # for the shells' prompts: where this shell's unlock is kept
        from kctx.guard.unlock import state_file

        env.stdout.write(state_file(Workspace(env).paths) + "\n")
        return int(ExitStatus.OK)
    flags, pos = simple(argv, "unlock", HELP, {"--reason": "reason", "-r": "reason"}, max_positional=2)
    from kctx.guard import unlock

    ws = Workspace(env)
    if not pos:
        return _show(ws, env)
    context = pos[0]
    seconds = _seconds(pos[1] if len(pos) > 1 else "", ws.config.unlock_max)
    reason = flags.get("reason", "").strip()
    if not reason:
        raise UsageError("kctx unlock: --reason is required (an incident, a ticket: it goes to the audit log)")
    shell = unlock.this_shell()
    if shell is None:
        raise KctxError("kctx unlock needs a terminal: an unlock belongs to one interactive shell session "
                        f"(for scripts and CI, set KCTX_CONFIRM={context})", ExitStatus.REFUSED)
    target = _target(ws, context)
    from kctx.guard.audit import write
    from kctx.guard.confirm import question
    from kctx.guard.protection import normalize_server

    idle = min(ws.config.unlock_idle, seconds)
    text = _printable(f"kctx: unlock {context} in this shell for {unlock.left_text(seconds)} "
                      f"(ends after {unlock.left_text(idle)} without a command on it)\n"
                      f"  cluster    {target.cluster or '(none)'}\n  server     {target.server or '(none)'}\n"
                      f"  reason     {reason}\n  why        {target.readonly_by or target.protected_by}\n"
                      "  commands that need a confirmation there will run without one"
                      f"{'; read-only is lifted' if target.readonly_by else ''}\n")
    record = {"event": "unlock", "context": context, "cluster": target.cluster, "server": target.server,
              "reason": reason, "seconds": seconds}
    if not question(text, context, False, env.tty_path):
        write(ws.paths.audit_log, {**record, "decision": "declined"}, env.environ)
        raise KctxError("not unlocked", ExitStatus.DECLINED)
    u = unlock.grant(ws.paths, context, normalize_server(target.server), reason, seconds, idle, shell)
    write(ws.paths.audit_log, {**record, "decision": "unlocked"}, env.environ)
    ends = time.strftime("%H:%M", time.localtime(u.until))
    env.stdout.write(f"unlocked {context} in this shell until {ends} ({unlock.left_text(seconds)}); "
                     "'kctx lock' ends it\n")
    return int(ExitStatus.OK)


def _printable(text: str) -> str:
    """Names from kubeconfig files and the typed reason: no control character but newlines reaches the
    terminal."""
    return "".join(c if c == "\n" or c.isprintable() else "?" for c in text)


def _seconds(text: str, most: int) -> int:
    from kctx.config import duration
    from kctx.guard.unlock import left_text

    if not text:
        return min(DEFAULT_SECONDS, most)
    seconds = duration(text)
    if not seconds:
        raise UsageError(f"kctx unlock: {text!r} is not a duration (e.g. 90s, 15m, 1h)")
    if seconds > most:
        raise UsageError(f"kctx unlock: {text} is longer than unlock.max ({left_text(most)}) in the config")
    return seconds


def _target(ws: Workspace, context: str) -> Target:
    """The context's target; it must exist and be protected (else there is nothing to unlock)."""
    from kctx.guard.target import resolve

    if not ws.view.has_context(context):
        raise KctxError(f'no context exists with the name: "{context}"')
    t = resolve({"context": context}, ws.env.environ, ws.paths, ws.config, view=ws.view)
    if t.problem:
        raise KctxError(f"cannot unlock {context}: {t.problem}")
    if not t.protected:
        raise KctxError(f"{context} is not protected: nothing to unlock")
    return t


def _show(ws: Workspace, env: Environment) -> int:
    from kctx.guard.unlock import current, left_text

    u = current(ws.paths)
    if u is None:
        env.stdout.write("nothing is unlocked in this shell\n")
        return int(ExitStatus.OK)
    env.stdout.write(f"{u.context} is unlocked in this shell: {left_text(u.left(time.time()))} left "
                     f"(reason: {u.reason})\n")
    return int(ExitStatus.OK)
