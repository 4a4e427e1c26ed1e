"""Ask kubectl for what completion needs, and read its answers. The parsers are pure (tested alone).

Two kinds of questions:
- about the binary (sub-commands, flags, flag values): ``kubectl __complete …`` and ``--help``, run with
  an empty kubeconfig so that no completion function can reach a cluster;
- about the cluster (resource types, namespaces, names): read-only ``kubectl`` calls with a short
  ``--request-timeout`` and a hard process timeout.

Background processes get their own session (no controlling terminal): Ctrl-C and Ctrl-Z typed for the
foreground command must not reach them, and nothing they run can prompt on the terminal.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading

from kctx.repl.cache import CommandInfo, ResourceType

REQUEST_TIMEOUT = "5s"
PROCESS_TIMEOUT = 8.0  # kubectl retries discovery on a hung server well past --request-timeout
LOCAL_TIMEOUT = 10.0
_FLAG_LINE = re.compile(r"^\s+(?:(-\w), )?(--[\w.-]+)=(.*):\s*$")
_COMMAND_LINE = re.compile(r"^  ([a-z][\w-]*)\s{2,}\S")


class ProbeError(Exception):
    """A kubectl call failed; the message is one line fit for the toolbar."""


class Runner:
    """Runs one kubectl at a time for a lane and can kill it (a context switch makes its answer useless)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    def run(self, argv: list[str], env: dict, timeout: float) -> str:
        try:
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
        except OSError as exc:
            raise ProbeError(f"cannot run {argv[0]}: {exc.strerror}") from None
        with self._lock:
            self._proc = proc
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise ProbeError(f"no answer within {timeout:.0f}s") from None
        except KeyboardInterrupt:  # a foreground check the user gave up on
            proc.kill()
            proc.communicate()
            raise ProbeError("cancelled") from None
        finally:
            with self._lock:
                self._proc = None
        if proc.returncode < 0:
            raise ProbeError("cancelled")
        if proc.returncode != 0:
            raise ProbeError(last_line(err) or f"kubectl exited with {proc.returncode}")
        return out

    def cancel(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].removeprefix("error: ") if lines else ""


def local_env(environ: dict, empty_kubeconfig: str) -> dict:
    """An environment in which kubectl has no cluster to talk to (completion functions fail fast)."""
    env = {k: v for k, v in environ.items() if not k.startswith(("KUBERNETES_SERVICE_", "KCTX_"))}
    env["KUBECONFIG"] = empty_kubeconfig
    return env


def empty_kubeconfig(folder: str) -> str:
    path = os.path.join(folder, "empty-kubeconfig")
    if not os.path.exists(path):
        os.makedirs(folder, mode=0o700, exist_ok=True)
        with open(path, "w", encoding="utf-8"):
            pass
    return path


# ---------------------------------------------------------------- parsers

def parse_complete(out: str) -> tuple[list[tuple[str, str]], int]:
    """cobra's ``__complete`` answer: ``value<TAB>description`` lines, then ``:<directive>``."""
    items: list[tuple[str, str]] = []
    directive = 0
    for line in out.splitlines():
        if line.startswith(":") and line[1:].isdigit():
            directive = int(line[1:])
            continue
        if not line or line.startswith("Completion ended with directive"):
            continue
        value, _, desc = line.partition("\t")
        items.append((value, desc.strip()))
    return items, directive


def parse_help(text: str) -> tuple[list[str], dict[str, bool]]:
    """(sub-command names, {flag: takes a value}) from ``kubectl … --help`` or ``kubectl options``.

    Flag lines look like ``    -o, --output='':``; a default of ``true``/``false`` marks a boolean."""
    subcommands: list[str] = []
    flags: dict[str, bool] = {}
    section = ""
    for line in text.splitlines():
        if line and not line[0].isspace():
            section = line.rstrip(":") if line.endswith(":") else ""
            continue
        if section.endswith("Commands") or "Commands (" in section:
            m = _COMMAND_LINE.match(line)
            if m:
                subcommands.append(m.group(1))
            continue
        m = _FLAG_LINE.match(line)
        if m:
            short, long_, default = m.groups()
            takes = default not in ("true", "false")  # a quoted 'false' would be a string flag
            flags[long_] = takes
            if short:
                flags[short] = takes
    return subcommands, flags


def command_info(help_text: str, flags_out: str, subcommands_out: str | None,
                 global_flags: frozenset[str]) -> CommandInfo:
    """Combine ``--help`` (arity), ``__complete P -`` (flags) and ``__complete P ""`` (sub-commands)."""
    _, arity = parse_help(help_text)
    flags, _ = parse_complete(flags_out)
    subs = dict(parse_complete(subcommands_out)[0]) if subcommands_out is not None else {}
    local = frozenset(f for f in arity if f not in global_flags)
    return CommandInfo(subs, dict(flags), frozenset(f for f, takes in arity.items() if takes), local)


def parse_api_resources(text: str) -> list[ResourceType]:
    """The table of ``kubectl api-resources`` (NAME SHORTNAMES APIVERSION NAMESPACED KIND), by column."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].startswith("NAME"):
        return []
    header = lines[0]
    cols = [header.find(c) for c in ("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND")]
    if min(cols) < 0:
        return []
    rows = []
    for ln in lines[1:]:
        cells = [ln[cols[i]:cols[i + 1] if i + 1 < len(cols) else None].strip() for i in range(len(cols))]
        name, short, apiversion, namespaced, kind = cells
        if not name:
            continue
        group = apiversion.rpartition("/")[0]
        rows.append((name, tuple(s for s in short.split(",") if s), group, namespaced == "true", kind))
    out, seen = [], set()
    for name, short, group, namespaced, kind in rows:
        # kubectl resolves a bare plural to the first group it knows; the others need plural.group.
        shown = name if name not in seen else f"{name}.{group}"
        seen.add(name)
        out.append(ResourceType(shown, name, group, short, kind, namespaced))
    return out


def parse_names(out: str) -> list[str]:
    """``kubectl get TYPE -o name`` prints ``type/name`` (``kind.group/name``) lines."""
    return sorted({ln.strip().rpartition("/")[2] for ln in out.splitlines() if ln.strip()})
