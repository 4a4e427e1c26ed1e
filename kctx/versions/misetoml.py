"""The kubectl entry of a mise config file (``mise.toml`` and friends), without a TOML library (shim path).

Only what names kubectl is read, in the forms mise documents::

    [tools]
    kubectl = "1.30"                      # also 'single quotes', "prefix:1.30", "system"
    kubectl = ["1.30", "1.29"]            # fallbacks, in order (may span lines)
    kubectl = { version = "1.30" }        # the table form, inline
    [tools.kubectl]                       # ... or as its own table
    version = "1.30"
    tools.kubectl = "1.30"                # a dotted key at the top level

A kubectl entry kctx cannot read is an error naming the file and line; the rest of the file is not judged.
"""

from __future__ import annotations

from kctx.errors import KctxError

KEYS = ("kubectl", "aqua:kubernetes/kubectl", "asdf:kubectl", "asdf:asdf-community/asdf-kubectl")


def find(text: str, path: str) -> tuple[int, list[str]] | None:
    """(line number, versions) of the kubectl entry in ``text``, or None when it names no kubectl."""
    table = ""
    lines = text.splitlines()
    at = 0
    while at < len(lines):
        number, line = at + 1, _uncomment(lines[at]).strip()
        at += 1
        if line.startswith("["):
            table = "" if line.startswith("[[") else _key(line.strip("[] \t"))
            continue
        key, eq, value = line.partition("=")
        if not eq:
            continue
        name = _key(key)
        if (table == "tools" and _is_kubectl(name)) or (table == "" and name.startswith("tools.")
                                                         and _is_kubectl(name[len("tools."):])):
            while value.count("[") > value.count("]") and at < len(lines):  # an array over several lines
                value += " " + _uncomment(lines[at])
                at += 1
            return number, _versions(value.strip(), f"{path}:{number}")
        if table.startswith("tools.") and _is_kubectl(table[len("tools."):]) and name == "version":
            return number, _versions(value.strip(), f"{path}:{number}")
    return None


def _is_kubectl(name: str) -> bool:
    return name.strip('"\'') in KEYS


def _key(text: str) -> str:
    """A bare, quoted or dotted key as one string ("tools.kubectl" for 'tools . "kubectl"')."""
    return ".".join(part.strip().strip('"\'') for part in _split(text.strip(), "."))


def _versions(value: str, where: str) -> list[str]:
    if value.startswith("{"):  # { version = "1.30", os = [...] }
        for item in _split(value.strip("{} \t"), ","):
            key, eq, inner = item.partition("=")
            if eq and _key(key) == "version":
                return _versions(inner.strip(), where)
        raise KctxError(f'{where}: the kubectl entry has no version (expected e.g. {{ version = "1.30" }})')
    items = _split(value.strip("[] \t"), ",") if value.startswith("[") else [value]
    out = [_string(item.strip(), where) for item in items if item.strip()]
    if not out:
        raise KctxError(f"{where}: the kubectl entry names no version")
    return [v[len("prefix:"):] if v.startswith("prefix:") else v for v in out]


def _string(text: str, where: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    raise KctxError(f"{where}: expected a quoted kubectl version (e.g. kubectl = \"1.30\"), got {text[:40]}")


def _split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside quotes and brackets."""
    out, start, quote, depth = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _uncomment(line: str) -> str:
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line
