"""`kctx current [--json]`: the effective target of this shell (no kubectl arguments)."""

from __future__ import annotations

import json

from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.guard.target import resolve
from kctx.workspace import Workspace


def run(argv: list[str], env: Environment) -> int:
    p = Parser("current", "Print the context, cluster, server, user, namespace and files kubectl would use.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    args = p.parse_args(argv)
    ws = Workspace(env)
    t = resolve({}, env.environ, ws.paths, ws.local_config)
    fields = t.fields()
    if args.json:
        env.stdout.write(json.dumps(fields, indent=2) + "\n")
    else:
        width = max(len(k) for k in fields)
        for k, v in fields.items():
            shown = ", ".join(v) if isinstance(v, list) else ("yes" if v is True else "no" if v is False else v)
            env.stdout.write(f"{k.ljust(width)}  {shown}\n")
        if t.protected_by:
            env.stdout.write(f"{'why'.ljust(width)}  protected: {t.protected_by}\n")
    if t.problem:
        env.stderr.write(f"warning: {t.problem}\n")
    return int(ExitStatus.OK)
