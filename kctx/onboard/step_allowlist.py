"""The last step: offer a kuberc allowlist of exactly the team's credential plugins (kctx/onboard/allowlist.py).

Offered only when the team's kubeconfigs name exec plugins and every kubectl its contexts run enforces the
policy (1.35+). On a terminal it asks (a "no" is remembered for that set of plugins); --kuberc-allowlist
writes without asking; otherwise the output says how to. A kuberc that already decides (DenyAll, v1alpha1)
is left alone and the plan says why.
"""

from __future__ import annotations

import os

from kctx.onboard import allowlist, ask, plugins
from kctx.onboard.consent import Store
from kctx.onboard.origin import digest
from kctx.onboard.step import Run, Step
from kctx.onboard.step_kubeconfig import KubeconfigStep
from kctx.versions.parse import parse


class AllowlistStep(Step):
    label = "credential plugin allowlist"

    def __init__(self, ctx: Run, kubeconfigs: list[KubeconfigStep]) -> None:
        self.ctx, self.kubeconfigs = ctx, kubeconfigs
        self._why_not = ""
        self._todo: list[str] = []
        self._kubectls: list[str] = []

    # -- the step

    def pending(self) -> list[str]:
        self._todo = []
        edit = self._edit()
        if edit is None:
            return []
        if self._declined(edit) and not self.ctx.allowlist:
            return []
        line = f"restrict kubectl's credential plugins in {self.ctx.show(edit.path)}: {edit.describe()}"
        if self.ctx.allowlist:
            return [line]
        if ask.terminal(self.ctx.env.tty_path):
            return [f"{line} (asks first)"]
        self._todo = [f"let kubectl run only the team's credential plugins: kctx onboard --kuberc-allowlist "
                      f"{self.ctx.team.location} ({self.ctx.show(edit.path)}: {edit.describe()})"]
        return []

    def run(self) -> list[str]:
        edit = self._edit()
        if edit is None:
            return []
        if not self.ctx.allowlist:
            answer = ask.yes_no(self.ctx.env.tty_path, self._question(edit), "Write it? [y/N] ")
            if answer is False:  # a "no" is remembered; a terminal gone meanwhile (None) is not an answer
                self._store().put("kuberc-declined", edit.path, {"digest": self._digest(edit)})
            if not answer:
                return []
        allowlist.write(edit, self._kubectls, self.ctx.env.environ)
        return [f"{self.ctx.show(edit.path)}: {edit.describe()} (kubectl now refuses other credential plugins)"]

    def todo(self) -> list[str]:
        return self._todo

    def plugin_notes(self, dry_run: bool) -> list[str]:
        return [f"no allowlist offered: {self._why_not}"] if dry_run and self._why_not else []

    # -- what to allow

    def _wanted(self) -> list[tuple[str, plugins.Plugin]]:
        """(absolute path, plugin) of every exec plugin the team's kubeconfigs name and this machine has."""
        found: list[tuple[str, plugins.Plugin]] = []
        for step in self.kubeconfigs:
            for p in plugins.found_in(step.known_bytes()):
                path = plugins.locate(p.command, step.dest, self.ctx.env.environ) if p.is_exec else ""
                if path and path not in [f[0] for f in found]:
                    found.append((path, p))
        return found

    def _edit(self) -> allowlist.Edit | None:
        self._why_not = ""
        wanted = self._wanted()
        if not wanted:
            return None
        contexts = [name for _, p in wanted for name in p.contexts]
        if not contexts:  # no context says which kubectl would run them, so which entry key it reads is unknown
            self._why_not = "no context of the team's kubeconfigs uses their credential plugins"
            return None
        versions = self._enforcing(contexts)
        if versions is None:
            return None
        path, off = allowlist.kuberc_path(self.ctx.env.environ, self.ctx.home)
        if off:
            self._why_not = off
            return None
        try:
            return allowlist.plan(path, [w for w, _ in wanted], allowlist.entry_key(versions),
                                  self.ctx.env.environ)
        except allowlist.Blocked as exc:
            self._why_not = exc.message
            return None

    def _enforcing(self, contexts: list[str]) -> list[tuple[int, int, int]] | None:
        """The versions of the kubectls these contexts run, when all of them enforce an allowlist."""
        from kctx.onboard.kubectl import Effective
        from kctx.workspace import Workspace

        eff = Effective(Workspace(self.ctx.env))
        versions, self._kubectls = [], []
        for name in contexts:
            version, path, why = eff.binary(name)
            v = parse(version) if version else None
            if v is None or v[:2] < allowlist.SINCE:
                shown = f"kubectl {version}" if version else "no known kubectl"
                self._why_not = (f'context "{name}" runs {shown} ({why}); only kubectl 1.35 and later '
                                 "enforce a credential plugin allowlist")
                return None
            versions.append(v)
            if path and path not in self._kubectls:
                self._kubectls.append(path)
        return versions

    # -- asking

    def _question(self, edit: allowlist.Edit) -> str:
        lines = ["The team's kubeconfigs make kubectl run these programs as you:"]
        lines += [f"  {path}  ({p.used_by()})" for path, p in self._wanted()]
        lines.append(f"kubectl 1.35+ can refuse every other credential plugin. Change {edit.path}:")
        lines.append(f"  {edit.describe()}")
        others = self._others(edit) if edit.policy_was != "Allowlist" else []
        if others:
            lines.append("Then kubectl refuses these plugins of your other kubeconfigs: " + "; ".join(others))
        return "\n".join(lines) + "\n"

    def _others(self, edit: allowlist.Edit) -> list[str]:
        """Exec plugins of the other known kubeconfigs that the new allowlist would not allow."""
        from kctx.workspace import Workspace

        mine = {s.dest for s in self.kubeconfigs}
        allowed = [os.path.realpath(e) for e in edit.add + edit.kept]
        out = []
        for f in Workspace(self.ctx.env).known_files:
            if f in mine:
                continue
            try:
                with open(f, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            for p in plugins.found_in(data):
                path = plugins.locate(p.command, f, self.ctx.env.environ) if p.is_exec else ""
                if p.is_exec and os.path.realpath(path or p.command) not in allowed:
                    out.append(f"{p.command} ({p.used_by()} in {self.ctx.show(f)})")
        return out

    def _store(self) -> Store:
        return Store(self.ctx.env.paths)

    def _digest(self, edit: allowlist.Edit) -> str:
        return digest("\n".join(sorted(edit.add)).encode())

    def _declined(self, edit: allowlist.Edit) -> bool:
        return self._store().get("kuberc-declined", edit.path).get("digest") == self._digest(edit)
