"""Plain YAML scalars typed the way kubectl types them, and map keys turned into JSON keys.

kubectl reads a kubeconfig with sigs.k8s.io/yaml: go-yaml v2 decodes the YAML into Go values (YAML 1.1 words,
Go's number syntax), which are then written as JSON and decoded into kubectl's structs. PyYAML types plain
scalars by other rules (``y`` is text to it and true to kubectl, ``1:30`` is 90 to it and text to kubectl), so
both of kctx's readers type them here. Standard library only, and not even ``re``: the prompt's refresh uses it.
"""

from __future__ import annotations

NAN = float("nan")
INF = float("inf")

# go-yaml v2's table of words (resolve.go): exactly these spellings.
_WORDS: dict[str, object] = {"": None, "~": None, "null": None, "Null": None, "NULL": None,
                             ".nan": NAN, ".NaN": NAN, ".NAN": NAN}
_WORDS.update((w, True) for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"))
_WORDS.update((w, False) for w in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"))
for _sign, _value in (("", INF), ("+", INF), ("-", -INF)):
    _WORDS.update((_sign + w, _value) for w in (".inf", ".Inf", ".INF"))

_DIGITS = "0123456789"
_MAYBE_TYPED = frozenset(w[0] for w in _WORDS if w) | frozenset("+-." + _DIGITS)  # first characters
_DIGIT_VALUE = {c: i for i, c in enumerate("0123456789abcdefghijklmnopqrstuvwxyz")}
_INT64 = 1 << 63
_UINT64 = 1 << 64


def resolve(text: str) -> object:
    """The value of a plain (unquoted, untagged) scalar: None, bool, int, float or the text itself.

    A timestamp stays text (go-yaml keeps it as a string when decoding into an interface), and so does a
    number too large for a float64 (Go's ParseFloat fails on it)."""
    if text and text[0] not in _MAYBE_TYPED:
        return text  # most names and URLs
    if text in _WORDS:
        return _WORDS[text]
    first = text[0]
    if first == ".":
        return _dot_float(text)
    if first in "+-" or first in _DIGITS:
        return _number(text)
    return text


def _number(text: str) -> object:
    plain = text.replace("_", "")
    value = _parse_int(plain, 0)
    if value is None:
        value = _parse_uint(plain, 0)
    if value is not None:
        return value
    if _is_yaml_float(plain):
        number = float(plain)
        return text if number in (INF, -INF) else number  # an overflow: ParseFloat fails, the scalar is text
    if plain.startswith("0b"):  # go-yaml retries these by hand, so "0b-1" is -1 to it
        value = _parse_int(plain[2:], 2)
        if value is None:
            value = _parse_uint(plain[2:], 2)
    elif plain.startswith("-0b"):
        value = _parse_int("-" + plain[3:], 2)
    return text if value is None else value


def _dot_float(text: str) -> object:
    """Go's ParseFloat of a text starting with a dot: ``.digits`` with an optional exponent, underscores
    only between digits."""
    plain = text.replace("_", "")
    if plain != text and not _underscores_between_digits(text):
        return text
    if not _is_yaml_float(plain):
        return text
    number = float(plain)
    return text if number in (INF, -INF) else number


def _underscores_between_digits(text: str) -> bool:
    return all(0 < i < len(text) - 1 and text[i - 1] in _DIGITS and text[i + 1] in _DIGITS
               for i, c in enumerate(text) if c == "_")


def _parse_uint(s: str, base: int) -> int | None:
    """Go's strconv.ParseUint(s, base, 64) (base 0: 0x, 0o, 0b or 0 prefixes); None on any error."""
    if not s:
        return None
    if base == 0:
        base = 10
        if s[0] == "0":
            prefix = s[1:2].lower()
            if len(s) >= 3 and prefix in ("b", "o", "x"):
                base, s = {"b": 2, "o": 8, "x": 16}[prefix], s[2:]
            else:
                base, s = 8, s[1:]
    n = 0
    for c in s:
        d = _DIGIT_VALUE.get(c.lower()) if c.isascii() else None
        if d is None or d >= base:
            return None
        n = n * base + d
        if n >= _UINT64:
            return None
    return n


def _parse_int(s: str, base: int) -> int | None:
    """Go's strconv.ParseInt(s, base, 64); None on any error."""
    negative = s[:1] == "-"
    n = _parse_uint(s[1:] if s[:1] in ("+", "-") else s, base)
    if n is None or n > _INT64 or (n == _INT64 and not negative):
        return None
    return -n if negative else n


def _ascii_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _is_yaml_float(s: str) -> bool:
    """go-yaml's ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$``."""
    if s[:1] in ("+", "-"):
        s = s[1:]
    mantissa = s
    for i, c in enumerate(s):
        if c in "eE":
            mantissa, exponent = s[:i], s[i + 1:]
            if exponent[:1] in ("+", "-"):
                exponent = exponent[1:]
            if not _ascii_digits(exponent):
                return False
            break
    whole, dot, fraction = mantissa.partition(".")
    if not dot:
        return _ascii_digits(whole)
    if not whole:
        return _ascii_digits(fraction)
    return _ascii_digits(whole) and (not fraction or _ascii_digits(fraction))


# go-yaml's resolvable tags (a tagged scalar of another tag is its text) and what each accepts.
_TAG = "tag:yaml.org,2002:"
_TYPED: dict[str, tuple[type, ...]] = {_TAG + "bool": (bool,), _TAG + "int": (int,), _TAG + "float": (float, int),
                                       _TAG + "null": (type(None),)}
STR_TAG, BINARY_TAG, TIMESTAMP_TAG = _TAG + "str", _TAG + "binary", _TAG + "timestamp"


def resolve_tagged(tag: str, text: str) -> object:
    """The value of a scalar with an explicit tag, as go-yaml decodes it; ValueError where kubectl refuses it
    (a value its tag does not fit, bad base64) or kctx does not follow it (``!!timestamp``: Go's time formats).
    """
    if tag == STR_TAG:
        return text
    if tag == BINARY_TAG:
        try:
            return go_string(go_base64(text))
        except ValueError:
            raise ValueError("a !!binary value that is not base64, which kubectl refuses") from None
    if tag == TIMESTAMP_TAG:
        raise ValueError("a !!timestamp scalar, which kctx does not read")
    kinds = _TYPED.get(tag)
    if kinds is None:
        return text  # a tag go-yaml cannot resolve (!x, !, !!map on a scalar...): the text
    value = resolve(text) if text else None
    # bool is an int to isinstance: compare the types themselves. go-yaml makes a float of an int64, not of a
    # larger (uint64) number.
    if type(value) not in kinds or (kinds[-1] is int and type(value) is int and value >= _INT64):
        raise ValueError(f"{text!r} is no !!{tag.rpartition(':')[2]}, which kubectl refuses")
    return float(value) if tag.endswith("float") else value  # type: ignore[arg-type]


_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def is_go_base64(text: str) -> bool:
    """Whether Go's base64.StdEncoding decodes ``text``: padded standard base64, line breaks ignored."""
    if "\n" in text or "\r" in text:
        text = text.replace("\r", "").replace("\n", "")
    if not text.isascii():
        return False
    raw = text.encode("ascii")
    body = raw.rstrip(b"=")
    return not (len(raw) % 4 or len(raw) - len(body) > 2 or body.translate(None, _BASE64))


def go_base64(text: str) -> bytes:
    """What Go's base64.StdEncoding.DecodeString makes of ``text``; ValueError where it fails."""
    import binascii

    if not is_go_base64(text):
        raise ValueError("not base64")
    return binascii.a2b_base64(text)


def go_string(data: bytes) -> str:
    """Bytes as Go's JSON encoder writes them as text: each byte of an invalid UTF-8 sequence is U+FFFD."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out, i = [], 0
    while i < len(data):
        for n in (1, 2, 3, 4):
            try:
                out.append(data[i:i + n].decode("utf-8"))
            except UnicodeDecodeError:
                continue
            i += n
            break
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


def json_key(value: object) -> str:
    """The JSON key sigs.k8s.io/yaml makes of a decoded map key; ValueError where it fails (as kubectl does)
    or where kctx does not follow it (a float key: Go's float formatting)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value >= _INT64:
            raise ValueError("a map key is a number too large for kubectl")
        return str(value)
    if value is None:
        raise ValueError("a map key is null, which kubectl refuses")
    raise ValueError("a map key is a fractional number, which kctx does not read")
