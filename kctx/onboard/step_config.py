"""Step 1: merge the team's settings into the user's config.yaml (minimal text edits, atomic, locked)."""

from __future__ import annotations

import os

from kctx import config as kconfig
from kctx.errors import KctxError
from kctx.onboard import configedit, merge
from kctx.onboard.configedit import Change
from kctx.onboard.step import Run, Step
from kctx.util.fsutil import atomic_write, kubeconfig_lock


class ConfigStep(Step):
    def __init__(self, ctx: Run) -> None:
        self.ctx = ctx
        self.path = ctx.env.paths.config_file
        self.label = f"config {ctx.show(self.path)}"
        self.notes: list[str] = []

    def _changes(self) -> tuple[str, list[Change]]:
        try:
            with open(self.path, encoding="utf-8", newline="") as fh:
                text = fh.read()
        except FileNotFoundError:
            text = ""
        except (OSError, UnicodeDecodeError) as exc:
            raise KctxError(f"{self.path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        cfg = kconfig.from_dict(kconfig.parse_yaml(self.path) if text.strip() else {}, self.path)
        changes, self.notes = merge.changes(cfg, self.ctx.team, self.ctx.home)
        return text, changes

    def pending(self) -> list[str]:
        return [f"{self.label}: {c.describe()}" for c in self._changes()[1]]

    def run(self) -> list[str]:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with kubeconfig_lock(self.path):  # decide on what is on disk now, not on what pending() saw
            text, changes = self._changes()
            if changes:
                atomic_write(self.path, configedit.apply(text, changes, self.path))
        return [f"{self.label}: {c.describe()}" for c in changes]

    def todo(self) -> list[str]:
        return self.notes
