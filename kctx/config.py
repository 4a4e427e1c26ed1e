"""kctx's own config file (YAML), cached with marshal so the shim can read it without yaml.

Location: $KCTX_CONFIG, else $XDG_CONFIG_HOME/kctx/config.yaml, else ~/.config/kctx/config.yaml.
Standard library only and cheap to import; yaml is imported only to parse a changed file.
"""

from __future__ import annotations

import posix

from kctx.errors import KctxError
from kctx.paths import Paths
from kctx.util import parsecache
from kctx.util.globmatch import first_match

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypedDict, TypeGuard

    class Result(TypedDict, total=False):
        """What parsing the config file gave: the document, or one line saying why not."""
        data: dict[str, object]
        error: str

DEFAULT_GLOBS = ("~/.kube/config", "~/.kube/configs/*")
CONFIRM_MODES = ("name", "yes")
# The top-level keys. An unknown one is an error, not ignored: a typo such as `protcet:` would drop every
# protection rule without a word. A module that reads a new section of its own (``Config.raw``) adds it here.
SECTIONS = ("kubeconfigs", "protect", "confirm", "kubectl", "colors", "shell", "groups", "unlock", "preview")
MAGIC = "kctx-config-5"


class Config:
    """The validated settings. ``raw`` keeps the whole document for sections other modules own."""

    def __init__(self, source: str = "", raw: dict[str, object] | None = None) -> None:
        self.source = source
        self.raw: dict[str, object] = raw or {}
        self.kubeconfigs: list[str] = list(DEFAULT_GLOBS)
        self.protect_contexts: list[str] = []
        self.protect_clusters: list[str] = []
        self.protect_servers: list[str] = []
        # protect.readonly: writes and access refused even on a terminal. Every read-only glob is also in the
        # protect_* list of its kind, so all that protection means (marks, local writes, memo) holds for it.
        self.readonly_contexts: list[str] = []
        self.readonly_clusters: list[str] = []
        self.readonly_servers: list[str] = []
        self.unlock_max = 3600  # seconds: the longest `kctx unlock` may last
        self.unlock_idle = 600  # seconds without a command run under an unlock end it
        self.preview_threshold = 10  # a preview of more objects than this asks for a phrase
        self.confirm = "name"  # type the context name; "yes" asks y/N
        self.kubectl_pins: dict[str, str] = {}
        self.kubectl_default = ""
        self.groups: dict[str, list[str]] = {}  # name -> context globs (`kctx each --group NAME`)

    def has_protection(self) -> bool:
        return bool(self.protect_contexts or self.protect_clusters or self.protect_servers)


def from_dict(data: object, source: str) -> Config:
    """Validate a parsed config; raise KctxError naming the file and every key that is wrong (one line)."""
    cfg, problems = validate(data, source)
    if problems:
        raise KctxError(joined(source, problems))
    return cfg


def joined(source: str, problems: list[str]) -> str:
    """One line for all of a file's problems: fixing them one run at a time is slow."""
    if len(problems) == 1:
        return f"{source}: {problems[0]}"
    return f"{source}: {len(problems)} problems: " + "; ".join(problems)


def validate(data: object, source: str) -> tuple[Config, list[str]]:
    """The config ``data`` holds, and every problem found in it ("key: why"); the config is only meaningful
    when there are none."""
    problems: list[str] = []

    def str_list(value: object, key: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key}: expected a list of strings")
            return []
        return list(value)

    if not isinstance(data, dict):
        return Config(source=source), ["the top level must be a mapping"]
    cfg = Config(source=source, raw=data)
    problems += [f"{key}: unknown key{_did_you_mean(str(key), SECTIONS)}" for key in data if key not in SECTIONS]
    if "kubeconfigs" in data:
        cfg.kubeconfigs = str_list(data["kubeconfigs"], "kubeconfigs")
    protect = data.get("protect") or {}
    if not isinstance(protect, dict):
        problems.append("protect: expected a mapping with contexts, clusters, servers and readonly")
        protect = {}
    problems += [f"protect.{key}: unknown key (expected contexts, clusters, servers or readonly)"
                 for key in protect if key not in ("contexts", "clusters", "servers", "readonly")]
    readonly = protect.get("readonly") or {}
    if not isinstance(readonly, dict):
        problems.append("protect.readonly: expected a mapping with contexts, clusters and servers")
        readonly = {}
    problems += [f"protect.readonly.{key}: unknown key (expected contexts, clusters or servers)"
                 for key in readonly if key not in ("contexts", "clusters", "servers")]
    cfg.readonly_contexts = str_list(readonly.get("contexts"), "protect.readonly.contexts")
    cfg.readonly_clusters = str_list(readonly.get("clusters"), "protect.readonly.clusters")
    cfg.readonly_servers = str_list(readonly.get("servers"), "protect.readonly.servers")
    # Read-only rules are protection rules too (marks, local writes and the memo treat them alike).
    cfg.protect_contexts = str_list(protect.get("contexts"), "protect.contexts") + cfg.readonly_contexts
    cfg.protect_clusters = str_list(protect.get("clusters"), "protect.clusters") + cfg.readonly_clusters
    cfg.protect_servers = str_list(protect.get("servers"), "protect.servers") + cfg.readonly_servers
    try:
        cfg.unlock_max, cfg.unlock_idle = _unlock_limits(data.get("unlock"), _fail)
    except KctxError as exc:
        problems.append(exc.message)
    preview = data.get("preview") or {}
    if not isinstance(preview, dict) or set(preview) - {"threshold"}:
        problems.append("preview: expected a mapping with threshold, e.g. {threshold: 10}")
        preview = {}
    threshold = preview.get("threshold", 10)
    if type(threshold) is not int or threshold < 0:
        problems.append("preview.threshold: expected a whole number of objects, e.g. 10")
    else:
        cfg.preview_threshold = threshold
    confirm = data.get("confirm", "name")
    if confirm is True:  # YAML 1.1 reads an unquoted `yes` as a boolean
        confirm = "yes"
    if confirm in CONFIRM_MODES:
        cfg.confirm = confirm
    else:
        problems.append(f'confirm: expected one of: {", ".join(CONFIRM_MODES)}')
    kubectl = data.get("kubectl") or {}
    if not isinstance(kubectl, dict):
        problems.append("kubectl: expected a mapping")
        kubectl = {}
    pins = kubectl.get("pins") or {}
    if not isinstance(pins, dict) or not all(isinstance(k, str) for k in pins):
        problems.append('kubectl.pins: expected a mapping of context globs to versions, e.g. {"prod-*": "1.29"}')
        pins = {}
    versions = [*((f"kubectl.pins.{k}", v) for k, v in pins.items()), ("kubectl.default", kubectl.get("default"))]
    problems += [f'{key}: versions must be quoted strings (YAML reads {value!r} as a number), e.g. "1.30"'
                 for key, value in versions if value is not None and not isinstance(value, str)]
    cfg.kubectl_pins = dict(pins)
    cfg.kubectl_default = kubectl.get("default") or ""
    groups = data.get("groups") or {}
    if isinstance(groups, dict) and all(isinstance(k, str) and k for k in groups):
        cfg.groups = {name: str_list(globs, f"groups.{name}") for name, globs in groups.items()}
    else:
        problems.append('groups: expected a mapping of group names to context globs, e.g. {prod: ["prod-*"]}')
    return cfg, problems


def _did_you_mean(key: str, known: tuple[str, ...]) -> str:
    from kctx.util.suggest import did_you_mean

    return did_you_mean(key, known) or f" (expected one of: {', '.join(known)})"


def _fail(key: str, why: str) -> KctxError:
    return KctxError(f"{key}: {why}")


def _unlock_limits(value: object, fail: Callable[[str, str], KctxError]) -> tuple[int, int]:
    """unlock: {max: 1h, idle: 10m}: the longest unlock and the idle time that ends one, in seconds."""
    if value is None:
        return 3600, 600
    if not isinstance(value, dict):
        raise fail("unlock", "expected a mapping with max and idle, e.g. {max: 1h, idle: 10m}")
    out = []
    for key, default in (("max", 3600), ("idle", 600)):
        raw = value.get(key, default)
        seconds = duration(raw) if isinstance(raw, str) else raw if type(raw) is int else None
        if seconds is None or seconds <= 0:
            raise fail(f"unlock.{key}", 'expected a duration such as "15m", "1h" or "90s"')
        out.append(seconds)
    for key in value:
        if key not in ("max", "idle"):
            raise fail(f"unlock.{key}", "unknown key (expected max or idle)")
    return out[0], out[1]


def duration(text: str) -> int | None:
    """Seconds in "90s", "15m", "2h", "1d" or a plain number of seconds; None when it is not one."""
    text = text.strip()
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(text[-1:], 0)
    digits = text[:-1] if unit else text
    if not digits.isdigit() or not digits.isascii():
        return None
    return int(digits) * (unit or 1)


def parse_yaml(path: str) -> object:
    """The document in ``path`` (read by the caller's rules: KctxError naming the file and line)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise KctxError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_bytes(raw, path)


def parse_bytes(raw: bytes, path: str) -> object:
    import yaml

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KctxError(f"{path}: cannot read: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KctxError(joined(path, _yaml_problems(text, exc, path))) from None
    return data if data is not None else {}


def _yaml_problem(exc: Exception, first_line: int = 0, last_line: int | None = None) -> str:
    """"line N: invalid YAML: what" (N counted in the file; an error found at the end of a section, such as an
    unclosed bracket, is put on the section's last line rather than on the next section's first)."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark:
        line = exc.problem_mark.line if last_line is None else min(exc.problem_mark.line, last_line)
        return f"line {line + 1 + first_line}: invalid YAML: {exc.problem}"
    return f"invalid YAML: {getattr(exc, 'problem', None) or exc}"


def _yaml_problems(text: str, exc: Exception, path: str) -> list[str]:
    """Every problem of a file YAML cannot parse, not only the first: the parser stops at the first error, so
    each top-level section (a line that starts with a key) is parsed on its own, and the sections that parse
    are validated too."""
    import yaml

    problems, parsed = [], {}
    for first_line, chunk in _sections(text):
        try:
            part = yaml.safe_load(chunk)
        except yaml.YAMLError as section_exc:
            problems.append(_yaml_problem(section_exc, first_line, max(chunk.count("\n") - 1, 0)))
            continue
        if isinstance(part, dict):
            parsed.update(part)
    if not problems:  # the sections parse alone, not together: the parser's own report is the one to trust
        return [_yaml_problem(exc)]
    return problems + validate(parsed, path)[1]


def _sections(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each top-level section: a section starts at a line that begins with a key."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if ln[:1].isalnum() or ln[:1] in "_\"'"] or [0]
    if starts[0] != 0:
        starts[0] = 0  # comments and a document marker before the first key belong to it
    bounds = [*starts, len(lines)]
    return [(a, "".join(lines[a:b])) for a, b in zip(bounds, bounds[1:], strict=False)]


def load(paths: Paths) -> Config:
    """The config in effect. No file is no config, unless $KCTX_CONFIG names it: a typo there must not drop
    every protection rule, so a missing file it names is an error; so is one kctx cannot find (no HOME)."""
    if paths.config_unfindable:
        raise KctxError(paths.config_unfindable)
    path = paths.config_file
    try:
        st = posix.stat(path)
    except FileNotFoundError:
        if paths.config_explicit:
            raise KctxError(f"{path}: no such file (named by KCTX_CONFIG)") from None
        return Config()
    except OSError as exc:
        raise KctxError(f"{path}: cannot read: {exc.strerror}") from None
    result = _read_cached(paths.config_cache, parsecache.key(path, st))
    if result is None:  # the cold path: parsing needs yaml
        try:
            parsed = parsecache.parse("kctx.config:parse_and_cache", [path, paths.config_cache])
        except parsecache.ChildFailed as exc:
            parsed = {"error": f"{path}: cannot read the config: {exc}"}
        result = parsed if _is_result(parsed) else {
            "error": f"{path}: cannot read the config: the parser gave no answer kctx knows"}
    if "error" in result:
        raise KctxError(result["error"])
    return from_dict(result["data"], path)


def _read_cached(cache: str, key: tuple[object, ...]) -> Result | None:
    cached = parsecache.lookup(cache, MAGIC, key)
    return cached if _is_result(cached) else None


def _is_result(value: object) -> TypeGuard[Result]:
    return isinstance(value, dict) and (isinstance(value.get("data"), dict) or isinstance(value.get("error"), str))


def _marshalable(value: object) -> object:
    """YAML may produce dates and other types marshal cannot store: keep them as strings."""
    if isinstance(value, dict):
        return {str(k): _marshalable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marshalable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def parse_and_cache(args: list[str]) -> Result:
    """[path, cache]: parse and validate the config, remember the outcome, return it ({"data": ...} or
    {"error": one line}). The cold path, run through kctx/util/parsecache.py (in a child in the shim)."""
    path, cache = args
    try:
        with open(path, "rb") as fh:
            st = posix.fstat(fh.fileno())  # before reading: an edit while we read makes the entry stale
            raw = fh.read()
    except OSError as exc:
        return {"error": f"{path}: cannot read: {exc.strerror or exc}"}
    try:
        data = _marshalable(parse_bytes(raw, path))
        result: Result = {"data": from_dict(data, path).raw}  # validated before caching
    except KctxError as exc:
        result = {"error": exc.message}
    parsecache.store(cache, MAGIC, parsecache.key(path, st), result)
    return result


def matches(name: str, globs: list[str]) -> str:
    """The first glob matching ``name`` (shell-style, case-sensitive), or ""."""
    return first_match(name, globs)
