"""`kctx current [--json]`: the effective target of this shell (no kubectl arguments)."""

from __future__ import annotations

import json

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.guard.target import Target, resolve
from kctx.workspace import Workspace

HELP = Help(
    ["current [--json]"],
    "Print this shell's target: the context, cluster, server, user, namespace and files kubectl would use,\n"
    "whether it is protected, and the kubectl version that would run.",
    [("kctx current", "a table"), ("kctx current --json | jq -r .namespace", "one field, for scripts")])


def parser() -> Parser:
    p = Parser("current", doc=HELP)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    ws = Workspace(env)
    t = resolve({}, env.environ, ws.paths, ws.local_config)
    if args.json:
        env.stdout.write(json.dumps(t.fields(), indent=2) + "\n")
    elif not t.context and not t.server and not ws.view.files:
        from kctx.commands.printer import no_kubeconfig

        env.stdout.write(no_kubeconfig(ws))  # a brand-new user: what to do, not an empty table
        return int(ExitStatus.OK)
    else:
        _table(env, t)
    if t.problem:
        ws.warn(t.problem)
    if not args.json and not t.context and not t.server and ws.view.contexts():
        env.stderr.write(f"  next: kctx {'use' if ws.session is not None else 'ctx'} CONTEXT (kctx ls lists them)\n")
    return int(ExitStatus.OK)


def _table(env: Environment, t: Target) -> None:
    fields = t.fields()
    width = max(len(k) for k in fields)
    for k, v in fields.items():
        shown = ", ".join(v) if isinstance(v, list) else ("yes" if v is True else "no" if v is False else v)
        env.stdout.write(f"{k.ljust(width)}  {shown}\n")
    if t.protected_by:
        env.stdout.write(f"{'why'.ljust(width)}  protected: {t.protected_by}\n")
