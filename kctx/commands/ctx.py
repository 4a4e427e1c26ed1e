"""`kctx ctx`: kubectx's arguments, output, streams and exit codes.

Outside a session it edits the kubeconfig files as kubectx does; inside a session it switches only
this shell (rename and delete always edit the file that defines the context).
"""

from __future__ import annotations

from kctx.commands.helptext import Help
from kctx.commands.printer import Printer, help_or_version, natural_key, run_kubectx_style
from kctx.commands.switching import backend
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.guard import localwrite
from kctx.guard.enforce import enforce_removal
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable

    from kctx.commands.switching import Backend
    from kctx.guard.localwrite import Removal

HELP = Help(
    ["ctx [NAME | - | -c | NEW_NAME=NAME | -u | -d NAME…]"],
    """
kubectx, with its arguments, output and exit codes. Outside a kctx session it edits your kubeconfig as
kubectx does; inside one it switches only this shell (rename and delete always edit the file that defines
the context). With no argument on a terminal a fuzzy picker opens (type to filter, arrows to move, Enter
to pick, Esc to cancel); otherwise, or with KUBECTX_IGNORE_FZF set, the contexts are listed.
""",
    [("kctx ctx", "pick a context (or list them, off a terminal)"), ("kctx ctx prod-eu", "switch to prod-eu"),
     ("kctx ctx -", "back to the previous context"), ("kctx ctx prod=gke_acme_europe-west1_prod", "rename"),
     ("kctx ctx -d old-lab", "delete a context entry")],
    [("arguments", [
        ("(none)", "pick a context on a terminal, else list the contexts"),
        ("NAME", "switch to context NAME"),
        ("-", "switch to the previous context"),
        ("-c, --current", "show the current context name"),
        ("NEW_NAME=NAME", "rename context NAME to NEW_NAME"),
        ("NEW_NAME=.", "rename the current context to NEW_NAME"),
        ("-u, --unset", "unset the current context"),
        ("-d NAME [NAME…]", "delete context NAME ('.' for the current one); its user and cluster entries stay"),
        ("-V, --version", "show the version"),
    ])])


def run(argv: list[str], env: Environment, prog: str = "kctx ctx") -> int:
    return run_kubectx_style(_run, argv, env, prog)


def _run(argv: list[str], env: Environment, out: Printer, prog: str) -> int:
    ws = Workspace(env)
    if not argv:
        return _list(ws, out)
    if argv[0] == "-d":
        if len(argv) == 1:
            raise KctxError("'-d' needs arguments")
        for name in argv[1:]:
            _delete(ws, out, name)
        return ExitStatus.OK
    if len(argv) > 1:
        raise KctxError("too many arguments")
    arg = argv[0]
    if help_or_version(arg, env, HELP):
        return ExitStatus.OK
    if arg in ("-c", "--current"):
        cur = backend(ws).current()
        if not cur:
            raise KctxError("current-context is not set")
        env.stdout.write(cur + "\n")
        return ExitStatus.OK
    if arg in ("-u", "--unset"):
        backend(ws).unset()
        out.success("Active context unset for kubectl.")
        return ExitStatus.OK
    new, sep, old = arg.partition("=")
    if sep and new and old and "=" not in old:
        return _rename(ws, out, new, old)
    if arg.startswith("-") and arg != "-":
        raise KctxError(f"unsupported option '{arg}'")
    return _switch(ws, out, arg)


def _list(ws: Workspace, out: Printer) -> int:
    b = backend(ws)
    view = b.view()
    if not view.files and not ws.session:
        out.warning("kubeconfig file not found")
        return ExitStatus.OK
    ws.warn_broken_files()
    cur = b.current()
    from kctx.commands.choose import choose, interactive

    names = sorted(view.context_names(), key=natural_key)
    if names and interactive(ws.env):
        from kctx.picker.contexts import context_entries

        return _switch(ws, out, choose(ws.env, "context", context_entries(names, cur, ws.view, ws.local_config)))
    for name in names:
        out.item(name, name == cur)
    return ExitStatus.OK


def _switch(ws: Workspace, out: Printer, name: str) -> int:
    b = backend(ws)
    if name == "-":
        name = b.previous()
        if not name:
            raise KctxError("failed to switch context: no previous context found")
    b.switch(name)
    out.success(f'Switched to context "{out.name(name)}".')
    return ExitStatus.OK


def _rename(ws: Workspace, out: Printer, new: str, old: str) -> int:
    b = backend(ws)
    if old == ".":
        old = b.current()
        if not old:
            raise KctxError("current-context is not set")
    _guard(ws, b, "rename-context", localwrite.rename_context, old, new)
    b.rename(old, new)
    out.success(f"Context {out.name(old)} renamed to {out.name(new)}.")
    return ExitStatus.OK


def _guard(ws: Workspace, b: Backend, sub: str, removal: Callable[..., Removal | None], *names: str) -> None:
    """A rename or delete that removes protection asks first, like `kubectl config SUB NAMES` through the shim.
    With a config that cannot be read, protection cannot be ruled out: nothing is changed."""
    try:
        config = ws.config
    except KctxError as exc:
        raise KctxError(f"cannot read the kctx config, so removing protection cannot be ruled out: {exc.message}; "
                        "nothing was changed") from None
    # kctx's whole view too: a protected context in a file of the config's globs may use what this edit changes.
    views = [ws.view] if ws.session else [b.view(), ws.view]
    removed = next((r for r in (removal(v, config, *names) for v in views) if r is not None), None)
    if removed is not None:
        removed = localwrite.with_readonly(removed, ws.view, config)
        enforce_removal(removed, ["config", sub, *names], f"config {sub}", ws.env.environ, config,
                        ws.paths.audit_log, ws.env.tty_path)


def _delete(ws: Workspace, out: Printer, name: str) -> None:
    b = backend(ws)
    current = name == "."
    if current:
        name = b.current()
        if not name:
            raise KctxError("error deleting context \"\": can't use '.' as the no active context is set")
    _guard(ws, b, "delete-context", localwrite.delete_context, name)
    if current:
        out.warning('You deleted the current context. Use "kubectx" to select a new context.')
    b.delete(name)
    out.success(f"Deleted context {out.name(name)}.")
