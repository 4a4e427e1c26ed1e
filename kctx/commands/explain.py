"""`kctx explain [--json] -- ARGS`: what a kubectl call would hit and what the guard decides, without running it.

JSON keys (a contract scripts rely on): context, cluster, server, user, namespace, files, protected,
class, decision, kubectl_version, kubectl_path; then reason, kubectl_why and, when they apply, skew, problem,
kuberc (the line kubectl runs after expanding the kuberc) and runs (the arguments kubectl gets, bound to the
judged context).
"""

from __future__ import annotations

import json

from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.errors import ExitStatus
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


def explain(ws: Workspace, kargs: list[str]) -> dict[str, object]:
    """The shim's judgement (kctx/guard/judge.py), reported instead of acted on."""
    import os

    from kctx.guard.decision import tty_available
    from kctx.guard.judge import judge

    env = ws.env
    environ = dict(env.environ)
    if ws.session is not None:
        from kctx.session.envfile import read

        environ["KUBECONFIG"] = read(str(ws.session.path)).get("KUBECONFIG", environ.get("KUBECONFIG", ""))
    j = judge(kargs, environ, ws.paths, os.getcwd(), tty=tty_available(env.tty_path), install=False, mark=False)
    choice = j.choice
    report = j.target.fields()
    report.update({"class": j.c.cls, "decision": j.decision.action,
                   "kubectl_version": choice.version if choice else "", "kubectl_path": choice.path if choice else ""})
    report["reason"] = j.decision.reason
    report["kubectl_why"] = choice.why if choice else j.failure.message if j.failure else ""
    if j.target.protected and j.target.readonly_by:
        report["readonly"] = j.target.readonly_by
    if j.skew:
        report["skew"] = j.skew
    if j.target.problem:
        report["problem"] = j.target.problem
    expansion = j.expanded.expansion
    if expansion is not None and (expansion.argv != list(kargs) or expansion.presets):
        report["kuberc"] = f"{j.expanded.path}: {describe(expansion)}"
    if j.argv != list(kargs):
        report["runs"] = "kubectl " + " ".join(j.argv)
    return report
