"""The onboarding plan: the ordered, idempotent steps (step.py) for one team file.

Order matters: the config merge comes first, so protection for prod is in place before any prod
kubeconfig lands on disk; then the kubeconfig files, the aliases that point into them, kubectl, and last
the offer of a credential plugin allowlist (it needs the kubeconfigs and knows which kubectl runs them).
"""

from __future__ import annotations

from kctx.onboard.step import Run, Step
from kctx.onboard.step_allowlist import AllowlistStep
from kctx.onboard.step_config import ConfigStep
from kctx.onboard.step_kubeconfig import AliasStep, KubeconfigStep
from kctx.onboard.step_kubectl import install_steps


def build(run: Run) -> list[Step]:
    kubeconfigs = [KubeconfigStep(run, c) for c in run.team.clusters]
    steps: list[Step] = [ConfigStep(run), *kubeconfigs]
    if any(c.aliases for c in run.team.clusters):
        steps.append(AliasStep(run))
    return [*steps, *install_steps(run), AllowlistStep(run, kubeconfigs)]
