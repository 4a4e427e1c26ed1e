"""`kctx ns`: kubens's arguments, output, streams and exit codes.

Namespaces are listed and checked through the real kubectl (so every auth plugin works exactly as it
does for kubectl). Outside a session the namespace is written into the context entry of the file
that defines it; inside a session only the session changes.
"""

from __future__ import annotations

import subprocess

from kctx.commands.helptext import Help
from kctx.commands.printer import Printer, help_or_version, run_kubectx_style
from kctx.commands.switching import Backend, backend
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.workspace import Workspace

HELP = Help(
    ["ns [NAME [-f] | - | -c | -u]"],
    """
kubens, with its arguments, output and exit codes. The namespaces are listed and checked through the real
kubectl, so every auth plugin works as it does for kubectl. Outside a kctx session the namespace is
written into the context entry of the file that defines it; inside one only this shell changes. With no
argument on a terminal a fuzzy picker opens over the cluster's namespaces; otherwise, or with
KUBECTX_IGNORE_FZF set, they are listed.
""",
    [("kctx ns", "pick a namespace (or list them, off a terminal)"), ("kctx ns kube-system", "switch to it"),
     ("kctx ns -", "back to the previous namespace of this context"),
     ("kctx ns web --force", "switch without asking the cluster whether it exists")],
    [("arguments", [
        ("(none)", "pick a namespace on a terminal, else list the namespaces"),
        ("NAME", "change the active namespace of the current context"),
        ("NAME -f, --force", "the same, even if the namespace does not exist"),
        ("-", "switch to the previous namespace in this context"),
        ("-c, --current", "show the current namespace"),
        ("-u, --unset", "unset the active namespace of the current context (back to default)"),
        ("-V, --version", "show the version"),
    ])])
FORCE = ("-f", "--force")


def run(argv: list[str], env: Environment, prog: str = "kctx ns") -> int:
    return run_kubectx_style(_run, argv, env, prog)


def _run(argv: list[str], env: Environment, out: Printer, prog: str) -> int:
    ws = Workspace(env)
    if not argv:
        return _list(ws, out)
    force = False
    if len(argv) == 2 and (argv[0] in FORCE) != (argv[1] in FORCE):
        force = True
        argv = [a for a in argv if a not in FORCE]
    if len(argv) > 1:
        raise KctxError(f"unsupported arguments {argv!r}" if len(argv) == 2 else "too many arguments")
    arg = argv[0]
    if help_or_version(arg, env, HELP):
        return ExitStatus.OK
    b = backend(ws)
    if arg in ("-c", "--current"):
        env.stdout.write(b.namespace() + "\n")
        return ExitStatus.OK
    if arg in ("-u", "--unset"):
        b.set_namespace("default")
        out.success('Active namespace is "default".')
        return ExitStatus.OK
    if arg.startswith("-") and arg != "-":
        raise KctxError(f"unsupported option '{arg}'")
    return _switch(ws, b, out, arg, force)


def _switch(ws: Workspace, b: Backend, out: Printer, name: str, force: bool) -> int:
    if name == "-":
        prev = b.previous_namespace()
        if not prev:
            raise KctxError(f"No previous namespace found for current context ({b.current()})")
        name = prev
    b.namespace()  # fails with "current-context is not set" before any cluster call
    if not force:
        _check_exists(ws, name)
    b.set_namespace(name)
    out.success(f'Active namespace is "{out.name(name)}"')
    return ExitStatus.OK


API_TIMEOUT = 8.0  # kubectl retries discovery on a hung server well past --request-timeout


def _kubectl(ws: Workspace, args: list[str], failure: str) -> subprocess.CompletedProcess[str]:
    from kctx.kubectl.binaries import find

    binary = find(ws.env.environ, ws.paths.shim_dir)
    if not binary:
        raise KctxError("kubectl not found on PATH (kctx ns asks the cluster for its namespaces); "
                        "use -f to switch without checking")
    env = dict(ws.env.environ)
    s = ws.session
    if s is not None:
        from kctx.session.envfile import read

        env["KUBECONFIG"] = read(str(s.path)).get("KUBECONFIG", env.get("KUBECONFIG", ""))
    try:
        return subprocess.run([binary, *args, "--request-timeout=5s"], capture_output=True, text=True, env=env,
                              timeout=API_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise KctxError(f"{failure}: no answer from the cluster within {API_TIMEOUT:.0f}s") from None
    except OSError as exc:
        raise KctxError(f"cannot run {binary}: {exc.strerror}") from None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].removeprefix("error: ") if lines else "unknown error"


def _check_exists(ws: Workspace, name: str) -> None:
    failure = "failed to query if namespace exists (is cluster accessible?)"
    proc = _kubectl(ws, ["get", "namespace", name, "-o", "name"], failure)
    if proc.returncode == 0:
        return
    if "NotFound" in proc.stderr or "not found" in proc.stderr:
        raise KctxError(f'no namespace exists with name "{name}"{_suggestion(ws, name)}')
    raise KctxError(f'{failure}: failed to query namespace "{name}" from k8s API: {_last_line(proc.stderr)}')


def _suggestion(ws: Workspace, name: str) -> str:
    """A did-you-mean from the cluster's namespaces: one more request, made only for a name that is not there."""
    from kctx.util.suggest import did_you_mean

    try:
        proc = _kubectl(ws, ["get", "namespaces", "-o", "name"], "")
    except KctxError:
        return ""
    names = (line.strip().removeprefix("namespace/") for line in proc.stdout.splitlines())
    return did_you_mean(name, [n for n in names if n]) if proc.returncode == 0 else ""


def _list(ws: Workspace, out: Printer) -> int:
    b = backend(ws)
    cur = b.namespace()
    failure = "could not list namespaces (is the cluster accessible?)"
    proc = _kubectl(ws, ["get", "namespaces", "-o", "name"], failure)
    if proc.returncode != 0:
        raise KctxError(f"{failure}: failed to list namespaces from k8s API: {_last_line(proc.stderr)}")
    from kctx.commands.choose import choose, interactive

    names = [n for n in (line.strip().removeprefix("namespace/") for line in proc.stdout.splitlines()) if n]
    if names and interactive(ws.env):
        from kctx.picker.contexts import namespace_entries

        picked = choose(ws.env, f"namespace ({b.current()})", namespace_entries(names, cur))
        return _switch(ws, b, out, picked, force=True)  # just listed: no second request to check it
    for name in names:
        out.item(name, name == cur)
    return ExitStatus.OK


