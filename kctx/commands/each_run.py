"""Running `kctx each`'s calls: a bounded pool of kubectl processes, each stopped after its timeout, and their
output, prefixed by context as each call ends or kept for the JSON records."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from kctx.env import Environment

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.guard.fleet import Call


class Outcome:
    """``status``: ok, failed (kubectl exited non-zero), timeout or error (could not run)."""

    __slots__ = ("context", "status", "exit", "duration", "stdout", "stderr")

    def __init__(self, context: str, status: str, exit: int | None, duration: float, stdout: str,
                 stderr: str) -> None:
        self.context, self.status, self.exit, self.duration = context, status, exit, duration
        self.stdout, self.stderr = stdout, stderr

    def record(self) -> dict[str, object]:
        return {"context": self.context, "status": self.status, "exit": self.exit,
                "duration": round(self.duration, 3), "stdout": self.stdout, "stderr": self.stderr}


class Prefixer:
    """Writes each finished call's output, every line prefixed by its context (stderr to stderr)."""

    def __init__(self, env: Environment, contexts: list[str]) -> None:
        self.env, self.width = env, max(len(c) for c in contexts)
        self.lock = threading.Lock()

    def write(self, o: Outcome) -> None:
        prefix = o.context.ljust(self.width) + " | "
        with self.lock:
            for stream, text in ((self.env.stdout, o.stdout), (self.env.stderr, o.stderr)):
                stream.write("".join(prefix + line + "\n" for line in text.splitlines()))
                stream.flush()
            if o.status == "timeout":
                self.env.stderr.write(f"{prefix}kctx: stopped after {o.duration:.0f} s\n")


def run_all(calls: list[Call], jobs: int, timeout: float, printer: Prefixer | None) -> list[Outcome]:
    """Every call, at most ``jobs`` at once; outcomes in the calls' order."""
    def one(call: Call) -> Outcome:
        o = run_one(call, timeout)
        if printer is not None:
            printer.write(o)
        return o

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(calls)))) as pool:
        return list(pool.map(one, calls))


def run_one(call: Call, timeout: float) -> Outcome:
    if call.failure:
        return Outcome(call.context, "error", None, 0.0, "", f"kctx: {call.failure}\n")
    began = time.monotonic()
    try:
        # A session of its own: a timeout stops kubectl and whatever it started (an exec credential plugin).
        proc = subprocess.Popen([call.binary, *call.judgement.argv], env=call.environ, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return Outcome(call.context, "error", None, 0.0, "", f"kctx: cannot run {call.binary}: {exc.strerror}\n")
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        out, err = proc.communicate()
        return Outcome(call.context, "timeout", None, time.monotonic() - began, _text(out), _text(err))
    status = "ok" if proc.returncode == 0 else "failed"
    return Outcome(call.context, status, proc.returncode, time.monotonic() - began, _text(out), _text(err))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


def _text(data: bytes) -> str:
    return data.decode(errors="replace")


def write_json(env: Environment, outcomes: list[Outcome]) -> None:
    """JSON Lines: one record per context, in the contexts' order."""
    import json

    env.stdout.write("".join(json.dumps(o.record()) + "\n" for o in outcomes))
