"""What an onboarding step is: it checks the machine first (``pending``: what would change; empty when
nothing would) and only then acts (``run``), so a re-run skips what is done and continues where a failure
stopped it. ``Run`` is what every step is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from kctx.env import Environment
from kctx.onboard.owned import Owned
from kctx.onboard.schema import Team
from kctx.onboard.transport import Transport
from kctx.paths import display


@dataclass
class Run:
    """What every step needs: the team, the user's environment and the options of this run."""

    team: Team
    env: Environment
    owned: Owned
    transport: Transport
    refresh: bool = False  # re-run credentials commands even when their result looks fine
    install: bool = True  # download kubectl releases
    commands_allowed: bool = False  # the team file's commands were approved (kctx/onboard/consent.py)
    allowlist: bool = False  # --kuberc-allowlist: write the credential plugin allowlist without asking

    @property
    def home(self) -> str:
        return self.env.paths.home

    def dest(self, name: str) -> str:
        """Where the kubeconfig of cluster ``name`` goes (``aliases``: the alias contexts)."""
        return os.path.join(self.home, ".kube", "configs", f"{self.team.name}.{name}.yaml")

    def show(self, path: str) -> str:
        return display(path, self.home)


class Step:
    label = ""

    def pending(self) -> list[str]:
        """What running this step would change, one line each; empty when the machine already matches."""
        raise NotImplementedError

    def run(self) -> list[str]:
        """Make the change; returns what was done."""
        raise NotImplementedError

    def todo(self) -> list[str]:
        """What the user still has to do by hand after this step."""
        return []

    def plugin_notes(self, dry_run: bool) -> list[str]:
        """Programs kubectl will run because of this step (credential plugins), one line each."""
        return []
