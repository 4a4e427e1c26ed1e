"""Asking for confirmation on the terminal, never on stdin (it may be a manifest piped to `apply -f -`)."""

from __future__ import annotations

import posix

from kctx.config import Config
from kctx.guard.audit import redact
from kctx.guard.target import Target
from kctx.kubectl.classify import Classification

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.guard.preview import Preview


def summary(target: Target, argv: list[str], c: Classification, why: str) -> str:
    import shlex

    rows = [("context", target.context or "(none)"), ("cluster", target.cluster or "(none)"),
            ("server", target.server or "(none)"), ("namespace", target.namespace),
            ("command", "kubectl " + shlex.join(redact(argv))), ("why", why)]
    lines = [f"kctx: {c.command or 'this command'} ({c.cls}) on a protected target"]
    lines += [f"  {k:<9}  {v}" for k, v in rows]
    return "\n".join(lines) + "\n"


def ask(target: Target, argv: list[str], c: Classification, why: str, config: Config,
        tty_path: str = "/dev/tty", shown: Preview | None = None, color: bool = True) -> bool:
    """Show what will happen (``shown``: the preview) and read the answer from the terminal. True only for the
    exact answer: the context name, y/N with `confirm: yes`, or the phrase a high blast radius asks for."""
    text = summary(target, argv, c, why)
    if shown is None:
        return question(text, target.context or "yes", config.confirm == "yes", tty_path)
    preview = shown.text(color)
    if shown.blast:  # shown first, and a phrase to type: not the answer people type without reading
        first, _, rest = preview.partition("\n")
        return question(f"{first}\n{text}preview:\n{rest}", shown.phrase, False, tty_path, what="the phrase")
    return question(f"{text}preview:\n{preview}", target.context or "yes", config.confirm == "yes", tty_path)


def question(text: str, want: str, yes_no: bool, tty_path: str = "/dev/tty", what: str = "the context name") -> bool:
    """Show ``text`` on the terminal and ask for ``want`` (``what`` it is), or y/N with ``yes_no``. True only for
    the exact answer; False without a terminal, on end of input or Ctrl-C."""
    prompt = "Continue? [y/N] " if yes_no else f"Type {what} ({want}) to continue, anything else cancels: "
    try:
        answer = ask_line(tty_path, text + prompt)
    except OSError:
        return False
    if answer is None:
        return False
    answer = answer.strip()
    if yes_no:
        return answer.lower() in ("y", "yes")
    return answer == want


def ask_line(tty_path: str, text: str) -> str | None:
    """Show ``text`` on the terminal (typed-ahead input dropped first) and read one line from it: None on end of
    input or Ctrl-C. Raises OSError when there is no terminal to open."""
    fd = posix.open(tty_path, posix.O_RDWR | posix.O_NOCTTY)
    try:
        discard_typed_ahead(fd)
        posix.write(fd, text.encode(errors="replace"))
        return read_line(fd)
    except KeyboardInterrupt:
        return None
    finally:
        posix.close(fd)


def discard_typed_ahead(fd: int) -> None:
    """Drop what was typed before the question was shown: an answer typed ahead (say `prod` and Enter, meant
    for something else) must not confirm a command nobody has read yet."""
    import termios

    try:
        termios.tcflush(fd, termios.TCIFLUSH)
    except (termios.error, OSError):
        pass


def read_line(fd: int) -> str | None:
    """One line from the terminal (canonical mode hands it over whole); None on end of input."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = posix.read(fd, 1024)
        if not chunk:
            posix.write(fd, b"\n")
            return None
        data += chunk
    return data.decode(errors="replace")


