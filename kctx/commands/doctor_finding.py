"""One line of `kctx doctor`'s report, and how long lists are cut."""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = 10  # per check, list at most this many items; the rest are counted


@dataclass
class Finding:
    level: str  # "ok", "warn" or "fail"
    check: str
    text: str
    fix: str = ""


def more(items: list[str]) -> list[str]:
    return items[:SHOWN] + ([f"… and {len(items) - SHOWN} more"] if len(items) > SHOWN else [])
