"""Files onboarding writes into ~/.kube/configs/, and how it tells its own from the user's.

Each write is recorded (path → sha256 of the bytes) in ``<state>/onboard/<team>.json``. A file whose
bytes still match the record is ours and may be replaced; anything else (made or edited by the user) is
copied to ``<file>.<timestamp>.bak`` first, with a message. Writes are atomic, 0600 (kubeconfigs hold
credentials) and under kubectl's lock protocol.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from kctx.errors import KctxError
from kctx.paths import Paths
from kctx.util.fsutil import atomic_write, ensure_private_dir, kubeconfig_lock

MODE = 0o600


def state_file(paths: Paths, team: str) -> str:
    return os.path.join(paths.state_dir, "onboard", f"{team}.json")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Owned:
    """The team's state file: the files onboarding wrote (path -> sha256) and, under ``origin``, where the
    team file came from when it was last applied (kctx/onboard/origin.py).

    Read from disk at each question and change: onboardings of one team run one after the other under the
    team's lock, but each made its Owned before taking it, and must keep what the one before recorded."""

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def doc(self) -> dict[str, object]:
        return load_state(self.path)

    def owns(self, file: str, data: bytes) -> bool:
        return _files(self.doc).get(file) == digest(data)

    def record(self, file: str, data: bytes) -> None:
        doc = self.doc
        doc["files"] = {**_files(doc), file: digest(data)}
        self._save(doc)

    def applied(self, origin: dict[str, object]) -> None:
        """Remember where the team file came from, its digest and when it was applied."""
        doc = self.doc
        doc["origin"] = origin
        self._save(doc)

    def _save(self, doc: dict[str, object]) -> None:
        ensure_private_dir(os.path.dirname(self.path))
        atomic_write(self.path, json.dumps(doc, indent=1, sort_keys=True) + "\n", mode=MODE)


def _files(doc: dict[str, object]) -> dict[str, str]:
    files = doc.get("files", {})
    return files if isinstance(files, dict) else {}


def load_state(path: str) -> dict[str, object]:
    """A team's state file as a dict ({} when it is missing or unreadable)."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KctxError(f"{path}: cannot read: {exc.strerror or exc}") from None


def status(dest: str, data: bytes, owned: Owned) -> str:
    """What writing ``data`` to ``dest`` would do: "" (nothing), "mode", "create", "update" or "replace"."""
    old = read_bytes(dest)
    if old is None:
        return "create"
    if old != data:
        return "update" if owned.owns(dest, old) else "replace"
    return "mode" if os.stat(dest).st_mode & 0o777 != MODE else ""


def put(dest: str, data: bytes, owned: Owned, display: str) -> str:
    """Write ``data`` to ``dest`` (backing up a file that is not ours); returns what was done, or ""."""
    ensure_private_dir(os.path.dirname(dest))
    with kubeconfig_lock(dest):
        what = status(dest, data, owned)
        if what == "mode":
            os.chmod(dest, MODE)
            return f"made {display} private (0600)"
        if not what:
            return ""
        note = ""
        if what == "replace":
            backup = _backup_name(dest)
            atomic_write(backup, read_bytes(dest) or b"", mode=MODE)
            note = f"; your version differed and is saved as {backup}"
        atomic_write(dest, data, mode=MODE)
        owned.record(dest, data)
    verb = {"create": "wrote", "update": "updated", "replace": "replaced"}[what]
    return f"{verb} {display} (0600){note}"


def _backup_name(dest: str) -> str:
    """``<dest>.<timestamp>.bak``, never an existing one (kctx's globs skip ``.bak`` files)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name, n = f"{dest}.{stamp}.bak", 1
    while os.path.lexists(name):
        name, n = f"{dest}.{stamp}-{n}.bak", n + 1
    return name
