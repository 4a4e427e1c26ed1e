"""`kctx doctor [--online]`: check the whole setup, in the order a problem matters, and print a fix for each.

Exit 1 when something is wrong. Reads only (no network unless --online, which lets version selection
detect server versions with its usual bounded timeouts and asks each context `kubectl auth whoami`);
nothing is changed or installed. Credential checks: kctx/commands/doctor_credentials.py.
"""

from __future__ import annotations

import os

from kctx.commands import doctor_credentials as credentials
from kctx.commands._parser import Parser
from kctx.commands.doctor_finding import SHOWN, Finding
from kctx.commands.doctor_finding import more as _more
from kctx.commands.helptext import Help
from kctx.commands.printer import first_steps
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.paths import display
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

INIT_LINE = 'eval "$(kctx init bash)" (or zsh; fish: kctx init fish | source) in your shell\'s rc file'


HELP = Help(
    ["doctor [--online] [--timeout SECONDS]"],
    "Check the kctx setup (shim, shell integration, kubeconfig files, kubectl versions, sessions, onboarded\n"
    "team files) and print how to fix what is wrong. Exit 1 when something is.",
    [("kctx doctor", "offline checks only"), ("kctx doctor --online", "also ask every cluster who you are there")])


def parser() -> Parser:
    p = Parser("doctor", doc=HELP)
    p.add_argument("--online", action="store_true",
                   help="contact the clusters: detect server versions that are not cached yet, ask each "
                        "context who you are there (kubectl auth whoami, in parallel, time-bounded), and fetch "
                        "onboarded team files to compare them")
    p.add_argument("--timeout", type=float, default=credentials.ONLINE_TIMEOUT, metavar="SECONDS",
                   help="with --online: give up on a cluster after this long (default %(default)s)")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    if args.timeout <= 0:
        raise KctxError("doctor: --timeout must be positive", ExitStatus.USAGE)
    ws = workspace(env)
    try:
        findings = config(ws) + shim(ws) + shell(env) + kubeconfigs(ws) + references(ws)
        findings += credentials.offline(ws) + versions(ws, args.online) + sessions(ws) + onboarding(ws, args.online)
        if args.online:
            findings += credentials.online(ws, args.timeout)
    except OSError as exc:  # an unreadable folder of kctx's own: one line, like every other failure
        raise KctxError(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}") from None
    return report(env, findings)


def workspace(env: Environment) -> Workspace:
    """The workspace to check; with an unusable session (the shell check reports it), kubectl's own files."""
    ws = Workspace(env)
    try:
        ws.session  # noqa: B018 - loading it is the test
    except KctxError:
        environ = {k: v for k, v in env.environ.items() if k != "KCTX_SESSION"}
        ws = Workspace(Environment(env.stdout, env.stderr, env.stdin, environ, env.tty_path))
    return ws


def report(env: Environment, findings: list[Finding]) -> int:
    from kctx.commands.printer import GREEN, RED_BOLD, YELLOW_BOLD, Printer

    pr = Printer(env)
    marks = {"ok": pr.paint("ok  ", GREEN), "warn": pr.paint("warn", YELLOW_BOLD), "fail": pr.paint("FAIL", RED_BOLD)}
    for f in findings:
        env.stdout.write(f"{marks[f.level]}  {f.check}: {f.text}\n")
        if f.fix:
            env.stdout.write(f"        fix: {f.fix}\n")
    failed = sum(f.level == "fail" for f in findings)
    warned = sum(f.level == "warn" for f in findings)
    if failed:
        env.stdout.write(f"{failed} problem{'s' if failed != 1 else ''} found\n")
    elif warned:  # "all good" under a warning reads as if it could be ignored
        env.stdout.write(f"no problems, {warned} warning{'s' if warned != 1 else ''}\n")
    else:
        env.stdout.write("all good\n")
    return ExitStatus.ERROR if failed else ExitStatus.OK


# ---------------------------------------------------------------- checks, in order of importance


def config(ws: Workspace) -> list[Finding]:
    path = display(ws.paths.config_file, ws.paths.home)
    try:
        cfg = ws.config
    except KctxError as exc:
        from kctx.config import Config

        ws.__dict__["config"] = Config()  # check the rest with defaults
        return [Finding("fail", "config", exc.message, f"correct {path} (the guard refuses writes until then)")]
    if not os.path.exists(ws.paths.config_file):
        return [Finding("warn", "config", f"no {path}: nothing is protected",
                        "add protect: rules (README, Configuration) or run kctx onboard TEAMFILE")]
    if not cfg.has_protection():
        return [Finding("warn", "config", f"{path} protects nothing", "add protect: rules (README, Configuration)")]
    return [Finding("ok", "config", path)]


def first_kubectl(environ: Mapping[str, str]) -> str:
    for folder in environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder or ".", "kubectl")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return ""


def shim(ws: Workspace) -> list[Finding]:
    from kctx.shim import install as shiminstall
    from kctx.shim import native as shimnative
    from kctx.shim.install import is_shim

    first = first_kubectl(ws.env.environ)
    fix = f'{INIT_LINE}; or, for scripts: kctx shim install and export PATH="{ws.paths.shim_dir}:$PATH"'
    if not first:
        return [Finding("fail", "shim", "no kubectl on PATH at all", fix)]
    if not is_shim(first):
        return [Finding("fail", "shim", f"the first kubectl on PATH is {first}, not the kctx shim: kubectl "
                                        "calls skip the guard", fix)]
    native = bool(shimnative.built_from(first))
    python = _interpreter(str(shiminstall.script_path(os.path.dirname(os.path.abspath(first)))) if native
                          else first)
    if python and not os.access(python, os.X_OK):
        return [Finding("fail", "shim", f"{first} runs {python}, which is gone", "kctx shim install")]
    kind = "the native launcher" if native else "the Python script"
    return [Finding("ok", "shim", f"{first} is the first kubectl on PATH ({kind})"), *_shim_freshness(first)]


def _shim_freshness(first: str) -> list[Finding]:
    """An old shim still guards, but may run another kctx; a bundle that cannot be rewritten costs speed."""
    from kctx.shim import bundle as hotbundle
    from kctx.shim.install import is_current

    folder = os.path.dirname(os.path.abspath(first))
    fix = f"kctx shim install --dir {folder}"
    if not is_current(first, folder):
        return [Finding("warn", "shim", f"{first} was written by another kctx version or installation "
                                        "(it still guards, with that kctx's rules)", fix)]
    if not hotbundle.is_fresh(hotbundle.bundle_path(folder)) and not os.access(folder, os.W_OK):
        return [Finding("warn", "shim", f"{folder} is read-only and its pre-compiled bundle is missing or stale: "
                                        "every kubectl call starts ~4 ms slower", fix)]
    return []


def _interpreter(script: str) -> str:
    try:
        with open(script, encoding="utf-8", errors="replace") as fh:
            head = fh.readline()
    except OSError:
        return ""
    words = head[2:].split() if head.startswith("#!") else []
    return words[0] if words else ""


def shell(env: Environment) -> list[Finding]:
    from kctx.session import store as ksession

    path = env.session_path
    if path is None:
        return [Finding("fail", "shell", "the shell integration is not loaded (KCTX_SESSION is not set)", INIT_LINE)]
    if not os.path.exists(path):
        return [Finding("fail", "shell", f"this shell's session file {path} is gone", "start a new shell")]
    try:
        pid = ksession.read(path).shell_pid
    except KctxError as exc:
        return [Finding("fail", "shell", exc.message, "start a new shell")]
    if not ksession.alive(pid):
        return [Finding("fail", "shell", f"the session {path} belongs to shell {pid}, which has exited",
                        "start a new shell")]
    return [Finding("ok", "shell", f"integration loaded (session of shell {pid})")]


def kubeconfigs(ws: Workspace) -> list[Finding]:
    """Each file kctx reads: readable, private (it may hold credentials), a kubeconfig. Each problem has its own fix."""
    import shlex

    found, unreadable, count = [], set(), 0
    for f in ws.known_files:
        try:
            mode = os.stat(f).st_mode
        except FileNotFoundError:
            continue  # kubectl skips missing files too
        except OSError as exc:
            found.append((f"{f}: {exc.strerror}", "check the file and the folders above it"))
            unreadable.add(f)
            continue
        count += 1
        if not os.access(f, os.R_OK):
            found.append((f"{f}: not readable", f"chmod u+r {shlex.quote(f)} (or check who owns it)"))
            unreadable.add(f)
        elif mode & 0o077:
            found.append((f"{f} is open to others (mode {mode & 0o777:o}); it may hold credentials",
                          f"chmod 600 {shlex.quote(f)}"))
    # What the index found wrong in a file's content (it does not parse, it is not a kubeconfig).
    found += [(e, REPAIR) for e in ws.view.errors if e.partition(": ")[0] not in unreadable]
    if found:
        out = [Finding("fail", "kubeconfig", text, fix) for text, fix in found[:SHOWN]]
        if len(found) > SHOWN:
            out.append(Finding("fail", "kubeconfig", f"… and {len(found) - SHOWN} more"))
        return out
    if not count:
        places = ", ".join(ws.kubeconfig_places())
        return [Finding("warn", "kubeconfig", f"no kubeconfig file found (kctx looks in: {places}), so kubectl "
                                              "has no cluster to talk to", first_steps(ws))]
    return [Finding("ok", "kubeconfig", f"{count} file{'s' if count != 1 else ''}, readable and private")]


# kubectl refuses to run at all while a file of KUBECONFIG does not parse; kctx skips it with a warning.
REPAIR = "repair the file (at the line named), or take it out of KUBECONFIG or the config's kubeconfigs globs"


def references(ws: Workspace) -> list[Finding]:
    import shlex

    view = ws.view
    out = [Finding("fail", "references", why, f"define the missing entry, or delete the context: kctx ctx -d "
                                              f"{shlex.quote(c.name)}")
           for c, why in ((c, view.dangling(c)) for c in view.contexts()) if why][:SHOWN]
    broken = sum(1 for c in view.contexts() if view.dangling(c))
    if broken > SHOWN:
        out.append(Finding("fail", "references", f"… and {broken - SHOWN} more"))
    current = ws.kubectl_view.current_context
    if current and not view.has_context(current):
        names = sorted(c.name for c in view.contexts() if not view.dangling(c))
        fix = (f"kctx ctx {shlex.quote(names[0])}" + (f" (or another of: {', '.join(names[1:SHOWN])})"
                                                      if len(names) > 1 else "")
               if names else "kctx ctx -u (unset it)")
        out.append(Finding("fail", "references", f'current-context "{current}" does not exist', fix))
    return out or [Finding("ok", "references", f"{len(view.contexts())} contexts, every reference resolves")]


def versions(ws: Workspace, online: bool) -> list[Finding]:
    """The kubectl each context would get, against the cluster's server version (cached unless --online)."""
    from kctx.onboard.kubectl import target_for
    from kctx.versions.parse import parse
    from kctx.versions.select import choose

    view, problems, known = ws.view, [], 0
    for ctx in view.contexts():
        if view.dangling(ctx):
            continue
        try:
            c = choose(target_for(ws, ctx.name), ws.config, ws.env.environ, os.getcwd(), ws.paths,
                       detect=online, install=False, mark=False)
        except KctxError as exc:
            problems.append((f'context "{ctx.name}": {exc.message}', "kctx kubectl install VERSION"))
            continue
        known += bool(c.server_version)
        if c.skew:
            sv = parse(c.server_version)
            minor = f"{sv[0]}.{sv[1]}" if sv else c.server_version
            problems.append((c.skew, f'kctx kubectl install {minor} (or pin it: kubectl.pins: {{"{ctx.name}": '
                                     f'"{minor}"}})'))
    if problems:
        shown = problems[:SHOWN]
        out = [Finding("fail", "kubectl", text, fix) for text, fix in shown]
        if len(problems) > SHOWN:
            out.append(Finding("fail", "kubectl", f"… and {len(problems) - SHOWN} more"))
        return out
    how = "" if online else " (cached server versions; --online detects the rest)"
    return [Finding("ok", "kubectl", f"no version skew; server version known for {known} of "
                                     f"{len(view.contexts())} contexts{how}")]


def sessions(ws: Workspace) -> list[Finding]:
    from pathlib import Path

    from kctx.session import store as ksession

    mine = ws.env.session_path
    stale = []
    for path in sorted(Path(ws.paths.sessions_dir).glob("*.json")):
        if mine is not None and str(path) == mine:
            continue  # judged by the shell check
        try:
            pid = ksession.read(path).shell_pid
        except KctxError:
            pid = 0
        if not ksession.alive(pid):
            stale.append(path.name)
    if stale:
        return [Finding("fail", "sessions", f"{len(stale)} stale session file{'s' if len(stale) != 1 else ''} "
                                            f"(their shells have exited): {', '.join(_more(stale))}",
                        "kctx session cleanup")]
    return [Finding("ok", "sessions", "no stale session files")]


def onboarding(ws: Workspace, online: bool) -> list[Finding]:
    """Each team file applied here: where it came from, when, and whether it still is what was applied (and
    pinned). A URL is fetched only with --online."""
    from pathlib import Path

    from kctx.onboard.owned import load_state

    out = []
    for path in sorted(Path(ws.paths.state_dir, "onboard").glob("*.json")):
        found = load_state(str(path)).get("origin")
        if isinstance(found, dict) and found.get("location"):
            out.append(_team_file(ws, path.stem, found, online))
    return out


def _team_file(ws: Workspace, team: str, found: dict[str, object], online: bool) -> Finding:
    import time

    from kctx.onboard import sources
    from kctx.onboard.transport import is_loopback

    location, applied, pinned = str(found["location"]), str(found.get("sha256", "")), str(found.get("pinned", ""))
    applied_at = found.get("applied")
    when = (time.strftime("%Y-%m-%d %H:%M", time.localtime(applied_at))
            if isinstance(applied_at, (int, float)) and 0 < applied_at < 1e11 else "at an unknown time")
    about = f'team "{team}" from {location}, last applied {when}'
    about += f", pinned to sha256 {pinned[:12]}…" if pinned else ""
    rerun = f"review it (kctx onboard --dry-run {location}), then kctx onboard {location}"
    if location.startswith("http://") and not is_loopback(location):  # onboarded with --insecure-http
        return Finding("warn", "onboarding", f"{about}; it comes over plain http, which anyone on the network "
                                             "path can change (not fetched)", "publish it over https and onboard "
                                                                               "from there")
    if sources.is_url(location) and not online:
        return Finding("ok", "onboarding", f"{about} (not fetched: --online compares it)")
    try:
        now = _team_file_digest(ws, location)
    except KctxError as exc:
        return Finding("warn", "onboarding", f"{about}; cannot read it now: {exc.message}")
    if pinned and now != pinned:
        return Finding("warn", "onboarding", f"{about}; it no longer matches the pinned digest (now sha256 "
                                             f"{now[:12]}…): onboarding from it is refused", rerun + " --sha256 NEW")
    if now != applied:
        return Finding("warn", "onboarding", f"{about}; it changed since", rerun)
    return Finding("ok", "onboarding", f"{about}; unchanged since")


def _team_file_digest(ws: Workspace, location: str) -> str:
    """The sha256 of the team file as it is now (a URL under onboarding's rules: https, or loopback http)."""
    from kctx.onboard import origin, sources
    from kctx.onboard.transport import Transport

    transport = Transport(ws.env.environ, lambda line: None) if sources.is_url(location) else None
    return origin.digest(sources.read(location, transport))
