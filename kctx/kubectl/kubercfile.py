"""Reading a kuberc file the way kubectl does (yaml), into the cache format kctx/kubectl/kuberc.py owns.

The cold half of kctx/kubectl/kuberc.py, which names ``parse_and_cache`` as its parser (kctx/util/parsecache.py
runs it in a child process in the shim, so the shim itself never imports yaml) and never imports this module.
"""

from __future__ import annotations

from kctx.kubectl.kuberc import ALPHA, ERROR, IGNORED, MAGIC, NONE, PREFS, READINGS, REJECTED, VERSIONS
from kctx.util import parsecache

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Iterator

    import yaml

    from kctx.kubectl.kuberc import Option, Preferences, Reading, Readings


def parse_and_cache(args: list[str]) -> Readings | tuple[str, str]:
    """[absolute path, cache]: parse the file (yaml) for every reading and remember the outcome, keyed by the
    stamp the file had before it was read."""
    path, cache = args
    try:
        file_stamp, raw = parsecache.read_file(path)
    except OSError as exc:
        return ERROR, f"cannot read the kuberc: {exc.strerror or exc}"
    result = parse_readings(raw)
    parsecache.store(cache, MAGIC, (path, *file_stamp), result)
    return result


# --- parsing (cold: yaml) ----------------------------------------------------------------------------------

class _Unreadable(Exception):
    """kctx cannot tell how kubectl reads this file (bad YAML, a value of the wrong type...)."""


def parse_readings(raw: bytes) -> Readings:
    """The file as each kubectl reads it: {key of READINGS: parse_bytes(raw, those apiVersions)}."""
    return {key: parse_bytes(raw, versions) for key, versions in READINGS.items()}


def parse_bytes(raw: bytes, versions: tuple[str, ...] = tuple(VERSIONS)) -> Reading:
    """A kubectl's reading of a kuberc when it knows the apiVersions ``versions``: (PREFS, preferences),
    (NONE, ""), (IGNORED, why) when it holds no preferences kubectl can use, (REJECTED, why) when kubectl
    refuses it, or (ERROR, why) when kctx cannot tell. ``preferences["unknown"]`` names the first field a
    strict decoder rejects in a v1alpha1 document ("" when none): kubectl 1.33 then ignores its default file."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ERROR, "not UTF-8 text"
    try:
        return _parse_text(text, versions)
    except _Unreadable as exc:
        return ERROR, " ".join(str(exc).split())  # one line: it ends up in the guard's message


def _parse_text(text: str, versions: tuple[str, ...]) -> Reading:
    import yaml

    attempted = False
    for doc, first_line in _documents(text):
        if not doc.strip():
            continue
        attempted = True
        try:
            node = yaml.compose(doc, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + first_line}: " if mark is not None else ""
            raise _Unreadable(f"{where}invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
        except RecursionError:
            raise _Unreadable("nested too deeply") from None
        if node is None:  # comments only
            continue
        api = _preference_version(node, versions)
        if api:
            prefs = _preferences(_mapping(node), api)
            prefs["unknown"] = _strict_problem(node) if api == ALPHA else ""
            why = _rejected(prefs)
            return (REJECTED, why) if why else (PREFS, prefs)
    if attempted:
        return IGNORED, "no kubectl preferences in it (apiVersion kubectl.config.k8s.io/v1beta1, kind Preference)"
    return NONE, ""


def _documents(text: str) -> Iterator[tuple[str, int]]:
    """Split like kubectl: a line starting with `---` ends a document and may carry only a comment."""
    doc: list[str] = []
    start = 1
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise _Unreadable(f"line {number}: text after a `---` document separator")
            yield "\n".join(doc), start
            doc, start = [], number + 1
        else:
            doc.append(line)
    yield "\n".join(doc), start


def _preference_version(node: yaml.Node, versions: tuple[str, ...]) -> str:
    """The apiVersion of a kuberc Preference document this kubectl can read, or "" for any other document."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return ""
    top = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    api, kind = top.get("apiVersion"), top.get("kind")
    if not (isinstance(api, yaml.ScalarNode) and isinstance(kind, yaml.ScalarNode)):
        return ""
    version = _scalar(api)
    if _scalar(kind) != "Preference" or not isinstance(version, str) or version not in versions:
        return ""
    return version


class _NotText:
    """A YAML scalar kubectl reads as a number, boolean or other non-string."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# kubectl's YAML (yaml.v2, YAML 1.1) reads these unquoted words as booleans, and `<<` as a merge.
_NOT_TEXT = frozenset({"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
                       "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "<<"})
_STR_TAG = "tag:yaml.org,2002:str"


def _value(node: yaml.Node, depth: int = 0) -> object:
    """A composed YAML node as kubectl's decoder sees it (scalars typed by yaml.v2's rules, not PyYAML's)."""
    import yaml

    if depth > 64:
        raise _Unreadable("nested too deeply (a recursive YAML alias?)")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_value(n, depth + 1) for n in node.value]
    return _mapping(node, depth)


def _mapping(node: yaml.Node, depth: int = 0) -> dict[str, object]:
    import yaml

    out = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or (key.style is None and key.value == "<<"):
            raise _Unreadable(f"line {key.start_mark.line + 1}: a complex or merge (<<) key")
        out[key.value] = _value(value, depth + 1)
    return out


def _scalar(node: yaml.ScalarNode) -> str | _NotText | None:
    if node.style is None:  # plain: typed by yaml.v2's rules
        text = node.value
        if text in _NULLS:
            return None
        return _NotText(text) if text in _NOT_TEXT or _is_number(text) else text
    return node.value if node.tag == _STR_TAG else _NotText(node.value)


def _is_number(text: str) -> bool:
    """Whether yaml.v2 reads the plain scalar as an int or float (leaning to yes where unsure)."""
    body = text.replace("_", "")
    body = body[1:] if body[:1] in "+-" else body
    low = body.lower()
    if low in (".inf", ".nan"):
        return True
    for prefix, digits in (("0x", "0123456789abcdef"), ("0o", "01234567"), ("0b", "01")):
        if low.startswith(prefix):
            return len(low) > 2 and all(c in digits for c in low[2:])
    mantissa, e, exponent = low.partition("e")
    if e and not _digits(exponent[1:] if exponent[:1] in "+-" else exponent):
        return False
    whole, dot, fraction = mantissa.partition(".")
    if not dot:
        return _digits(whole)
    return (_digits(whole) or not whole) and (_digits(fraction) or (not fraction and bool(whole)))


def _digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _preferences(doc: dict[str, object], api: str) -> Preferences:
    """The fields kubectl uses, checked like its decoder checks them (unknown fields are ignored)."""
    defaults_key, options_key = VERSIONS[api]
    aliases = []
    for i, item in enumerate(_list(doc, "aliases", "")):
        where = f"aliases[{i}]"
        item = _struct(item, where)
        aliases.append((_text(item, "name", where), _text(item, "command", where),
                        tuple(_texts(item, "prependArgs", where)), tuple(_texts(item, "appendArgs", where)),
                        _options(item, options_key, where)))
    defaults = []
    for i, item in enumerate(_list(doc, defaults_key, "")):
        where = f"{defaults_key}[{i}]"
        item = _struct(item, where)
        defaults.append((_text(item, "command", where), _options(item, options_key, where)))
    _text(doc, "credentialPluginPolicy", "")
    for i, item in enumerate(_list(doc, "credentialPluginAllowlist", "")):
        _text(_struct(item, f"credentialPluginAllowlist[{i}]"), "command", f"credentialPluginAllowlist[{i}]")
    return {"aliases": aliases, "defaults": defaults, "unknown": ""}


# The fields of a v1alpha1 Preference, for kubectl 1.33's strict decoding (later kubectl ignores unknown fields).
_ALPHA_FIELDS = {"": {"apiVersion", "kind", "aliases", "overrides"},
                 "aliases": {"name", "command", "prependArgs", "appendArgs", "flags"},
                 "overrides": {"command", "flags"}, "flags": {"name", "default"}}


def _strict_problem(node: yaml.Node, within: str = "", where: str = "") -> str:
    """The first unknown or repeated field of a v1alpha1 document (its path, like kubectl prints it), or ""."""
    import yaml

    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found = _strict_problem(item, within, f"{where}[{i}]")
            if found:
                return found
        return ""
    if not isinstance(node, yaml.MappingNode):
        return ""
    seen: set[str] = set()
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        at = f"{where}.{name}" if where else name
        if name in seen:
            return f"repeated field {at}"
        seen.add(name)
        if name not in _ALPHA_FIELDS[within]:
            return f"unknown field {at}"
        if name in _ALPHA_FIELDS and name != within:  # a list of entries of that kind
            found = _strict_problem(value, name, at)
            if found:
                return found
    return ""


def _options(item: dict[str, object], key: str, where: str) -> tuple[Option, ...]:
    out = []
    for i, option in enumerate(_list(item, key, where)):
        at = f"{where}.{key}[{i}]"
        option = _struct(option, at)
        out.append((_text(option, "name", at), _text(option, "default", at)))
    return tuple(out)


def _field(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _list(item: dict[str, object], key: str, where: str) -> list[object]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Unreadable(f"{_field(where, key)}: expected a list")
    return value


def _struct(value: object, where: str) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Unreadable(f"{where}: expected a mapping")
    return value


def _text(item: dict[str, object], key: str, where: str) -> str:
    return _as_text(item.get(key), _field(where, key))


def _texts(item: dict[str, object], key: str, where: str) -> list[str]:
    at = _field(where, key)
    return [_as_text(v, f"{at}[{i}]") for i, v in enumerate(_list(item, key, where))]


def _as_text(value: object, at: str) -> str:
    if value is None:  # null reads as "" in kubectl too
        return ""
    if not isinstance(value, str):
        shown = value.text if isinstance(value, _NotText) else "a list or mapping"
        raise _Unreadable(f"{at}: expected a string, found {shown} (quote it)")
    return value


def _rejected(prefs: Preferences) -> str:
    """kubectl's own checks of a kuberc, which make it refuse every call."""
    seen = set()
    for name, _command, _prepend, _append, options in prefs["aliases"]:
        if not (name.isascii() and name.isalpha()):
            return "invalid alias name, can only include alphabetical characters"
        dashed = _dashed(options)
        if dashed:
            return dashed
        if name in seen:
            return f"duplicate alias name {name}"
        seen.add(name)
    for _command, options in prefs["defaults"]:
        dashed = _dashed(options)
        if dashed:
            return dashed
    return ""


def _dashed(options: tuple[Option, ...]) -> str:
    bad = next((name for name, _default in options if name.startswith("-")), None)
    return f"flag name {bad} should be in long form without dashes" if bad is not None else ""
