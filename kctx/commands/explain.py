"""`kctx explain [--json] -- ARGS`: what a kubectl call would hit and what the guard decides, without running it.

JSON keys (a contract scripts rely on): context, cluster, server, user, namespace, files, protected,
class, decision, kubectl_version, kubectl_path; then reason, kubectl_why and, when they apply, skew, problem
and kuberc (the line kubectl runs after expanding the kuberc).
"""

from __future__ import annotations

import json

from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.guard.decision import decide, tty_available
from kctx.guard.target import resolve
from kctx.kubectl.classify import classify
from kctx.kubectl.kuberc import apply as apply_kuberc
from kctx.kubectl.kuberc import describe
from kctx.workspace import Workspace


def run(argv: list[str], env: Environment) -> int:
    p = Parser("explain", "Resolve a kubectl command line without running it: target, class, guard decision.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("kubectl_args", nargs="*", metavar="-- KUBECTL_ARGS")
    if "--" in argv:
        cut = argv.index("--")
        args = p.parse_args(argv[:cut])
        kargs = argv[cut + 1:]
    else:
        args = p.parse_args(argv)
        kargs = args.kubectl_args
    ws = Workspace(env)
    report = explain(ws, kargs)
    if args.json:
        env.stdout.write(json.dumps(report, indent=2) + "\n")
        return ExitStatus.OK
    width = max(len(k) for k in report)
    for key, value in report.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        env.stdout.write(f"{key.ljust(width)}  {shown}\n")
    return ExitStatus.OK


def explain(ws: Workspace, kargs: list[str]) -> dict:
    """The same steps as the shim (target → class → version → guard), reported instead of executed."""
    import os

    from kctx.errors import KctxError
    from kctx.kubectl.classify import is_client_only
    from kctx.versions.select import choose

    env = ws.env
    environ = dict(env.environ)
    if ws.session is not None:
        from kctx.session.envfile import read

        environ["KUBECONFIG"] = read(str(ws.session.path)).get("KUBECONFIG", environ.get("KUBECONFIG", ""))
    expanded = apply_kuberc(kargs, environ, ws.paths)
    parsed = expanded.args
    c = classify(parsed)
    t = resolve(parsed.globals, environ, ws.paths, ws.config, problem=expanded.problem)
    client_only = is_client_only(parsed)
    try:
        choice = choose(t, ws.config, environ, os.getcwd(), ws.paths, detect=not client_only, install=False,
                        mark=False)
        version, path, why, skew = choice.version, choice.path, choice.why, "" if client_only else choice.skew
    except KctxError as exc:
        version, path, why, skew = "", "", exc.message, ""
    d = decide(t, c, environ, ws.config, tty_available(env.tty_path), skew=skew)
    if client_only and d.action != "allow":
        d.action, d.reason = "allow", "client-only command: nothing reaches a cluster"
    report = t.fields()
    report.update({"class": c.cls, "decision": d.action, "kubectl_version": version, "kubectl_path": path})
    report["reason"] = d.reason
    report["kubectl_why"] = why
    if skew:
        report["skew"] = skew
    if t.problem:
        report["problem"] = t.problem
    if expanded.expansion is not None and (expanded.expansion.argv != list(kargs) or expanded.expansion.presets):
        report["kuberc"] = f"{expanded.path}: {describe(expanded.expansion)}"
    return report
