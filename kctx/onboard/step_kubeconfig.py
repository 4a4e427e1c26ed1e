"""Steps 2 and 3: one kubeconfig file per team cluster in ~/.kube/configs/, then the alias contexts.

A file or URL source is fetched and compared byte for byte; a credentials command runs only when its
result is missing or no longer defines the team's contexts (or with --refresh), into a private temp
folder, and its output is checked before it replaces anything.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from kctx.errors import KctxError
from kctx.kubeconfig.model import FileIndex
from kctx.onboard import aliases, owned, plugins, sources
from kctx.onboard.schema import Cluster
from kctx.onboard.step import Run, Step

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.kubeconfig.model import ContextEntry

ALIASES_HEADER = ("# Context aliases for team \"{team}\", written by `kctx onboard`; it replaces this file when\n"
                  "# the team file changes, so change the team file rather than this one.\n")


def inspect(data: bytes, label: str, folder: str) -> FileIndex:
    """Names in a kubeconfig given as bytes; KctxError when it is not one."""
    import yaml

    from kctx.kubeconfig.extract import NotAKubeconfig, fill

    idx = FileIndex(path=label)
    try:
        fill(idx, yaml.safe_load(data) if data.strip() else {}, folder)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KctxError(f"{label}{f':{mark.line + 1}' if mark else ''}: not a kubeconfig: invalid YAML") from None
    except (NotAKubeconfig, UnicodeDecodeError) as exc:
        raise KctxError(f"{label}: not a kubeconfig: {exc}") from None
    return idx


class KubeconfigStep(Step):
    def __init__(self, ctx: Run, cluster: Cluster) -> None:
        self.ctx, self.cluster = ctx, cluster
        self.dest = ctx.dest(cluster.name)
        self.label = f"kubeconfig for {cluster.name}"
        self.wrote = False
        self._data: bytes | None = None

    @property
    def command(self) -> bool:
        return self.cluster.source.kind == "command"

    def pending(self) -> list[str]:
        shown, src = self.ctx.show(self.dest), self.cluster.source.describe()
        if self.command:
            if self.would_run():
                return [f"run `{src}` to write {shown} (the credential plugins it names are shown once it ran)"]
            return [f"make {shown} private (0600)"] if owned.status(self.dest, self._current(), self.ctx.owned) else []
        what = owned.status(self.dest, self._fetch(), self.ctx.owned)
        return [_PLANNED[what].format(dest=shown, src=src)] if what else []

    def run(self) -> list[str]:
        data = self._wanted()
        done = owned.put(self.dest, data, self.ctx.owned, self.ctx.show(self.dest))
        self.wrote = done.startswith(("wrote", "updated", "replaced"))
        return [done] if done else []

    def plugin_notes(self, dry_run: bool) -> list[str]:
        """The programs the kubeconfig makes kubectl run: all that are known for a plan, the new ones after
        a run."""
        data = self.known_bytes() if dry_run else self._current() if self.wrote else None
        return [f"{p.describe()}  — {p.used_by()}, {self.ctx.show(self.dest)}" for p in plugins.found_in(data)]

    def would_run(self) -> bool:
        """Whether this step runs the credentials command (it is a command source and its file is stale)."""
        return self.command and (self.ctx.refresh or not self._satisfied())

    def known_bytes(self) -> bytes | None:
        """The kubeconfig this step leads to, as far as it is known without running anything."""
        if self.command:
            return owned.read_bytes(self.dest)
        return self._fetch()

    def todo(self) -> list[str]:
        return [f"{self.cluster.name}: {self.cluster.login}"] if self.wrote and self.cluster.login else []

    # -- sources

    def _wanted(self) -> bytes:
        """What the file should hold: the source's bytes, or a command's fresh output when needed."""
        if not self.command:
            return self._fetch()
        return self._from_command() if self.ctx.refresh or not self._satisfied() else self._current()

    def _check(self, data: bytes, label: str) -> bytes:
        idx = inspect(data, label, os.path.dirname(self.dest))
        missing = [n for n in self.cluster.contexts if n not in idx.contexts]
        if missing:
            found = ", ".join(sorted(idx.contexts)) or "none"
            raise KctxError(f"{self.cluster.where}: clusters.{self.cluster.name}: the kubeconfig from {label} "
                            f"does not define context {', '.join(repr(m) for m in missing)} (it defines: {found})")
        return data

    def _fetch(self) -> bytes:
        if self._data is None:
            loc = self.cluster.source.location
            self._data = self._check(sources.read(loc, self.ctx.transport), loc)
        return self._data

    def _current(self) -> bytes:
        return owned.read_bytes(self.dest) or b""

    def _satisfied(self) -> bool:
        data = owned.read_bytes(self.dest)
        if data is None:
            return False
        try:
            self._check(data, self.dest)
        except KctxError:
            return False
        return True

    def _from_command(self) -> bytes:
        src = self.cluster.source
        if not self.ctx.commands_allowed:  # kctx/onboard/consent.py asks first; this is the backstop
            raise KctxError(f"{src.where}: the command `{src.describe()}` was not approved; not run")
        folder = os.path.dirname(self.dest)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".kctx-onboard-", dir=folder)  # 0700: credentials land here first
        try:
            path = os.path.join(tmp, "kubeconfig")
            cwd = sources.command_cwd(self.ctx.team.location, self.ctx.home)
            try:
                sources.run_command(src.command, path, src.env, self.ctx.env.environ, cwd, src.where)
            except KctxError as exc:
                if self.cluster.login:  # most failures are a login that is missing or expired
                    exc.args = (f"{exc.message}; the team says to log in with: {self.cluster.login}",)
                raise
            return self._check(owned.read_bytes(path) or b"", f"the output of `{src.describe()}`")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


_PLANNED = {"create": "write {dest} from {src}", "update": "update {dest} from {src}",
            "replace": "replace {dest} with {src} (yours is backed up first)", "mode": "make {dest} private (0600)"}


class AliasStep(Step):
    """``<team>.aliases.yaml``: a context per alias, pointing at the cluster and user of the cluster's first
    context (names only, no credentials), marked protected when the cluster is. Aliases the team dropped are
    removed (and said so); contexts the user added to this file are kept."""

    def __init__(self, ctx: Run) -> None:
        self.ctx = ctx
        self.dest = ctx.dest("aliases")
        self.label = "context aliases"

    def pending(self) -> list[str]:
        data = self._content()
        shown = self.ctx.show(self.dest)
        removes = [f'removes context "{n}" (an alias the team file no longer has)' for n in self.removed()]
        if data is None:
            return [f"write the aliases to {shown} (once the kubeconfig files above are in place)", *removes]
        what = owned.status(self.dest, data, self.ctx.owned)
        return [_PLANNED[what].format(dest=shown, src="the team's aliases"), *removes] if what else []

    def run(self) -> list[str]:
        data = self._content()
        if data is None:
            raise KctxError("cannot write the context aliases: a team kubeconfig file is missing")
        removed = self.removed()
        self.ctx.owned.remember("aliases", sorted(self._wanted()))
        done = owned.put(self.dest, data, self.ctx.owned, self.ctx.show(self.dest))
        gone = [f'removed context "{n}" (an alias the team file no longer has)' for n in removed]
        return [done, *gone] if done else []

    def removed(self) -> list[str]:
        return aliases.stale(self.ctx.team, self.ctx.owned, self.dest)

    def _wanted(self) -> set[str]:
        return {a for c in self.ctx.team.clusters for a in c.aliases}

    def _kept(self) -> list[dict[str, object]]:
        """Contexts in the aliases file that onboarding did not write: the user's, kept as they are."""
        data = owned.read_bytes(self.dest)
        entries = aliases.file_contexts(data)
        names = [str(e["name"]) for e in entries]
        mine = aliases.written_before(self.ctx.owned, self.dest, names, data) | self._wanted()
        return [e for e in entries if e["name"] not in mine]

    def _content(self) -> bytes | None:
        from kctx.kubeconfig.yamlout import dump

        contexts: list[dict[str, object]] = []
        for c in self.ctx.team.clusters:
            if not c.aliases:
                continue
            entry = self._entry(c)
            if entry is None:
                return None
            for alias in c.aliases:
                body: dict[str, object] = {"cluster": entry.get("cluster", ""), "user": entry.get("user", "")}
                if entry.get("namespace"):
                    body["namespace"] = entry["namespace"]
                if c.protected:
                    body["extensions"] = [{"name": "kctx", "extension": {"protected": True}}]
                contexts.append({"name": alias, "context": body})
        doc = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [],
               "contexts": [*contexts, *self._kept()]}
        text = ALIASES_HEADER.format(team=self.ctx.team.name) + dump(doc)
        return text.encode()

    def _entry(self, c: Cluster) -> ContextEntry | None:
        data = owned.read_bytes(self.ctx.dest(c.name))
        if data is None:
            return None
        try:
            return inspect(data, self.ctx.dest(c.name), os.path.dirname(self.dest)).contexts.get(c.contexts[0])
        except KctxError:
            return None
