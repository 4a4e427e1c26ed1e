"""Read a session's sidecar ``.env`` file (what the shell integration exports). Cheap: no json, no yaml."""

from __future__ import annotations


def env_path(session_path: str) -> str:
    return session_path[:-5] + ".env" if session_path.endswith(".json") else session_path + ".env"


def read(session_path: str) -> dict[str, str]:
    """KEY=VALUE lines of the session's .env; empty when the file is missing or unreadable."""
    out: dict[str, str] = {}
    try:
        with open(env_path(session_path), encoding="utf-8") as fh:
            for line in fh:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    out[key] = value
    except (OSError, UnicodeDecodeError):
        pass
    return out
