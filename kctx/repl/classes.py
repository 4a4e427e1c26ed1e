"""The guard's view of a typed line, for display only (the toolbar hint, history suggestions).

kctx.kubectl.argv and kctx.kubectl.classify are imported lazily: until they exist every command counts as "unknown",
which the guard treats like a write on a protected target.
"""

from __future__ import annotations

SAFE = ("read", "local")


def classify_words(words: list[str]) -> tuple[str, str, bool]:
    """(class, command, needs confirmation on a protected target) of a kubectl argv."""
    try:
        from kctx.kubectl.argv import parse
        from kctx.kubectl.classify import classify, needs_confirmation
    except ImportError:
        return "unknown", " ".join(words[:1]), True
    try:
        c = classify(parse(list(words)))
        return str(c.cls), c.command or " ".join(words[:1]), bool(needs_confirmation(c.cls))
    except Exception:  # noqa: BLE001 - a display helper must not break typing
        return "unknown", " ".join(words[:1]), True


def kubectl_words(line: str) -> list[str] | None:
    """The kubectl argv of a REPL line, or None for built-ins, `!cmd` and unfinished quoting."""
    from kctx.repl.completer import builtin_name
    from kctx.repl.words import split

    text = line.strip()
    if not text or text.startswith("!"):
        return None
    w = split(text)
    if w.open_quote:
        return None
    words = w.all
    if words and words[0] == "kubectl":
        words = words[1:]
    if not words or builtin_name(words[0]):
        return None
    return words


def is_safe_line(line: str) -> bool:
    """Whether the line only reads (so history may suggest it on a protected context)."""
    text = line.strip()
    if text.startswith("!"):
        return False
    words = kubectl_words(text)
    if words is None:
        return True  # built-ins change only this shell
    from kctx.repl.words import split

    if split(text).shell is not None and ">" in split(text).shell:
        return False  # writes a local file
    return not classify_words(words)[2]
