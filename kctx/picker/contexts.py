"""The entries of a context picker: the current context and the protected ones marked."""

from __future__ import annotations

from kctx.guard.protection import protection
from kctx.picker.ui import Entry

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from kctx.config import Config
    from kctx.kubeconfig.model import View


def context_entries(names: list[str], current: str, view: View, config: Config) -> list[Entry]:
    """``names`` in their order; ``view`` is where their entries are looked up (kctx's whole view, so a
    protected context reads as protected whichever file kubectl would take it from)."""
    out = []
    for name in names:
        ctx = view.context(name)
        cluster = view.cluster(ctx.cluster) if ctx else None
        why = protection(config, view, name, ctx.cluster if ctx else "", cluster.server if cluster else "")
        out.append(Entry(name, current=name == current, protected=bool(why)))
    return out


def namespace_entries(names: list[str], current: str) -> list[Entry]:
    return [Entry(name, current=name == current) for name in names]
