"""kctx on a real terminal: a tmux pane (a pseudo-terminal with a screen we can read)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Term:
    """`kctx ARGS…` in a tmux pane: a real terminal (it answers cursor-position requests, keeps a screen), so
    assertions read what a user would see, not prompt_toolkit's incremental redraw stream.

    ``expect(pattern)`` waits for an occurrence of ``pattern`` that was not on the screen when the last
    keys were sent (a second prompt after Enter, not the first one again)."""

    count = 0

    def __init__(self, env: dict, tmp: Path, *args: str, columns: int = 160) -> None:
        """``env`` is the whole environment (nothing else is inherited); ``tmp`` holds tmux's files."""
        Term.count += 1
        self.sock = f"kctx-test-{os.getpid()}-{Term.count}"
        conf = tmp / f"tmux-{Term.count}.conf"
        conf.write_text("set -g remain-on-exit on\nset -g history-limit 5000\nset -g status off\n")
        self.status = tmp / f"status-{Term.count}"
        cmd = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), sys.executable, "-m", "kctx", *args])
        # The exit status goes through a file: tmux does not always reap a dead pane's process promptly.
        cmd += f"; echo $? > {shlex.quote(str(self.status))}"
        self.tmux("-f", str(conf), "new-session", "-d", "-s", "t", "-x", str(columns), "-y", "40", "-c", str(ROOT),
                  cmd)
        self.seen = ""

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t")

    def expect(self, pattern: str, timeout: float = 15.0) -> str:
        rx = re.compile(pattern)
        already = len(rx.findall(self.seen))
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if len(rx.findall(text)) > already:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not seen in {timeout}s; screen:\n{text[-3000:]}")
            time.sleep(0.05)

    def _mark(self) -> None:
        self.seen = self.screen()

    def send(self, text: str) -> None:
        self._mark()
        self.tmux("send-keys", "-t", "t", "-l", text)

    def key(self, *keys: str) -> None:
        self._mark()
        self.tmux("send-keys", "-t", "t", *keys)

    def line(self, text: str) -> None:
        self.send(text)
        self.tmux("send-keys", "-t", "t", "Enter")

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text())
            time.sleep(0.05)
        raise AssertionError(f"the shell did not exit; screen:\n{self.screen()[-2000:]}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True, timeout=10)
