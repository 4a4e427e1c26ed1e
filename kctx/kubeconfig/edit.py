"""Minimal, byte-preserving edits of kubeconfig text.

Users keep comments, key order, quoting and their own indentation in kubeconfig files, so edits never
re-dump the document: PyYAML events (whose marks are character offsets) locate the spans to change and
the text is spliced. Every result is parsed again and compared with the intended change before it is
returned, so an unforeseen layout fails with EditError instead of corrupting a file. JSON kubeconfigs
are the exception: they are re-serialized, keeping key order and indentation.
"""

from __future__ import annotations

import bisect
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from kctx.kubeconfig.goscalar import resolve

__all__ = ["EditError", "SECTIONS", "delete_entry", "entry_names", "rename_context", "set_context_namespace",
           "set_current_context", "yaml_scalar"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Every scalar stays a string, as kubectl reads its string fields: `name: 1.29` is the name "1.29".
_RawLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

SECTIONS = ("contexts", "clusters", "users")
_SINGULAR = {"contexts": "context", "clusters": "cluster", "users": "user"}
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks libyaml counts
_PROPS = re.compile(r"(?:[&!]\S*\s+)*")  # anchor/tag written before a node's content
_INLINE_PROPS = re.compile(r"(?:[ \t]+[&!]\S*)*")
_NULLS = ("", "~", "null", "Null", "NULL")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Words some YAML 1.1 parser (PyYAML, or go-yaml behind kubectl) would not read as a string.
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "<<", "="})
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class EditError(ValueError):
    """The document does not have the shape an edit needs (one-line message, with a line number)."""


# ---------------------------------------------------------------- scalars


def _printable(ch: str) -> bool:
    """A character YAML lets stand unescaped inside a one-line scalar."""
    o = ord(ch)
    if ch in "\x85\u2028\u2029\ufeff":  # line breaks / BOM for YAML 1.1 readers
        return False
    return 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF


def _numeric(value: str) -> bool:
    v = value.replace("_", "")
    for parse in (lambda s: int(s, 0), float):
        try:
            parse(v)
            return True
        except ValueError:
            pass
    return False


def _plain_ok(value: str, flow: bool) -> bool:
    if not value or value[0] in _INDICATORS or value != value.strip(" "):
        return False
    if value.lower() in _RESERVED or _numeric(value) or not all(map(_printable, value)):
        return False
    if resolve(value) is not value:  # kubectl's go-yaml types it (0b-1 is -1 to it)
        return False
    if ": " in value or " #" in value or value.endswith(":") or value.startswith("..."):  # "..." ends a doc
        return False
    if flow and any(c in ",[]{}:?#" for c in value):
        return False
    # Final word from the parsers themselves (libyaml and pure Python disagree on a few corner cases),
    # in the context the value will be written in.
    sample = f"{{k: {value}}}" if flow else f"k: {value}"
    try:
        return all(yaml.load(sample, Loader=loader) == {"k": value} for loader in (_Loader, yaml.SafeLoader))
    except yaml.YAMLError:
        return False


def _double_quoted(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def yaml_scalar(value: str, *, flow: bool = False) -> str:
    """``value`` as a YAML scalar that reads back as that string: plain when safe, else double-quoted.

    ``flow=True`` when it goes inside ``[...]``/``{...}``, where more characters are special.
    """
    return value if _plain_ok(value, flow) else _double_quoted(value)


def _styled(value: str, style: str, flow: bool) -> str:
    """Keep the quoting the user chose when the new value can be written in it."""
    if style == '"':
        return _double_quoted(value)
    if style == "'" and all(_printable(c) for c in value):
        return "'" + value.replace("'", "''") + "'"
    return yaml_scalar(value, flow=flow)


# ---------------------------------------------------------------- node tree with text positions


@dataclass(eq=False)
class _Node:
    kind: str  # "scalar", "map", "seq" or "alias"
    start: int
    end: int = 0  # just past the node's last character (block collections: their last child's end)
    value: str = ""
    style: str = ""
    flow: bool = False  # a flow collection, or a node inside one
    props: bool = False  # an anchor or tag is written before the content
    anchor: str | None = None
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)  # a mapping holds key, value, key, value...
    target: _Node | None = None  # what an alias refers to

    def pairs(self) -> list[tuple[_Node, _Node]]:
        return list(zip(self.children[::2], self.children[1::2], strict=True))


def _deref(node: _Node) -> _Node:
    while node.target is not None:
        node = node.target
    return node


def _is_null(node: _Node) -> bool:
    return node.kind == "scalar" and not node.style and node.value in _NULLS


class _Mark(Protocol):  # yaml.Mark, or libyaml's
    index: int
    line: int


def _mark(mark: _Mark | None) -> _Mark:
    """An event's position; the parser gives every event one (only events made by hand lack it)."""
    if mark is None:
        raise EditError("a YAML event without a position")
    return mark


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """The offset just past what ``pattern`` matches at ``pos`` (the patterns used also match nothing)."""
    m = pattern.match(text, pos)
    return m.end() if m else pos


def _yaml_error(exc: yaml.YAMLError) -> EditError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}: " if mark is not None else ""
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None:  # the problem mark is often far from where the mistake starts
        problem += f" ({context} at line {start.line + 1})"
    return EditError(f"{where}invalid YAML: {problem}")


class _Composer:
    """Builds _Node trees from parser events; unlike yaml.compose it keeps aliases as their own nodes."""

    def __init__(self, text: str) -> None:
        self.events = yaml.parse(text, Loader=_Loader)
        self.text = text
        self.anchors: dict[str, _Node] = {}
        self.aliases: list[_Node] = []

    def _next(self) -> yaml.Event:
        try:
            return next(self.events)
        except yaml.YAMLError as exc:
            raise _yaml_error(exc) from None

    def document(self) -> _Node | None:
        self._next()  # StreamStart
        if isinstance(self._next(), yaml.StreamEndEvent):
            return None
        root = self._node(self._next(), None, False)
        self._next()  # DocumentEnd
        ev = self._next()
        if not isinstance(ev, yaml.StreamEndEvent):
            raise EditError(f"line {_mark(ev.start_mark).line + 1}: more than one YAML document")
        return root

    def _node(self, ev: yaml.Event, parent: _Node | None, flow: bool) -> _Node:
        start = _mark(ev.start_mark).index
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor is None or ev.anchor not in self.anchors:
                raise EditError(f"line {_mark(ev.start_mark).line + 1}: undefined alias *{ev.anchor}")
            node = _Node("alias", start, _mark(ev.end_mark).index, flow=flow, parent=parent,
                         target=self.anchors[ev.anchor])
            self.aliases.append(node)
            return node
        if not isinstance(ev, (yaml.ScalarEvent, yaml.CollectionStartEvent)):  # the parser raises first
            raise EditError(f"line {_mark(ev.start_mark).line + 1}: expected a value")
        props = ev.anchor is not None or ev.tag is not None
        if isinstance(ev, yaml.ScalarEvent):
            end = _mark(ev.end_mark).index
            if ev.style in ("|", ">"):  # block scalars end after their trailing line breaks
                end = start + len(self.text[start:end].rstrip(" \t\r\n\x85\u2028\u2029"))
            node = _Node("scalar", start, end, ev.value, ev.style or "", flow, props, ev.anchor, parent)
            if ev.anchor is not None:
                self.anchors[ev.anchor] = node
            return node
        return self._collection(ev, parent, flow or bool(ev.flow_style), props)

    def _collection(self, ev: yaml.CollectionStartEvent, parent: _Node | None, flow: bool, props: bool) -> _Node:
        kind = "map" if isinstance(ev, yaml.MappingStartEvent) else "seq"
        node = _Node(kind, _mark(ev.start_mark).index, flow=flow, props=props, anchor=ev.anchor, parent=parent)
        if ev.anchor is not None:  # registered early so a child may refer to it
            self.anchors[ev.anchor] = node
        while not isinstance(child := self._next(), (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node.children.append(self._node(child, node, flow))
        # Block collections "end" at the next token, past comments; use their content's end instead.
        node.end = _mark(child.end_mark).index if ev.flow_style else max((c.end for c in node.children),
                                                                  default=node.start)
        return node


class _Doc:
    def __init__(self, text: str) -> None:
        self.text = text
        composer = _Composer(text)
        self.root = composer.document()
        self.aliases = composer.aliases
        breaks = list(_BREAK.finditer(text))
        self.starts = [0] + [m.end() for m in breaks]
        self.breaks = [m.group() for m in breaks]

    def line(self, pos: int) -> int:
        """0-based line index of a character offset."""
        return bisect.bisect_right(self.starts, pos) - 1

    def lineno(self, pos: int) -> int:
        return self.line(pos) + 1

    def line_end(self, i: int) -> int:
        """Offset just past line i's line break."""
        return self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)

    def line_text(self, i: int) -> str:
        return self.text[self.starts[i]:self.line_end(i)].rstrip("\r\n\x85\u2028\u2029")

    def newline(self, i: int | None = None) -> str:
        if i is not None and i < len(self.breaks):
            return self.breaks[i]
        return self.breaks[0] if self.breaks else "\n"

    def raw_data(self) -> Any:
        """What yaml.BaseLoader builds for the text, from the tree already parsed (spares a second parse)."""
        memo: dict[int, Any] = {}

        def build(node: _Node) -> Any:
            node = _deref(node)
            if node.kind == "scalar":
                return node.value
            if id(node) in memo:
                return memo[id(node)]
            if node.kind == "seq":
                items: list[Any] = []
                memo[id(node)] = items  # before the children: an alias inside may refer to it
                items += [build(child) for child in node.children]
                return items
            mapping: dict[str, Any] = {}
            memo[id(node)] = mapping
            for k, v in node.pairs():
                key = build(k)
                if not isinstance(key, str):
                    raise EditError(f"line {self.lineno(k.start)}: only single-value keys are supported")
                mapping[key] = build(v)
            return mapping

        return None if self.root is None else build(self.root)

    def content_start(self, node: _Node) -> int:
        return _skip(_PROPS, self.text, node.start) if node.props else node.start


# ---------------------------------------------------------------- splicing


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    owner: _Node | None  # the node whose content changes, checked against aliases


def _guard(doc: _Doc, edits: list[_Edit]) -> None:
    """Refuse edits that would change what an alias elsewhere refers to, or remove its anchor."""

    def covered(pos: int) -> bool:
        return any(e.start <= pos < e.end for e in edits)

    live = [a for a in doc.aliases if not covered(a.start)]
    for alias in live:
        target = alias.target
        assert target is not None
        changed = covered(target.start)
        for e in edits:
            node: _Node | None = e.owner
            while node is not None and not changed:
                changed = node is target
                node = node.parent
        if changed:
            raise EditError(f"line {doc.lineno(alias.start)}: the edit would change or remove what alias "
                            f"*{target.anchor} refers to (anchor at line {doc.lineno(target.start)})")


def _splice(doc: _Doc, edits: list[_Edit]) -> str:
    _guard(doc, edits)
    out = doc.text
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[:e.start] + e.text + out[e.end:]
    return out


def _replace_value(doc: _Doc, node: _Node, value: str, raw: str | None = None) -> _Edit:
    """Replace a scalar (or alias) with ``value``, or with the ready-made text ``raw``."""
    if node.kind == "alias":
        return _Edit(node.start, node.end, raw or yaml_scalar(value, flow=node.flow), node)
    if node.kind != "scalar":
        what = "list" if node.kind == "seq" else "mapping"
        raise EditError(f"line {doc.lineno(node.start)}: expected a single value, found a {what}")
    text = raw or _styled(value, node.style, node.flow)
    start = doc.content_start(node)
    if start >= node.end:  # `key:` with nothing after the colon
        return _Edit(node.end, node.end, " " + text, node)
    return _Edit(start, node.end, text, node)


def _add_key(doc: _Doc, mapping: _Node, key: str, raw: str,
             after: tuple[_Node, _Node] | None = None) -> _Edit:
    """Insert ``key: raw`` into a mapping, after the pair ``after`` (default: the last pair)."""
    pairs = mapping.pairs()
    ref = after or (pairs[-1] if pairs else None)
    entry = f"{key}: {raw}"
    if mapping.flow:
        if ref is None:
            pos = doc.content_start(mapping) + 1  # just inside "{"
            return _Edit(pos, pos, entry, mapping)
        pos = max(ref[0].end, ref[1].end)
        return _Edit(pos, pos, ", " + entry, mapping)
    if ref is None:  # an empty mapping is written `{}` (flow, above): a block mapping has a pair
        raise EditError(f"line {doc.lineno(mapping.start)}: cannot add {key!r} to an empty mapping")
    first = pairs[0][0]
    indent = " " * (first.start - doc.starts[doc.line(first.start)])
    i = doc.line(max(ref[0].end, ref[1].end) - 1)
    pos = doc.line_end(i)
    if i >= len(doc.breaks):  # last line without a line break: keep the file without one
        return _Edit(pos, pos, doc.newline() + indent + entry, mapping)
    return _Edit(pos, pos, indent + entry + doc.newline(i), mapping)


def _remove_lines(doc: _Doc, first: int, last: int, owner: _Node) -> _Edit:
    start, end = doc.starts[first], doc.line_end(last)
    if last >= len(doc.breaks) and first > 0:  # the file ends without a line break: keep it that way
        start -= len(doc.breaks[first - 1])
    return _Edit(start, end, "", owner)


def _empty_marker(doc: _Doc, key: _Node, coll: _Node, marker: str) -> _Edit:
    """Write ``[]``/``{}`` after ``key:`` once a block collection lost its last child."""
    pos = doc.text.index(":", key.end) + 1
    if coll.props:
        pos = _skip(_INLINE_PROPS, doc.text, pos)
    return _Edit(pos, pos, " " + marker, coll)


def _flow_remove(doc: _Doc, coll: _Node, spans: list[tuple[int, int]], i: int, empty: str) -> _Edit:
    """Remove child span i of a flow collection together with one separating comma."""
    if len(spans) == 1:
        return _Edit(doc.content_start(coll), coll.end, empty, coll)
    if i + 1 < len(spans):
        return _Edit(spans[i][0], spans[i + 1][0], "", coll)
    return _Edit(spans[i - 1][1], spans[i][1], "", coll)


def _dash(doc: _Doc, item: _Node) -> tuple[int, int]:
    """(line, column) of the "-" that introduces a block sequence item."""
    i = doc.line(item.start)
    before = doc.text[doc.starts[i]:item.start]
    while not before.strip() or before.lstrip().startswith("#"):
        i -= 1
        if i < 0:
            break
        before = doc.line_text(i)
    if i < 0 or not before.lstrip().startswith("-"):
        raise EditError(f"line {doc.lineno(item.start)}: cannot find the '-' of this list item")
    return i, len(before) - len(before.lstrip())


def _item_lines(doc: _Doc, item: _Node) -> tuple[int, int]:
    """First and last line of a block list item, with trailing comments indented inside it."""
    first, column = _dash(doc, item)
    last = doc.line(item.end - 1)
    k = last + 1
    while k < len(doc.starts):
        line = doc.line_text(k)
        body = line.lstrip()
        if body.startswith("#") and len(line) - len(body) > column:
            last = k
        elif body:  # content, or a comment at the dash's column (it belongs to what follows)
            break
        k += 1
    return first, last


# ---------------------------------------------------------------- kubeconfig shape


@dataclass
class _Entry:
    item: _Node  # as written in the list (may be an alias)
    mapping: _Node
    name_node: _Node | None

    @property
    def name(self) -> str | None:
        if self.name_node is None:
            return None
        node = _deref(self.name_node)
        return node.value if node.kind == "scalar" else None


def _root_map(doc: _Doc) -> _Node:
    if doc.root is None or doc.root.kind != "map":
        line = doc.lineno(doc.root.start) if doc.root else 1
        raise EditError(f"line {line}: the top level of a kubeconfig must be a mapping")
    return doc.root


def _lookup(doc: _Doc, mapping: _Node, key: str) -> tuple[_Node, _Node] | None:
    found = [(k, v) for k, v in mapping.pairs() if _deref(k).kind == "scalar" and _deref(k).value == key]
    if len(found) > 1:
        raise EditError(f"line {doc.lineno(found[1][0].start)}: duplicate key {key!r} "
                        f"(also at line {doc.lineno(found[0][0].start)})")
    return found[0] if found else None


def _section(doc: _Doc, section: str) -> tuple[tuple[_Node, _Node] | None, _Node | None]:
    """The section's (key, value) pair and its list (None when missing or null)."""
    if section not in SECTIONS:
        raise EditError(f"unknown kubeconfig section {section!r} (expected one of {', '.join(SECTIONS)})")
    pair = _lookup(doc, _root_map(doc), section)
    if pair is None or _is_null(_deref(pair[1])):
        return pair, None
    seq = _deref(pair[1])
    if seq.kind != "seq":
        raise EditError(f"line {doc.lineno(pair[0].start)}: {section!r} is not a list")
    return pair, seq


def _entries(doc: _Doc, section: str, seq: _Node | None) -> list[_Entry]:
    entries = []
    for item in seq.children if seq else []:
        mapping = _deref(item)
        if mapping.kind != "map":
            raise EditError(f"line {doc.lineno(item.start)}: an entry of {section!r} is not a mapping")
        pair = _lookup(doc, mapping, "name")
        entries.append(_Entry(item, mapping, pair[1] if pair else None))
    return entries


def _one(doc: _Doc, section: str, seq: _Node | None, name: str) -> tuple[list[_Entry], int]:
    entries = _entries(doc, section, seq)
    hits = [i for i, e in enumerate(entries) if e.name == name]
    if not hits:
        raise EditError(f"no {_SINGULAR[section]} named {name!r} in {section!r}")
    if len(hits) > 1:
        raise EditError(f"line {doc.lineno(entries[hits[1]].item.start)}: more than one "
                        f"{_SINGULAR[section]} is named {name!r}")
    return entries, hits[0]


# ---------------------------------------------------------------- edit plans (YAML) and data changes


def _plan_current(doc: _Doc, name: str) -> list[_Edit]:
    root = doc.root
    if root is None or (root.kind == "scalar" and root.start == root.end):  # empty document
        end = len(doc.text)
        prefix = doc.newline() if doc.line_text(len(doc.breaks)) else ""  # text ends without a break
        return [_Edit(end, end, f"{prefix}current-context: {yaml_scalar(name)}{doc.newline()}", root)]
    root = _root_map(doc)
    pair = _lookup(doc, root, "current-context")
    if pair is not None:
        return [_replace_value(doc, pair[1], name)]
    heads = [p for k in ("kind", "apiVersion") if (p := _lookup(doc, root, k))]
    after = max(heads, key=lambda p: p[0].start, default=None)
    return [_add_key(doc, root, "current-context", yaml_scalar(name, flow=root.flow), after)]


def _data_root(data: Any) -> dict[str, Any]:
    if data is None or data == "":
        return {}
    if not isinstance(data, dict):
        raise EditError("the top level of a kubeconfig must be a mapping")
    return data


def _data_current(data: Any, name: str) -> dict[str, Any]:
    root = _data_root(data)
    if "current-context" in root:
        root["current-context"] = name
        return root
    keys = list(root)
    pos = max((keys.index(k) + 1 for k in ("kind", "apiVersion") if k in root), default=len(keys))
    items = list(root.items())
    items.insert(pos, ("current-context", name))
    return dict(items)


def _data_one(data: Any, section: str, name: str) -> tuple[list[Any], int]:
    if section not in SECTIONS:
        raise EditError(f"unknown kubeconfig section {section!r} (expected one of {', '.join(SECTIONS)})")
    seq = _data_root(data).get(section)
    seq = [] if seq is None or seq in _NULLS else seq
    if not isinstance(seq, list):
        raise EditError(f"{section!r} is not a list")
    hits = [i for i, e in enumerate(seq) if isinstance(e, dict) and e.get("name") == name]
    if len(hits) != 1:
        what = "no" if not hits else "more than one"
        raise EditError(f"{what} {_SINGULAR[section]} named {name!r} in {section!r}")
    return seq, hits[0]


def _plan_rename(doc: _Doc, old: str, new: str) -> list[_Edit]:
    _, seq = _section(doc, "contexts")
    entries, i = _one(doc, "contexts", seq, old)
    if old == new:
        return []
    if any(e.name == new for e in entries):
        raise EditError(f"a context named {new!r} already exists")
    name_node = entries[i].name_node
    assert name_node is not None
    edits = [_replace_value(doc, name_node, new)]
    pair = _lookup(doc, _root_map(doc), "current-context")
    if pair is not None and _deref(pair[1]).kind == "scalar" and _deref(pair[1]).value == old:
        edits.append(_replace_value(doc, pair[1], new))
    return edits


def _data_rename(data: Any, old: str, new: str) -> Any:
    seq, i = _data_one(data, "contexts", old)
    if old != new:
        if any(isinstance(e, dict) and e.get("name") == new for e in seq):
            raise EditError(f"a context named {new!r} already exists")
        seq[i]["name"] = new
        if data.get("current-context") == old:
            data["current-context"] = new
    return data


def _plan_delete(doc: _Doc, section: str, name: str) -> list[_Edit]:
    pair, seq = _section(doc, section)
    _, i = _one(doc, section, seq, name)
    assert seq is not None and pair is not None
    if seq.flow:
        return [_flow_remove(doc, seq, [(c.start, c.end) for c in seq.children], i, "[]")]
    first, last = _item_lines(doc, seq.children[i])
    edits = [_remove_lines(doc, first, last, seq)]
    if len(seq.children) == 1:  # an empty block list reads as null; kubectl wants a list
        edits.append(_empty_marker(doc, pair[0], seq, "[]"))
    return edits


def _data_delete(data: Any, section: str, name: str) -> Any:
    seq, i = _data_one(data, section, name)
    del seq[i]
    return data


def _plan_namespace(doc: _Doc, context: str, namespace: str | None) -> list[_Edit]:
    _, seq = _section(doc, "contexts")
    entries, i = _one(doc, "contexts", seq, context)
    item = entries[i].mapping
    pair = _lookup(doc, item, "context")
    ctx = _deref(pair[1]) if pair else None
    if ctx is None or _is_null(ctx):
        if namespace is None:
            return []
        raw = f"{{namespace: {yaml_scalar(namespace, flow=True)}}}"
        if pair is None:
            return [_add_key(doc, item, "context", raw)]
        return [_replace_value(doc, pair[1], namespace, raw)]
    if ctx.kind != "map":
        raise EditError(f"line {doc.lineno(ctx.start)}: 'context' of {context!r} is not a mapping")
    assert pair is not None
    ns = _lookup(doc, ctx, "namespace")
    if namespace is not None:
        if ns is not None:
            return [_replace_value(doc, ns[1], namespace)]
        return [_add_key(doc, ctx, "namespace", yaml_scalar(namespace, flow=ctx.flow))]
    if ns is None:
        if _lookup(doc, ctx, "<<"):
            raise EditError(f"line {doc.lineno(ctx.start)}: the namespace may come from a merge key ('<<')")
        return []
    return _remove_pair(doc, ctx, ns, pair[0])


def _remove_pair(doc: _Doc, mapping: _Node, pair: tuple[_Node, _Node], parent_key: _Node) -> list[_Edit]:
    pairs = mapping.pairs()
    key, value = pair
    if mapping.flow:
        spans = [(k.start, v.end) for k, v in pairs]
        return [_flow_remove(doc, mapping, spans, pairs.index(pair), "{}")]
    i = doc.line(key.start)
    if doc.text[doc.starts[i]:key.start].strip():
        raise EditError(f"line {i + 1}: {key.value!r} shares its line with other content")
    edits = [_remove_lines(doc, i, doc.line(max(key.end, value.end) - 1), mapping)]
    if len(pairs) == 1:
        edits.append(_empty_marker(doc, parent_key, mapping, "{}"))
    return edits


def _data_namespace(data: Any, context: str, namespace: str | None) -> Any:
    seq, i = _data_one(data, "contexts", context)
    item = seq[i]
    ctx = item.get("context")
    if namespace is None:
        if isinstance(ctx, dict):
            ctx.pop("namespace", None)
        return data
    if ctx is None or ctx in _NULLS:
        ctx = item["context"] = {}
    elif not isinstance(ctx, dict):
        raise EditError(f"'context' of {context!r} is not a mapping")
    ctx["namespace"] = namespace
    return data


# ---------------------------------------------------------------- driver


def _load_raw(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_RawLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None


def _json_data(text: str) -> Any:
    if not text.lstrip().startswith("{"):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None  # YAML in flow style, not JSON


def _dump_json(original: str, data: Any) -> str:
    m = re.search(r"\n([ \t]+)\S", original)
    out = json.dumps(data, indent=m.group(1) if m else None, ensure_ascii=False)
    if "\r\n" in original:
        out = out.replace("\n", "\r\n")
    return out + original[len(original.rstrip()):]


def _apply(text: str, change: Callable[[Any], Any], plan: Callable[[_Doc], list[_Edit]]) -> str:
    bom = "\ufeff" if text.startswith("\ufeff") else ""  # libyaml does not count a BOM in its offsets
    body = text[len(bom):]
    data = _json_data(body)
    if data is not None:
        new = change(copy.deepcopy(data))
        return text if new == data else bom + _dump_json(body, new)
    doc = _Doc(body)
    edits = plan(doc)
    if not edits:
        return text
    out = _splice(doc, edits)
    if _load_raw(out) != change(doc.raw_data()):
        raise EditError(f"line {doc.lineno(min(e.start for e in edits))}: cannot edit this document safely: "
                        "the result would differ from the intended change")
    return bom + out


def set_current_context(text: str, name: str) -> str:
    """Set top-level ``current-context`` (added after kind/apiVersion, or at the end, when missing)."""
    return _apply(text, lambda d: _data_current(d, name), lambda doc: _plan_current(doc, name))


def rename_context(text: str, old: str, new: str) -> str:
    """Rename context ``old`` to ``new``, and current-context with it when it pointed at ``old``."""
    return _apply(text, lambda d: _data_rename(d, old, new), lambda doc: _plan_rename(doc, old, new))


def delete_entry(text: str, section: str, name: str) -> str:
    """Remove the entry ``name`` from ``contexts``, ``clusters`` or ``users`` (an emptied list becomes [])."""
    return _apply(text, lambda d: _data_delete(d, section, name),
                  lambda doc: _plan_delete(doc, section, name))


def set_context_namespace(text: str, context: str, namespace: str | None) -> str:
    """Set the namespace of a context, or remove it when ``namespace`` is None."""
    return _apply(text, lambda d: _data_namespace(d, context, namespace),
                  lambda doc: _plan_namespace(doc, context, namespace))


def entry_names(text: str, section: str) -> list[str]:
    """Names of the entries of ``section`` in file order."""
    body = text.removeprefix("\ufeff")
    data = _json_data(body)
    if data is not None:
        if section not in SECTIONS:
            raise EditError(f"unknown kubeconfig section {section!r}")
        seq = _data_root(data).get(section) or []
        return [e["name"] for e in seq if isinstance(e, dict) and isinstance(e.get("name"), str)]
    doc = _Doc(body)
    _, seq = _section(doc, section)
    return [e.name for e in _entries(doc, section, seq) if e.name is not None]
