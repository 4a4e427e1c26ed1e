"""A preview before a confirmation: the same command, with the same kubectl and target, as a server-side dry
run, for the command forms the guard's fact table proves honour it on that kubectl minor
(kctx/guard/dryrunfacts.py). Bounded in time; it never writes: the line must classify as non-writing with the
dry run added, or there is no preview. Not in the hot set: only a call that will be asked gets here.

What it shows: for delete, drain, cordon, uncordon, taint and rollout undo, kubectl's own dry-run lines (the
objects that would go, the pods that would be evicted); for the other forms a compact diff of each object
against what the cluster holds now (scale: ``spec.replicas: 3 → 5``). A high blast radius (--all,
-A/--all-namespaces, deleting a namespace, CRD, PV or node, or more objects than the threshold) is shown first
and the answer must be a phrase, not just the context name.
"""

from __future__ import annotations

import json
import subprocess
import time

from kctx.guard.dryrunfacts import SERVER_DRY_RUN
from kctx.kubectl.argv import KubectlArgs, parse
from kctx.kubectl.classify import classify, needs_confirmation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.guard.judge import Judgement

BUDGET = 2.0  # seconds for the whole preview; then "preview unavailable" and the question is still asked
SHOWN = 20  # lines shown before "and N more"
LISTED = ("delete", "drain", "cordon", "uncordon", "taint", "rollout undo")  # kubectl's own lines say it all
WIDE_KINDS = {name: label for label, names in (
    ("namespace", ("namespaces", "namespace", "ns")), ("node", ("nodes", "node", "no")),
    ("PV", ("persistentvolumes", "persistentvolume", "pv")),
    ("CRD", ("customresourcedefinitions", "customresourcedefinition", "crd", "crds"))) for name in names}
# Server bookkeeping, and the last-applied copy of the whole object (noise, and a Secret's values in clear)
IGNORED = ("metadata.resourceVersion", "metadata.generation", "metadata.managedFields", "metadata.uid",
           "metadata.creationTimestamp", "status", "metadata.annotations.kubectl.kubernetes.io/last-applied")
NAMING = ("apiVersion", "kind", "metadata.name", "metadata.namespace")  # a new object's line already says them


class Preview:
    """``lines``: what to show; ``summary``: one line for the audit log; ``error``: why there is none;
    ``blast``: why the blast radius is high (""), ``count``: objects affected (-1: not known); ``phrase``:
    the answer a high blast radius asks for; ``sent``: a dry run was sent to the server."""

    __slots__ = ("lines", "summary", "error", "blast", "count", "phrase", "sent")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.summary = self.error = self.blast = self.phrase = ""
        self.count = -1
        self.sent = False

    def text(self, color: bool = False) -> str:
        out = []
        if self.blast:
            warn = f"HIGH BLAST RADIUS: {self.blast}"
            out.append(f"\033[1;31m{warn}\033[0m" if color else warn)
        if self.error:
            out.append(f"preview unavailable: {self.error}")
        else:
            out += [f"  {line}" for line in self.lines]
        return "".join(f"{line}\n" for line in out)


def for_judgement(j: Judgement, typed: list[str], environ: Mapping[str, str]) -> Preview:
    """The preview of a judged line (``typed``: as typed), as the shim would run it (``environ``: kubectl's
    environment). The preview runs without a kuberc, so a line a kuberc rewrites has none."""
    expansion = j.expanded.expansion
    why = ""
    if j.choice is None or not j.choice.path:
        why = "no kubectl to run it with"
    elif expansion is not None and (expansion.presets or expansion.alias or expansion.argv != typed):
        why = "a kuberc rewrites this line"
    if why:
        p = Preview()
        p.blast, p.error, p.summary = wide(j.args), why, f"unavailable: {why}"
        return p
    assert j.choice is not None
    return preview(j.choice.path, j.argv, j.args, j.minor or None, environ, j.target.context,
                   j.config.preview_threshold)


def form(args: KubectlArgs) -> str:
    """The command form as the fact table names it: the command path ("delete", "set image", "create
    configmap")."""
    return " ".join(args.command)


def honoured(args: KubectlArgs, minor: str | None) -> bool:
    """Whether the fact table shows this form sends no write with --dry-run=server on this kubectl minor."""
    return bool(minor) and minor in SERVER_DRY_RUN.get(form(args), ())


def dry_run_argv(argv: list[str]) -> list[str]:
    """``argv`` with --dry-run=server as its last flag (before a ``--``, where the rest are arguments)."""
    if "--" in argv:
        cut = argv.index("--")
        return [*argv[:cut], "--dry-run=server", *argv[cut:]]
    return [*argv, "--dry-run=server"]


def preview(binary: str, argv: list[str], args: KubectlArgs, minor: str | None, environ: Mapping[str, str],
            context: str, threshold: int = 10, budget: float = BUDGET) -> Preview:
    """Preview kubectl ``argv`` (bound to the judged context; ``args``: it parsed, after any kuberc) run by
    ``binary`` (kubectl ``minor``) in ``environ``."""
    p = Preview()
    p.blast = wide(args)
    why = _unavailable(argv, args, minor)
    if why:
        p.error = why
    else:
        deadline = time.monotonic() + budget
        p.sent = True
        try:
            if form(args) in LISTED:
                _listed(p, binary, argv, environ, deadline)
            else:
                _diffed(p, binary, argv, environ, deadline)
        except _Failed as exc:
            p.error, p.lines = str(exc), []
    if p.count > threshold and not p.blast:
        p.blast = f"{p.count} objects (more than {threshold})"
    if p.blast:
        if args.command == ("drain",):
            what = " ".join(args.args)
        else:
            what = f"{p.count} {_kind_word(p)}" if p.count >= 0 else "all"
        p.phrase = f"{args.command[0]} {what} in {context}" if context else f"{args.command[0]} {what}"
    if not p.summary:
        p.summary = f"unavailable: {p.error}" if p.error else f"{p.count} objects"
    return p


def wide(args: KubectlArgs) -> str:
    """Why a line has a high blast radius by its words alone, or ""."""
    local = args.local
    if _on(local.get("all-namespaces")):
        return "all namespaces (-A/--all-namespaces)"
    if _on(local.get("all")):
        return "every object of the kind (--all)"
    if args.command == ("delete",) and args.args:
        for word in args.args[0].split(","):
            label = WIDE_KINDS.get(word.split("/")[0].split(".")[0].lower())
            if label:
                return f"deleting a {label}"
    if args.command == ("drain",):
        return "draining a node"
    return ""


def _on(values: list[str] | None) -> bool:
    """A boolean flag's last value is true (given bare, or =true)."""
    return values is not None and values[-1] in ("", "true", "True", "1")


def _unavailable(argv: list[str], args: KubectlArgs, minor: str | None) -> str:
    if not minor:
        return "the kubectl version is not known, so whether it honours --dry-run=server is not either"
    if not honoured(args, minor):
        return f"kubectl {minor} is not known to honour --dry-run=server for '{form(args)}'"
    if any(a == "-" or a in ("-f-", "--filename=-") for a in argv):
        return "the command reads its input from stdin, which the preview must not consume"
    dry = parse(dry_run_argv(argv), minor)
    if needs_confirmation(classify(dry, minor).cls):  # belt and braces: the dry run must not write
        return "with --dry-run=server the line still writes"
    return ""


class _Failed(Exception):
    pass


def _run(binary: str, argv: list[str], environ: Mapping[str, str], deadline: float) -> str:
    """kubectl's output, or _Failed with why (its first error line, or the time ran out). No stdin, no
    kuberc (the line is already expanded), no terminal prompts."""
    env = dict(environ, KUBERC="off", KUBECTL_KUBERC="false")
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Failed(f"no answer within {BUDGET:g} s")
    try:
        done = subprocess.run([binary, *argv], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=left)
    except subprocess.TimeoutExpired:
        raise _Failed(f"no answer within {BUDGET:g} s") from None
    except OSError as exc:
        raise _Failed(f"cannot run {binary}: {exc.strerror}") from None
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        raise _Failed(err[-1] if err else f"kubectl exited {done.returncode}")
    return done.stdout.decode(errors="replace")


def _listed(p: Preview, binary: str, argv: list[str], environ: Mapping[str, str], deadline: float) -> None:
    """kubectl's own dry-run lines; what they count: objects deleted, pods a drain evicts, nodes changed."""
    out = [line.replace(" (server dry run)", "") for line in _run(binary, dry_run_argv(argv), environ,
                                                                    deadline).splitlines() if line.strip()]
    drain = form(parse(argv)) == "drain"
    p.count = len([line for line in out if (line.startswith("evicting pod") if drain else
                                            not line.startswith(("WARNING", "Warning")))])
    p.lines = _bounded(out)
    p.summary = f"{p.count} objects: " + ", ".join(out[:3]) + (" …" if len(out) > 3 else "")


def _diffed(p: Preview, binary: str, argv: list[str], environ: Mapping[str, str], deadline: float) -> None:
    objects = _objects(_run(binary, [*dry_run_argv(argv), "-o", "json"], environ, deadline))
    p.count = len(objects)
    now = _current(binary, argv, objects, environ, deadline)
    wanted = parse(argv).local.get("replicas") if form(parse(argv)) == "scale" else None
    replicas = int(wanted[-1]) if wanted and wanted[-1].isdigit() else None
    lines: list[str] = []
    for new in objects:
        kind, name, ns = key = _identity(new)
        old = now.get(key)
        if replicas is not None and old is not None:  # kubectl prints the object as it was, not the Scale
            spec = old.get("spec")
            new = {**old, "spec": {**(spec if isinstance(spec, dict) else {}), "replicas": replicas}}
        changes = diff(old, new, secret=kind == "Secret")
        where = f"{kind.lower()}/{name}" + (f" -n {ns}" if ns else "")
        lines.append(f"{where}: " + ("created" if old is None else "no change" if not changes else
                                     f"{len(changes)} change{'s' if len(changes) > 1 else ''}"))
        lines += [f"  {c}" for c in changes]
    p.lines = _bounded(lines)
    p.summary = "; ".join(line for line in lines if not line.startswith(" "))[:200]


def _current(binary: str, argv: list[str], objects: list[dict[str, object]], environ: Mapping[str, str],
             deadline: float) -> dict[tuple[str, str, str], dict[str, object]]:
    """What the cluster holds now of each object (absent: not there yet): one `kubectl get` per namespace."""
    by_ns: dict[str, list[str]] = {}
    for obj in objects:
        _, name, ns = _identity(obj)
        by_ns.setdefault(ns, []).append(f"{_resource(obj)}/{name}")
    out: dict[tuple[str, str, str], dict[str, object]] = {}
    for ns, names in by_ns.items():
        get = ["get", *names, "-o", "json", "--ignore-not-found"] + (["-n", ns] if ns else [])
        for obj in _objects(_run(binary, [*_globals(argv), *get], environ, deadline)):
            out[_identity(obj)] = obj
    return out


def _identity(obj: dict[str, object]) -> tuple[str, str, str]:
    """kind, name and namespace."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return str(obj.get("kind", "")), str(meta.get("name", "")), str(meta.get("namespace", ""))


def _objects(raw: str) -> list[dict[str, object]]:
    """The objects kubectl printed: one, a List, or several documents one after another."""
    out: list[dict[str, object]] = []
    decoder, text, i = json.JSONDecoder(), raw.strip(), 0
    while i < len(text):
        try:
            doc, i = decoder.raw_decode(text, i)
        except ValueError:
            raise _Failed("kubectl printed something other than JSON") from None
        while i < len(text) and text[i].isspace():
            i += 1
        if isinstance(doc, dict) and doc.get("kind") == "List":
            out += [d for d in doc.get("items") or [] if isinstance(d, dict)]
        elif isinstance(doc, dict):
            out.append(doc)
    return out


def _resource(obj: dict[str, object]) -> str:
    """``kind.version.group`` as kubectl get takes it (the kind, fully qualified)."""
    api = str(obj.get("apiVersion", ""))
    group, _, version = api.rpartition("/")
    kind = str(obj.get("kind", ""))
    return f"{kind}.{version}.{group}" if group else kind


def _globals(argv: list[str]) -> list[str]:
    """The line's global flags but the namespace: the same target and identity (the line is bound, so
    --context is among them; --as, --token... too)."""
    args = parse(argv)
    out = [f"--{name}={value}" for name, value in args.globals.items() if name != "namespace"]
    return out + [f"--{name}={'true' if on else 'false'}" for name, on in args.global_bools.items()]


def diff(old: object, new: object, secret: bool = False) -> list[str]:
    """``path: old → new`` for each changed leaf, ``+ path: value`` and ``- path`` for added and removed ones;
    status, resourceVersion and other server bookkeeping are left out; a Secret's values are never shown."""
    before, after = _flat(old or {}), _flat(new)
    out = []
    for path in sorted(set(before) | set(after)):
        if path.startswith(IGNORED) or (old is None and path in NAMING):
            continue
        a, b = before.get(path), after.get(path)
        if a == b or (a in (None, {}, []) and b in (None, {}, [])):  # defaults the server fills in are no change
            continue
        hide = secret and path.startswith(("data.", "stringData."))
        show_a, show_b = ("(secret)", "(secret)") if hide else (_short(a), _short(b))
        if path not in before:
            out.append(f"+ {path}: {show_b}")
        elif path not in after:
            out.append(f"- {path}")
        else:
            out.append(f"{path}: {show_a} → {show_b}")
    return out


def _flat(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        out = {}
        for v in value:  # containers, env, ports: keyed by name, so a reorder is not a change
            out.update(_flat(v, f"{prefix}[{v['name']}]"))
        return out
    return {prefix: value}


def _short(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:59] + "…"


def _bounded(lines: list[str]) -> list[str]:
    return lines if len(lines) <= SHOWN else [*lines[:SHOWN], f"and {len(lines) - SHOWN} more"]


def _kind_word(p: Preview) -> str:
    """"pods" when every listed line names a pod, else "objects"."""
    kinds = {line.split()[0].split("/")[0].split(".")[0] for line in p.lines if line and line[0].isalpha()
             and not line.startswith("and ")}
    if len(kinds) == 1:
        kind = kinds.pop().rstrip(":")
        return kind if kind.endswith("s") else kind + "s"
    return "objects"


def plain_server_dry_run(argv: list[str]) -> bool:
    """A fact-table row of a form with one --dry-run=server and no flag that makes kubectl ignore it."""
    dry = [a for a in argv if a.startswith("--dry-run")]
    return dry == ["--dry-run=server"] and not any(a.startswith(("--raw", "--edit", "--force")) for a in argv)


def derive(facts: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """From the fact table: each form whose plain `--dry-run=server` row sent no write and exited 0, with the
    minors where it did. Rows with --raw, --edit, --force or another --dry-run are other forms."""
    minors = facts["minors"]
    rows = facts["facts"]
    assert isinstance(minors, list) and isinstance(rows, list)
    out: dict[str, tuple[str, ...]] = {}
    for row in rows:
        argv = row["argv"]
        if not plain_server_dry_run(argv):
            continue
        ok = tuple(m for m, seen, rc in zip(minors, row["observed"], row["rc"], strict=True)
                   if seen in ("read", "local") and rc == 0)
        key = form(parse(argv))
        if ok and key:
            out[key] = tuple(m for m in out.get(key, ok) if m in ok)  # every row of a form must agree
    return dict(sorted(out.items()))
