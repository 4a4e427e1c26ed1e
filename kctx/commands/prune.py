"""`kctx prune [--days N] [--dry-run] [--yes]`: remove contexts whose cluster has not answered for N days (the
server-version detection cache), contexts whose cluster or user entry is missing, and cluster and user entries
no context uses. Edits are kctx's usual minimal, atomic, locked ones, with a backup beside each changed file.
Contexts of team files (written by `kctx onboard`) are listed as such: onboarding brings them back.
"""

from __future__ import annotations

import os
import time

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError
from kctx.workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from kctx.guard.localwrite import Removal

DEFAULT_DAYS = 30


class Candidate:
    """One entry to remove: ``section`` contexts, clusters or users; ``why`` in a few words."""

    __slots__ = ("section", "name", "file", "why")

    def __init__(self, section: str, name: str, file: str, why: str) -> None:
        self.section, self.name, self.file, self.why = section, name, file, why

    def line(self, team: set[str]) -> str:
        return f"{self.section[:-1]} {self.name!r} {self.where(team)}"

    def where(self, team: set[str]) -> str:
        note = " (a team file: kctx onboard writes it again)" if self.file in team else ""
        return f"in {self.file}: {self.why}{note}"


HELP = Help(
    ["prune [--days DAYS] [--dry-run] [-y]"],
    """
Remove stale contexts (cluster unanswered for --days, missing cluster or user) and cluster/user entries
no context uses; a backup is left beside each changed file. On a terminal a picker lists them: type to
filter, Space or Tab marks an entry (or unmarks it), Enter removes the marked ones, Esc removes nothing.
Nothing starts marked: an Enter pressed too soon then removes nothing, and each entry that goes was
chosen (--yes removes all of them). Where no picker can run (output not on a terminal, or
KUBECTX_IGNORE_FZF set) the list is numbered and the question asked on the terminal: all, none, or
numbers (1 3-5). Removing a protected context or cluster is asked again, as kubectl config delete-context
through the shim asks.
""",
    [("kctx prune", "choose what goes"), ("kctx prune --dry-run", "what would go"),
     ("kctx prune --days 90", "only clusters silent for 90 days"), ("kctx prune --yes", "remove everything listed")])


def parser() -> Parser:
    p = Parser("prune", doc=HELP)
    p.add_argument("--days", type=int, default=DEFAULT_DAYS,
                   help=f"a context is stale when its cluster has not answered for this long (default {DEFAULT_DAYS})")
    p.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    p.add_argument("-y", "--yes", action="store_true", help="remove everything listed without asking (scripts)")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    if args.days < 1:
        raise KctxError("prune: --days must be at least 1", ExitStatus.USAGE)
    ws = Workspace(env)
    ws.warn_broken_files()
    found = candidates(ws, args.days)
    team = team_files(ws)
    if not found:
        env.stdout.write("nothing to prune\n")
        return int(ExitStatus.OK)
    from kctx.commands.choose import interactive

    picker = not (args.dry_run or args.yes) and interactive(env)
    listed = [] if picker else found
    for i, c in enumerate(listed, 1):
        env.stdout.write(f"{i:>3}  {c.line(team)}\n")
    if args.dry_run:
        return int(ExitStatus.OK)
    chosen = found if args.yes else pick_marked(ws, found, team) if picker else pick(env, found)
    if picker:  # the picker is erased when done: leave what goes on the screen
        env.stdout.writelines(f"  {c.line(team)}\n" for c in chosen)
    if not chosen:
        env.stderr.write("nothing removed\n")
        return int(ExitStatus.OK if args.yes else ExitStatus.DECLINED)
    guard(ws, chosen)
    written = remove(chosen)
    env.stdout.write(f"removed {len(chosen)} entr{'ies' if len(chosen) != 1 else 'y'} from {len(written)} "
                     f"file{'s' if len(written) != 1 else ''} (a .bak copy of each is beside it)\n")
    return int(ExitStatus.OK)


def candidates(ws: Workspace, days: int, now: float | None = None) -> list[Candidate]:
    """Stale and dangling contexts, then unused clusters and users; kctx's own session files are left alone."""
    view, sessions = ws.view, os.path.abspath(ws.paths.sessions_dir) + os.sep
    files = [f for f in view.files if not f.error and not os.path.abspath(f.path).startswith(sessions)]
    out, gone = [], set()
    for ctx in view.contexts():
        if ctx.file.startswith(sessions):
            continue
        why = "its " + view.dangling(ctx).split(" refers to ", 1)[1] if view.dangling(ctx) else \
            silent_for(ws, ctx.cluster, days, now)
        if why:
            out.append(Candidate("contexts", ctx.name, ctx.file, why))
            gone.add((ctx.file, ctx.name))
    used_clusters = {c.get("cluster", "") for f in files for n, c in f.contexts.items() if (f.path, n) not in gone}
    used_users = {c.get("user", "") for f in files for n, c in f.contexts.items() if (f.path, n) not in gone}
    for f in files:
        out += [Candidate("clusters", n, f.path, "no context uses it") for n in f.clusters if n not in used_clusters]
        out += [Candidate("users", n, f.path, "no context uses it") for n in f.users if n not in used_users]
    return out


def silent_for(ws: Workspace, cluster_name: str, days: int, now: float | None) -> str:
    """Why the cluster counts as gone ("" when it does not): its last answer is more than ``days`` old."""
    from kctx.versions import cache

    cluster = ws.view.cluster(cluster_name)
    if cluster is None or not cluster.server:
        return ""
    entry = cache.read(cache.folder(ws.paths.cache_dir), cluster.server, cluster.ca_sha256)
    now = time.time() if now is None else now
    if entry is None or not entry.error or not entry.ok_at or now - entry.ok_at < days * 86400:
        return ""
    return f"its cluster has not answered since {time.strftime('%Y-%m-%d', time.localtime(entry.ok_at))}" \
           f" ({entry.error})"


def team_files(ws: Workspace) -> set[str]:
    """The kubeconfig files `kctx onboard` recorded as its own."""
    import json

    folder = os.path.join(ws.paths.state_dir, "onboard")
    out: set[str] = set()
    try:
        names = os.listdir(folder)
    except OSError:
        return out
    for name in names:
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                files = json.load(fh).get("files", {})
        except (OSError, ValueError, AttributeError):
            continue
        out.update(files if isinstance(files, dict) else ())
    return out


def pick_marked(ws: Workspace, found: list[Candidate], team: set[str]) -> list[Candidate]:
    """Which to remove, marked in the picker (none when cancelled); those whose removal takes protection
    away are tagged "protected" (guard() asks about them after the choice)."""
    from kctx.commands.choose import choose_many
    from kctx.picker.ui import Entry

    entries = [Entry(f"{c.section[:-1]} {c.name}", protected=_removal(ws, c) is not None, note=c.where(team))
               for c in found]
    marked = choose_many(ws.env, "remove", entries)
    return [found[i] for i in marked or []]


def pick(env: Environment, found: list[Candidate]) -> list[Candidate]:
    """Which to remove, asked on the terminal (never stdin): all, none, or numbers ("1 3-5")."""
    import posix

    from kctx.guard.confirm import discard_typed_ahead, read_line

    try:
        fd = posix.open(env.tty_path, posix.O_RDWR | posix.O_NOCTTY)
    except OSError:
        raise KctxError("prune: no terminal to choose on; use --dry-run to list, --yes to remove all") from None
    try:
        discard_typed_ahead(fd)
        posix.write(fd, b"Remove which? all, none, or numbers (1 3-5): ")
        answer = read_line(fd)
    finally:
        posix.close(fd)
    return choose(found, (answer or "").strip())


def choose(found: list[Candidate], answer: str) -> list[Candidate]:
    if answer == "all":
        return found
    picked: set[int] = set()
    for word in answer.replace(",", " ").split():
        first, _, last = word.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise KctxError(f"prune: not a number or range: {word!r}", ExitStatus.USAGE)
        picked.update(range(int(first), int(last or first) + 1))
    return [c for i, c in enumerate(found, 1) if i in picked]


def guard(ws: Workspace, chosen: list[Candidate]) -> None:
    """Removing a protected context or cluster (by a protect glob, a mark, or a protected context using it)
    takes its protection away: asked like `kubectl config delete-context`/`delete-cluster` through the shim,
    refused without a terminal unless KCTX_CONFIRM names the context, audited. --yes does not answer it."""
    from kctx.guard.enforce import enforce_removal

    for c in chosen:
        removed = _removal(ws, c)
        if removed is not None:
            sub = f"delete-{c.section[:-1]}"
            enforce_removal(removed, ["config", sub, c.name], f"config {sub}", ws.env.environ, ws.config,
                            ws.paths.audit_log, ws.env.tty_path)


def _removal(ws: Workspace, c: Candidate) -> Removal | None:
    """The protection that removing ``c`` takes away, if any (a user entry protects nothing)."""
    from kctx.guard import localwrite

    if c.section not in ("contexts", "clusters"):
        return None
    delete = localwrite.delete_context if c.section == "contexts" else localwrite.delete_cluster
    removed = delete(ws.view, ws.config, c.name)
    return localwrite.with_readonly(removed, ws.view, ws.config) if removed is not None else None


def remove(chosen: list[Candidate]) -> list[str]:
    from kctx.kubeconfig.edit import delete_entry
    from kctx.kubeconfig.writer import Transaction

    def deleting(section: str, name: str) -> Callable[[str], str]:
        return lambda text: delete_entry(text, section, name)

    tx = Transaction()
    for c in chosen:
        tx.add(c.file, deleting(c.section, c.name))
    return tx.commit(backup=True)
