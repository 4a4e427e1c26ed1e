"""YAML that kubectl reads back exactly as written: PyYAML's safe_dump, with every string that go-yaml would
type otherwise double-quoted.

PyYAML writes a string plain whenever its own YAML 1.1 rules read it back as a string, but kubectl's go-yaml
types some of those as something else (``y`` and ``n`` are booleans, ``0o17`` and ``1e3`` numbers), and then
refuses the file (a boolean where a name belongs) or reads another value.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def dump(doc: Any) -> str:
    """``doc`` (dicts, lists, str, int, bool, None) as block YAML, keys in their order."""
    import yaml

    from kctx.kubeconfig.goscalar import resolve

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = '"' if value and resolve(value) is not value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=False, width=1 << 30)
