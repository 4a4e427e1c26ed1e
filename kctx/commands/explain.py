"""`kctx explain [--json] -- ARGS`: what a kubectl call would hit and what the guard decides, without running it.

JSON keys (a contract scripts rely on): context, cluster, server, user, namespace, files, protected,
class, decision, kubectl_version, kubectl_path.
"""

from __future__ import annotations

import json

from kctx.argv import parse
from kctx.classify import classify
from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.guard import decide, tty_available
from kctx.status import ExitStatus
from kctx.target import resolve
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
    env = ws.env
    environ = dict(env.environ)
    if ws.session is not None:
        from kctx.sessionenv import read

        environ["KUBECONFIG"] = read(str(ws.session.path)).get("KUBECONFIG", environ.get("KUBECONFIG", ""))
    parsed = parse(kargs)
    c = classify(parsed)
    t = resolve(parsed.globals, environ, ws.paths, ws.config)
    d = decide(t, c, environ, ws.config, tty_available(env.tty_path))
    binary, version = kubectl_for(ws, environ)
    report = t.fields()
    report.update({"class": c.cls, "decision": d.action, "kubectl_version": version, "kubectl_path": binary})
    report["reason"] = d.reason
    if t.problem:
        report["problem"] = t.problem
    return report


def kubectl_for(ws: Workspace, environ: dict) -> tuple[str, str]:
    """The kubectl binary the shim would run, and its version ("" when unknown)."""
    import subprocess

    from kctx.kubectl_bin import find

    binary = find(environ, ws.paths.shim_dir)
    if not binary:
        return "", ""
    try:
        out = subprocess.run([binary, "version", "--client", "-o", "json"], capture_output=True, text=True,
                             timeout=10, stdin=subprocess.DEVNULL).stdout
        return binary, json.loads(out)["clientVersion"]["gitVersion"].lstrip("v")
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        return binary, ""
