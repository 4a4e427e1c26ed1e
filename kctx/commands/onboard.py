"""`kctx onboard [--dry-run|--check] TEAMFILE`: set this machine up the way a team file says.

Progress on stderr, the outcome on stdout. A team file is code: the commands it names run as you, and the
kubeconfigs it brings may name programs kubectl runs. So a remote file needs https (plain http only on
loopback, or with --insecure-http), a pin (--sha256 or #sha256=) refuses any other file, and its commands
run only once someone approved them: on the terminal, or with --yes. The schema, the merge rules and the
trust rules are in docs/onboarding.md.
"""

from __future__ import annotations

import os
import time

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, prefix
from kctx.onboard import consent, origin, schema, sources
from kctx.onboard.owned import Owned, state_file
from kctx.onboard.step import Run
from kctx.onboard.transport import Transport
from kctx.paths import display
from kctx.util.fsutil import ensure_private_dir, locked

HELP = Help(
    ["onboard [--dry-run | --check] [--sha256 HEX] [--yes] [--refresh] [--no-install] TEAMFILE"],
    "Merge a team file into this machine's kctx setup: protection rules, kubeconfig files, context aliases,\n"
    "colours and kubectl versions. Safe to run again. See docs/onboarding.md.",
    [("kctx onboard --dry-run https://example.com/team.yaml", "the plan, changing nothing"),
     ("kctx onboard team.yaml", "set this machine up"), ("kctx onboard --check team.yaml", "exit 1 on a deviation")])


def parser() -> Parser:
    p = Parser("onboard", doc=HELP)
    p.add_argument("teamfile", metavar="TEAMFILE",
                   help="the team file: a path or an https URL (URL#sha256=HEX pins its digest)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="show the plan and every command; change nothing")
    mode.add_argument("--check", action="store_true",
                      help="list how this machine deviates from the team file; exit 1 if it does")
    p.add_argument("--json", action="store_true", help="with --check: the result as JSON (for CI)")
    p.add_argument("--sha256", metavar="HEX", default="", help="refuse a team file with another sha256")
    p.add_argument("--yes", "--allow-commands", dest="allow_commands", action="store_true",
                   help="run the team file's commands without asking (for scripts; review them first)")
    p.add_argument("--insecure-http", action="store_true",
                   help="allow plain http from other machines (anyone on the way can change what runs)")
    p.add_argument("--kuberc-allowlist", action="store_true",
                   help="without asking, let kubectl run only the team's credential plugins (kuberc, 1.35+)")
    p.add_argument("--refresh", action="store_true",
                   help="run the credentials commands again even when their kubeconfigs look fine")
    p.add_argument("--prune", action="store_true",
                   help="remove the kubeconfig files of clusters the team file dropped (a backup is kept)")
    p.add_argument("--shell", action="store_true",
                   help="add the kctx init line to your shell's rc file (once, in a marked block)")
    p.add_argument("--online", action="store_true",
                   help="also ask each cluster kubectl auth can-i for the team file's access: questions (last)")
    p.add_argument("--no-install", action="store_true", help="do not download kubectl releases")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    if args.json and not args.check:
        raise KctxError("--json goes with --check", ExitStatus.USAGE)
    env.paths.check(need_home=True)  # it writes kubeconfig files into ~/.kube/configs
    if args.shell:
        from kctx.onboard.step_shell import rc_file

        rc_file(env.environ, env.paths.home)  # an unknown shell stops here, before anything is fetched
    transport = Transport(env.environ, lambda msg: _say(env, prefix("warning") + msg), insecure_http=args.insecure_http)
    team, found = load_team(args.teamfile, env, transport, args.sha256)
    ctx = Run(team=team, env=env, owned=Owned(state_file(env.paths, team.name)), transport=transport,
              refresh=args.refresh, install=not args.no_install, commands_allowed=args.allow_commands,
              allowlist=args.kuberc_allowlist, prune=args.prune, shell=args.shell,
              online=args.online)
    label = f'team "{team.name}" ({team.location})'
    try:
        if args.check:
            return check(ctx, label, as_json=args.json)
        return onboard(ctx, label, found, dry_run=args.dry_run)
    except OSError as exc:  # a full disk, a read-only home…: one line, like every other failure
        raise KctxError(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}") from None


def load_team(arg: str, env: Environment, transport: Transport, pin: str = "") -> tuple[schema.Team, origin.Origin]:
    """The team file, read under the transport's rules and checked against the pin, and where it came from."""
    home = env.paths.home
    arg, pinned = origin.split_pin(arg, pin)
    location = sources.locate(arg, os.getcwd(), home)
    data = sources.read(location, transport)
    found = origin.verify(data, location, pinned)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KctxError(f"{location}: not UTF-8 text") from None
    team = schema.parse(text, location, home)
    for c in team.clusters:  # every URL obeys the same rules, checked before anything is fetched or run
        if c.source.kind == "url" and sources.is_url(c.source.location):
            transport.allow(c.source.location, f"{c.source.where}: {c.source.location}")
    return team, found


def onboard(ctx: Run, label: str, found: origin.Origin, *, dry_run: bool) -> int:
    from kctx.onboard import aliases, apply, plan, variables
    from kctx.onboard.step_kubeconfig import KubeconfigStep

    aliases.refuse(ctx)  # before any step: the config merge would already aim pins and protection at theirs
    steps = plan.build(ctx)
    store = consent.Store(ctx.env.paths)
    items = consent.commands(ctx.team, ctx.home)
    due_names = {s.cluster.name for s in steps if isinstance(s, KubeconfigStep) and s.would_run()}
    due = [i for i in items if i.cluster.name in due_names]
    if dry_run:  # reads only: no lock file either
        out = apply.execute(steps, ctx.env, dry_run=True)
        out.todo += [variables.describe_missing(ctx.team, c, v, located=False)
                     for c, v in variables.missing(ctx.team, [i.cluster for i in due], ctx.env.environ)]
    else:
        variables.require(ctx.team, [i.cluster for i in due], ctx.env.environ)  # before asking or changing
        consent.require(store, ctx.team, items, due, tty_path=ctx.env.tty_path, allowed=ctx.commands_allowed,
                        say=lambda line: _say(ctx.env, line))
        # Approved. With nothing due, nobody was asked: a command that becomes due meanwhile is not run.
        ctx.commands_allowed = ctx.commands_allowed or bool(due)
        lock = state_file(ctx.env.paths, ctx.team.name)
        ensure_private_dir(os.path.dirname(lock))
        with locked(lock):  # two onboardings of one team at once would race on the same files
            out = apply.execute(steps, ctx.env, dry_run=False)
            record(ctx, found, changed=bool(out.done))
    out.todo += shell_todo(ctx.env)
    if not dry_run or not out.would:  # what the plan would change is no deviation to list yet
        from kctx.onboard.check import deviations

        out.left = deviations(ctx)
    if dry_run:
        out.commands = show_commands(ctx, store, items, due)
    apply.report(ctx.env, out, label, dry_run=dry_run)
    return ExitStatus.OK


def record(ctx: Run, found: origin.Origin, *, changed: bool) -> None:
    """Remember where the team file came from and when it was applied (for `kctx doctor`). A run that
    changed nothing, from the same file, leaves the state file byte-identical."""
    before = ctx.owned.doc.get("origin")
    same = isinstance(before, dict) and all(before.get(k) == v for k, v in found.record(0).items() if k != "applied")
    if changed or not same:
        ctx.owned.applied(found.record(time.time()))


def show_commands(ctx: Run, store: consent.Store, items: list[consent.Command], due: list[consent.Command]) -> str:
    if not items:
        return ""
    when = consent.approved(store, ctx.team.location, items)
    status = (f"approved on this machine {time.strftime('%Y-%m-%d %H:%M', time.localtime(when))}" if when else
              "not approved yet: a run asks on the terminal, or needs --yes")
    now = f"; due now: {', '.join(i.cluster.name for i in due)}" if due else "; none is due now"
    return (f"commands this team file runs as you ({status}{now}):\n"
            + "".join(f"  {line}\n" for i in items for line in i.lines()))


def _say(env: Environment, line: str) -> None:
    env.stderr.write(line + "\n")
    env.stderr.flush()


def shell_todo(env: Environment) -> list[str]:
    if env.environ.get("KCTX_SESSION"):
        return []
    from kctx.onboard.step_shell import loads_kctx, rc_file

    try:
        _, rc = rc_file(env.environ, env.paths.home)
        with open(rc, encoding="utf-8", errors="replace") as fh:
            loaded = loads_kctx(fh.read())
    except (KctxError, OSError):
        loaded = False
    if loaded:
        return [f"open a new shell: {display(rc, env.paths.home)} loads the kctx shell integration"]
    return ['load the shell integration so `kctx use CONTEXT` and the kubectl guard work: add '
            'eval "$(kctx init bash)" (or zsh; fish: kctx init fish | source) to your shell\'s rc file, '
            "or run kctx onboard --shell TEAMFILE"]


def check(ctx: Run, label: str, *, as_json: bool = False) -> int:
    from kctx.onboard.check import found

    deviations = found(ctx)
    if as_json:
        import json

        doc = {"team": ctx.team.name, "location": ctx.team.location, "ok": not deviations,
               "deviations": [{"check": d.check, "message": d.message} for d in deviations]}
        ctx.env.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif not deviations:
        ctx.env.stdout.write(f"ok: this machine matches {label}\n")
    else:
        ctx.env.stdout.write(f"this machine deviates from {label}:\n"
                             + "".join(f"  - {d.message}\n" for d in deviations))
    return ExitStatus.ERROR if deviations else ExitStatus.OK
