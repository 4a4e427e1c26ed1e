"""Download progress on stderr: a start line and an end line, and on a terminal, once a download has taken
longer than a second, a redrawn bar in between (a quick one does not flicker)."""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, TextIO

_WIDTH = 30
_EVERY = 0.1  # seconds between redraws: enough to look alive, cheap for the download loop
DELAY = 1.0  # seconds before the bar appears


class Progress:
    def __init__(self, stream: TextIO, label: str, total: int) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.done = 0
        self.tty = _isatty(stream)
        self._started = time.monotonic()
        self._drawn = 0.0
        self._write(f"kctx: downloading {label}" + (f" ({_mb(total)})" if total else "") + "\n")

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty and now - self._started >= DELAY and now - self._drawn >= _EVERY:
            self._drawn = now
            self._draw()

    def finish(self, message: str) -> None:
        if self._drawn:
            self._draw()
            self._write("\r\033[K")
        self._write(f"kctx: {message}\n")

    def abort(self) -> None:
        if self._drawn:
            self._write("\r\033[K")

    def _draw(self) -> None:
        rate = self.done / max(time.monotonic() - self._started, 1e-3)
        speed = f"  {_mb(int(rate))}/s"
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * _WIDTH)
            self._write(f"\r  [{bar.ljust(_WIDTH)}] {frac * 100:3.0f}%  {_mb(self.done)} / {_mb(self.total)}{speed}")
        else:
            self._write(f"\r  {_mb(self.done)}{speed}")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed stderr must not break an install


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
