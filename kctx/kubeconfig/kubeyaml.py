"""Any kubeconfig YAML, read the way kubectl reads it; or a Problem where kctx cannot be sure it would agree.

kubectl reads a kubeconfig with sigs.k8s.io/yaml: go-yaml v2 parses the first document, and its Go values are
written as JSON for Go's JSON decoder. go-yaml v2 is a port of libyaml, the parser PyYAML's C loader uses, so
kctx takes libyaml's parse events from PyYAML and builds the document from them by go-yaml's rules rather
than PyYAML's:

- plain scalars are typed as go-yaml types them (kctx/kubeconfig/goscalar.py): ``y`` is true, ``1:30`` text;
- a merge key (``<<``) sets its keys over the keys before it, and keys after it override it; of a list of
  merged maps the earlier wins; the last of duplicate keys wins;
- map keys become JSON keys (``1`` -> ``"1"``, ``true`` -> ``"true"``);
- a tagged scalar is decoded as its tag says (``!!binary`` as base64, ``!x`` as text); tags on maps and lists
  are ignored;
- only the first document is read; the others are not even parsed.

What kubectl refuses (a null key, NaN, an alias of the node that holds it, a ``\\/`` escape, ``%YAML 1.2``,
a scalar its tag does not fit) and what kctx does not follow (``!!timestamp``, fractional keys) raise Problem:
the caller reports the file, and the guard refuses writes that depend on it without a terminal.
"""

from __future__ import annotations

from kctx.kubeconfig.goscalar import INF, json_key, resolve, resolve_tagged

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeAlias

    from yaml import ScalarEvent

MERGE_TAG = "tag:yaml.org,2002:merge"

# Nodes: ("s", value, line, is_merge_key) | ("m", [key, value, key, value...], line) | ("q", [items], line)
# | ("a", target node, line).
Node: TypeAlias = "tuple[Any, ...]"


class Problem(ValueError):
    """Why the document cannot be read as kubectl reads it, and the 1-based line (0: unknown)."""

    def __init__(self, problem: str, line: int = 0) -> None:
        super().__init__(problem)
        self.line = line


def load(raw: bytes) -> Any:
    """The first document of ``raw`` as kubectl's decoder sees it (dicts with str keys, lists, str, int,
    float, bool, None); None for an empty stream."""
    root = _parse(raw)
    if root is None:
        return None
    try:
        return _Decoder().decode(root)
    except RecursionError:
        raise Problem("nested too deeply for kctx") from None


def line_of(raw: bytes, path: tuple[str | int, ...]) -> int:
    """The line of the node at ``path`` (keys and list indexes) in the first document; the deepest node found
    on the way when the path leaves the document; 0 when the text cannot be parsed. For error messages."""
    try:
        node = _parse(raw)
    except Problem:
        return 0
    line = 0
    for step in path:
        node = _deref(node)
        if node is None:
            break
        line = node[2]
        node = _child(node, step)
    node = _deref(node)
    return node[2] if node is not None else line


def _parse(raw: bytes) -> Node | None:
    import yaml

    try:  # libyaml: the parser go-yaml v2 was ported from, and ~10x faster than PyYAML's own
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - PyYAML without libyaml
        from yaml import SafeLoader as Loader  # type: ignore[assignment]
    try:
        return _Builder(raw).build(yaml.parse(raw, Loader=Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise Problem(f"invalid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else 0) from None
    except yaml.YAMLError as exc:
        raise Problem(f"invalid YAML: {str(exc).splitlines()[0]}") from None


class _Builder:
    """The node tree of the first document, from parse events, with go-yaml's checks."""

    def __init__(self, raw: bytes) -> None:
        self._text = _text(raw) if b"/" in raw else None  # the text, where it may hold a \\/ escape


    def build(self, events: Iterable[Any]) -> Node | None:
        import yaml

        anchors: dict[str, Node] = {}
        stack: list[tuple[str, list[Node], int, str | None]] = []  # open collections: kind, items, line, anchor
        root: Node | None = None
        for ev in events:
            kind = type(ev)
            line = ev.start_mark.line + 1
            anchor: str | None = getattr(ev, "anchor", None)
            if kind is yaml.ScalarEvent:
                node = self._scalar(ev, line)
            elif kind is yaml.AliasEvent:
                node = ("a", self._target(anchors, stack, ev.anchor, line), line)
                anchor = None
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                stack.append(("m" if kind is yaml.MappingStartEvent else "q", [], line, anchor))
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                collection, items, line, anchor = stack.pop()
                node = (collection, items, line)
            elif kind is yaml.DocumentStartEvent:
                if ev.version not in (None, (1, 1)):
                    raise Problem("invalid YAML: found incompatible YAML document (kubectl reads YAML 1.1 only)",
                                  line)
                continue
            elif kind is yaml.DocumentEndEvent:
                return root  # kubectl reads the first document only: the next ones are not even parsed
            else:
                continue
            if anchor is not None:
                anchors[anchor] = node
            if stack:
                stack[-1][1].append(node)
            else:
                root = node
        return root

    @staticmethod
    def _target(anchors: dict[str, Node], stack: list[tuple[str, list[Node], int, str | None]], anchor: str,
                line: int) -> Node:
        if any(entry[3] == anchor for entry in stack):
            raise Problem(f"the alias *{anchor} is inside the node it names, which kubectl refuses", line)
        if anchor not in anchors:
            raise Problem(f"invalid YAML: unknown anchor '{anchor}' referenced", line)
        return anchors[anchor]

    def _scalar(self, ev: ScalarEvent, line: int) -> Node:
        value, tag = ev.value, ev.tag
        if ev.style == '"':
            self._check_escapes(ev, line)
        if value == "<<" and (ev.implicit[0] or tag == MERGE_TAG):  # plain, or tagged !!merge or !
            return ("s", value, line, True)
        if tag is None:
            typed = resolve(value) if ev.implicit[0] else value  # plain, else quoted
        else:
            try:
                typed = resolve_tagged(tag, value)
            except ValueError as exc:
                raise Problem(str(exc), line) from None
        if typed != typed or typed in (INF, -INF):
            raise Problem(f"{value} is not a number kubectl can write as JSON (NaN, infinity)", line)
        return ("s", typed, line, False)

    def _check_escapes(self, ev: Any, line: int) -> None:
        """libyaml reads ``\\/`` in a double-quoted scalar as ``/``; go-yaml v2 refuses it."""
        if self._text is None:
            return
        source = self._text[ev.start_mark.index:ev.end_mark.index]
        i = source.find("\\")
        while i >= 0:
            if source[i + 1:i + 2] == "/":
                raise Problem('invalid YAML: found unknown escape character "\\/" (kubectl refuses it)', line)
            i = source.find("\\", i + 2)


def _text(raw: bytes) -> str | None:
    """``raw`` decoded as libyaml decodes it (a UTF-16 BOM, else UTF-8), without the BOM (marks do not count it); None
    when it holds no ``\\/``."""
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    if encoding == "utf-8-sig" and b"\\/" not in raw:
        return None
    text = raw.decode(encoding, "replace")
    return text if "\\/" in text else None



class _Decoder:
    """Nodes to values, by go-yaml v2's rules for decoding into an interface{}.

    go-yaml decodes an alias by decoding its target again, counting every node it decodes and those it decodes
    inside an alias, and refuses a document where the second count grows too large a share of the first
    ("excessive aliasing"). kctx decodes each target once, but keeps the same counts."""

    def __init__(self) -> None:
        self._memo: dict[int, Any] = {}  # aliased nodes, decoded once and shared (never mutated)
        self._sizes: dict[int, int] = {}  # nodes go-yaml decodes for a node, its aliases expanded
        self._decoded = 1  # go-yaml's decodeCount: the document node, then every node decoded
        self._aliased_count = 0  # its aliasCount: the nodes decoded inside an alias
        self._counting = True

    def decode(self, node: Node) -> Any:
        kind = node[0]
        if self._counting:
            self._decoded += 1
            if kind == "a":  # the target's nodes, all decoded inside the alias
                size = self._size(node[1])
                self._decoded += size
                self._aliased_count += size
            if self._aliased_count > 100 and self._decoded > 1000:
                self._check_aliasing(node)
        if kind == "s":
            return node[1]
        if kind == "a":
            return self._aliased(node[1])
        if kind == "q":
            return [self.decode(item) for item in node[1]]
        out: dict[str, Any] = {}
        items = node[1]
        for i in range(0, len(items), 2):
            key, value = items[i], items[i + 1]
            if key[0] == "s" and key[3]:
                self._merge(value, out)
            else:
                name = self._key(key)  # before the value, as go-yaml: its counts of decoded nodes see this order
                out[name] = self.decode(value)
        return out

    def _aliased(self, target: Node) -> Any:
        found = self._memo.get(id(target), self)
        if found is self:
            counting, self._counting = self._counting, False  # counted by the alias already
            found = self._memo[id(target)] = self.decode(target)
            self._counting = counting
        return found

    def _size(self, node: Node) -> int:
        """How many nodes go-yaml decodes for ``node`` (itself included, aliases expanded)."""
        found = self._sizes.get(id(node))
        if found is None:
            kind = node[0]
            if kind == "s":
                found = 1
            elif kind == "a":
                found = 1 + self._size(node[1])
            elif kind == "q":
                found = 1 + sum(map(self._size, node[1]))
            else:
                found = 1
                items = node[1]
                for i in range(0, len(items), 2):
                    key, value = items[i], items[i + 1]
                    if key[0] == "s" and key[3] and value[0] == "q":  # a merged list: its maps, not the list
                        found += sum(map(self._size, value[1]))
                    else:
                        found += (0 if key[0] == "s" and key[3] else self._size(key)) + self._size(value)
            self._sizes[id(node)] = found
        return found

    def _check_aliasing(self, node: Node) -> None:
        """go-yaml's allowedAliasRatio: up to 99% of 400,000 decoded nodes, falling to 10% at 4,000,000."""
        decoded = self._decoded
        allowed = 0.99 if decoded <= 400_000 else 0.10 if decoded >= 4_000_000 else \
            0.99 - 0.89 * (decoded - 400_000) / 3_600_000
        if self._aliased_count / decoded > allowed:
            raise Problem("the document contains excessive aliasing, which kubectl refuses", node[2])

    def _key(self, node: Node) -> str:
        value = self.decode(node)
        if isinstance(value, (dict, list)):
            raise Problem("invalid YAML: a map or list as a map key, which kubectl refuses", node[2])
        try:
            return json_key(value)
        except ValueError as exc:
            raise Problem(str(exc), node[2]) from None

    def _merge(self, value: Node, out: dict[str, Any]) -> None:
        """go-yaml's merge: the merged keys are set over ``out``; of a list of maps, the earlier ones win."""
        sources = list(reversed(value[1])) if value[0] == "q" else [value]
        for source in sources:
            target = source[1] if source[0] == "a" else source
            if target[0] != "m":
                raise Problem("invalid YAML: map merge requires map or sequence of maps as the value", value[2])
        for source in sources:
            out.update(self.decode(source))


def _deref(node: Node | None) -> Node | None:
    return node[1] if node is not None and node[0] == "a" else node


def _child(node: Node, step: object) -> Node | None:
    """The node under ``step`` (a key or an index), following merges; None when there is none."""
    if node[0] == "q":
        return node[1][step] if isinstance(step, int) and 0 <= step < len(node[1]) else None
    if node[0] != "m":
        return None
    found = None
    items = node[1]
    for i in range(0, len(items), 2):
        key, value = _deref(items[i]), items[i + 1]
        if key is None or key[0] != "s":
            continue
        if key[3] and items[i][0] == "s":
            merged = [_deref(n) for n in (value[1] if value[0] == "q" else [value])]
            found = next((c for m in merged if m is not None for c in [_child(m, step)] if c is not None), found)
        elif _same_key(key[1], step):
            found = value
    return found


def _same_key(value: object, step: object) -> bool:
    try:
        return json_key(value) == step
    except ValueError:
        return False
