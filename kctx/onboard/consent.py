"""Consent before a team file's commands run: they run as the engineer, so someone must have seen them.

On a terminal every command (argv, env, folder, the cluster it is for) is shown and one question asked;
the answer "yes" is remembered per team file location with a digest of its commands, in a small file of
kctx's state folder (0600), and asked again only when the commands change. Without a terminal they run
only with --yes (--allow-commands); otherwise onboarding stops, listing them, before anything changed.

The digest covers every command of the file (not only those due now), its env and folder, and the bytes of
a script the command runs from the team's own folder (``./get-creds.sh``): a changed script asks again.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from dataclasses import dataclass

from kctx.errors import ExitStatus, KctxError
from kctx.onboard import ask, sources
from kctx.onboard.origin import digest
from kctx.onboard.schema import Cluster, Team
from kctx.paths import Paths
from kctx.util.fsutil import atomic_write, ensure_private_dir, locked

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

FILE = "onboard-consent.json"
ALLOW_FLAGS = "--yes (or --allow-commands)"


@dataclass
class Command:
    cluster: Cluster
    shown: str  # the command line as it will run, {path} standing for the file it writes
    env: dict[str, str]
    cwd: str
    script: str = ""  # a script from the team's folder that it runs, and its sha256
    script_sha256: str = ""

    def lines(self) -> list[str]:
        c = self.cluster
        out = [f"{c.name} ({c.environment}{', protected' if c.protected else ''}): {self.shown}"]
        if self.env:
            out.append("  env: " + " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items()))
        out.append(f"  in:  {self.cwd}")
        if self.script:
            out.append(f"  runs {self.script} (sha256 {self.script_sha256[:16]}…)")
        return out

    def key(self) -> list[object]:
        return [self.cluster.name, self.shown, sorted(self.env.items()), self.cwd, self.script_sha256]


def commands(team: Team, home: str) -> list[Command]:
    """Every command the team file can run, in file order."""
    cwd = sources.command_cwd(team.location, home)
    out = []
    for c in team.clusters:
        if c.source.kind != "command":
            continue
        cmd = c.source.command
        shown = shlex.join(cmd) if isinstance(cmd, list) else f"/bin/sh -c {shlex.quote(cmd)}"
        item = Command(c, shown, dict(c.source.env), cwd)
        if not sources.is_url(team.location):
            item.script, item.script_sha256 = _script(cmd, cwd)
        out.append(item)
    return out


def _script(command: list[str] | str, cwd: str) -> tuple[str, str]:
    """A program given relative to the team's folder (``./creds.sh``, ``bin/x``): its path and sha256."""
    try:
        first = command[0] if isinstance(command, list) else shlex.split(command)[0]
    except (ValueError, IndexError):
        return "", ""
    if "/" not in first or os.path.isabs(first):
        return "", ""
    path = os.path.normpath(os.path.join(cwd, first))
    try:
        with open(path, "rb") as fh:
            return path, digest(fh.read())
    except OSError:
        return "", ""


def fingerprint(items: list[Command]) -> str:
    return digest(json.dumps([i.key() for i in items]).encode())


class Store:
    """``<state>/onboard-consent.json``: team file location -> the digest of the commands approved there."""

    def __init__(self, paths: Paths) -> None:
        self.path = os.path.join(paths.state_dir, FILE)

    def _load(self) -> dict[str, object]:
        """The file's content; {} when it is missing or unreadable (then nothing counts as approved)."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    @staticmethod
    def _section(doc: dict[str, object], section: str) -> dict[str, object]:
        part = doc.get(section)
        return part if isinstance(part, dict) else {}

    def get(self, section: str, key: str) -> dict[str, object]:
        found = self._section(self._load(), section).get(key)
        return found if isinstance(found, dict) else {}

    def put(self, section: str, key: str, value: dict[str, object]) -> None:
        ensure_private_dir(os.path.dirname(self.path))
        with locked(self.path):
            doc = self._load()
            part = self._section(doc, section)
            part[key] = value
            doc[section] = part
            atomic_write(self.path, json.dumps(doc, indent=1, sort_keys=True) + "\n", mode=0o600)


def approved(store: Store, location: str, items: list[Command]) -> float:
    """When these commands were approved at this location; 0 when they were not (or have changed)."""
    found = store.get("commands", location)
    at = found.get("at")
    if found.get("digest") != fingerprint(items) or not isinstance(at, (int, float)) or at <= 0:
        return 0.0
    return float(at)


def remember(store: Store, location: str, items: list[Command]) -> None:
    store.put("commands", location, {"digest": fingerprint(items), "at": time.time()})


def require(store: Store, team: Team, items: list[Command], due: list[Command], *, tty_path: str,
            allowed: bool, say: Callable[[str], None]) -> None:
    """Make sure running ``due`` (some of ``items``) was consented to; KctxError when not. ``say`` writes a
    line of progress (stderr)."""
    if not due:
        return
    where = team.location
    if approved(store, where, items):
        say(f"kctx onboard: running {_count(due)} approved earlier for {where}: "
            + "; ".join(f"{i.cluster.name}: {i.shown}" for i in due))
        return
    if allowed:
        say(f"kctx onboard: running {_count(due)} of {where}, allowed by the command line: "
            + "; ".join(f"{i.cluster.name}: {i.shown}" for i in due))
        remember(store, where, items)
        return
    answer = ask.yes_no(tty_path, question(team, items, due), "Run them? [y/N] ")
    if answer is None:
        listed = "; ".join(f"{i.cluster.name}: {i.shown}" for i in due)
        raise KctxError(f"{where} would run {_count(due)} nobody approved on this machine ({listed}); nothing "
                        f"was changed: review them (kctx onboard --dry-run), then run again on a terminal or "
                        f"with {ALLOW_FLAGS}", ExitStatus.REFUSED)
    if not answer:
        raise KctxError("not approved: nothing was changed", ExitStatus.DECLINED)
    remember(store, where, items)


def question(team: Team, items: list[Command], due: list[Command]) -> str:
    head = (f'Team "{team.name}" ({team.location}) runs these commands as you, to write kubeconfigs '
            "({path} is a private temporary file; $KUBECONFIG names it too):\n")
    body = "".join(f"  {line}\n" for i in items for line in i.lines())
    now = [i.cluster.name for i in due]
    tail = (f"Due now: {', '.join(now)}. The answer is remembered for this team file until its commands "
            "change.\n")
    return head + body + tail


def _count(items: list[Command]) -> str:
    return f"{len(items)} command{'s' if len(items) != 1 else ''}"
