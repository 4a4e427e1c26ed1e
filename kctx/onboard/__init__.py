"""Team onboarding: a team file (schema.py) is merged into this machine's kctx setup.

``kctx onboard TEAMFILE`` builds an ordered plan (plan.py) of idempotent steps — config merge first, so
protection is in place before any kubeconfig arrives, then kubeconfig files, context aliases and kubectl
installs — and runs it (apply.py). ``--check`` lists deviations instead (check.py). See docs/onboarding.md.
"""
