"""What the team file changes in the user's config, as a list of minimal edits. Pure: no I/O.

The rules: protection never gets weaker (protect globs are a union; confirm "name" beats "yes"); colours
and kubeconfig globs are added, the user's own entries win; a kubectl pin is added when the pin in effect
for a team context is not at least as strict as the team's (same minor, and the same patch when the team
names one), ahead of the user's globs so the team's exact context names decide first.
"""

from __future__ import annotations

import os

from kctx.config import DEFAULT_GLOBS, Config
from kctx.onboard.configedit import Change
from kctx.onboard.schema import PROTECT_KINDS, Team
from kctx.util.globmatch import first_match, match
from kctx.versions.parse import parse_spec

PINS = ("kubectl", "pins")


def changes(cfg: Config, team: Team, home: str) -> tuple[list[Change], list[str]]:
    """The edits for ``cfg`` (the user's validated config) and notes for what cannot be merged."""
    notes: list[str] = []
    out = _protect(cfg, team) + _confirm(cfg, team) + _kubeconfigs(cfg, team, home)
    out += _pins(cfg, team, notes) + _colors(cfg, team, notes) + _groups(cfg, team, notes)
    return out, notes


def team_glob(team: Team) -> str:
    """The glob that finds the files onboarding writes for ``team``."""
    return f"~/.kube/configs/{team.name}.*"


def _protect(cfg: Config, team: Team) -> list[Change]:
    out = []
    wanted = team.protected_globs()
    for kind in PROTECT_KINDS:
        have = getattr(cfg, f"protect_{kind}")
        missing = tuple(g for g in wanted[kind] if g not in have)
        if missing:
            out.append(Change("add", ("protect", kind), values=missing))
    return out


def _confirm(cfg: Config, team: Team) -> list[Change]:
    if team.confirm == "name" and cfg.confirm == "yes":
        return [Change("set", ("confirm",), value="name", was="yes")]
    return []


def _kubeconfigs(cfg: Config, team: Team, home: str) -> list[Change]:
    wanted = list(team.kubeconfigs)
    sample = os.path.join(home, ".kube", "configs", f"{team.name}.cluster.yaml")
    if not any(covers(g, sample, home) for g in [*cfg.kubeconfigs, *wanted]):
        wanted.append(team_glob(team))
    missing = tuple(g for g in wanted if g not in cfg.kubeconfigs)
    if not missing:
        return []
    implied = () if "kubeconfigs" in cfg.raw else DEFAULT_GLOBS
    return [Change("add", ("kubeconfigs",), values=missing, implied=implied)]


def covers(glob: str, path: str, home: str) -> bool:
    """Would the kubeconfig glob ``glob`` find ``path``? (Segment by segment, as kctx expands globs.)"""
    pattern = os.path.expandvars(home + glob[1:] if glob.startswith("~") else glob)
    want, have = pattern.split(os.sep), path.split(os.sep)
    return len(want) == len(have) and all(match(h, w) for w, h in zip(want, have, strict=True))


def satisfies(have: str, want: str) -> bool:
    """Is a pin of ``have`` at least as strict as the team's ``want``? Same minor, and the same patch when
    the team names one ("1.29.3" satisfies "1.29"; "1.29" does not satisfy "1.29.3")."""
    h, w = parse_spec(have), parse_spec(want)
    if h is None or w is None or h[:2] != w[:2]:
        return False
    return w[2] < 0 or h[2] == w[2]


def _pins(cfg: Config, team: Team, notes: list[str]) -> list[Change]:
    pins = dict(cfg.kubectl_pins)
    out = []
    added = ""  # new team pins go first, in the team file's order
    for c in team.clusters:
        for name in c.names if c.pin else []:
            hit = first_match(name, list(pins))
            if hit and satisfies(pins[hit], c.pin):
                continue  # the user's pin is at least as strict: theirs wins
            was = pins.get(name, "")
            if name in pins:
                out.append(Change("put", PINS, key=name, value=c.pin, was=was))
                pins[name] = c.pin
            else:
                out.append(Change("put_first", PINS, key=name, value=c.pin, after=added))
                pins = _insert_after(pins, added, name, c.pin)
                added = name
            shadow = first_match(name, list(pins))
            if shadow != name:
                notes.append(f'kubectl.pins: move "{name}" above "{shadow}" in {cfg.source or "your config"} '
                             f"(the first matching pin wins, and the team wants {c.pin} for it)")
    return out


def _colors(cfg: Config, team: Team, notes: list[str]) -> list[Change]:
    raw = cfg.raw.get("colors")
    if raw is not None and not isinstance(raw, dict):
        notes.append(f"{cfg.source}: colors is not a mapping, so the team's colours were not added")
        return []
    have = set(raw or {})
    wanted = dict(team.colors)
    for c in team.clusters:
        for name in c.names if c.color else []:
            wanted.setdefault(name, c.color)
    return [Change("put", ("colors",), key=glob, value=color) for glob, color in wanted.items() if glob not in have]


def _groups(cfg: Config, team: Team, notes: list[str]) -> list[Change]:
    """A team group you do not have is added; yours of the same name is kept (widening it would make
    `kctx each --group` reach contexts you did not put there), with a note when it differs."""
    out = []
    for name, globs in team.groups.items():
        have = cfg.groups.get(name)
        if have is None:
            out.append(Change("add", ("groups", name), values=tuple(globs)))
        elif set(have) != set(globs):
            notes.append(f'groups.{name}: yours ({", ".join(have)}) differs from the team\'s ({", ".join(globs)}); '
                         "kept yours")
    return out


def _insert_after(pins: dict[str, str], after: str, key: str, value: str) -> dict[str, str]:
    items = list(pins.items())
    at = [k for k, _ in items].index(after) + 1 if after in pins else 0
    return dict([*items[:at], (key, value), *items[at:]])
