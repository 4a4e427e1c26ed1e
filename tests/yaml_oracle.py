"""kubectl as the oracle of how a kubeconfig file reads, and a generator of files on which readers disagree.

``kubectl_reading`` runs a real kubectl (`config view -o json --raw`, and optionally `config current-context`)
on one file; ``kctx_reading`` is what kctx's index makes of the same file. ``compare`` sorts the outcome:

- "agree": both read the same current-context, contexts (cluster, user, namespace, kctx's protection mark),
  clusters (server, CA data, insecure flag, mark) and user names; "both-refuse": both refuse the file;
- "fail-closed": kubectl reads the file but kctx reports it as a problem (the guard then refuses writes
  without a terminal): allowed, as long as realistic files stay readable;
- "kubectl-refuses": kctx reads a file kubectl refuses: no kubectl call can reach a cluster with it, so not a
  walk-around, but a disagreement the tests hold to none;
- "differ": both read the file, differently: the guard would judge another target than kubectl uses.

``documents()`` is a hypothesis strategy of kubeconfig files built from YAML's troublesome corners: YAML 1.1
words and numbers as names, quoting styles, merge keys, duplicate keys, anchors, flow and block styles,
several documents, a BOM, CRLF, tabs, non-UTF-8 bytes, very long lines, JSON, lists where maps belong.
Used by tests/test_yaml_oracle.py and scripts/fuzz_kubeconfig_yaml.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from kctx.kubeconfig import index, kubeyaml, simpleyaml
from kctx.kubeconfig.extract import PROTECT_EXTENSION
from kctx.kubeconfig.parse import parse_file


@dataclass(frozen=True)
class Reading:
    """One reader's view of one file; ``error`` is the reason it refused the file ("" when it did not)."""

    error: str = ""
    current_context: str = ""
    contexts: dict = field(default_factory=dict)  # name -> (cluster, user, namespace, protected)
    clusters: dict = field(default_factory=dict)  # name -> (server, sha256 of the CA data, insecure, protected)
    users: tuple = ()

    def fields(self) -> tuple:
        return self.current_context, self.contexts, self.clusters, self.users


def _marked(extensions: object) -> bool:
    return isinstance(extensions, list) and any(
        isinstance(e, dict) and e.get("name") == PROTECT_EXTENSION and isinstance(e.get("extension"), dict)
        and e["extension"].get("protected") is True for e in extensions)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest() if data else ""


def kubectl_reading(kubectl: Path, path: Path, *, current_context: bool = False) -> Reading:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(path.parent), "KUBECONFIG": str(path)}
    p = subprocess.run([str(kubectl), "config", "view", "-o", "json", "--raw"], env=env, capture_output=True,
                       timeout=60, cwd=path.parent)
    if p.returncode:
        return Reading(error=p.stderr.decode(errors="replace").strip().splitlines()[-1] or "error")
    view = json.loads(p.stdout)
    contexts = {}
    for item in view.get("contexts") or []:
        body = item.get("context") or {}
        contexts[item["name"]] = (body.get("cluster", ""), body.get("user", ""), body.get("namespace", ""),
                                  _marked(body.get("extensions")))
    clusters = {}
    for item in view.get("clusters") or []:
        body = item.get("cluster") or {}
        ca = base64.b64decode(body.get("certificate-authority-data", ""))
        clusters[item["name"]] = (body.get("server", ""), _sha256(ca), bool(body.get("insecure-skip-tls-verify")),
                                  _marked(body.get("extensions")))
    users = tuple(sorted(item["name"] for item in view.get("users") or []))
    cc = view.get("current-context", "")
    if current_context:
        q = subprocess.run([str(kubectl), "config", "current-context"], env=env, capture_output=True, timeout=60,
                           cwd=path.parent)
        said = q.stdout.decode().rstrip("\n") if q.returncode == 0 else ""
        if said != cc:
            raise AssertionError(f"kubectl disagrees with itself on {path}: view {cc!r}, current-context {said!r}")
    return Reading(current_context=cc, contexts=contexts, clusters=clusters, users=users)


def kctx_reading(path: Path) -> Reading:
    """What kctx's index holds for ``path``; its two YAML readers and its JSON reader are checked against each
    other on the way (an AssertionError when they disagree)."""
    raw = path.read_bytes()
    idx = parse_file(str(path))
    small = simpleyaml.load(raw)
    if small is not None:
        assert small == kubeyaml.load(raw), f"simpleyaml and kubeyaml read {path} differently"
    if raw.lstrip().startswith(b"{"):
        fast = index.index_json(str(path))
        if fast is not None:
            assert not idx.error, f"the JSON reader reads {path}, parse_file refuses it: {idx.error}"
            assert (fast.current_context, fast.contexts, fast.clusters, fast.users) == \
                   (idx.current_context, idx.contexts, idx.clusters, idx.users), f"JSON readers differ on {path}"
    if idx.error:
        return Reading(error=idx.error)
    return Reading(
        current_context=idx.current_context,
        contexts={n: (c["cluster"], c["user"], c["namespace"], c["protected"]) for n, c in idx.contexts.items()},
        clusters={n: (c["server"], c["ca_sha256"], c["insecure"], c["protected"]) for n, c in idx.clusters.items()},
        users=tuple(sorted(idx.users)),
    )


def compare(kubectl: Reading, kctx: Reading) -> str:
    if kubectl.error and kctx.error:
        return "both-refuse"
    if kctx.error:
        return "fail-closed"
    if kubectl.error:
        return "kubectl-refuses"
    return "agree" if kubectl.fields() == kctx.fields() else "differ"


def explain(kubectl: Reading, kctx: Reading) -> str:
    if kubectl.error or kctx.error:
        return f"kubectl: {kubectl.error or 'reads it'}; kctx: {kctx.error or 'reads it'}"
    out = []
    for name, a, b in zip(("current-context", "contexts", "clusters", "users"), kubectl.fields(), kctx.fields(),
                          strict=True):
        if a != b:
            out.append(f"{name}: kubectl {a!r}, kctx {b!r}")
    return "; ".join(out)


# --- the generator -------------------------------------------------------------------------------------------

# Texts that YAML 1.1 readers type or split in different ways, and names kubeconfigs really hold.
TRICKY = [
    "y", "n", "Y", "N", "yes", "No", "on", "OFF", "true", "False", "~", "null", "NULL", "", "0", "-0", "+1", "5",
    "010", "08", "0x10", "0X1f", "0o17", "0b101", "0b-1", "1_000", "1:30", "-1:30", "190:20:30", "1.5", ".5",
    "1e3", "1.0e+3", "1e400", "99999999999999999999", "18446744073709551616", ".inf", "-.Inf", ".NaN", "nan",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "10.0.0.1", "1.2.3", "=",
    "<<", "-", "--", "a: b", "a:b", "a:", "#a", "a #b", "a#b", "it's", '"q"', "with space", " lead",
    "trail ", "a,b", "[a]", "{a}", "&a", "*a", "!a", "%a", "@a", "`a", "|", ">", "?a", "tab\tx", "é",
    "\u00a0x", "\u2028", "\x85", "a\x85b", "\ufeffx", "\ufffe", "\x9f", "a\\b", "a\\/b", "\U0001F600", "x" * 1100,
]
# Tags put before a scalar now and then: go-yaml decodes a tagged scalar by its tag.
TAGS = ["!!str", "!x", "!", "!!int", "!!bool", "!!float", "!!null", "!!merge", "!!timestamp",
        "!<tag:yaml.org,2002:str>"]
NAMES = ["prod", "dev", "kind-kind", "arn:aws:eks:eu-west-1:123456789012:cluster/prod", "gke_p_europe-west1_prod",
         "ns.with.dots", "a b", "user@host", "admin"]
# $DEV, $PROD and $CA stand for two stand-in servers' URLs and their CA (fill_in): a request shows which server
# kubectl uses. The other servers are loopback ports where nothing listens.
SERVERS = ["$DEV/a", "$PROD/b", "$DEV", "$PROD/", "https://127.0.0.1:9/x", "http://localhost:9", "https://[::1]:9"]
CA = ["$CA", "$CA"] + [base64.b64encode(b"ca-" + bytes([i])).decode() for i in range(2)] + \
    ["QUJ", "QUJ=", "QU\nJD", "!!", ""]
FLAGS = ["true", "false"]
BOOLISH = ["true", "false", "yes", "no", "y", "n", "on", "off", "True", "1", "'true'", '"yes"', "~"]


def _plain_ok(text: str) -> bool:
    """Whether ``text`` can be written plain without ending the line's structure (the oracle decides its type)."""
    return bool(text) and text == text.strip() and not any(c in text for c in "\n\t#:{}[],&*!|>'\"%@`") \
        and text[0] not in "-?" and text.isprintable()


def _double(text: str, draw) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "/" and _pick(draw, 1, 0.02):
            out.append("\\/")  # JSON's escape; YAML readers disagree on it
        elif not ch.isprintable() or (not ch.isascii() and draw(st.booleans())):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@st.composite
def spelled(draw, text: str, *, raw_plain: float = 0.5, plain: bool = False) -> str:
    """``text`` as a YAML scalar: plain (even where that changes its type: the point), quoted, or escaped; now
    and then tagged (``!!binary`` with the text's base64)."""
    if not plain and _pick(draw, 1, 0.03):
        tag = draw(st.sampled_from([*TAGS, "!!binary"]))
        if tag == "!!binary":
            return "!!binary " + base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
        return tag + " " + draw(spelled(text, raw_plain=raw_plain))
    style = "plain" if plain else draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "plain" and (_plain_ok(text) or (text and "\n" not in text and draw(st.floats(0, 1)) < raw_plain)):
        return text
    if style == "single" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    return _double(text, draw)


# A planned node: ("map", [(key, node)], flow, anchor) | ("seq", [node], flow, anchor) | ("s", text) |
# ("alias", name). Keys are spelled when emitted, like scalars.
class Doc:
    """The plan being built: its anchors, and how often it reaches for trouble (``spice``: 0 to 1)."""

    def __init__(self, draw) -> None:
        self.draw = draw
        self.anchors: list[str] = []
        self.spice = draw(st.sampled_from([0.0, 0.03, 0.1, 0.3]))

    def odd(self, rate: float = 1.0) -> bool:
        return bool(_pick(self.draw, 1, min(1.0, self.spice * rate)))

    def text(self, pool: list[str]) -> tuple:
        return ("s", self.draw(st.sampled_from(TRICKY if self.odd() else pool)))


@st.composite
def body(draw, doc: Doc, fields: dict[str, list[str]], kind: str) -> tuple:
    """A cluster or context body: some of ``fields`` (name -> value pool), maybe a kctx mark, merges, duplicates,
    an anchor, or something that is no mapping at all."""
    if doc.odd(0.1):
        return draw(st.sampled_from([("seq", [("s", "a")], True, None), ("s", ""), ("s", "~"), ("s", "x")]))
    entries: list[tuple[str, tuple]] = []
    for key, pool in fields.items():
        if draw(st.integers(0, 5)):
            entries.append((key, doc.text(pool) if pool is not FLAGS or doc.odd() else ("s", draw(
                st.sampled_from(FLAGS)), "plain")))
    if draw(st.integers(0, 2)) == 1:
        ext_name = draw(st.sampled_from(["other", "KCTX"])) if doc.odd(0.5) else PROTECT_EXTENSION
        mark = draw(st.sampled_from(BOOLISH)) if doc.odd(3) else draw(st.sampled_from(["true", "false"]))
        plain_mark = ("s", mark, "plain") if not doc.odd() else ("s", mark)
        entries.append(("extensions", ("seq", [("map", [
            ("name", ("s", ext_name)),
            ("extension", ("map", [("protected", plain_mark)], draw(st.booleans()), None))], False, None)],
            False, None)))
    if entries and doc.odd(0.5):  # a duplicate key
        key, _ = draw(st.sampled_from(entries))
        entries.insert(draw(st.integers(0, len(entries))), (key, doc.text(fields.get(key, NAMES))))
    usable = [a for a in doc.anchors if a.startswith(kind)]
    if doc.odd(1.5):  # a merge key, before, between or after the explicit keys
        merged = ("alias", draw(st.sampled_from(usable))) if usable and draw(st.booleans()) else \
            ("map", [(k, doc.text(pool)) for k, pool in list(fields.items())[:2]], True, None)
        if doc.odd(0.5):
            merged = ("seq", [merged, ("map", [(list(fields)[0], doc.text(NAMES))], True, None)], True, None)
        merge_key = draw(st.sampled_from(["<<", "<<", "!!merge <<", '"<<"']))
        entries.insert(draw(st.integers(0, len(entries))), (merge_key, merged))
    anchor = None
    if draw(st.integers(0, 3)) == 1:
        anchor = f"{kind}{len(doc.anchors)}"
        doc.anchors.append(anchor)
    return ("map", entries, draw(st.integers(0, 3)) == 1, anchor)


@st.composite
def named_list(draw, doc: Doc, inner: str, fields: dict[str, list[str]]) -> tuple:
    if doc.odd(0.05):
        return ("map", [("a", ("s", "b"))], draw(st.booleans()), None)  # a map where a list belongs
    items = []
    names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    for name in names:
        if doc.odd(0.05):
            items.append(("s", "~"))
            continue
        entries = []
        if not doc.odd(0.1):
            entries.append(("name", doc.text([name])))
        entries.append((inner, draw(body(doc, fields, inner))))
        if draw(st.booleans()):
            entries.reverse()
        items.append(("map", entries, draw(st.integers(0, 4)) == 1, None))
    return ("seq", items, draw(st.integers(0, 6)) == 1, None)


@st.composite
def plans(draw) -> tuple:
    doc = Doc(draw)
    names = draw(st.lists(st.sampled_from(NAMES + TRICKY[:40] if doc.odd(3) else NAMES), min_size=1, max_size=4))
    cluster_fields = {"server": SERVERS, "certificate-authority-data": CA[:3],
                      "insecure-skip-tls-verify": FLAGS}
    context_fields = {"cluster": names, "user": names, "namespace": names}
    top: list[tuple[str, tuple]] = []
    if draw(st.booleans()):
        top.append(("apiVersion", ("s", draw(st.sampled_from(["v1", "v2", "1", "V1"])) if doc.odd(0.2) else "v1")))
    if draw(st.booleans()):
        top.append(("kind", ("s", draw(st.sampled_from(["config", "Pod", ""])) if doc.odd(0.2) else "Config")))
    top.append(("clusters", draw(named_list(doc, "cluster", cluster_fields))))
    if doc.odd(0.3):
        cluster_fields["certificate-authority-data"] = CA
        cluster_fields["insecure-skip-tls-verify"] = BOOLISH
    users = [("map", [("name", doc.text([name])), ("user", ("map", [("token", ("s", "t"))], True, None))], False,
              None) for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True))]
    top.append(("users", ("seq", users, False, None)))
    top.append(("contexts", draw(named_list(doc, "context", context_fields))))
    if draw(st.integers(0, 8)):
        top.append(("current-context", doc.text(names)))
    if doc.odd(0.5):
        top.append(draw(st.sampled_from([
            ("<<", ("map", [("current-context", doc.text(names))], True, None)),
            ("current-context", doc.text(names)),  # a duplicate
            (draw(st.sampled_from(["Current-Context", "KIND", "Kind", "current_context"])), doc.text(names + ["Pod"])),
            (draw(st.sampled_from(["~", "1", "y", "1.5", "18446744073709551616", "x" * 1030, "[a]"])), ("s", "v")),
            ("current-context", draw(st.sampled_from([("seq", [("s", "a")], True, None),
                                                       ("map", [("a", ("s", "b"))], True, None)]))),
        ])))
    if draw(st.integers(0, 3)) == 1:
        top = draw(st.permutations(top))
    return ("map", top, draw(st.integers(0, 12)) == 1, None)


def emit(node: tuple, draw, indent: int = 0) -> list[str]:
    """Block YAML lines for a map or list node (flow where the plan says so)."""
    kind = node[0]
    pad = " " * indent
    lines: list[str] = []
    if kind == "map":
        for key, value in node[1]:
            key_text = key if key in ("<<", "!!merge <<", '"<<"') else draw(spelled(key, raw_plain=0.1))
            sep = ":" + draw(st.sampled_from([" ", " ", " ", " ", "  ", "\t"]))
            lines += _entry(f"{pad}{key_text}{sep}", f"{pad}{key_text}:", value, draw, indent, item=False)
    else:
        for value in node[1]:
            lines += _entry(f"{pad}- ", f"{pad}-", value, draw, indent, item=True)
    return lines


def _entry(inline: str, opener: str, value: tuple, draw, indent: int, *, item: bool) -> list[str]:
    if value[0] in ("s", "alias") or (value[0] in ("map", "seq") and (value[2] or not value[1])):
        return [inline + _anchor(value) + flow(value, draw)]
    anchor = _anchor(value).rstrip()
    if item and value[0] == "map" and not anchor and draw(st.booleans()):  # "- a: 1" on one line
        nested = emit(value, draw, indent + 2)
        return [inline + nested[0].lstrip(" ")] + nested[1:]
    indentless = value[0] == "seq" and not item and draw(st.booleans())
    return [(opener + (" " + anchor if anchor else "")).rstrip()] + emit(value, draw, indent if indentless else
                                                                          indent + 2)


def _anchor(node: tuple) -> str:
    return f"&{node[3]} " if node[0] in ("map", "seq") and node[3] else ""


def flow(node: tuple, draw) -> str:
    kind = node[0]
    if kind == "s":
        return draw(spelled(node[1], plain=len(node) > 2))
    if kind == "alias":
        return "*" + node[1]
    if kind == "seq":
        return "[" + ", ".join(_anchor(v) + flow(v, draw) for v in node[1]) + "]"
    parts = []
    for key, value in node[1]:
        key_text = key if key in ("<<", "!!merge <<", '"<<"') else draw(spelled(key, raw_plain=0.1))
        parts.append(f"{key_text}: {_anchor(value)}{flow(value, draw)}")
    return "{" + ", ".join(parts) + "}"


def plain_value(node: tuple) -> object:
    """The plan as the JSON its author meant (merges and aliases dropped)."""
    if node[0] == "s":
        return node[1]
    if node[0] == "seq":
        return [plain_value(v) for v in node[1] if v[0] != "alias"]
    if node[0] == "map":
        return {k.strip("'\""): plain_value(v) for k, v in node[1] if "<<" not in k and v[0] != "alias"}
    return None


def _pick(draw, choices: int, rate: float) -> int:
    """One of ``choices`` numbered from 1 with probability ``rate`` in all, else 0 (away from the boundaries
    hypothesis favours)."""
    roll = draw(st.integers(0, 9999))
    return 1 + int((roll - 5000) / (10000 * rate) * choices) if 5000 <= roll < 5000 + 10000 * rate else 0


@st.composite
def documents(draw) -> bytes:
    plan = draw(plans())
    if _pick(draw, 1, 0.12):  # JSON, as kctx's sessions and some tools write it
        text = json.dumps(plain_value(plan), indent=draw(st.sampled_from([None, 1, 2, "\t"])),
                          ensure_ascii=draw(st.booleans()))
        if _pick(draw, 1, 0.2):
            text = text.replace('"5"', "NaN", 1).replace('"y"', "Infinity", 1)
    else:
        lines = [flow(plan, draw)] if plan[2] else emit(plan, draw)
        if _pick(draw, 1, 0.15):  # comments between lines
            at = draw(st.integers(0, len(lines)))
            lines.insert(at, draw(st.sampled_from(["# comment", "  # indented comment", "#", ""])))
        text = "\n".join(lines) + "\n"
    text = _document_level(draw, text)
    data = text.encode("utf-8", "surrogatepass")
    change = _pick(draw, 4, 0.12)
    if change == 1:
        data = b"\xef\xbb\xbf" + data
    elif change == 2:
        data = data.replace(b"\n", b"\r\n")
    elif change == 3 and b"prod" in data:
        data = data.replace(b"prod", b"pr\xffod", 1)  # not UTF-8
    elif change == 4:
        data = data.replace(b"\n", b"\t\n", 1)  # a trailing tab
    return data


def _document_level(draw, text: str) -> str:
    change = _pick(draw, 5, 0.25)
    if change == 1:
        return "---\n" + text
    if change == 2:
        return text + "---\ncurrent-context: dev\n"
    if change == 3:
        return text + "---\n]: garbage [\n"
    if change == 4:
        return text + "...\n"
    if change == 5:
        return draw(st.sampled_from(["%YAML 1.1\n", "%YAML 1.2\n"])) + "---\n" + text
    return text


def fill_in(data: bytes, dev: str = "https://127.0.0.1:1", prod: str = "https://127.0.0.1:2",
            ca: bytes = b"ca") -> bytes:
    """``data`` with the placeholders for the stand-in servers' URLs and CA (base64) replaced."""
    return data.replace(b"$DEV", dev.encode()).replace(b"$PROD", prod.encode()).replace(
        b"$CA", base64.b64encode(ca))


def write_case(folder: Path, data: bytes, name: str = "config") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
