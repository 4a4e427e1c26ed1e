"""Step 4: the kubectl releases the team needs, through the versions install API (honours
$KCTX_KUBECTL_MIRROR; verified, atomic, locked). Pinned versions are installed; for a minimum, a release
is installed only when a team context would otherwise run something older."""

from __future__ import annotations

from kctx.errors import KctxError
from kctx.onboard.kubectl import Effective, at_least
from kctx.onboard.step import Run, Step
from kctx.versions import install, store
from kctx.versions.parse import fmt, parse_spec
from kctx.workspace import Workspace


def install_steps(ctx: Run) -> list[Step]:
    steps: list[Step] = []
    pins: dict[str, list[str]] = {}
    for c in ctx.team.clusters:
        if c.pin:
            pins.setdefault(c.pin, []).append(c.name)
    steps += [PinStep(ctx, spec, names) for spec, names in pins.items()]
    minimums: dict[str, list[str]] = {}
    for c in ctx.team.clusters:
        minimum = c.minimum or ("" if c.pin else ctx.team.minimum)
        if minimum:
            minimums.setdefault(minimum, []).extend(c.names)
    return steps + [MinimumStep(ctx, spec, names) for spec, names in minimums.items()]


def _installed(ctx: Run, spec: str, minimum: bool = False) -> str:
    """The installed version matching ``spec`` (or, for a minimum, any at least that), or ""."""
    v = parse_spec(spec)
    have = store.installed(ctx.env.paths.kubectl_dir)
    if minimum:
        return next((fmt(h) for h in have if at_least(fmt(h), spec)), "")
    hit = store.best(have, *v) if v else None
    return fmt(hit) if hit else ""


def _install(ctx: Run, spec: str) -> str:
    v = parse_spec(spec)
    if v is None:  # the schema let only versions through
        raise KctxError(f"{spec!r} is not a kubectl version")
    paths, environ, stderr = ctx.env.paths, ctx.env.environ, ctx.env.stderr
    if v[2] >= 0:
        install.ensure(paths, fmt(v), environ, stderr, retry=True)
        return fmt(v)
    return install.ensure_minor(paths, v[0], v[1], environ, stderr, retry=True)


class PinStep(Step):
    def __init__(self, ctx: Run, spec: str, clusters: list[str]) -> None:
        self.ctx, self.spec, self.clusters = ctx, spec, clusters
        self.label = f"kubectl {spec}"

    def pending(self) -> list[str]:
        if not self.ctx.install or _installed(self.ctx, self.spec):
            return []
        return [f"install kubectl {self.spec} (pinned for {', '.join(self.clusters)})"]

    def run(self) -> list[str]:
        return [f"installed kubectl {_install(self.ctx, self.spec)}"]

    def todo(self) -> list[str]:
        if _installed(self.ctx, self.spec):
            return []
        return [f"install kubectl {self.spec} for {', '.join(self.clusters)}: kctx kubectl install {self.spec}"]


class MinimumStep(Step):
    def __init__(self, ctx: Run, minimum: str, contexts: list[str]) -> None:
        self.ctx, self.minimum, self.contexts = ctx, minimum, contexts
        self.label = f"kubectl >= {minimum}"

    def below(self) -> list[tuple[str, str, str]]:
        """(context, version, why) for team contexts that would run a kubectl older than the minimum."""
        eff = Effective(Workspace(self.ctx.env))
        out = []
        for name in self.contexts:
            version, why = eff.version(name)
            if not at_least(version, self.minimum):
                out.append((name, version, why))
        return out

    def pending(self) -> list[str]:
        if not self.ctx.install or _installed(self.ctx, self.minimum, minimum=True) or not self.below():
            return []
        return [f"install kubectl {self.minimum} (the team's minimum)"]

    def run(self) -> list[str]:
        return [f"installed kubectl {_install(self.ctx, self.minimum)}"]

    def todo(self) -> list[str]:
        out = []
        for name, version, why in self.below():
            runs = f"kubectl {version}" if version else "no kubectl of known version"
            out.append(f'context "{name}" would run {runs} ({why}); the team needs >= {self.minimum}: '
                       f'set kubectl.default: "{self.minimum}" or a pin in your config')
        return out
