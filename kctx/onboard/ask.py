"""Yes/no questions on the terminal (/dev/tty), never on stdin: a team file may arrive on a pipe, and a
script's stdin must not answer a question nobody has read."""

from __future__ import annotations

import os


def terminal(tty_path: str) -> bool:
    """Whether there is a terminal to ask on."""
    try:
        fd = os.open(tty_path, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def yes_no(tty_path: str, text: str, prompt: str) -> bool | None:
    """Show ``text`` and ``prompt`` on the terminal and read one line: True for y/yes, False for anything
    else (end of input and Ctrl-C too), None when there is no terminal."""
    from kctx.guard.confirm import ask_line

    try:
        answer = ask_line(tty_path, text + prompt)
    except OSError:
        return None
    return answer is not None and answer.strip().lower() in ("y", "yes")
