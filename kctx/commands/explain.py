"""`kctx explain [--json] -- ARGS`: what a kubectl call would hit and what the guard decides, without running it.

JSON keys (a contract scripts rely on): context, cluster, server, user, namespace, files, protected,
class, decision, kubectl_version, kubectl_path; then reason, kubectl_why and, when they apply, skew, problem,
kuberc (the line kubectl runs after expanding the kuberc) and runs (the arguments kubectl gets, bound to the
judged context).
"""

from __future__ import annotations

import json

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.kubectl.classify import MUTATE
from kctx.kubectl.kuberc import describe
from kctx.workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.guard.judge import Judgement

HELP = Help(
    ["explain [--json] [--preview] -- KUBECTL_ARGS…"],
    "Resolve a kubectl command line without running it: the target it would hit (context, cluster, server,\n"
    "user, namespace, files), whether that is protected, the command's class, the guard's decision and the\n"
    "kubectl version that would run.",
    [("kctx explain -- delete pod web-0", "what a delete would hit, and whether kctx asks first"),
     ("kctx explain --json -- --context prod apply -f app.yaml", "the same, for scripts")])


def parser() -> Parser:
    p = Parser("explain", doc=HELP)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--preview", action="store_true",
                   help="also run the server-side dry run a confirmation would show (nothing is written)")
    p.add_argument("kubectl_args", nargs="*", metavar="-- KUBECTL_ARGS", help="the kubectl command line")
    return p


def run(argv: list[str], env: Environment) -> int:
    p = parser()
    if "--" in argv:
        cut = argv.index("--")
        args = p.parse_args(argv[:cut])
        kargs = argv[cut + 1:]
    else:
        args = p.parse_args(argv)
        kargs = args.kubectl_args
    ws = Workspace(env)
    report = explain(ws, kargs, preview=args.preview)
    if args.json:
        env.stdout.write(json.dumps(report, indent=2) + "\n")
        return ExitStatus.OK
    previewed = report.pop("preview", None)
    width = max(len(k) for k in report)
    for key, value in report.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        env.stdout.write(f"{key.ljust(width)}  {shown}\n")
    if isinstance(previewed, dict):
        _print_preview(previewed, env)
    return ExitStatus.OK


def _print_preview(shown: dict[str, object], env: Environment) -> None:
    """The preview as a confirmation shows it (the high blast radius first)."""
    if shown.get("blast"):
        env.stdout.write(f"HIGH BLAST RADIUS: {shown['blast']}; the answer would be: {shown['phrase']}\n")
    env.stdout.write("preview:\n")
    if shown.get("error"):
        env.stdout.write(f"preview unavailable: {shown['error']}\n")
    lines = shown.get("lines")
    for line in lines if isinstance(lines, list) else []:
        env.stdout.write(f"  {line}\n")


def explain(ws: Workspace, kargs: list[str], preview: bool = False) -> dict[str, object]:
    """The shim's judgement (kctx/guard/judge.py), reported instead of acted on; ``preview``: with the preview
    a confirmation would show (for a line that would be asked on a protected target, or any writing line)."""
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
    if preview:
        report["preview"] = _preview(j, kargs, environ)
    return report


def _preview(j: Judgement, kargs: list[str], environ: dict[str, str]) -> dict[str, object]:
    if not j.risky or j.c.cls != MUTATE:
        why = f"nothing to preview: a server-side dry run of a {j.c.cls} command shows nothing"
        return {"error": why, "lines": [], "blast": "", "phrase": "", "summary": "", "count": -1}
    from kctx.guard.preview import for_judgement

    p = for_judgement(j, kargs, environ)
    return {"summary": p.summary, "count": p.count, "lines": p.lines, "blast": p.blast, "phrase": p.phrase,
            "error": p.error}
