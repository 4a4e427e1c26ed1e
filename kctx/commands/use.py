"""`kctx use CONTEXT|-`: switch this shell's session to another context (other shells keep theirs)."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.commands.printer import GREEN_BOLD, Printer, natural_key
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.session import ops as session_ops
from kctx.session import store as ksession
from kctx.workspace import Workspace

HELP = Help(
    ["use [CONTEXT|-]"],
    """
Switch this shell's context. Other terminals and your kubeconfig files are untouched. Needs the shell
integration: eval "$(kctx init bash)". Without CONTEXT on a terminal, a fuzzy picker opens (type to
filter, arrows to move, Enter to pick, Esc to cancel); otherwise, or with KUBECTX_IGNORE_FZF set, the
contexts are listed, this shell's one marked with *.
""",
    [("kctx use prod-eu", "this shell talks to prod-eu"), ("kctx use -", "back to the previous context"),
     ("kctx use", "pick one (or list them, off a terminal)")],
    [("arguments", [("CONTEXT", "the context to switch to"), ("-", "the previous context")])])


def run(argv: list[str], env: Environment) -> int:
    _, pos = simple(argv, "use", HELP)
    ws = Workspace(env)
    current = session_ops.require(ws).context
    out = Printer(env)
    if pos:
        name = pos[0]
    else:
        from kctx.commands.choose import choose, interactive

        names = sorted(ws.view.context_names(), key=natural_key)
        if not (names and interactive(env)):
            for name in names:
                env.stdout.write(f"* {out.paint(name, GREEN_BOLD)}\n" if name == current else f"  {name}\n")
            return int(ExitStatus.OK)
        from kctx.picker.contexts import context_entries

        name = choose(env, "context", context_entries(names, current, ws.view, ws.local_config))
    with session_ops.edit(ws) as s:  # read again under the lock: a parallel switch is not undone
        if pos and name == "-":
            name = _previous(s)
        ksession.switch_context(s, ws.view, name)
        session_ops.save(ws, s)
    out.success(f'Switched to context "{out.name(name)}".')
    return int(ExitStatus.OK)


def _previous(s: ksession.Session) -> str:
    if not s.previous_context:
        raise KctxError("no previous context found")
    return s.previous_context
