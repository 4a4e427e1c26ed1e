"""`kctx each GLOB… | --group NAME -- ARGS`: run `kubectl ARGS` on every matching context, in parallel.

Each call is pinned to its context (`--context=<name>` first, as the shim binds a line) and judged by the shim's
guard; protected contexts that need confirmation are asked for once, together (kctx/guard/fleet.py). Sessions are
untouched. Output is prefixed by context, or one JSON record per context with --json; a summary line ends it.
Exit 1 when any call failed or timed out.
"""

from __future__ import annotations

import time

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, UsageError
from kctx.workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.commands.each_run import Outcome

HELP = Help(
    ["each [GLOB…] [--group NAME] [-j N] [--timeout SECONDS] [--json] -- ARGS…"],
    "Run kubectl ARGS on every context matching GLOB (shell-style) or in a group from the config\n"
    "(groups: {prod: [\"prod-*\"]}), in parallel, each call pinned to its context and judged by the guard.\n"
    "Protected contexts that need confirmation are asked for once on the terminal; with no terminal\n"
    "KCTX_CONFIRM must name each of them (comma-separated).",
    [("kctx each 'prod-*' -- get pods -n web", "every prod context"),
     ("kctx each -g prod -j 8 -- version", "a group from the config, 8 at once"),
     ("kctx each '*' --json -- auth whoami", "one JSON record per context")])
DEFAULT_JOBS = 4
DEFAULT_TIMEOUT = 60.0
PINNING = ("--context", "--kubeconfig")  # kctx chooses these for each call


def run(argv: list[str], env: Environment) -> int:
    if "--" not in argv:
        if any(a in ("-h", "--help") for a in argv):
            env.stdout.write(parser().format_help())
            return int(ExitStatus.OK)
        raise UsageError("each: give the kubectl arguments after --, e.g. kctx each 'prod-*' -- get pods")
    cut = argv.index("--")
    args, kubectl_args = parser().parse_args(argv[:cut]), argv[cut + 1:]
    if not kubectl_args:
        raise UsageError("each: no kubectl arguments after --")
    _check_args(kubectl_args)
    if args.jobs < 1 or args.timeout <= 0:
        raise UsageError("each: -j must be at least 1 and --timeout positive")
    ws = Workspace(env)
    contexts = select(ws, args.globs, args.group)
    return execute(ws, contexts, kubectl_args, args.jobs, args.timeout, args.json)


def parser() -> Parser:
    p = Parser("each", doc=HELP)
    p.add_argument("globs", nargs="*", metavar="GLOB", help="context names or shell-style globs")
    p.add_argument("-g", "--group", action="append", default=[], metavar="NAME",
                   help="a group of contexts from the config's groups: (repeatable)")
    p.add_argument("-j", "--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                   help=f"calls at once (default {DEFAULT_JOBS})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop a call after this long (default {DEFAULT_TIMEOUT:.0f})")
    p.add_argument("--json", action="store_true",
                   help="one JSON record per context: context, status, exit, duration, stdout, stderr")
    return p


def _check_args(kubectl_args: list[str]) -> None:
    for arg in kubectl_args:
        if arg == "--":
            return
        if arg in PINNING or arg.startswith(tuple(f"{f}=" for f in PINNING)):
            raise UsageError(f"each: {arg.split('=')[0]} is chosen by kctx for each context; drop it")


def select(ws: Workspace, globs: list[str], groups: list[str]) -> list[str]:
    """The contexts matching ``globs`` and the groups' globs, in kctx's order (kubectl's files first)."""
    from kctx.util.globmatch import first_match

    patterns = list(globs)
    known = ws.config.groups
    for name in groups:
        if name not in known:
            have = ", ".join(sorted(known)) or "none defined (groups: in the config)"
            raise KctxError(f'no group "{name}" (groups: {have})', ExitStatus.USAGE)
        patterns += known[name]
    if not patterns:
        raise UsageError("each: name contexts (globs) or a --group")
    ws.warn_broken_files()
    chosen = [n for n in ws.view.context_names() if first_match(n, patterns)]
    if not chosen:
        raise KctxError(f"no context matches {' '.join(patterns)}")
    return chosen


def execute(ws: Workspace, contexts: list[str], kubectl_args: list[str], jobs: int, timeout: float,
            as_json: bool) -> int:
    from kctx.commands import each_run
    from kctx.guard import fleet

    began = time.monotonic()
    calls = fleet.judge_all(contexts, kubectl_args, ws.env.environ, ws.paths, tty_path=ws.env.tty_path,
                            jobs=jobs)
    fleet.enforce_all(calls, kubectl_args, ws.config, ws.paths.audit_log, ws.env.tty_path)
    printer = None if as_json else each_run.Prefixer(ws.env, contexts)
    outcomes = each_run.run_all(calls, jobs, timeout, printer)
    if as_json:
        each_run.write_json(ws.env, outcomes)
    ws.env.stderr.write(summary(outcomes, time.monotonic() - began) + "\n")
    return int(ExitStatus.OK if all(o.status == "ok" for o in outcomes) else ExitStatus.ERROR)


def summary(outcomes: list[Outcome], seconds: float) -> str:
    ok = sum(o.status == "ok" for o in outcomes)
    parts = [f"{ok} ok"]
    for status in ("failed", "timeout", "error"):
        names = [o.context for o in outcomes if o.status == status]
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            word = {"failed": "failed", "timeout": "timed out", "error": "could not run"}[status]
            parts.append(f"{len(names)} {word} ({shown})")
    return f"kctx each: {len(outcomes)} contexts: {', '.join(parts)} in {seconds:.1f} s"
