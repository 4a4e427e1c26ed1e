"""History per context (one file each under Paths.history_dir) and history suggestions that never offer
a write on a protected context (a stray right-arrow must not retype `delete …` against prod)."""

from __future__ import annotations

import os

from kctx.util.fsutil import ensure_private_dir

SECRET_FLAGS = ("--token", "--password", "--client-key")  # lines with these are not written to disk


def file_name(context: str) -> str:
    """A file name for any context name (EKS ARNs have / and :) that cannot collide with another."""
    if not context:
        return "_no-context"
    out = []
    for ch in context:
        out.append(ch if ch.isalnum() or ch in "._-" else f"%{ord(ch):02X}")
    name = "".join(out)
    return "_" + name if name.startswith(".") else name


def history_path(history_dir: str, context: str) -> str:
    return os.path.join(history_dir, file_name(context))


def make_history(path: str):
    from prompt_toolkit.history import FileHistory

    class ContextHistory(FileHistory):
        def store_string(self, string: str) -> None:
            if any(flag in string for flag in SECRET_FLAGS):
                return  # kept in memory for this shell, never on disk
            super().store_string(string)

    try:
        ensure_private_dir(os.path.dirname(path))
    except OSError:
        from prompt_toolkit.history import InMemoryHistory

        return InMemoryHistory()
    return ContextHistory(path)


def make_auto_suggest(is_protected):
    """Suggest from history like fish, except lines the guard would ask about when ``is_protected()``."""
    from prompt_toolkit.auto_suggest import AutoSuggest, Suggestion

    from kctx.repl.classes import is_safe_line

    class SafeHistorySuggest(AutoSuggest):
        def get_suggestion(self, buffer, document):
            text = document.text
            if not text.strip() or "\n" in text:
                return None
            protected = is_protected()
            for line in reversed(buffer.history.get_strings()):
                if line.startswith(text) and line != text:
                    if protected and not is_safe_line(line):
                        continue
                    return Suggestion(line[len(text):])
            return None

    return SafeHistorySuggest()
