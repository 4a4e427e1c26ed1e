"""Parse YAML and remember the line of every key and list item, so schema errors can say file:line."""

from __future__ import annotations

import yaml

from kctx.errors import KctxError

Path = tuple[object, ...]  # a key path: ("clusters", "prod-eu", "source") or ("kubeconfigs", 2)


def load(text: str, source: str) -> tuple[object, dict[Path, int]]:
    """The document and a map from key path to 1-based line. Duplicate keys are errors (YAML would keep
    the last one silently, hiding a mistake)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Path, int] = {(): node.start_mark.line + 1}
        _walk(node, (), lines, source)  # before constructing: merge keys rewrite the node tree
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise KctxError(f"{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise KctxError(f"{source}: invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], source: str) -> None:
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            at = (*path, i)
            lines[at] = item.start_mark.line + 1
            _walk(item, at, lines, source)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if not isinstance(key, yaml.ScalarNode):
                raise KctxError(f"{source}:{line}: {dotted(path) or 'top level'}: keys must be plain names")
            if key.value in seen and key.value != "<<":
                raise KctxError(f"{source}:{line}: {dotted((*path, key.value))}: duplicate key "
                                f"(first at line {seen[key.value]})")
            seen[key.value] = line
            at = (*path, key.value)
            lines[at] = line
            _walk(value, at, lines, source)


def dotted(path: Path) -> str:
    """("clusters", "prod", "contexts", 0) -> "clusters.prod.contexts[0]"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of ``path``, or of its nearest ancestor that is written down (a missing key: its parent)."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)
