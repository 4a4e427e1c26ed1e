"""The team file, version 1: what a team declares, validated. Every error is one line naming the file,
the line and the key. The schema is documented in docs/onboarding.md; examples/team.yaml shows all of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kctx.errors import KctxError
from kctx.onboard import sources, yamlmarks
from kctx.onboard.yamlmarks import Path, dotted
from kctx.versions.parse import parse_spec

SCHEMA_VERSION = 1
ENVIRONMENTS = ("prod", "staging", "dev")
CONFIRM_MODES = ("name", "yes")
PROTECT_KINDS = ("contexts", "clusters", "servers")
RESERVED_CLUSTERS = ("aliases",)  # <team>.aliases.yaml holds the alias contexts
TEAM_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
CLUSTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
BASIC_COLORS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "gray", "grey")
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

TOP_KEYS = ("kctx-team", "team", "kubeconfigs", "confirm", "protect", "colors", "kubectl", "clusters")
CLUSTER_KEYS = ("environment", "protected", "contexts", "aliases", "source", "kubectl", "color", "login")
SOURCE_KEYS = ("file", "url", "command", "env")


@dataclass
class Source:
    kind: str  # "file" or "url" (both read from ``location``), or "command"
    location: str = ""  # an absolute path or an http(s) URL
    command: list[str] | str = ""
    env: dict[str, str] = field(default_factory=dict)
    where: str = ""  # "team.yaml:12", for messages

    def describe(self) -> str:
        if self.kind != "command":
            return self.location
        return self.command if isinstance(self.command, str) else " ".join(self.command)


@dataclass
class Cluster:
    name: str
    environment: str
    protected: bool
    contexts: list[str]
    source: Source
    aliases: list[str] = field(default_factory=list)  # more names for contexts[0]
    pin: str = ""  # "1.29" or "1.29.3": this cluster's contexts run that kubectl
    minimum: str = ""  # "1.28": at least that
    color: str = ""
    login: str = ""  # what the user must do before the credentials work, e.g. "gcloud auth login"
    where: str = ""

    @property
    def names(self) -> list[str]:
        """Every context name the team gives this cluster: its contexts, then the aliases."""
        return self.contexts + self.aliases


@dataclass
class Team:
    name: str
    location: str  # the team file: an absolute path or a URL
    clusters: list[Cluster]
    kubeconfigs: list[str] = field(default_factory=list)
    confirm: str = ""  # "" when the team does not say
    protect: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in PROTECT_KINDS})
    colors: dict[str, str] = field(default_factory=dict)
    minimum: str = ""

    def protected_globs(self) -> dict[str, list[str]]:
        """What the team protects: its explicit globs plus every name of every protected cluster."""
        out = {k: list(v) for k, v in self.protect.items()}
        for c in self.clusters:
            if c.protected:
                out["contexts"] += [n for n in c.names if n not in out["contexts"]]
        return out


def parse(text: str, location: str, home: str) -> Team:
    data, lines = yamlmarks.load(text, location)
    return _Reader(location, lines, home).team(data)


class _Reader:
    """Validation with positions: every failure names file:line and the dotted key."""

    def __init__(self, location: str, lines: dict[Path, int], home: str) -> None:
        self.location, self.lines, self.home = location, lines, home

    def fail(self, path: Path, why: str) -> KctxError:
        key = dotted(path)
        return KctxError(f"{self.where(path)}: {key + ': ' if key else ''}{why}")

    def where(self, path: Path) -> str:
        return f"{self.location}:{yamlmarks.line_of(self.lines, path)}"

    # ------------------------------------------------------------ shapes

    def mapping(self, value: object, path: Path, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[object, object]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping (keys: {', '.join(allowed)})")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                raise self.fail((*path, str(key)), f"unknown key (expected one of: {', '.join(allowed)})")
        for key in required:
            if value.get(key) is None:
                raise self.fail(path, f"missing required key {key!r}")
        return value

    def string(self, value: object, path: Path, pattern: re.Pattern[str] | None = None, what: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected {what or 'a non-empty string'}")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(path, f"{value!r} is not {what}")
        return value

    def strings(self, value: object, path: Path) -> list[str]:
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.fail(path, "expected a list of strings")
        out: list[str] = []
        for i, item in enumerate(items):
            text = self.string(item, (*path, i) if isinstance(value, list) else path)
            if text not in out:
                out.append(text)
        return out

    def version(self, value: object, path: Path) -> tuple[str, str]:
        """(pin, minimum) from "1.29", "1.29.3" or ">=1.29"."""
        if isinstance(value, (int, float)):
            raise self.fail(path, f'versions must be quoted strings (YAML reads {value!r} as a number), e.g. "1.30"')
        text = self.string(value, path, what='a kubectl version such as "1.29", "1.29.3" or ">=1.28"').strip()
        minimum = text.startswith(">=")
        spec = text[2:].strip() if minimum else text
        if parse_spec(spec) is None:
            raise self.fail(path, f'{text!r} is not a kubectl version (expected e.g. "1.29", "1.29.3" or ">=1.28")')
        spec = spec.lstrip("vV")
        return ("", spec) if minimum else (spec, "")

    def color(self, value: object, path: Path) -> str:
        text = self.string(value, path, what="a colour")
        base = text.lower().removeprefix("bright")
        if base not in BASIC_COLORS and not HEX_COLOR.fullmatch(text):
            raise self.fail(path, f"{text!r} is not a colour (one of {', '.join(BASIC_COLORS)}, "
                                  "bright<colour>, or #rrggbb)")
        return text

    # ------------------------------------------------------------ the document

    def team(self, data: object) -> Team:
        if data is None:
            raise self.fail((), "the team file is empty")
        doc = self.mapping(data, (), TOP_KEYS, required=("kctx-team", "team", "clusters"))
        self._schema_version(doc["kctx-team"])
        team = Team(name=self.string(doc["team"], ("team",), TEAM_NAME,
                                     "a team name (lower-case letters, digits and '-', at most 40)"),
                    location=self.location, clusters=[])
        team.kubeconfigs = self.strings(doc.get("kubeconfigs"), ("kubeconfigs",))
        team.confirm = self._confirm(doc.get("confirm"))
        team.protect = self._protect(doc.get("protect"))
        team.colors = self._colors(doc.get("colors"))
        team.minimum = self._team_kubectl(doc.get("kubectl"))
        team.clusters = self._clusters(doc["clusters"])
        self._unique_names(team)
        self._pins_meet_minimum(team)
        return team

    def _schema_version(self, value: object) -> None:
        if value != SCHEMA_VERSION or isinstance(value, bool):
            raise self.fail(("kctx-team",), f"unsupported schema version {value!r}: this kctx reads version "
                                            f"{SCHEMA_VERSION} (upgrade kctx for newer team files)")

    def _confirm(self, value: object) -> str:
        if value is None:
            return ""
        if value is True:  # YAML 1.1 reads an unquoted `yes` as a boolean
            value = "yes"
        if value not in CONFIRM_MODES:
            raise self.fail(("confirm",), f"expected one of: {', '.join(CONFIRM_MODES)}")
        return str(value)

    def _protect(self, value: object) -> dict[str, list[str]]:
        if value is None:
            return {k: [] for k in PROTECT_KINDS}
        doc = self.mapping(value, ("protect",), PROTECT_KINDS)
        return {k: self.strings(doc.get(k), ("protect", k)) for k in PROTECT_KINDS}

    def _colors(self, value: object) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(("colors",), 'expected a mapping of context globs to colours, e.g. {"stag*": yellow}')
        return {self.string(k, ("colors",)): self.color(v, ("colors", k)) for k, v in value.items()}

    def _team_kubectl(self, value: object) -> str:
        if value is None:
            return ""
        doc = self.mapping(value, ("kubectl",), ("minimum",))
        if doc.get("minimum") is None:
            return ""
        pin, minimum = self.version(doc["minimum"], ("kubectl", "minimum"))
        return minimum or pin  # "1.28" and ">=1.28" both mean at least 1.28 here

    def _clusters(self, value: object) -> list[Cluster]:
        if not isinstance(value, dict) or not value:
            raise self.fail(("clusters",), "expected a mapping of cluster names to their settings (at least one)")
        return [self._cluster(name, body) for name, body in value.items()]

    def _cluster(self, name: object, body: object) -> Cluster:
        path = ("clusters", str(name))
        self.string(name, path, CLUSTER_NAME, "a cluster name (letters, digits, '.', '_', '-')")
        if name in RESERVED_CLUSTERS:
            raise self.fail(path, f"{name!r} is reserved (kctx uses it for the aliases file)")
        doc = self.mapping(body, path, CLUSTER_KEYS, required=("environment", "source"))
        env = doc["environment"]
        if env not in ENVIRONMENTS:
            raise self.fail((*path, "environment"), f"expected one of: {', '.join(ENVIRONMENTS)}")
        protected = doc.get("protected", env == "prod")
        if not isinstance(protected, bool):
            raise self.fail((*path, "protected"), "expected true or false")
        if env == "prod" and not protected:
            raise self.fail((*path, "protected"), "a prod cluster is always protected")
        contexts = self.strings(doc.get("contexts"), (*path, "contexts")) or [str(name)]
        c = Cluster(name=str(name), environment=env, protected=protected, contexts=contexts,
                    source=self._source(doc["source"], (*path, "source")), where=self.where(path))
        c.aliases = self.strings(doc.get("aliases"), (*path, "aliases"))
        if doc.get("kubectl") is not None:
            c.pin, c.minimum = self.version(doc["kubectl"], (*path, "kubectl"))
        if doc.get("color") is not None:
            c.color = self.color(doc["color"], (*path, "color"))
        if doc.get("login") is not None:
            c.login = self.string(doc["login"], (*path, "login"))
        return c

    def _source(self, value: object, path: Path) -> Source:
        doc = self.mapping(value, path, SOURCE_KEYS)
        kinds = [k for k in ("file", "url", "command") if doc.get(k) is not None]
        if len(kinds) != 1:
            raise self.fail(path, "expected exactly one of: file, url, command")
        kind = kinds[0]
        where = self.where((*path, kind))
        if doc.get("env") is not None and kind != "command":
            raise self.fail((*path, "env"), "only a command source takes env")
        if kind == "command":
            return Source("command", command=self._command(doc["command"], (*path, "command")),
                          env=self._env(doc.get("env"), (*path, "env")), where=where)
        ref = self.string(doc[kind], (*path, kind))
        if kind == "url" and "://" in ref and not sources.is_url(ref):
            raise self.fail((*path, kind), f"{ref!r}: only http:// and https:// URLs (or a relative path)")
        return Source(kind, location=sources.resolve(self.location, ref, self.home), where=where)

    def _command(self, value: object, path: Path) -> list[str] | str:
        if isinstance(value, str):
            return self.string(value, path)
        if not isinstance(value, list) or not value:
            raise self.fail(path, "expected a command line (a string run by sh, or a list of words)")
        return [self.string(w, (*path, i)) if i == 0 else _word(self, w, (*path, i)) for i, w in enumerate(value)]

    def _env(self, value: object, path: Path) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, "expected a mapping of variable names to values")
        for k, v in value.items():
            if not isinstance(k, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) or not isinstance(v, str):
                raise self.fail((*path, str(k)), "expected NAME: \"string value\"")
        return dict(value)

    def _unique_names(self, team: Team) -> None:
        """A context name belongs to one cluster; an alias may not hide a context."""
        owner: dict[str, str] = {}
        for c in team.clusters:
            for kind, names in (("contexts", c.contexts), ("aliases", c.aliases)):
                for i, n in enumerate(names):
                    if n in owner:
                        raise self.fail(("clusters", c.name, kind, i),
                                        f'"{n}" is already a context or alias of cluster "{owner[n]}"')
                    owner[n] = c.name


    def _pins_meet_minimum(self, team: Team) -> None:
        floor = parse_spec(team.minimum) if team.minimum else None
        for c in team.clusters:
            own = parse_spec(c.pin or c.minimum) if c.pin or c.minimum else None
            if floor and own and (own[:2] < floor[:2] or (own[:2] == floor[:2] and 0 <= own[2] < floor[2])):
                raise self.fail(("clusters", c.name, "kubectl"), f"asks for {c.pin or '>=' + c.minimum}, below "
                                                                 f"the team's kubectl.minimum {team.minimum}")


def _word(reader: _Reader, value: object, path: Path) -> str:
    if not isinstance(value, str):  # an empty argument is legitimate; numbers are not words
        raise reader.fail(path, "expected a string (quote numbers)")
    return value
