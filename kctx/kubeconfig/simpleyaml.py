"""A strict reader for the plain block YAML that kubectl (sigs.k8s.io/yaml) and ``yaml.safe_dump`` write.

Importing PyYAML takes longer than the whole prompt refresh may, yet the files the refresh
reads are nearly always kubectl's own output: block mappings and sequences, one scalar per line. This
reader handles exactly that and returns what ``yaml.safe_load`` returns, or None when the text uses
anything else (anchors, tags, flow collections other than ``{}``/``[]``, block or multi-line scalars,
several documents, tabs, a scalar whose YAML 1.1 type it does not resolve exactly like PyYAML...). The
caller then falls back to PyYAML, which also produces the error messages. Never a different answer:
when in doubt, give up. Standard library only, and not even ``re``.
"""

from __future__ import annotations

from kctx.kubeconfig.goscalar import INF, json_key, resolve

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import Any


class _Unsupported(Exception):
    """Outside the subset (or not valid YAML): PyYAML must decide."""


# Characters that cannot start a plain scalar (or start something this reader does not handle).
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", " ": " ", '"': '"', "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_MAX_KEY = 1000  # PyYAML refuses implicit keys of 1024+ characters: stay well below


def load(data: bytes | str) -> Any:
    """The first and only document of ``data``; None when the reader gives up (or the document is empty,
    which PyYAML reads as None too)."""
    try:
        lines = _lines(_text(data))
        return _Reader(lines).document() if lines else None
    except (_Unsupported, RecursionError):
        return None


def _text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            raise _Unsupported  # a byte order mark: PyYAML picks the encoding from it
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unsupported from None
    if "\r" in data:
        data = data.replace("\r\n", "\n")
    # Tabs, control characters, other line breaks (NEL, LS, PS), BOMs, non-characters: give up. Python's
    # isprintable() refuses all of them (and a few more, such as no-break spaces, which only costs speed).
    if not data.replace("\n", " ").isprintable():
        raise _Unsupported
    return data


def _lines(text: str) -> list[list]:
    """[indent, content] of every line that is not blank or a comment; trailing spaces dropped."""
    out = []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        indent = len(line) - len(content)
        if indent == 0 and (content[0] == "%" or content.startswith(("---", "..."))):
            raise _Unsupported  # directives and document markers
        out.append([indent, content.rstrip(" ")])
    return out


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


class _Reader:
    """Recursive descent over the lines; every node starts at the line ``self.pos``."""

    def __init__(self, lines: list[list]) -> None:
        self.lines = lines
        self.pos = 0

    def document(self) -> Any:
        value = self.node(self.lines[0][0])
        if self.pos != len(self.lines):
            raise _Unsupported  # a line indented less than the document, or left over
        return value

    def node(self, indent: int) -> Any:
        content = self.lines[self.pos][1]
        if _is_item(content):
            return self.sequence(indent)
        if _split_key(content) is not None:
            return self.mapping(indent)
        self.pos += 1
        return _value(content)  # a scalar alone on its line; the caller checks what follows

    def mapping(self, indent: int) -> dict:
        out: dict = {}
        while self.pos < len(self.lines):
            ind, content = self.lines[self.pos]
            if ind < indent:
                break
            key_rest = _split_key(content) if ind == indent and not _is_item(content) else None
            if key_rest is None:
                raise _Unsupported  # deeper than the keys (a continued scalar?) or not a key
            key, rest = key_rest
            self.pos += 1
            if key.__class__ is not str:
                key = _json_key(key)
            out[key] = _value(rest) if rest else self.nested(indent, indentless=True)
        return out

    def sequence(self, indent: int) -> list:
        out: list = []
        while self.pos < len(self.lines):
            ind, content = self.lines[self.pos]
            if ind < indent or (ind == indent and not _is_item(content)):
                break  # the end of an indentless sequence is the next key of its mapping
            if ind > indent:
                raise _Unsupported
            inline = content[1:].lstrip(" ")
            if not inline:
                self.pos += 1
                out.append(self.nested(indent, indentless=False))
                continue
            # "- a: 1": the item's node starts where its text does; read that line as if it began there.
            column = indent + len(content) - len(inline)
            self.lines[self.pos] = [column, inline]
            out.append(self.node(column))
        return out

    def nested(self, indent: int, *, indentless: bool) -> Any:
        """The node under a ``key:`` or ``-`` with nothing after it on its line; None when there is none."""
        if self.pos < len(self.lines):
            ind, content = self.lines[self.pos]
            if ind > indent:
                return self.node(ind)
            if ind == indent and indentless and _is_item(content):
                return self.sequence(indent)  # "key:\n- a": a sequence may sit at its key's indent
        return None


def _split_key(content: str) -> tuple[Any, str] | None:
    """``key: rest`` -> (key, rest without a comment); None when the line is not a mapping entry."""
    if content[0] in "'\"":
        key, end = _quoted(content)
        if end >= len(content) or content[end] != ":":
            return None
        text, after = content[:end], content[end + 1:]
        if after and after[0] != " ":
            raise _Unsupported
        key_value: Any = key
    else:
        end = content.find(": ")
        if end < 0:
            if not content.endswith(":"):
                return None
            end = len(content) - 1
        text, after = content[:end], content[end + 1:]
        if not text or text[-1] == " " or " #" in text or text[0] in _INDICATORS or _is_item(text):
            raise _Unsupported  # complex keys, a comment in the way, "key :" ...
        key_value = _plain(text)
    if len(text) > _MAX_KEY:
        raise _Unsupported
    rest = after.lstrip(" ")
    return key_value, "" if rest.startswith("#") else rest


def _value(text: str) -> Any:
    """A scalar (or ``{}``/``[]``) that makes up the rest of a line."""
    first = text[0]
    if first in "'\"":
        value, end = _quoted(text)
        _comment_only(text[end:])
        return value
    if first in "{[":
        if text[:2] not in ("{}", "[]"):
            raise _Unsupported  # flow collections
        _comment_only(text[2:])
        return {} if first == "{" else []
    cut = text.find(" #")
    if cut >= 0:
        text = text[:cut].rstrip(" ")
    if first in _INDICATORS or _is_item(text) or ": " in text or text.endswith(":"):
        raise _Unsupported  # anchors, aliases, tags, block scalars, "a: b: c" ...
    return _plain(text)


def _json_key(key: Any) -> str:
    try:
        return json_key(key)
    except ValueError:
        raise _Unsupported from None  # a null or fractional key: the full reader decides


def _comment_only(rest: str) -> None:
    if rest and not (rest[0] == " " and rest.lstrip(" ").startswith("#")):
        raise _Unsupported


def _plain(text: str) -> Any:
    """A plain scalar, typed as kubectl types it (kctx/kubeconfig/goscalar.py)."""
    value = resolve(text)
    if value is text:  # text (most names and URLs): only a merge key needs the full reader
        if text == "<<":
            raise _Unsupported
        return text
    if value.__class__ is float and (value != value or value in (INF, -INF)):
        raise _Unsupported  # NaN and infinities: kubectl refuses the file; the full reader says so
    return value


def _quoted(text: str) -> tuple[str, int]:
    """The scalar quoted at the start of ``text`` (on this line) and the index after its closing quote."""
    if text[0] == "'":
        parts, i = [], 1
        while True:
            j = text.find("'", i)
            if j < 0:
                raise _Unsupported  # continues on the next line
            parts.append(text[i:j])
            if text[j + 1:j + 2] != "'":
                return "'".join(parts), j + 1
            i = j + 2
    return _double_quoted(text)


def _double_quoted(text: str) -> tuple[str, int]:
    out, i = [], 1
    while True:
        j = min((k for k in (text.find('"', i), text.find("\\", i)) if k >= 0), default=-1)
        if j < 0:
            raise _Unsupported  # continues on the next line
        out.append(text[i:j])
        if text[j] == '"':
            return "".join(out), j + 1
        code = text[j + 1:j + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i = j + 2
        elif code in _HEX_ESCAPES:
            digits = text[j + 2:j + 2 + _HEX_ESCAPES[code]]
            if len(digits) != _HEX_ESCAPES[code] or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise _Unsupported
            point = int(digits, 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                raise _Unsupported  # libyaml refuses these; PyYAML's pure loader does not
            out.append(chr(point))
            i = j + 2 + len(digits)
        else:
            raise _Unsupported  # a line continuation, "\/" or an unknown escape
