"""Split a REPL line into words like a POSIX shell does, tolerant of a line that is still being typed.

One tokenizer for both the completer (the line up to the cursor, maybe with an open quote) and the
executor (the whole line), so what is completed is what will run. Standard library only.
"""

from __future__ import annotations

SHELL_CHARS = "|>"  # the first unquoted one hands the rest of the line to /bin/sh (`get pods | grep web`)


class Words:
    """``done``: finished words; ``current``: the word under the cursor (unquoted), ``start`` its offset
    in the line; ``shell``: the text from the first unquoted ``|``/``>`` on (None when there is none);
    ``open_quote``: the quote left open at the end ("" when none)."""

    __slots__ = ("done", "current", "start", "shell", "open_quote", "quoted_empty")

    def __init__(self) -> None:
        self.done: list[str] = []
        self.current = ""
        self.start = 0
        self.shell: str | None = None
        self.open_quote = ""
        self.quoted_empty = False  # the last word is an explicit empty string ('')

    @property
    def all(self) -> list[str]:
        """Every word, the unfinished one included (for execution)."""
        return [*self.done, self.current] if self.current or self.quoted_empty else list(self.done)


def split(line: str) -> Words:
    w = Words()
    buf: list[str] = []
    in_word = False
    quote = ""
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                buf.append(ch)
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif ch == "\\" and i + 1 < n and line[i + 1] in '"\\$`':
                i += 1
                buf.append(line[i])
            else:
                buf.append(ch)
        elif ch in " \t\n":
            if in_word:
                w.done.append("".join(buf))
                buf, in_word = [], False
        elif ch in SHELL_CHARS:
            if in_word:
                w.done.append("".join(buf))
                buf, in_word = [], False
            w.shell = line[i:]
            w.start = n
            return w
        else:
            if not in_word:
                in_word, w.start = True, i
            if ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 1
                buf.append(line[i])
            elif ch != "\\":
                buf.append(ch)
        i += 1
    w.open_quote = quote
    if in_word:
        w.current = "".join(buf)
        w.quoted_empty = not w.current
    else:
        w.start = n
    return w


def at_cursor(text_before_cursor: str) -> Words:
    """The words of the line up to the cursor: ``current`` is what completion replaces."""
    return split(text_before_cursor)
