"""Per-engineer values in credentials commands: ``${AWS_PROFILE}`` in a source command (or its env) is the
engineer's own environment variable, declared under ``variables:`` in the team file with what it means.
A list command gets the value put into its words (no shell involved); a command line for /bin/sh sees the
variable in its environment and the shell expands it. A declared variable that is not set stops onboarding
before anything changes, with one line saying what to set.
"""

from __future__ import annotations

import re

from kctx.errors import KctxError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.onboard.schema import Cluster, Team

REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def referenced(command: list[str] | str, env: dict[str, str]) -> list[str]:
    """The variables a command (and its env values) use, in order of appearance."""
    words = [command] if isinstance(command, str) else list(command)
    found = [m.group(1) for text in [*words, *env.values()] for m in REF.finditer(text)]
    return list(dict.fromkeys(found))


def missing(team: Team, clusters: list[Cluster], environ: Mapping[str, str]) -> list[tuple[Cluster, str]]:
    """(cluster, variable) for each variable these clusters' commands use that the environment lacks."""
    return [(c, v) for c in clusters for v in c.source.variables if not environ.get(v)]


def describe_missing(team: Team, cluster: Cluster, name: str, *, located: bool = True) -> str:
    """``file:line: key: why`` (``key: why`` unless ``located``) for a variable that is not set."""
    what = team.variables.get(name, "")
    where = f"{cluster.source.where}: " if located else ""
    return (f"{where}clusters.{cluster.name}.source.command: uses ${{{name}}}, which is not set in your environment: "
            f"export {name}=…{f' ({what})' if what else ''} and run it again")


def require(team: Team, clusters: list[Cluster], environ: Mapping[str, str]) -> None:
    gaps = missing(team, clusters, environ)
    if gaps:
        more = f" (and {len(gaps) - 1} more)" if len(gaps) > 1 else ""
        raise KctxError(describe_missing(team, *gaps[0]) + more)


def expand(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with each ``${NAME}`` replaced by the environment's value (KctxError when one is not set)."""
    def value(m: re.Match[str]) -> str:
        if not environ.get(m.group(1)):
            raise KctxError(f"${{{m.group(1)}}} is not set in your environment")
        return environ[m.group(1)]

    return REF.sub(value, text)
