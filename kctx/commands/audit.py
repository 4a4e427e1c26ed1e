"""`kctx audit [--context GLOB] [--since 2h] [--json] [--tail]`: the audit log (kctx/guard/audit.py) as a table or
as its JSON lines, oldest first, across the rotated files; --tail prints the last records and follows new ones."""

from __future__ import annotations

import json
import os
import time

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import BinaryIO

TAIL_LINES = 10


HELP = Help(
    ["audit [--context GLOB] [--since DURATION] [--json] [--tail]"],
    "List the audit log: confirmations, refusals, unlocks, locks and the calls run under them, oldest first.",
    [("kctx audit --context 'prod*' --since 2h", "what happened on prod in the last two hours"),
     ("kctx audit --tail", "follow new records as they come")])


def parser() -> Parser:
    p = Parser("audit", doc=HELP)
    p.add_argument("--context", metavar="GLOB", help="only records for contexts matching GLOB")
    p.add_argument("--since", metavar="DURATION", help="only records of the last DURATION (90s, 15m, 2h, 7d)")
    p.add_argument("--json", action="store_true", help="the records as JSON lines")
    p.add_argument("--tail", action="store_true", help=f"the last {TAIL_LINES} records, then follow new ones")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    since = _since(args.since) if args.since else None
    log = env.paths.audit_log

    def keep(record: dict[str, object]) -> bool:
        return _matches(record, args.context, since)

    try:  # followed from where this read ends: a record appended meanwhile is shown once
        fh: BinaryIO | None = open(log, "rb")  # noqa: SIM115 - kept open while following
    except OSError:
        fh = None
    try:
        records = [r for r in _records(log, fh) if keep(r)]
        if args.tail:
            records = records[-TAIL_LINES:]
        for record in records:
            _show(record, env, args.json)
        if args.tail:
            _follow(log, fh, env, args.json, keep)
    finally:
        if fh is not None:
            fh.close()
    return int(ExitStatus.OK)


def _since(text: str) -> float:
    from kctx.config import duration

    seconds = duration(text)
    if seconds is None:
        raise UsageError(f"kctx audit: --since {text!r} is not a duration (e.g. 90s, 15m, 2h, 7d)")
    return time.time() - seconds


def _records(log: str, current: BinaryIO | None) -> Iterator[dict[str, object]]:
    """Every readable record, oldest first: the rotated files (.3 … .1), then the log (``current``, open)."""
    from kctx.guard.audit import KEEP

    for path in [f"{log}.{n}" for n in range(KEEP, 0, -1)]:
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError:
            continue
        yield from _lines(raw)
    if current is not None:
        yield from _lines(current.read())


def _lines(raw: bytes) -> Iterator[dict[str, object]]:
    for line in raw.splitlines():
        record = _parse(line)
        if record is not None:
            yield record


def _parse(raw: bytes) -> dict[str, object] | None:
    """One line as a record; None for a torn or foreign line (a crash mid-write leaves one)."""
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _matches(record: dict[str, object], glob: str | None, since: float | None) -> bool:
    from kctx.util.globmatch import match

    if glob is not None and not match(str(record.get("context", "")), glob):
        return False
    if since is None:
        return True
    from datetime import datetime

    try:  # written with its UTC offset
        return datetime.strptime(str(record.get("time", "")), "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since
    except ValueError:
        return False


def _show(record: dict[str, object], env: Environment, as_json: bool) -> None:
    if as_json:
        env.stdout.write(json.dumps(record) + "\n")
        env.stdout.flush()
        return
    import shlex

    argv = record.get("argv")
    what = ("kubectl " + shlex.join(str(a) for a in argv)) if isinstance(argv, list) else str(record.get("event", ""))
    who = record.get("user", "")
    decision = str(record.get("decision", ""))
    context = _printable(str(record.get("context", "")))
    line = f"{record.get('time', '')}  {who}  {context}  {decision:<14}  {_printable(what)}"
    reason = record.get("reason")
    if reason:
        line += f"  ({_printable(str(reason))})"
    for key, label in (("status", "exit"), ("preview", "preview")):
        if key in record:
            line += f"  {label} {_printable(str(record[key]))}"
    env.stdout.write(line + "\n")
    env.stdout.flush()


def _printable(text: str) -> str:
    """Records hold names from kubeconfig files and typed words: no control character reaches the terminal."""
    return "".join("?" if ord(c) < 32 or ord(c) == 127 else c for c in text)


def _follow(log: str, fh: BinaryIO | None, env: Environment, as_json: bool,
            keep: Callable[[dict[str, object]], bool]) -> None:
    """Print records as they are appended to ``fh`` (the log, read up to here), then to the new log after a
    rotation, until interrupted."""
    import contextlib

    ino = os.fstat(fh.fileno()).st_ino if fh is not None else -1
    buf = b""
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            if fh is not None:
                buf = _print_new(buf + fh.read(), env, as_json, keep)
            try:
                current = os.stat(log).st_ino
            except OSError:
                current = ino
            if current != ino:  # rotated (or created): the rest of the old file was read above
                if fh is not None:
                    fh.close()
                fh, ino, buf = open(log, "rb"), current, b""  # noqa: SIM115 - kept open while following
                continue
            time.sleep(0.3)


def _print_new(buf: bytes, env: Environment, as_json: bool, keep: Callable[[dict[str, object]], bool]) -> bytes:
    """Show the whole lines of ``buf``; the unfinished rest is returned."""
    *lines, rest = buf.split(b"\n")
    for raw in lines:
        record = _parse(raw)
        if record is not None and keep(record):
            _show(record, env, as_json)
    return rest
