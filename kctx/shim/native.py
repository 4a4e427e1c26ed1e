"""Compile the native kubectl launcher (kctx/shim/launcher.c) for a shim folder, when a C compiler is there.

The launcher replays the memo records the Python shim's full path writes (kctx/shim/recorder.py, in the format
of kctx/shim/memo.py) without starting Python: a kubectl call whose last decision still holds then costs
about a millisecond instead of the interpreter's start. On a miss it runs the Python shim, so without a
compiler, or with $KCTX_SHIM_NATIVE=0, nothing changes but the speed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kctx.util.fsutil import atomic_write

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

SOURCE = Path(__file__).resolve().parent / "launcher.c"
# Appended after the ELF image (which ignores it): how kctx recognises its launcher and its build inputs.
MARK = b"\n# kctx-shim native "
ENV = "KCTX_SHIM_NATIVE"


def wanted(environ: Mapping[str, str] | None = None) -> bool:
    return (os.environ if environ is None else environ).get(ENV, "1") != "0"


def compiler() -> str:
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang") or ""


def digest(python: str, script: str) -> str:
    """What a launcher is built from: its source, the interpreter and the Python shim it falls back to."""
    h = hashlib.sha256(SOURCE.read_bytes())
    h.update(f"\0{python}\0{script}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:16]


def built_from(path: str | Path) -> str:
    """The digest a launcher at ``path`` was built with; "" if it is not one."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"\x7fELF":
                return ""
            fh.seek(-64, os.SEEK_END)
            tail = fh.read()
    except OSError:
        return ""
    head, sep, rest = tail.rpartition(MARK)
    return rest.strip().decode("ascii", "replace") if sep else ""


def _c_string(text: str) -> str:
    raw = text.encode("utf-8", "surrogateescape")
    plain = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+")
    return '"' + "".join(chr(b) if b in plain else f"\\{b:03o}" for b in raw) + '"'


def build(target: str | Path, python: str, script: str) -> str:
    """Compile the launcher into ``target``; returns why not ("" when built)."""
    cc = compiler()
    if not cc:
        return "no C compiler (cc, gcc or clang) on PATH"
    with tempfile.TemporaryDirectory(prefix="kctx-launcher-") as tmp:
        header = Path(tmp) / "config.h"
        header.write_text(f"#define KCTX_PYTHON {_c_string(python)}\n#define KCTX_SCRIPT {_c_string(script)}\n")
        out = Path(tmp) / "kubectl"
        try:
            p = subprocess.run([cc, "-O2", "-s", "-o", str(out), "-include", str(header), str(SOURCE)],
                               capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{cc} failed: {exc}"
        if p.returncode != 0 or not out.is_file():
            lines = (p.stderr or p.stdout).strip().splitlines()
            return f"{cc} failed: {lines[-1] if lines else f'exit status {p.returncode}'}"
        atomic_write(target, out.read_bytes() + MARK + digest(python, script).encode() + b"\n", mode=0o755)
    return ""
