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
    try:
        fd = os.open(tty_path, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        _drop_typed_ahead(fd)
        os.write(fd, (text + prompt).encode())
        answer = _read_line(fd)
    except KeyboardInterrupt:
        answer = None
    finally:
        os.close(fd)
    return answer is not None and answer.strip().lower() in ("y", "yes")


def _drop_typed_ahead(fd: int) -> None:
    """What was typed before the question appeared was not an answer to it."""
    import termios

    try:
        termios.tcflush(fd, termios.TCIFLUSH)
    except (termios.error, OSError):
        pass


def _read_line(fd: int) -> str | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1024)
        if not chunk:
            os.write(fd, b"\n")
            return None
        data += chunk
    return data.decode(errors="replace")
