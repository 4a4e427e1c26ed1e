"""The prompt and the bottom toolbar: which cluster, which identity, which kubectl, and the refresh state.

Both are rebuilt on every render, so they only read attributes (no I/O, no kubectl).
"""

from __future__ import annotations

import time

from kctx.repl.words import split

IDENTITY_FLAGS = ("--as", "--as-group", "--as-uid", "--user")
BASIC_COLORS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "gray")


def style_rules(color_for_context: str) -> dict[str, str]:
    """prompt_toolkit style rules; the context's colour comes from config ``colors`` or protection."""
    color = color_for_context
    if color.lower() in BASIC_COLORS or color.lower().startswith("bright"):
        color = "ansi" + color.lower()  # the terminal's palette, like kube-ps1
    return {
        "ctx": f"bold {color}",
        "ns": "ansicyan",
        "protected": "bold ansired",
        "identity": "bold reverse",
        "bottom-toolbar": "reverse",
        "bottom-toolbar.bad": "bold",
        "bottom-toolbar.busy": "italic",
    }


def identity_in_line(text: str) -> str:
    """``as alice`` when the line being typed switches identity (--as, --as-group, --as-uid, --user)."""
    words = split(text).all
    found = []
    for i, word in enumerate(words):
        name, eq, value = word.partition("=")
        if name in IDENTITY_FLAGS:
            if not eq:
                value = words[i + 1] if i + 1 < len(words) else "…"
            found.append(f"{name.lstrip('-')} {value}")
    return ", ".join(found)


def message(target, sticky_identity: str, line_text: str) -> list[tuple[str, str]]:
    """``[!] prod:web as alice> ``: the marker and red for protected targets, so colour is not the only cue."""
    out: list[tuple[str, str]] = []
    if target.protected:
        out.append(("class:protected", "[!] "))
    if expired(target):
        out.append(("class:protected", "[expired] "))
    out.append(("class:ctx", target.context or "(no context)"))
    if target.context:
        out += [("", ":"), ("class:ns", target.namespace or "default")]
    who = ", ".join(x for x in (f"as {sticky_identity}" if sticky_identity else "", identity_in_line(line_text)) if x)
    if who:
        out += [("", " "), ("class:identity", who)]
    out.append(("", "> "))
    return out


def expired(target) -> str:
    """What of the target's credential is known to have expired ("client certificate", "bearer token"), or "".
    From the kubeconfig index the target was resolved with: no I/O."""
    view = getattr(target, "_view", None)
    if view is None or not target.user:
        return ""
    entry = view.user_entry(target.user)
    expires = entry.get("expires", 0)
    return entry.get("expiring", "credential") if expires and expires <= time.time() else ""


def _ago(t: float) -> str:
    s = max(0, int(time.time() - t))
    return f"{s}s ago" if s < 120 else f"{s // 60}m ago"


BAD, BUSY = "class:bottom-toolbar.bad", "class:bottom-toolbar.busy"
SEP = " · "
# Why this kubectl, in a few words (the full reason is kept for wide terminals and `kctx explain`).
RULE_LABELS = {"env": "KCTX_KUBECTL_VERSION", "pin": "pinned for this context", "tool-versions": ".tool-versions",
               "server": "fits the server", "default": "the default", "path": "from PATH"}


class Part:
    """One item of a toolbar line: its forms, from the fullest to the shortest, each with how much it
    matters to keep that form rather than the next shorter one (for the last form: rather than nothing)."""

    __slots__ = ("style", "forms")

    def __init__(self, style: str, *forms: tuple[str, int]) -> None:
        self.style, self.forms = style, list(forms)

    @property
    def text(self) -> str:
        return self.forms[0][0]


def _width(parts: list[Part]) -> int:
    return 1 + sum(len(p.text) for p in parts) + len(SEP) * max(0, len(parts) - 1)


def fit(parts: list[Part], width: int) -> list[tuple[str, str]]:
    """One line of at most ``width`` columns: while it is too long, the form that matters least gives way
    (to a shorter form, or the part goes), so what is left reads as whole words; only a last part that
    is still too long is cut, with "…"."""
    parts = [Part(p.style, *p.forms) for p in parts if p.forms]
    while _width(parts) > width and len(parts) > 1:
        least = min(reversed(parts), key=lambda p: p.forms[0][1])  # on a tie, the later one
        if len(least.forms) > 1:
            least.forms.pop(0)
        else:
            parts.remove(least)
    out: list[tuple[str, str]] = [("", " ")]
    for i, part in enumerate(parts):
        if i:
            out.append(("", SEP))
        out.append((part.style, part.text))
    return _cut(out, width)


def _cut(fragments: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    out, used = [], 0
    for style, text in fragments:
        room = width - used
        if room <= 0:
            break
        if len(text) > room:
            text = text[:max(0, room - 1)] + "…"
        out.append((style, text))
        used += len(text)
    return out


def toolbar(target, refresher, cache, last_exit: int, hint: str, width: int, unlock=None) -> list[tuple[str, str]]:
    """Two lines: the target (and what the guard will do with the typed line), then the cluster's state
    and the kubectl in use. On a narrow terminal the server URL and the long "why" give way first.
    ``unlock``: this terminal's unlock (kctx/guard/unlock.py), shown with the time left."""
    line2 = _state_line(refresher, cache.cluster, last_exit)
    return fit(_target_line(target, hint, unlock), width) + [("", "\n")] + fit(line2, width)


def unlock_text(unlock, context: str, now: float | None = None) -> str:
    """" · UNLOCKED 12m (INC-1234)", naming the context when it is not the target's; "" without an unlock."""
    if unlock is None:
        return ""
    from kctx.guard.unlock import left_text

    left = unlock.left(time.time() if now is None else now)
    if left <= 0:
        return ""
    which = "" if unlock.context == context else f" {unlock.context}"
    return f" ·{which} UNLOCKED {left_text(left)} ({unlock.reason})"


def _target_line(target, hint: str, unlock=None) -> list[Part]:
    readonly = getattr(target, "readonly_by", "")
    if not target.context:
        line = [Part("", ("no context: use CONTEXT, or ctx to pick one", 9))]
    else:
        cluster = target.cluster or "?"
        line = [Part("", (f"cluster {cluster}", 2), (cluster, 6)),
                Part("", (target.server or "no server", 1)),
                Part("", (f"user {target.user or '?'}", 3)),
                Part(BAD, ("READ-ONLY", 9)) if readonly else
                Part(BAD, ("PROTECTED", 9)) if target.protected else Part("", ("not protected", 9))]
        what = expired(target)
        if what:
            line.append(Part(BAD, (f"{what.upper()} EXPIRED", 9), ("EXPIRED", 9)))
    shown = unlock_text(unlock, target.context)
    if shown:
        line.append(Part(BAD, (shown.removeprefix(" · "), 9)))
        if unlock.context == target.context:
            hint = hint.replace("will ask to confirm", "runs unlocked, audited")
    elif readonly:
        hint = hint.replace("will ask to confirm", "refused: read-only")
    if hint:
        line.append(Part(BAD if "confirm" in hint or "refused" in hint else "", (hint, 8)))
    return line


def _state_line(refresher, cluster, last_exit: int) -> list[Part]:
    """Refreshing, reachable or not, the last exit status, then the kubectl."""
    parts: list[Part] = []
    if refresher is not None and refresher.cluster.busy:
        parts.append(Part(BUSY, ("refreshing…", 2)))
    reach = _reachability(refresher, cluster)
    if reach is not None:
        parts.append(reach)
    if last_exit:
        parts.append(Part(BAD, (f"exit {last_exit}", 7)))
    parts.append(_kubectl(refresher))
    return parts


def _reachability(refresher, cluster) -> Part | None:
    if cluster.reachable is True:
        return Part("", (f"reachable ({_ago(cluster.checked_at)})", 3), ("reachable", 6))
    if cluster.reachable is False:
        ago = f"UNREACHABLE ({_ago(cluster.checked_at)})"
        return Part(BAD, (f"{ago}: {_short(cluster.error)}", 3), (ago, 5), ("UNREACHABLE", 8))
    if refresher is not None and refresher.error:
        return Part(BAD, (f"refresh failed: {_short(refresher.error)}", 3), ("refresh failed", 6))
    return None


def _kubectl(refresher) -> Part:
    """The kubectl the typed line would run, and why that one."""
    choice = refresher.choice if refresher is not None else None
    if choice is None or not choice.path and not choice.why:
        return Part("", ("kubectl …", 4))
    if not choice.path:
        return Part(BAD, (f"kubectl: {choice.why}", 3), ("no kubectl to run", 7))
    what = f"kubectl {choice.version or choice.path}"
    label = RULE_LABELS.get(choice.rule, "")
    forms = [(f"{what} ({choice.why})", 1)] if choice.why else []
    if label:
        forms.append((f"{what} ({label})", 4))
    return Part("", *forms, (what, 7))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def hint_for(line_text: str, target) -> str:
    """What the guard will do with the typed line, shown only where it matters: protected targets."""
    if not target.protected or not line_text.strip():
        return ""
    from kctx.repl.classes import classify_words, kubectl_words

    words = kubectl_words(line_text)
    if words is None:
        return ""
    cls, command, confirm = classify_words(words)
    return f"{command}: {cls}, will ask to confirm" if confirm else f"{command}: {cls}"
