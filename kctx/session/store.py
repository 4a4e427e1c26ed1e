"""Per-shell sessions: a small kubeconfig of our own, first in KUBECONFIG, that changes only one shell.

The session file is a JSON kubeconfig (kubectl reads JSON; we read it without yaml). It holds
``current-context`` and one context entry that references the user's cluster and user by name —
credentials are never copied. A sidecar ``.env`` file carries what the shell integration exports
(KUBECONFIG and the prompt values) so the shell can pick changes up with built-ins only; it also holds
the whole session state, so kctx reads it back without importing json, which would slow every start.
Only when kubectl rewrote the session file after us (it is then newer than the .env) is the JSON read.

Standard library only: the shim rewrites sessions for ``kubectl config use-context``.
"""

from __future__ import annotations

import os
import time

from kctx.errors import KctxError
from kctx.kubeconfig.model import View
from kctx.util.fsutil import atomic_write, ensure_private_dir, kubeconfig_lock

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    Doc = dict[str, Any]  # a kubeconfig document as JSON or YAML gives it

EXTENSION = "kctx"


class Session:
    """One shell's state. ``base``: the shell's own kubectl files before the session narrowed KUBECONFIG;
    ``namespaces``: the namespace this shell chose in each context it left, so that coming back to a context
    finds it again, as kubens's edit of the kubeconfig would (``previous_namespaces``: ``ns -`` per context)."""

    def __init__(self, path: str, context: str = "", cluster: str = "", user: str = "", namespace: str = "",
                 previous_context: str = "", previous_namespaces: dict[str, str] | None = None,
                 base: list[str] | None = None, shell_pid: int = 0,
                 namespaces: dict[str, str] | None = None) -> None:
        self.path = os.fspath(path)  # a str: importing pathlib would slow the hot commands
        self.context, self.cluster, self.user, self.namespace = context, cluster, user, namespace
        self.previous_context = previous_context
        self.previous_namespaces: dict[str, str] = previous_namespaces or {}
        self.namespaces: dict[str, str] = namespaces or {}
        self.base: list[str] = base or []
        self.shell_pid = shell_pid
        # The user's context carries a kctx protection mark: the session's copy must carry it too, since the
        # session's entry comes first in KUBECONFIG and hides the user's.
        self.marked = False
        self.readonly = False  # likewise for a read-only mark (which is a protection mark too)

    @property
    def env_file(self) -> str:
        return _sibling(self.path, ".env")

    def kubeconfig_doc(self) -> Doc:
        doc: Doc = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": self.context,
                     "clusters": [], "users": [], "contexts": []}
        if self.context:
            body: dict[str, str] = {"cluster": self.cluster, "user": self.user}
            if self.namespace:
                body["namespace"] = self.namespace
            item: Doc = {"name": self.context, "context": body}
            if self.marked or self.readonly:
                mark = {"protected": True, "readonly": True} if self.readonly else {"protected": True}
                item["extensions"] = [{"name": EXTENSION, "extension": mark}]
            doc["contexts"] = [item]
        doc["extensions"] = [{"name": EXTENSION, "extension": {
            "previous-context": self.previous_context,
            "previous-namespaces": self.previous_namespaces,
            "namespaces": self.namespaces,
            "base": self.base,
            "shell-pid": self.shell_pid,
        }}]
        return doc


def new_path(sessions_dir: str) -> str:
    ensure_private_dir(sessions_dir)
    return os.path.join(sessions_dir, f"{os.getpid()}-{int(time.time())}-{os.urandom(4).hex()}.json")


def _sibling(path: str, suffix: str) -> str:
    """``/x/123.json`` -> ``/x/123<suffix>``."""
    return (path[:-5] if path.endswith(".json") else path) + suffix


SEP = "\x1f"  # between items of a list in one .env line (cannot occur in kubeconfig names in practice)


def read(path: str | os.PathLike[str]) -> Session:
    """Read a session: from the .env sidecar when kctx wrote it last, else from the kubeconfig itself
    (kubectl may have rewritten it, also as YAML, with raw ``kubectl config`` edits)."""
    path = os.fspath(path)
    fast = _from_env(path)
    if fast is not None:
        return fast
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise KctxError(f"{path}: cannot read the session: {exc.strerror}") from None
    try:
        if raw.lstrip().startswith(b"{"):
            import json

            doc = json.loads(raw)
        else:
            doc = _yaml(raw)
        return from_doc(path, doc if isinstance(doc, dict) else {})
    except (ValueError, TypeError, AttributeError) as exc:  # not JSON/YAML, or values of the wrong type
        raise KctxError(f"{path}: the session file is damaged ({exc}); run 'kctx use CONTEXT'") from None


def _from_env(path: str) -> Session | None:
    from kctx.session.envfile import read as read_env

    try:
        st = os.stat(path)
    except OSError:
        return None
    e = read_env(path)
    if e.get("KCTX_JSON_STAT") != _stat_key(st):
        return None  # kubectl changed the session after kctx wrote it (or an older kctx wrote it)
    s = Session(path, e.get("KCTX_CONTEXT", ""), e.get("KCTX_CLUSTER", ""), e.get("KCTX_USER", ""),
                e.get("KCTX_SESSION_NAMESPACE", ""), e.get("KCTX_PREVIOUS_CONTEXT", ""),
                _pairs(e.get("KCTX_PREVIOUS_NAMESPACES", "")),
                [b for b in e.get("KCTX_BASE", "").split(SEP) if b], int(e.get("KCTX_SHELL_PID") or 0),
                _pairs(e.get("KCTX_NAMESPACES", "")))
    s.marked = e.get("KCTX_MARKED") == "1"
    s.readonly = e.get("KCTX_READONLY") == "1"
    return s


def _pairs(value: str) -> dict[str, str]:
    """A mapping stored as one .env value: key SEP value SEP key SEP value..."""
    items = value.split(SEP)
    return dict(zip(items[0::2], items[1::2], strict=False)) if len(items) > 1 else {}


def _joined(mapping: dict[str, str]) -> str:
    return SEP.join(x for kv in mapping.items() for x in kv)


def _stat_key(st: os.stat_result) -> str:
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"  # (ctime: an edit dated back still shows)


def _yaml(raw: bytes) -> object:
    """The document in ``raw``, whatever YAML holds there (the caller checks that it is a mapping)."""
    from kctx.kubeconfig import simpleyaml

    doc: object = simpleyaml.load(raw)  # kubectl's own output: read without importing PyYAML (slow)
    if doc is not None:
        return doc
    import yaml  # anything else, and the error messages

    try:
        doc = yaml.safe_load(raw)
        return doc or {}
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


def from_doc(path: str, doc: Doc) -> Session:
    """The session a kubeconfig document holds (as kctx or kubectl wrote it); what is missing reads as empty."""
    s = Session(path=path, context=str(doc.get("current-context") or ""))
    for item in doc.get("contexts") or []:
        if isinstance(item, dict) and item.get("name") == s.context:
            _read_context(s, item)
    for state in _kctx_extensions(doc.get("extensions")):
        _read_state(s, state)
    return s


def _read_context(s: Session, item: Doc) -> None:
    """The session's context entry: what it points at, and whether it carries kctx's protection mark."""
    body = item.get("context") or {}
    s.cluster, s.user = str(body.get("cluster") or ""), str(body.get("user") or "")
    s.namespace = str(body.get("namespace") or "")
    marks = _kctx_extensions(item.get("extensions"))
    s.marked = any(e.get("protected") is True for e in marks)
    s.readonly = any(e.get("readonly") is True for e in marks)


def _read_state(s: Session, state: Doc) -> None:
    """The document's kctx extension: the session state kubectl has no place for."""
    s.previous_context = str(state.get("previous-context") or "")
    s.previous_namespaces = _str_dict(state.get("previous-namespaces"))
    s.namespaces = _str_dict(state.get("namespaces"))
    base = state.get("base")
    s.base = [str(b) for b in base] if isinstance(base, list) else []
    s.shell_pid = int(state.get("shell-pid") or 0)


def _str_dict(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items() if v} if isinstance(value, dict) else {}


def _kctx_extensions(items: Iterable[object] | None) -> list[Doc]:
    """The values of kctx's entries in a kubeconfig ``extensions`` list."""
    return [x["extension"] for x in items or []
            if isinstance(x, dict) and x.get("name") == EXTENSION and isinstance(x.get("extension"), dict)]


def kubeconfig_value(s: Session, view: View) -> str:
    """KUBECONFIG for this session: the session file, then only the files its context needs."""
    files = [str(s.path)]
    if not s.context:
        files += s.base  # no context chosen: kubectl sees what it saw before the session
    else:
        files += [f for f in view.files_for(s.cluster, s.user) if f not in files]
    return os.pathsep.join(files)


def write(s: Session, view: View, *, protected: bool = False) -> None:
    """Write the session file and its sidecar, atomically, 0600."""
    ensure_private_dir(os.path.dirname(s.path))
    with kubeconfig_lock(s.path):
        data = (to_json(s.kubeconfig_doc()) + "\n").encode()
        rewritten = not _holds(s.path, data)
        if rewritten:
            atomic_write(s.path, data, mode=0o600, durable=False)
        st = os.stat(s.path)
        if rewritten:
            st = _set_mtime(s.path, st, st.st_mtime_ns - 2)
        json_stat = _stat_key(st)
        ctx = view.context(s.context)
        ctx_file = ctx.file if ctx is not None else ""
        expires = view.user_entry(s.user).get("expires", 0) if s.context and s.user else 0
        lines = {
            "KUBECONFIG": kubeconfig_value(s, view),
            "KCTX_CONTEXT": s.context,
            "KCTX_NAMESPACE": s.namespace or ("default" if s.context else ""),
            "KCTX_PROTECTED": "1" if protected else "0",
            "KCTX_CONTEXT_FILE": ctx_file,
            # When the user's credential stops working (the index read it): shells with a clock compare it at
            # every prompt, fish uses KCTX_EXPIRED as of this write.
            "KCTX_EXPIRES": str(expires or ""),
            "KCTX_EXPIRED": "1" if expires and expires <= time.time() else "0",
            # The rest of the state, for read() (the shell ignores these):
            "KCTX_CLUSTER": s.cluster,
            "KCTX_USER": s.user,
            "KCTX_SESSION_NAMESPACE": s.namespace,
            "KCTX_PREVIOUS_CONTEXT": s.previous_context,
            "KCTX_PREVIOUS_NAMESPACES": _joined(s.previous_namespaces),
            "KCTX_NAMESPACES": _joined(s.namespaces),
            "KCTX_BASE": SEP.join(s.base),
            "KCTX_SHELL_PID": str(s.shell_pid),
            "KCTX_MARKED": "1" if s.marked else "0",
            "KCTX_READONLY": "1" if s.readonly else "0",
            "KCTX_JSON_STAT": json_stat,  # the session file as kctx left it: anything else means kubectl edited it
        }
        if any("\n" in v for v in lines.values()):
            raise KctxError("a kubeconfig name or path contains a line break; kctx sessions cannot hold it")
        atomic_write(s.env_file, "".join(f"{k}={v}\n" for k, v in lines.items()), mode=0o600, durable=False)
        # The shell runs `session sync` when a file is newer than the .env, and file times may tick only every
        # few ms: a change made right after this call could tie with the .env and be missed. Dated a nanosecond
        # before the first file this call wrote (and the session before the .env), anything later is newer.
        env_st = os.stat(s.env_file)
        _set_mtime(s.env_file, env_st, st.st_mtime_ns + 1 if rewritten else env_st.st_mtime_ns - 1)


def _set_mtime(path: str, st: os.stat_result, mtime_ns: int) -> os.stat_result:
    try:
        os.utime(path, ns=(st.st_atime_ns, mtime_ns))
        return os.stat(path)
    except OSError:
        return st  # keeps the time the write got: only a change within the same tick could go unseen


def _holds(path: str, data: bytes) -> bool:
    """True when ``path`` already is ``data`` with mode 0600: replacing a file with an identical one still
    costs a rename (on ext4 also a flush of the new file), e.g. at every refresh after an edit."""
    try:
        with open(path, "rb") as fh:
            return os.fstat(fh.fileno()).st_mode & 0o777 == 0o600 and fh.read(len(data) + 1) == data
    except OSError:
        return False


def to_json(value: object, indent: str = "") -> str:
    """JSON for the session document (dicts, lists, str, int, bool), without importing json."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + " "
        items = ",\n".join(f"{inner}{_json_str(str(k))}: {to_json(v, inner)}" for k, v in value.items())
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = indent + " "
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _json_str(str(value))


def _json_str(text: str) -> str:
    """A JSON string that kctx (Python's JSON) and kubectl (a YAML reader) read back as ``text``.

    Every character outside printable ASCII below U+10000 is escaped: YAML reads some of them raw otherwise
    (U+0085 is a line break to it, U+FEFF and U+FFFE are refused). Characters above U+FFFF stay raw: JSON
    can only escape them as surrogate pairs, which kubectl refuses, and both read them raw alike."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    out = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif " " <= ch < "\x7f" or ch > "\uffff":
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}")
    out.append('"')
    return "".join(out)


def switch_context(s: Session, view: View, name: str) -> None:
    """Point the session at context ``name``, in the namespace this shell last used there, else the one the
    user's context carries."""
    ctx = view.context(name)
    if ctx is None:
        from kctx.util.suggest import did_you_mean

        raise KctxError(f'no context exists with the name: "{name}"{did_you_mean(name, view.context_names())}')
    why = view.dangling(ctx)
    if why:
        raise KctxError(why)
    if s.context and s.context != name:
        s.previous_context = s.context
    remember_namespace(s, view)
    s.context, s.cluster, s.user = name, ctx.cluster, ctx.user
    s.namespace = s.namespaces.get(name) or ctx.namespace
    s.marked = ctx.protected_mark
    s.readonly = bool(view.marked_readonly("contexts", name))


def remember_namespace(s: Session, view: View) -> None:
    """Keep the namespace of the context the session is about to leave, when this shell changed it (with kctx
    or with a raw `kubectl config set-context --current`): nothing else in the session holds it."""
    ctx = view.context(s.context) if s.context else None
    if ctx is not None and s.namespace and s.namespace != ctx.namespace:
        s.namespaces[s.context] = s.namespace


def set_namespace(s: Session, namespace: str) -> None:
    if not s.context:
        raise KctxError("current-context is not set")
    current = s.namespace or "default"
    if current != namespace:
        s.previous_namespaces[s.context] = current
    s.namespace = namespace
    s.namespaces[s.context] = namespace


def unset_context(s: Session, view: View) -> None:
    """No current context (kubectx -u); the one left stays ``-``'s target and keeps its namespace."""
    if s.context:
        s.previous_context = s.context
        remember_namespace(s, view)
    s.context = s.cluster = s.user = s.namespace = ""
    s.marked = s.readonly = False


def rename_context(s: Session, old: str, new: str) -> None:
    """The user's context ``old`` is now called ``new``: what the session holds under the old name follows."""
    if s.context == old:
        s.context = new
    if s.previous_context == old:
        s.previous_context = new
    for mapping in (s.namespaces, s.previous_namespaces):
        if old in mapping:
            mapping[new] = mapping.pop(old)


def forget_context(s: Session, name: str) -> None:
    """The user's context ``name`` was deleted: a new context of that name starts afresh."""
    s.namespaces.pop(name, None)
    s.previous_namespaces.pop(name, None)


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup(sessions_dir: str, keep: str | None = None) -> int:
    """Remove session files whose shell is gone. Returns how many were removed."""
    removed = 0
    try:
        entries = [os.path.join(sessions_dir, n) for n in os.listdir(sessions_dir) if n.endswith(".json")]
    except OSError:
        return 0
    for path in entries:
        if keep is not None and path == os.fspath(keep):
            continue
        try:
            pid = read(path).shell_pid
        except KctxError:
            pid = 0
        if alive(pid):
            continue
        remove(path)
        removed += 1
    return removed


def remove(path: str) -> None:
    """Delete a session file and what goes with it: its .env, the shell's .seen stamp, its lock."""
    for p in (path, _sibling(path, ".env"), _sibling(path, ".seen"), f"{path}.lock"):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
