"""The decision binds: the command line kubectl gets, so that it acts on exactly the context the guard judged.

kubectl reads its kubeconfig again after the shim has decided. Without this, a context switch in between
(another terminal, a script, a parallel job running `kubectl config use-context`) sends a write the guard
judged for dev to prod. Putting `--context=<judged>` first makes kubectl use the judged context whatever the
files say by then; KUBECONFIG is already fixed in the environment kubectl gets.

Bound: a line that starts with a flag or with one of kubectl's built-in commands (or a kuberc alias of one).
Not bound: a line that names its context itself; `config` and `kuberc` commands (they edit files and name what
they edit); a plugin (kubectl refuses flags before a plugin's name, and a plugin that switches contexts must
write where kubectl would); a bare `kubectl`. The native launcher applies the same rule to the lines a memo
record holds for (kctx/shim/memo.py: binds).
"""

from __future__ import annotations

from kctx.kubectl.argv import KubectlArgs, subcommands

UNBOUND_ROOTS = frozenset({"config", "kuberc"})


def roots(minor: str | None = None) -> frozenset[str]:
    """The first words of a line that are built-in commands of kubectl 1.<minor> (any release when None) it is
    safe to bind: in a release without the command, the word runs a plugin."""
    return subcommands((), minor) - UNBOUND_ROOTS


def bound_argv(argv: list[str], typed: KubectlArgs, expanded: KubectlArgs, context: str,
               minor: str | None = None) -> list[str]:
    """``argv`` as typed, with the judged ``context`` put first where kubectl would otherwise look it up again.
    ``typed``: argv parsed as typed; ``expanded``: the line kubectl runs after its kuberc (an alias is bound
    like its command: kubectl still finds the alias after a leading flag); ``minor``: the kubectl that runs."""
    if not context or not argv or "context" in typed.globals:
        return argv
    if expanded.command[:1] and expanded.command[0] in UNBOUND_ROOTS:
        return argv
    first, builtin = argv[0], roots(minor)
    alias = typed.command != expanded.command and expanded.command[:1] and expanded.command[0] in builtin
    if first[:1] == "-" or first in builtin or alias:
        return [f"--context={context}", *argv]
    return argv
