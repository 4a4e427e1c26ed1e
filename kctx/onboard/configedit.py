"""Minimal-diff edits of kctx's config.yaml: comments, key order, quoting and layout survive.

The document is never re-dumped. yaml.compose gives each node's character span; an edit splices text in
(a list item, a ``key: value`` line, a replaced scalar) in the style the surrounding YAML uses. The result
is parsed again and compared, order included, with the same changes applied to the parsed data, so a
layout this module did not foresee (anchors, odd indentation) fails with a clear error instead of writing
something else than intended.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import yaml

from kctx.errors import KctxError
from kctx.kubeconfig.edit import yaml_scalar
from kctx.onboard.yamlmarks import dotted

_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One edit. ``add``: append ``values`` to the list at ``path`` (``implied`` is what an absent list
    means, e.g. the default kubeconfig globs). ``set``: the scalar at ``path`` becomes ``value``.
    ``put``/``put_first``: key ``key`` of the mapping at ``path`` becomes ``value`` (a new key goes last /
    first, or right after key ``after`` when that exists; an existing one keeps its place)."""

    op: str
    path: tuple[str, ...]
    values: tuple[object, ...] = ()  # strings, or one-level mappings (a kuberc's allowlist entries)
    key: str = ""
    value: str = ""
    implied: tuple[str, ...] = ()
    after: str = ""
    was: str = ""  # the value being replaced, for messages

    def describe(self) -> str:
        where = dotted(self.path)
        if self.op == "add":
            return f"{where}: add {', '.join(_q(v) for v in self.values)}"
        if self.op == "set":
            return f"{where}: {_q(self.was) + ' → ' if self.was else ''}{_q(self.value)}"
        return f"{where}.{_q(self.key)}: {_q(self.was) + ' → ' if self.was else ''}{_q(self.value)}"


def _q(text: object) -> str:
    return yaml_scalar(text, flow=True) if isinstance(text, str) else _flow(text)


def apply(text: str, changes: list[Change], source: str) -> str:
    """``text`` with every change made; KctxError naming ``source`` when that cannot be done safely."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    out = body
    for change in changes:
        out = _Editor(out, source).apply(change)
    expected = _load(body, source)
    for change in changes:
        expected = apply_data(expected, change)
    if _ordered(_load(out, source)) != _ordered(expected):
        raise KctxError(f"{source}: cannot edit this file safely (anchors or an unusual layout); make these "
                        f"changes by hand: {'; '.join(c.describe() for c in changes)}")
    return bom + out


def apply_data(data: object, change: Change) -> dict[object, object]:
    """The same change on parsed data (what the text must read back as)."""
    root = data if isinstance(data, dict) else {}
    holder = root
    for key in change.path[:-1]:
        if not isinstance(holder.get(key), dict):
            holder[key] = {}
        holder = holder[key]
    last = change.path[-1]
    if change.op == "add":
        current = holder.get(last, _MISSING)
        base = list(change.implied) if current is _MISSING else [] if current is None else (
            [current] if isinstance(current, str) else list(current))
        holder[last] = base + list(change.values)
    elif change.op == "set":
        holder[last] = change.value
    else:
        mapping = holder.get(last)
        mapping = dict(mapping) if isinstance(mapping, dict) else {}
        if change.op == "put_first" and change.key not in mapping:
            items = list(mapping.items())
            at = [k for k, _ in items].index(change.after) + 1 if change.after in mapping else 0
            mapping = dict([*items[:at], (change.key, change.value), *items[at:]])
        mapping[change.key] = change.value
        holder[last] = mapping
    return root


def _load(text: str, source: str) -> object:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KctxError(f"{source}{f':{mark.line + 1}' if mark else ''}: invalid YAML") from None
    return {} if data is None else data


def _ordered(value: object) -> object:
    """Dicts compare without order; first-match settings (pins) need it."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


# ---------------------------------------------------------------- rendering new YAML


def _flow(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_scalar(k, flow=True)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return yaml_scalar(str(value), flow=True)


def _block_value(value: dict[object, object] | list[object], indent: int, seq_indent: int) -> str:
    """The lines of a mapping's or list's content at ``indent`` (``seq_indent``: how far a list's dashes
    sit right of their key, 0 or 2, as the file already does it)."""
    pad = " " * indent
    if isinstance(value, dict):
        return "".join(_block_pair(str(k), v, indent, seq_indent) for k, v in value.items())
    return "".join(f"{pad}- {_item(v)}\n" for v in value)


def _item(value: object) -> str:
    """A block list item's text: a scalar, ``key: value`` for a one-key mapping, else flow style."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        return f"{yaml_scalar(str(key))}: {_scalar_or_flow(inner)}"
    return _scalar_or_flow(value)


def _scalar_or_flow(value: object) -> str:
    return _flow(value) if isinstance(value, (dict, list)) else yaml_scalar(str(value))


def _block_pair(key: str, value: object, indent: int, seq_indent: int) -> str:
    pad = " " * indent
    if isinstance(value, (dict, list)) and value:
        inner = indent + (seq_indent if isinstance(value, list) else 2)
        return f"{pad}{yaml_scalar(key)}:\n{_block_value(value, inner, seq_indent)}"
    shown = _flow(value) if isinstance(value, (dict, list)) else yaml_scalar(str(value))
    return f"{pad}{yaml_scalar(key)}: {shown}\n"


def _subtree(path: tuple[str, ...], leaf: object) -> object:
    for key in reversed(path):
        leaf = {key: leaf}
    return leaf


# ---------------------------------------------------------------- splicing


class _Editor:
    def __init__(self, text: str, source: str) -> None:
        self.text, self.source = text, source
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            _load(text, source)  # raises with the line
            raise
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.seq_indent = _seq_indent(self.root, self.starts, text)

    def fail(self, node: yaml.Node, why: str) -> KctxError:
        return KctxError(f"{self.source}:{node.start_mark.line + 1}: {why}; not changed")

    def splice(self, start: int, end: int, new: str) -> str:
        return self.text[:start] + new + self.text[end:]

    def apply(self, change: Change) -> str:
        leaf: object = _leaf(change)
        node, key_node = self.root, None
        for i, key in enumerate(change.path):
            if node is None or _is_null(node):
                return self.fill(node, key_node, _subtree(change.path[i:], leaf))
            if not isinstance(node, yaml.MappingNode):
                raise self.fail(node, f"{dotted(change.path[:i]) or 'the top level'} is not a mapping")
            pair = _get(node, key)
            if pair is None:
                return self.insert_pair(node, key, _subtree(change.path[i + 1:], leaf))
            key_node, node = pair
        if node is None or _is_null(node):  # None: an empty path into an empty document
            return self.fill(node, key_node, leaf)
        if change.op == "add":
            return self.add_items(node, list(change.values))
        if change.op == "set":
            return self.replace(node, change.value)
        return self.put(node, change)

    # -- the target exists

    def add_items(self, node: yaml.Node, values: list[object]) -> str:
        if isinstance(node, yaml.ScalarNode):  # a single glob written as a string
            return self.splice(node.start_mark.index, self.end(node), _flow([node.value, *values]))
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, "expected a list")
        if node.flow_style:
            if node.value:
                pos = self.end(node.value[-1])
                return self.splice(pos, pos, "".join(", " + _flow(v) for v in values))
            pos = self.text.index("[", node.start_mark.index) + 1
            return self.splice(pos, pos, ", ".join(_flow(v) for v in values))
        first = node.value[0].start_mark
        dash = self.text.rfind("-", self.starts[first.line], first.index)
        if dash < 0:
            raise self.fail(node, "unexpected list layout")
        pad = " " * (dash - self.starts[first.line])
        return self.insert_after(self.end(node), "".join(f"{pad}- {_item(v)}\n" for v in values))

    def replace(self, node: yaml.Node, value: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "expected a single value")
        flow = self.in_flow(node)
        return self.splice(node.start_mark.index, self.end(node), yaml_scalar(value, flow=flow))

    def put(self, node: yaml.Node, change: Change) -> str:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{dotted(change.path)} is not a mapping")
        pair = _get(node, change.key)
        if pair is not None:
            if _is_null(pair[1]):
                return self.fill(pair[1], pair[0], change.value)
            return self.replace(pair[1], change.value)
        if change.op == "put_first":
            return self.insert_pair(node, change.key, change.value, first=True, after=_get(node, change.after))
        return self.insert_pair(node, change.key, change.value)

    # -- something is missing

    def fill(self, node: yaml.Node | None, key_node: yaml.Node | None, value: object) -> str:
        """Give an absent document or a null value (``key:`` / ``key: ~``) its content."""
        if node is None or key_node is None:  # an empty document (or only comments)
            if not isinstance(value, dict):
                raise KctxError(f"{self.source}: the top level must be a mapping; not changed")
            sep = "" if not self.text or self.text.endswith("\n") else "\n"
            return self.text + sep + _block_value(value, 0, self.seq_indent)
        start, end = node.start_mark.index, self.end(node)
        if start == end and isinstance(value, (dict, list)) and value and not self.in_flow(key_node):
            indent = key_node.start_mark.column + (self.seq_indent if isinstance(value, list) else 2)
            return self.insert_after(self.end(key_node), _block_value(value, indent, self.seq_indent))
        shown = _flow(value) if isinstance(value, (dict, list)) else yaml_scalar(str(value), flow=self.in_flow(node))
        return self.splice(start, end, (" " if start == end else "") + shown)

    def insert_pair(self, mapping: yaml.MappingNode, key: str, value: object, first: bool = False,
                    after: tuple[yaml.Node, yaml.Node] | None = None) -> str:
        if after is not None:
            return self.insert_after_pair(mapping, after, key, value)
        if mapping.flow_style:
            if not mapping.value:
                pos = self.text.index("{", mapping.start_mark.index) + 1
                return self.splice(pos, pos, f"{yaml_scalar(key, flow=True)}: {_flow(value)}")
            if first:
                pos = mapping.value[0][0].start_mark.index
                return self.splice(pos, pos, f"{yaml_scalar(key, flow=True)}: {_flow(value)}, ")
            pos = self.end(mapping.value[-1][1])
            return self.splice(pos, pos, f", {yaml_scalar(key, flow=True)}: {_flow(value)}")
        head = mapping.value[0][0].start_mark
        text = _block_pair(key, value, head.column, self.seq_indent)
        if first:
            line_start = self.starts[head.line]
            if self.text[line_start:head.index].strip():
                raise self.fail(mapping, "the first key shares its line with other text")
            return self.splice(line_start, line_start, text)
        return self.insert_after(self.end(mapping), text)

    def insert_after_pair(self, mapping: yaml.MappingNode, pair: tuple[yaml.Node, yaml.Node], key: str,
                          value: object) -> str:
        pos = max(self.end(pair[0]), self.end(pair[1]))
        if mapping.flow_style:
            return self.splice(pos, pos, f", {yaml_scalar(key, flow=True)}: {_flow(value)}")
        column = mapping.value[0][0].start_mark.column
        return self.insert_after(pos, _block_pair(key, value, column, self.seq_indent))

    # -- positions

    def insert_after(self, pos: int, lines: str) -> str:
        """Insert whole lines after the line holding the character before ``pos``."""
        line = bisect.bisect_right(self.starts, max(pos - 1, 0)) - 1
        at = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        if at == len(self.text) and self.text and not self.text.endswith("\n"):
            lines = "\n" + lines
        return self.splice(at, at, lines)

    def end(self, node: yaml.Node) -> int:
        """Just past the node's own text (block collections: their last child's, not the next token's)."""
        if isinstance(node, yaml.ScalarNode):
            start, end = node.start_mark.index, node.end_mark.index
            if node.style in ("|", ">"):
                end = start + len(self.text[start:end].rstrip())
            return end
        if isinstance(node, yaml.CollectionNode) and node.flow_style:
            return node.end_mark.index
        if isinstance(node, yaml.MappingNode):
            return max(self.end(node.value[-1][0]), self.end(node.value[-1][1])) if node.value else node.end_mark.index
        return self.end(node.value[-1]) if node.value else node.end_mark.index

    def in_flow(self, node: yaml.Node) -> bool:
        """Is ``node`` inside a flow collection (where , [ ] { } are special)?"""
        return _inside_flow(self.root, node)


def _seq_indent(root: yaml.Node | None, starts: list[int], text: str) -> int:
    """How the file indents block lists under a key: 0 (dash under the key) or 2 (the default)."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(v, yaml.SequenceNode) and not v.flow_style and v.value:
                    first = v.value[0].start_mark
                    dash = text.rfind("-", starts[first.line], first.index)
                    if dash >= 0:
                        return 0 if dash - starts[first.line] == k.start_mark.column else 2
                stack.append(v)
    return 2


def _leaf(change: Change) -> object:
    if change.op == "add":
        return list(change.implied) + list(change.values)
    if change.op == "set":
        return change.value
    return {change.key: change.value}


def _get(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _inside_flow(root: yaml.Node | None, target: yaml.Node, flow: bool = False) -> bool:
    if root is None:
        return False
    if root is target:
        return flow
    inner = flow or bool(getattr(root, "flow_style", False))
    if isinstance(root, yaml.MappingNode):
        return any(_inside_flow(k, target, inner) or _inside_flow(v, target, inner) for k, v in root.value)
    if isinstance(root, yaml.SequenceNode):
        return any(_inside_flow(v, target, inner) for v in root.value)
    return False
