"""`kctx kubectl which|run|list|install|uninstall|gc|add|refresh`: the kubectl versions kctx manages.

Selection itself lives in kctx/versions/select.py (the shim calls it); this module only parses
arguments and prints. See docs/versions.md.
"""

from __future__ import annotations

import json
import time

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, UsageError, line
from kctx.versions import manage, store
from kctx.versions.parse import fmt, parse_spec
from kctx.versions.select import ENV as VERSION_ENV
from kctx.versions.select import choose
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    import argparse

    from kctx.guard.target import Target


def run(argv: list[str], env: Environment) -> int:
    p = parser()
    if "--" in argv:  # `run -- ARGS`: everything after -- belongs to kubectl
        cut = argv.index("--")
        args = p.parse_args(argv[:cut])
        args.kubectl_args = argv[cut + 1:]
    else:
        args = p.parse_args(argv)
    try:
        return int(HANDLERS[args.action](args, env))
    except OSError as exc:  # one line, like every other failure
        raise KctxError(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}") from None


HELP = Help(
    ["kubectl ACTION [OPTIONS]", "kubectl run [--context CONTEXT] [--kubectl-version VERSION] -- ARGS…"],
    "Which kubectl runs against which cluster, and why (pins, .tool-versions, the server's version); install\n"
    "and remove versions. See docs/versions.md.",
    [("kctx kubectl which", "the version for this shell's cluster, and the rule that chose it"),
     ("kctx kubectl install 1.31", "the newest 1.31 patch, checksum verified"),
     ("kctx kubectl run --kubectl-version 1.29 -- get pods", "one call with another version"),
     ("kctx kubectl gc --days 60 --dry-run", "what a clean-up would remove")])


def parser() -> Parser:
    p = Parser("kubectl", doc=HELP)
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help_: str, examples: list[tuple[str, str]], usage: str | None = None) -> Parser:
        description = f"{help_[0].upper()}{help_[1:]}."
        made: Parser = sub.add_parser(name, help=help_, description=description, examples=examples, usage=usage)
        return made

    which = add("which", "show the kubectl the shim would run, and which rule decided",
                [("kctx kubectl which", "for this shell's cluster"),
                 ("kctx kubectl which --context prod --json", "for another context, as JSON")])
    _target_flags(which)
    which.add_argument("--json", action="store_true", help="machine-readable output")
    which.add_argument("--no-detect", action="store_true", help="use only the cached server version")
    which.add_argument("--install", action="store_true", help="download the chosen version if needed")
    run_ = add("run", "run kubectl through the shim (guard included) with a chosen version",
               [("kctx kubectl run --kubectl-version 1.29 -- get pods", "one call with kubectl 1.29"),
                ("kctx kubectl run --context staging -- version", "on another context")],
               usage="%(prog)s [--context CONTEXT] [--kubectl-version VERSION] -- ARGS…")
    _target_flags(run_)
    listing = add("list", "installed versions; --remote: the newest patch of recent releases",
                  [("kctx kubectl list", "what is installed, when it was last used, what pins it"),
                   ("kctx kubectl list --remote", "what the release site (or mirror) offers")])
    listing.add_argument("--remote", action="store_true", help="ask the mirror (KCTX_KUBECTL_MIRROR)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    inst = add("install", "download, verify and install a version (1.29 = newest patch)",
               [("kctx kubectl install 1.31", "the newest 1.31 patch, checksum verified"),
                ("kctx kubectl install 1.31.4", "exactly this release")])
    inst.add_argument("version", help="1.29 or 1.29.3")
    inst.add_argument("--no-verify", action="store_true",
                      help="install even when the mirror publishes no checksum (DANGEROUS)")
    rm = add("uninstall", "remove an installed version (or unregister an added one)",
             [("kctx kubectl uninstall 1.29.3", "unless a pin holds it"),
              ("kctx kubectl uninstall 1.29.3 --force", "even when a pin holds it")])
    rm.add_argument("version", help="exact version, e.g. 1.29.3")
    rm.add_argument("--force", action="store_true", help="remove it even when a pin holds it")
    gc = add("gc", "remove downloaded versions not used for N days",
             [("kctx kubectl gc --days 60 --dry-run", "what a clean-up would remove"),
              ("kctx kubectl gc --days 60", "remove them (pinned versions stay)")])
    gc.add_argument("--days", type=float, required=True, help="unused for more than this many days")
    gc.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    gc.add_argument("--force", action="store_true", help="remove pinned versions too")
    reg = add("add", "register a kubectl already on this machine (by the version it reports)",
              [("kctx kubectl add /usr/local/bin/kubectl", "use it for the version it reports")])
    reg.add_argument("path", help="the kubectl binary")
    reg.add_argument("--force", action="store_true", help="replace a version that is already installed")
    ref = add("refresh", "detect the cluster's server version now (ignores the cache)",
              [("kctx kubectl refresh", "after an upgrade of this shell's cluster"),
               ("kctx kubectl refresh --context prod", "another context's cluster")])
    ref.add_argument("--context", default="", help="this context instead of the current one")
    return p


def _target_flags(p: Parser) -> None:
    p.add_argument("--context", default="", help="this context instead of the current one")
    p.add_argument("--kubectl-version", default="", metavar="VERSION",
                   help=f"as if {VERSION_ENV} were set (1.29, 1.29.3 or system)")


def _environ(ws: Workspace, args: argparse.Namespace) -> dict[str, str]:
    """The environment the shim would see: the session's KUBECONFIG, and the version override if any."""
    environ = dict(ws.env.environ)
    if ws.env.session_path is not None:
        from kctx.session.envfile import read

        kubeconfig = read(str(ws.env.session_path)).get("KUBECONFIG")
        if kubeconfig:
            environ["KUBECONFIG"] = kubeconfig
    if getattr(args, "kubectl_version", ""):
        environ[VERSION_ENV] = args.kubectl_version
    return environ


def _target(ws: Workspace, environ: dict[str, str], context: str) -> Target:
    from kctx.guard.target import resolve

    target = resolve({"context": context} if context else {}, environ, ws.paths, ws.config)
    if context and not target.server and target.problem:
        raise KctxError(target.problem)
    return target


def do_which(args: argparse.Namespace, env: Environment) -> int:
    import os

    ws = Workspace(env)
    environ = _environ(ws, args)
    target = _target(ws, environ, args.context)
    c = choose(target, ws.config, environ, os.getcwd(), ws.paths, detect=not args.no_detect,
               install=args.install, mark=False)
    report = {**c.as_dict(), "context": target.context, "cluster": target.cluster, "server": target.server}
    if args.json:
        env.stdout.write(json.dumps(report, indent=2) + "\n")
        return ExitStatus.OK
    rows = [("version", c.version or "(unknown)"), ("path", c.path), ("rule", c.rule), ("from", c.source or "-"),
            ("why", c.why)]
    if target.server:
        rows.append(("server", f"{target.server} ({c.server_version or 'version unknown'})"))
    if c.skew:
        rows.append(("warning", c.skew))
    if c.notice:
        rows.append(("note", c.notice))
    for key, value in rows:
        env.stdout.write(f"{key.ljust(8)}  {value}\n")
    return ExitStatus.OK


def do_run(args: argparse.Namespace, env: Environment) -> int:
    """Hand over to the shim, so the guard decides exactly as for a plain `kubectl` call."""
    from kctx.shim import fullpath as shim

    kargs = list(getattr(args, "kubectl_args", None) or [])
    if not kargs:
        raise UsageError("kubectl run: give kubectl's arguments after --, e.g. run -- get pods")
    if args.context:
        kargs = ["--context", args.context, *kargs]
    environ = dict(env.environ)
    if args.kubectl_version:
        environ[VERSION_ENV] = args.kubectl_version
    return shim.run(kargs, environ)


def do_list(args: argparse.Namespace, env: Environment) -> int:
    paths = env.paths
    if args.remote:
        from kctx.versions.mirror import remote_versions

        have = {fmt(v) for v in store.installed(paths.kubectl_dir)}
        remote = [{"version": v, "installed": v in have} for v in remote_versions(env.environ)]
        if args.json:
            env.stdout.write(json.dumps(remote, indent=2) + "\n")
        for r in [] if args.json else remote:
            env.stdout.write(f"{r['version']}{'  (installed)' if r['installed'] else ''}\n")
        return ExitStatus.OK
    rows = manage.rows(paths, _pins(env), env.environ)
    if args.json:
        env.stdout.write(json.dumps(rows, indent=2) + "\n")
        return ExitStatus.OK
    if not rows:
        env.stderr.write(f"no kubectl installed by kctx yet (in {paths.kubectl_dir}); "
                         "see 'kctx kubectl install -h'\n")
        return ExitStatus.OK
    table = [("VERSION", "INSTALLED", "LAST USED", "SOURCE")] + [
        (r["version"], _ago(r["installed"]), _ago(r["last_used"]), _source(r)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        env.stdout.write(f"{'   '.join(cells)}   {row[3]}\n")
    return ExitStatus.OK


def _source(row: manage.Row) -> str:
    where = {"downloaded": row["path"], "bundled": f"{row['path']} (beside the kubectl dispatcher on PATH)"}
    text = where.get(row["source"], row["source"])
    if not row["verified"]:
        text += "  UNVERIFIED (installed with --no-verify)"
    if row["pinned_by"]:
        text += f"  pinned by {'; '.join(row['pinned_by'])}"
    return text


def _pins(env: Environment) -> dict[str, list[str]]:
    """Installed version -> the pins that hold it (an unreadable config: none, said on stderr)."""
    try:
        config = Workspace(env).config
    except KctxError as exc:
        env.stderr.write(line("warning", f"{exc.message} (pins not considered)"))
        from kctx.config import Config

        config = Config()
    return manage.pins(env.paths, config, env.environ)


def _ago(when: float) -> str:
    if not when:
        return "never"
    seconds = time.time() - when
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def do_install(args: argparse.Namespace, env: Environment) -> int:
    from kctx.versions import install

    v = parse_spec(args.version)
    if v is None:
        raise UsageError(f'kctx kubectl install: "{args.version}" is not a version (expected 1.29 or 1.29.3)')
    if v[2] < 0:
        version = install.ensure_minor(env.paths, v[0], v[1], env.environ, env.stderr, retry=True)
    else:
        version = fmt(v)
        install.ensure(env.paths, version, env.environ, env.stderr, no_verify=args.no_verify, retry=True)
    env.stdout.write(f"{version}\t{store.binary_path(env.paths.kubectl_dir, version)}\n")
    return ExitStatus.OK


def do_uninstall(args: argparse.Namespace, env: Environment) -> int:
    version = manage.exact(args.version)
    pinned_by = _pins(env).get(version, [])
    removed = manage.uninstall(env.paths, version, env.stderr, pinned_by=pinned_by, force=args.force)
    env.stderr.write(f"removed {removed}\n")
    return ExitStatus.OK


def do_gc(args: argparse.Namespace, env: Environment) -> int:
    if args.days < 0:
        raise UsageError("kubectl gc: --days must be 0 or more")
    removed, kept = manage.gc(env.paths, args.days, env.stderr, dry_run=args.dry_run, pinned=_pins(env),
                              force=args.force)
    verb = "would remove" if args.dry_run else "removed"
    for version in removed:
        env.stdout.write(f"{verb} {version}\n")
    for version, holders in kept.items():
        env.stderr.write(f"kept {version}: pinned by {holders} (--force removes it)\n")
    if not removed and not kept:
        env.stderr.write(f"nothing unused for more than {args.days:g} days\n")
    return ExitStatus.OK


def do_add(args: argparse.Namespace, env: Environment) -> int:
    version = manage.add(env.paths, args.path, env.stderr, force=args.force)
    env.stdout.write(f"{version}\t{store.binary_path(env.paths.kubectl_dir, version)}\n")
    return ExitStatus.OK


def do_refresh(args: argparse.Namespace, env: Environment) -> int:
    from kctx.versions.refresh import refresh

    ws = Workspace(env)
    environ = _environ(ws, args)
    target = _target(ws, environ, args.context)
    if not target.server:
        raise KctxError(target.problem or "no current context, so no cluster to ask (use --context)")
    entry = refresh(target, ws.paths, environ, force=True)
    name = target.context or target.cluster
    if entry.error:
        kept = f"; still using {entry.version} from {_ago(entry.ok_at)}" if entry.version else ""
        env.stderr.write(line("error", f"{name}: {entry.error}{kept}"))
        return ExitStatus.ERROR
    env.stdout.write(f"{name}\t{target.server}\t{entry.version}\n")
    return ExitStatus.OK


HANDLERS = {"which": do_which, "run": do_run, "list": do_list, "install": do_install,
            "uninstall": do_uninstall, "gc": do_gc, "add": do_add, "refresh": do_refresh}
