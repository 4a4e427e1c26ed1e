"""`kctx onboard --check`: how this machine deviates from the team file, one line each. Reads only:
no fetching, no commands, no network (a `file:` source is compared with its kubeconfig on disk)."""

from __future__ import annotations

import os

from kctx.onboard import merge, owned, plugins, sources
from kctx.onboard.kubectl import Effective, at_least
from kctx.onboard.step import Run
from kctx.util.globmatch import first_match
from kctx.versions import store
from kctx.versions.parse import parse_spec
from kctx.workspace import Workspace


def deviations(ctx: Run) -> list[str]:
    ws = Workspace(ctx.env)
    return (_protection(ws, ctx) + _globs(ws, ctx) + _contexts(ws, ctx) + _files(ctx) + _plugins(ctx)
            + _kubectl(ws, ctx))


def _protection(ws: Workspace, ctx: Run) -> list[str]:
    cfg, out = ws.config, []
    for kind, globs in ctx.team.protected_globs().items():
        have = getattr(cfg, f"protect_{kind}")
        out += [f'protection weaker than the team\'s: protect.{kind} lacks "{g}"' for g in globs if g not in have]
    if ctx.team.confirm == "name" and cfg.confirm == "yes":
        out.append('protection weaker than the team\'s: confirm is "yes", the team asks for "name"')
    return out


def _globs(ws: Workspace, ctx: Run) -> list[str]:
    out = [f'kubeconfigs lacks the team\'s glob "{g}"' for g in ctx.team.kubeconfigs if g not in ws.config.kubeconfigs]
    sample = ctx.dest("cluster")
    if not any(merge.covers(g, sample, ctx.home) for g in ws.config.kubeconfigs):
        out.append(f'kubeconfigs does not find the team\'s files (add "{merge.team_glob(ctx.team)}")')
    return out


def _contexts(ws: Workspace, ctx: Run) -> list[str]:
    out = []
    view = ws.view
    for c in ctx.team.clusters:
        for name in c.names:
            found = view.context(name)
            if found is None:
                out.append(f'missing context "{name}" (cluster {c.name}; run kctx onboard)')
            elif view.dangling(found):
                out.append(view.dangling(found))
            elif c.protected and not _protected(ws, name):
                out.append(f'context "{name}" is not protected, but the team\'s {c.name} is')
    return out


def _protected(ws: Workspace, name: str) -> bool:
    from kctx.guard.protection import protection
    from kctx.onboard.kubectl import target_for

    t = target_for(ws, name)
    return bool(protection(ws.config, ws.view, t.context, t.cluster, t.server))


def _files(ctx: Run) -> list[str]:
    out = []
    for c in ctx.team.clusters:
        dest = ctx.dest(c.name)
        data = owned.read_bytes(dest)
        if data is None:
            continue  # its contexts may live elsewhere; _contexts judges that
        if os.stat(dest).st_mode & 0o077:
            out.append(f"{ctx.show(dest)} is readable by others: chmod 600 {dest}")
        fresh = c.source.kind == "file" and os.path.exists(c.source.location)
        if fresh and data != sources.read(c.source.location):
            out.append(f"{ctx.show(dest)} differs from the team's {c.source.location} (run kctx onboard)")
    return out


def _plugins(ctx: Run) -> list[str]:
    """Credential plugins the team's kubeconfigs name that kubectl would not find."""
    out = []
    for c in ctx.team.clusters:
        dest = ctx.dest(c.name)
        for p in plugins.found_in(owned.read_bytes(dest)):
            if p.command and not plugins.locate(p.command, dest, ctx.env.environ):
                hint = f" ({' '.join(p.install_hint.split())})" if p.install_hint else ""
                out.append(f'credential plugin "{p.command}" of {p.used_by()} in {ctx.show(dest)}: '
                           f"{_missing(p.command)}{hint}")
    return out


def _missing(command: str) -> str:
    if command.startswith("/"):
        return "no such executable"
    return "no such executable beside the kubeconfig" if "/" in command else "not on PATH"


def _kubectl(ws: Workspace, ctx: Run) -> list[str]:
    out = []
    have = store.installed(ws.paths.kubectl_dir)
    eff = Effective(ws)
    for c in ctx.team.clusters:
        minimum = c.minimum or ("" if c.pin else ctx.team.minimum)
        for name in c.names:
            if c.pin:
                out += _pin(ws, name, c.pin)
            if minimum and ws.view.has_context(name):
                version, why = eff.version(name)
                if not at_least(version, minimum):
                    out.append(f'wrong kubectl for "{name}": {version or "unknown version"} ({why}); '
                               f"the team needs >= {minimum}")
        v = parse_spec(c.pin) if c.pin else None
        if v is not None and store.best(have, *v) is None:
            out.append(f"kubectl {c.pin} (pinned for {c.name}) is not installed: kctx kubectl install {c.pin}")
    return out


def _pin(ws: Workspace, name: str, want: str) -> list[str]:
    pins = ws.config.kubectl_pins
    hit = first_match(name, list(pins))
    if hit and merge.satisfies(pins[hit], want):
        return []
    got = f'kubectl.pins "{hit}" gives {pins[hit]}' if hit else "no kubectl pin matches it"
    return [f'wrong kubectl for "{name}": {got}; the team pins {want}']

