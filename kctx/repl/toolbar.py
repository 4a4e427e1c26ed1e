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
    out.append(("class:ctx", target.context or "(no context)"))
    if target.context:
        out += [("", ":"), ("class:ns", target.namespace or "default")]
    who = ", ".join(x for x in (f"as {sticky_identity}" if sticky_identity else "", identity_in_line(line_text)) if x)
    if who:
        out += [("", " "), ("class:identity", who)]
    out.append(("", "> "))
    return out


def _ago(t: float) -> str:
    s = max(0, int(time.time() - t))
    return f"{s}s ago" if s < 120 else f"{s // 60}m ago"


def _fit(parts: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    out, used = [], 0
    for style, text in parts:
        room = width - used
        if room <= 0:
            break
        if len(text) > room:
            text = text[:max(0, room - 1)] + "…"
        out.append((style, text))
        used += len(text)
    return out


BAD, BUSY = "class:bottom-toolbar.bad", "class:bottom-toolbar.busy"


def toolbar(target, refresher, cache, last_exit: int, hint: str, width: int, unlock=None) -> list[tuple[str, str]]:
    """Two lines: the target (and what the guard will do with the typed line), then the cluster's state
    and the kubectl in use. The long "why" of the version comes last, so it is what gets cut. ``unlock``:
    this terminal's unlock (kctx/guard/unlock.py), shown with the time left."""
    line2 = _state_line(refresher, cache.cluster, last_exit)
    return _fit(_target_line(target, hint, unlock), width) + [("", "\n")] + _fit(line2, width)


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


def _target_line(target, hint: str, unlock=None) -> list[tuple[str, str]]:
    if target.context:
        line = [("", f" {target.cluster or '?'} · {target.server or 'no server'} · user {target.user or '?'}")]
        if getattr(target, "readonly_by", ""):
            line.append((BAD, " · READ-ONLY"))
        else:
            line.append((BAD, " · PROTECTED") if target.protected else ("", " · not protected"))
    else:
        line = [("", " no context: use CONTEXT, or ctx to pick one")]
    shown = unlock_text(unlock, target.context)
    if shown:
        line.append((BAD, shown))
        if unlock.context == target.context:
            hint = hint.replace("will ask to confirm", "runs unlocked, audited")
    elif getattr(target, "readonly_by", ""):
        hint = hint.replace("will ask to confirm", "refused: read-only")
    if hint:
        line.append((BAD if "confirm" in hint else "", f" · {hint}"))
    return line


def _state_line(refresher, cluster, last_exit: int) -> list[tuple[str, str]]:
    """Refreshing, reachable or not, the last exit status, then the kubectl; joined by " ·"."""
    parts: list[tuple[str, str]] = []
    if refresher is not None and refresher.cluster.busy:
        parts.append((BUSY, " refreshing…"))
    reach = _reachability(refresher, cluster)
    if reach is not None:
        parts.append(reach)
    if last_exit:
        parts.append((BAD, f" exit {last_exit}"))
    parts.append(_kubectl(refresher))
    return parts[:1] + [(style, " ·" + text) for style, text in parts[1:]]


def _reachability(refresher, cluster) -> tuple[str, str] | None:
    if cluster.reachable is True:
        return ("", f" reachable ({_ago(cluster.checked_at)})")
    if cluster.reachable is False:
        return (BAD, f" UNREACHABLE ({_ago(cluster.checked_at)}): {_short(cluster.error)}")
    if refresher is not None and refresher.error:
        return (BAD, f" refresh failed: {_short(refresher.error)}")
    return None


def _kubectl(refresher) -> tuple[str, str]:
    """The kubectl the typed line would run, and why that one."""
    choice = refresher.choice if refresher is not None else None
    if choice is None or not choice.path and not choice.why:
        return ("", " kubectl …")
    if not choice.path:
        return (BAD, f" kubectl: {choice.why}")
    return ("", f" kubectl {choice.version or choice.path} ({choice.why})")


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
