"""`kctx onboard [--dry-run|--check] TEAMFILE`: set this machine up the way a team file says.

Non-interactive (it runs from scripts): progress on stderr, the outcome on stdout. The team file's
schema and the merge rules are in docs/onboarding.md.
"""

from __future__ import annotations

import os

from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.onboard import schema, sources
from kctx.onboard.owned import Owned, state_file
from kctx.onboard.step import Run
from kctx.util.fsutil import ensure_private_dir, locked


def parser() -> Parser:
    p = Parser("onboard", "Merge a team file into this machine's kctx setup: protection rules, kubeconfig "
                          "files, context aliases, colours and kubectl versions. Safe to run again.")
    p.add_argument("teamfile", metavar="TEAMFILE", help="the team file: a path or an http(s) URL")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
    mode.add_argument("--check", action="store_true",
                      help="list how this machine deviates from the team file; exit 1 if it does")
    p.add_argument("--refresh", action="store_true",
                   help="run the credentials commands again even when their kubeconfigs look fine")
    p.add_argument("--no-install", action="store_true", help="do not download kubectl releases")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    env.paths.check(need_home=True)  # it writes kubeconfig files into ~/.kube/configs
    team = load_team(args.teamfile, env)
    ctx = Run(team=team, env=env, owned=Owned(state_file(env.paths, team.name)), refresh=args.refresh,
              install=not args.no_install)
    label = f'team "{team.name}" ({team.location})'
    try:
        if args.check:
            return check(ctx, label)
        return onboard(ctx, label, dry_run=args.dry_run)
    except OSError as exc:  # a full disk, a read-only home…: one line, like every other failure
        raise KctxError(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}") from None


def load_team(arg: str, env: Environment) -> schema.Team:
    home = env.paths.home
    location = sources.locate(arg, os.getcwd(), home)
    try:
        text = sources.read(location, env.environ).decode("utf-8")
    except UnicodeDecodeError:
        raise KctxError(f"{location}: not UTF-8 text") from None
    return schema.parse(text, location, home)


def onboard(ctx: Run, label: str, *, dry_run: bool) -> int:
    from kctx.onboard import apply, plan

    if dry_run:  # reads only: no lock file either
        out = apply.execute(plan.build(ctx), ctx.env, dry_run=True)
    else:
        lock = state_file(ctx.env.paths, ctx.team.name)
        ensure_private_dir(os.path.dirname(lock))
        with locked(lock):  # two onboardings of one team at once would race on the same files
            out = apply.execute(plan.build(ctx), ctx.env, dry_run=False)
    out.todo += shell_todo(ctx.env)
    apply.report(ctx.env, out, label, dry_run=dry_run)
    return ExitStatus.OK


def shell_todo(env: Environment) -> list[str]:
    if env.environ.get("KCTX_SESSION"):
        return []
    return ['load the shell integration so `kctx use CONTEXT` and the kubectl guard work: add '
            'eval "$(kctx init bash)" (or zsh; fish: kctx init fish | source) to your shell\'s rc file']


def check(ctx: Run, label: str) -> int:
    from kctx.onboard.check import deviations

    found = deviations(ctx)
    if not found:
        ctx.env.stdout.write(f"ok: this machine matches {label}\n")
        return ExitStatus.OK
    ctx.env.stdout.write(f"this machine deviates from {label}:\n" + "".join(f"  - {d}\n" for d in found))
    return ExitStatus.ERROR
