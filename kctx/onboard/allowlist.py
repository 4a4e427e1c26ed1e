"""A kuberc credential plugin allowlist of exactly the team's plugins (kubectl 1.35+).

kubectl reads ``credentialPluginPolicy`` and ``credentialPluginAllowlist`` from the first kuberc Preference
document (v1beta1 only; v1alpha1 has no such fields). 1.35's allowlist entries take only ``name``; 1.36 and
later also ``command`` (1.35 refuses every call on a ``command`` entry), so the key follows the oldest
kubectl in use. Entries are absolute paths: kubectl refuses a relative path in an entry, and a path names
exactly one program. Facts per release: tests/kuberc_facts.json, docs/guard.md.

The edit is minimal (kctx/onboard/configedit.py splices text into the one document; the rest of the file,
comments included, is kept byte for byte), checked by reading the result back, tried with every kubectl in
use (``kubectl --kuberc CANDIDATE version --client`` must pass without a kuberc warning) and written
atomically under kubectl's lock protocol (``<file>.lock``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kctx.errors import KctxError
from kctx.kubeconfig.edit import yaml_scalar
from kctx.kubectl.kuberc import ALPHA, BETA
from kctx.onboard import configedit
from kctx.util.fsutil import atomic_write, ensure_private_dir, kubeconfig_lock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

POLICY, LIST = "credentialPluginPolicy", "credentialPluginAllowlist"
SINCE = (1, 35)  # kubectl that knows the policy
COMMAND_KEY_SINCE = (1, 36)  # entries may say `command` (1.35: only `name`)
CHECK_TIMEOUT = 20.0


class Blocked(KctxError):
    """The kuberc cannot take the allowlist without the user's own decision (one line: why)."""


def kuberc_path(environ: Mapping[str, str], home: str) -> tuple[str, str]:
    """(the kuberc kubectl reads, "") or ("", why kubectl reads none)."""
    if environ.get("KUBECTL_KUBERC", "").lower() == "false":
        return "", "KUBECTL_KUBERC=false turns kubectl's kuberc off"
    value = environ.get("KUBERC", "")
    if value == "off":
        return "", "KUBERC=off turns kubectl's kuberc off"
    if value:
        return os.path.abspath(os.path.expanduser(value)), ""
    return os.path.join(home, ".kube", "kuberc"), ""


def entry_key(versions: list[tuple[int, int, int]]) -> str:
    return "command" if all(v[:2] >= COMMAND_KEY_SINCE for v in versions) else "name"


@dataclass
class Edit:
    path: str
    key: str  # "name" or "command"
    add: list[str]  # entries to add
    policy_was: str  # "" when the file sets no policy (kubectl then allows every plugin)
    old: str
    text: str
    kept: list[str] = field(default_factory=list)  # entries the file already has

    def describe(self) -> str:
        policy = "" if self.policy_was == "Allowlist" else \
            f"{POLICY}: Allowlist (was {self.policy_was or 'unset: every plugin runs'}); "
        return f"{policy}allow {', '.join(self.add)}"


def plan(path: str, wanted: list[str], key: str, environ: Mapping[str, str]) -> Edit | None:
    """The edit that makes the kuberc at ``path`` allow exactly ``wanted`` beyond what it allows already;
    None when it does; Blocked when the file says otherwise (DenyAll, v1alpha1, unreadable)."""
    old = _read(path)
    spans = _documents(old)
    found = _preference(old, spans, path)
    if found is None:
        new = _new_document(old, wanted, key)
        return Edit(path, key, list(wanted), "", old, new)
    (start, end), doc = found
    if doc.get("apiVersion") == ALPHA:
        raise Blocked(f"{path}: its preferences are {ALPHA}, which has no credential plugin policy (move them "
                      f"to {BETA} to use one)")
    policy = doc.get(POLICY)
    if policy == "DenyAll":
        raise Blocked(f"{path}: {POLICY} is DenyAll: kubectl refuses every credential plugin, the team's too")
    if policy not in (None, "AllowAll", "Allowlist"):
        raise Blocked(f"{path}: {POLICY} is {policy!r}, which kubectl does not accept; correct it first")
    have = _entries(doc.get(LIST))
    add = [w for w in wanted if not any(_same(w, h, environ) for h in have)]
    if policy == "Allowlist" and not add:
        return None
    changes = []
    if policy != "Allowlist":
        changes.append(configedit.Change("set", (POLICY,), value="Allowlist", was=policy or ""))
    if add:
        changes.append(configedit.Change("add", (LIST,), values=tuple({key: w} for w in add)))
    body = configedit.apply(old[start:end], changes, path)
    return Edit(path, key, add, policy or "", old, old[:start] + body + old[end:], kept=have)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise Blocked(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def _documents(text: str) -> list[tuple[int, int]]:
    """The character spans of its documents, split like kubectl: at lines that start with ``---``."""
    spans, start, pos = [], 0, 0
    for line in text.splitlines(keepends=True):
        if line.startswith("---"):
            spans.append((start, pos))
            start = pos + len(line)
        pos += len(line)
    spans.append((start, len(text)))
    return spans


def _preference(text: str, spans: list[tuple[int, int]], path: str) -> tuple[tuple[int, int], dict[str, object]] | None:
    """The first Preference document kubectl 1.35+ reads, with its span."""
    import yaml

    for start, end in spans:
        try:
            doc = yaml.safe_load(text[start:end])
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = text.count("\n", 0, start) + (mark.line + 1 if mark else 1)
            raise Blocked(f"{path}:{line}: invalid YAML; correct it first") from None
        if isinstance(doc, dict) and doc.get("kind") == "Preference" and doc.get("apiVersion") in (ALPHA, BETA):
            return (start, end), doc
    return None


def _new_document(old: str, wanted: list[str], key: str) -> str:
    import yaml

    doc = (f"apiVersion: {BETA}\nkind: Preference\n{POLICY}: Allowlist\n{LIST}:\n"
           + "".join(f"- {key}: {yaml_scalar(w)}\n" for w in wanted))
    if not old:
        return doc
    sep = "" if old.endswith("\n") else "\n"
    has_content = any(yaml.safe_load(old[s:e]) is not None for s, e in _documents(old))
    return old + sep + ("---\n" if has_content else "") + doc


def _entries(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, dict):
            out += [str(item[k]) for k in ("name", "command") if item.get(k)]
    return out


def _same(wanted: str, have: str, environ: Mapping[str, str]) -> bool:
    """Whether an entry ``have`` already allows the program at ``wanted`` (an absolute path), as kubectl
    resolves a bare name: on PATH."""
    if wanted == have:
        return True
    if "/" in have:
        return os.path.realpath(have) == os.path.realpath(wanted)
    from kctx.onboard.plugins import locate

    found = locate(have, "/", environ)
    return bool(found) and os.path.realpath(found) == os.path.realpath(wanted)


# ---------------------------------------------------------------- writing


def write(edit: Edit, kubectls: list[str], environ: Mapping[str, str]) -> None:
    """Write ``edit`` once every kubectl in ``kubectls`` accepts it; KctxError (nothing written) otherwise."""
    from kctx.kubectl.kuberc import PREFS
    from kctx.kubectl.kubercfile import parse_bytes

    kind, why = parse_bytes(edit.text.encode())
    if kind != PREFS:
        raise KctxError(f"{edit.path}: the edited file would not read back as kubectl preferences ({why}); "
                        "not changed")
    real = os.path.realpath(edit.path)
    ensure_private_dir(os.path.dirname(real))
    with kubeconfig_lock(real):
        if _read(real) != edit.old:
            raise KctxError(f"{edit.path} changed while onboarding ran; run it again")
        for kubectl in kubectls:
            problem = _refused_by(kubectl, edit.text, os.path.dirname(real), environ)
            if problem:
                raise KctxError(f"{edit.path}: {kubectl} does not accept the allowlist ({problem}); not changed")
        atomic_write(real, edit.text)


def _refused_by(kubectl: str, text: str, folder: str, environ: Mapping[str, str]) -> str:
    """What ``kubectl`` says about a kuberc holding ``text`` ("" when it takes it silently)."""
    import subprocess
    import tempfile

    env = {k: v for k, v in environ.items() if k not in ("KUBERC", "KUBECTL_KUBERC")}
    with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".kuberc-check-", suffix=".tmp") as fh:
        fh.write(text)
        fh.flush()
        try:
            proc = subprocess.run([kubectl, "--kuberc", fh.name, "version", "--client"], env=env,
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=CHECK_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"cannot run it: {exc}"
    said = " ".join(proc.stderr.split())
    if proc.returncode != 0 or "kuberc" in said:
        return said or f"exit status {proc.returncode}"
    return ""
