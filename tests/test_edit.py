"""Byte-preserving kubeconfig edits: structure after the edit, and exactly which lines changed."""

from __future__ import annotations

import base64
import copy
import difflib
import json
import random
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kctx.kubeconfig.edit import (
    EditError,
    delete_entry,
    entry_names,
    rename_context,
    set_context_namespace,
    set_current_context,
    yaml_scalar,
)
from tests.kubectl_bins import kubectl_binary

_rng = random.Random(1234)
CERT = base64.b64encode(bytes(_rng.randrange(256) for _ in range(1100))).decode()  # ~1.5 KB
KEY = base64.b64encode(bytes(_rng.randrange(256) for _ in range(1200))).decode()

# kubectl's own layout: 2 spaces, list items not indented under their key; plus comments everywhere.
STANDARD = f"""\
# Managed by hand. Please keep the comments.
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {CERT}
    server: https://prod.example.com:6443
  name: prod-cluster
- cluster:
    insecure-skip-tls-verify: true
    server: https://127.0.0.1:6443 # kind
  name: kind-kind
contexts:
- context:
    cluster: prod-cluster
    user: admin@prod
    namespace: payments
  name: prod # careful!
  # note that belongs to prod
# local kind cluster
- name: kind-kind
  context:
    cluster: kind-kind
    user: kind-kind
- context:
    cluster: kind-kind
    user: "kind-kind"
  name: 'dev:blue'
current-context: prod # default
kind: Config
preferences: {{}}
users:
- name: admin@prod
  user:
    client-certificate-data: {CERT}
    client-key-data: {KEY}
- name: kind-kind
  user:
    token: "abc\\tdef"
"""

# 4 spaces, indented lists, a document marker, kind first, no current-context, name after context.
INDENTED = f"""\
---
kind: Config
apiVersion: v1
clusters:
    -   name: c1
        cluster:
            server: https://c1.example.com   # eu
            certificate-authority-data: {CERT}
contexts:
    - context:
          cluster: c1
          user: u1
      name: "staging"
    # the team's context
    - context:
          cluster: c1
          namespace: team-a   # team namespace
          user: u1
      name: üñí-ctx
users:
    - name: u1
      user:
          exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: aws
              args: ["eks", "get-token", "--cluster-name", "c1"]
"""

FLOW = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://c:6443"}}]
contexts: [{name: a, context: {cluster: c, user: u}}, {context: {cluster: c, namespace: ns}, name: b}]
current-context: a
users: [{name: u, user: {token: t}}]
"""

FLOW_MULTILINE = """\
apiVersion: v1
contexts: [
  {name: a, context: {cluster: c}},  # first
  {name: b, context: {cluster: c}},
  {name: c, context: {cluster: c}}
]
"""

ANCHORS = """\
apiVersion: v1
kind: Config
users:
- name: alice
  user: &creds
    token: secret
- name: bob
  user: *creds
contexts:
- name: &cur one
  context: &ctx
    cluster: c
    user: alice
- name: two
  context: *ctx
- name: three
  context:
    cluster: c
current-context: *cur
"""


def variants(text: str) -> dict[str, str]:
    return {"lf": text, "crlf": text.replace("\n", "\r\n"), "noeol": text.rstrip("\n")}


VARIANTS = ["lf", "crlf", "noeol"]


def load(text: str) -> Any:
    return yaml.safe_load(text)


def changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines removed and added; every other line is identical (line endings are checked by ``check``)."""
    a, b = before.splitlines(), after.splitlines()
    removed: list[str] = []
    added: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return removed, added


def check(before: str, after: str, mutate: Callable[[Any], Any], removed: list[str],
          added: list[str]) -> None:
    """The edit changed the structure as ``mutate`` does, touched only the given lines, and kept the file's
    line-ending style."""
    expected = copy.deepcopy(load(before))
    mutate(expected)
    assert load(after) == expected
    assert changes(before, after) == (removed, added)
    if "\r\n" in before:
        assert after.count("\n") == after.count("\r\n")
    else:
        assert "\r" not in after
    assert after.endswith("\n") == before.endswith("\n")


def ctx(data: dict, name: str) -> dict:
    return next(c for c in data["contexts"] if c["name"] == name)


# ---------------------------------------------------------------- yaml_scalar


@pytest.mark.parametrize("value", ["dev", "kind-kind", "admin@prod", "arn:aws:eks:eu-west-1:1:cluster/x",
                                   "üñí-ctx", "a b", "gke_proj_europe-west1_c", "a#b", "a:b"])
def test_yaml_scalar_plain_when_safe(value: str) -> None:
    assert yaml_scalar(value) == value


@pytest.mark.parametrize("value", [
    "", " x", "x ", "a: b", "a #b", "-x", "*x", "&x", "!x", "{x", "[x", '"x', "'x", "%x", "@x", "`x", "|x",
    ">x", "?x", "#x", ":x", "x:", "yes", "No", "true", "FALSE", "null", "~", "on", "OFF", "y", "N", "1.29",
    "0755", "42", "1e3", "0x1F", "0b-1", "-0b1", "0o17", "2024-01-01", "1:20", ".inf", "<<", "=", "a\tb", "a\nb",
    "x\x85y",
    "x\u2028y", "\ufeffx", "nul\x00", "del\x7f", "---", "...",
])
def test_yaml_scalar_quotes_when_needed(value: str) -> None:
    out = yaml_scalar(value)
    assert out.startswith('"') and out.endswith('"')
    assert load(f"k: {out}") == {"k": value}
    assert load(f"{{k: {out}}}") == {"k": value}


@pytest.mark.parametrize("value", ["a,b", "a[0]", "x{y}", "a:b"])
def test_yaml_scalar_flow_context(value: str) -> None:
    assert yaml_scalar(value) == value  # fine in block context
    out = yaml_scalar(value, flow=True)
    assert out != value and load(f"[{out}, {{k: {out}}}]") == [value, {"k": value}]


NAMES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)


@given(NAMES)
@settings(max_examples=400, deadline=None)
def test_yaml_scalar_round_trips(value: str) -> None:
    block = yaml_scalar(value)
    assert "\n" not in block and "\r" not in block
    assert load(f"k: {block}  # comment") == {"k": value}
    assert load(f"- {block}") == [value]
    flow = yaml_scalar(value, flow=True)
    assert load(f"{{k: {flow}, j: [{flow}, {flow}]}}") == {"k": value, "j": [value, value]}


# ---------------------------------------------------------------- set_current_context


@pytest.mark.parametrize("variant", VARIANTS)
def test_set_current_context_replaces_value_keeps_comment(variant: str) -> None:
    before = variants(STANDARD)[variant]
    after = set_current_context(before, "kind-kind")
    check(before, after, lambda d: d.update({"current-context": "kind-kind"}),
          ["current-context: prod # default"], ["current-context: kind-kind # default"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_set_current_context_added_after_kind_and_api_version(variant: str) -> None:
    before = variants(INDENTED)[variant]
    after = set_current_context(before, "staging")
    check(before, after, lambda d: d.update({"current-context": "staging"}), [],
          ["current-context: staging"])
    lines = after.splitlines()
    assert lines[1:4] == ["kind: Config", "apiVersion: v1", "current-context: staging"]


def test_set_current_context_added_at_end_without_kind() -> None:
    before = "clusters: []\ncontexts: []\nusers: []  # none yet"
    after = set_current_context(before, "x")
    assert after == "clusters: []\ncontexts: []\nusers: []  # none yet\ncurrent-context: x"


@pytest.mark.parametrize("before,after", [
    ("", "current-context: x\n"),
    ("# nothing yet\n", "# nothing yet\ncurrent-context: x\n"),
    ("# nothing yet", "# nothing yet\ncurrent-context: x\n"),
    ("---\n", "---\ncurrent-context: x\n"),
])
def test_set_current_context_on_empty_document(before: str, after: str) -> None:
    assert set_current_context(before, "x") == after


def test_set_current_context_empty_name() -> None:
    after = set_current_context(STANDARD, "")
    check(STANDARD, after, lambda d: d.update({"current-context": ""}),
          ["current-context: prod # default"], ['current-context: "" # default'])
    after = set_current_context(INDENTED, "")
    assert 'current-context: ""' in after.splitlines()
    assert load(after)["current-context"] == ""


@pytest.mark.parametrize("line,value,new_line", [
    ("current-context: 'dev'", "it's", "current-context: 'it''s'"),
    ("current-context: 'dev'", "a\tb", 'current-context: "a\\tb"'),
    ('current-context: "dev"  # hi', "prod", 'current-context: "prod"  # hi'),
    ("current-context: dev", "1.29", 'current-context: "1.29"'),
    ("current-context: dev", "dev: x #1", 'current-context: "dev: x #1"'),
    ("current-context:", "dev", "current-context: dev"),
    ("current-context:   # unset", "dev", "current-context: dev   # unset"),
    ("current-context: ~", "dev", "current-context: dev"),
    ("current-context: !!str 0755", "0644", 'current-context: !!str "0644"'),
    ("current-context: >-\n  folded\n  name", "dev", "current-context: dev"),
])
def test_set_current_context_quoting(line: str, value: str, new_line: str) -> None:
    before = f"apiVersion: v1\n{line}\nkind: Config\n"
    after = set_current_context(before, value)
    assert after == f"apiVersion: v1\n{new_line}\nkind: Config\n"
    assert load(after)["current-context"] == value


def test_set_current_context_keeps_bom() -> None:
    before = "\ufeffapiVersion: v1\ncurrent-context: a\n"
    assert set_current_context(before, "b") == "\ufeffapiVersion: v1\ncurrent-context: b\n"


def test_set_current_context_flow_root() -> None:
    after = set_current_context("{apiVersion: v1, kind: Config, contexts: []}\n", "a,b")
    assert after == '{apiVersion: v1, kind: Config, current-context: "a,b", contexts: []}\n'


@given(NAMES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_set_current_context_property(name: str) -> None:
    for before, removed in ((STANDARD, ["current-context: prod # default"]), (INDENTED, [])):
        after = set_current_context(before, name)
        expected = load(before) | {"current-context": name}
        assert load(after) == expected
        r, a = changes(before, after)
        assert r == removed and len(a) == 1


# ---------------------------------------------------------------- rename_context


@pytest.mark.parametrize("variant", VARIANTS)
def test_rename_updates_current_context(variant: str) -> None:
    before = variants(STANDARD)[variant]
    after = rename_context(before, "prod", "production")

    def mutate(d: dict) -> None:
        ctx(d, "prod")["name"] = "production"
        d["current-context"] = "production"

    check(before, after, mutate, ["  name: prod # careful!", "current-context: prod # default"],
          ["  name: production # careful!", "current-context: production # default"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_rename_name_before_context_and_quoting_styles(variant: str) -> None:
    before = variants(STANDARD)[variant]
    after = rename_context(before, "dev:blue", "it's blue")
    check(before, after, lambda d: ctx(d, "dev:blue").update(name="it's blue"),
          ["  name: 'dev:blue'"], ["  name: 'it''s blue'"])
    after = rename_context(before, "kind-kind", "kind #2")
    check(before, after, lambda d: ctx(d, "kind-kind").update(name="kind #2"),
          ["- name: kind-kind"], ['- name: "kind #2"'])


@pytest.mark.parametrize("variant", VARIANTS)
def test_rename_indented_unicode(variant: str) -> None:
    before = variants(INDENTED)[variant]
    after = rename_context(before, "üñí-ctx", "ctx-✓")
    check(before, after, lambda d: ctx(d, "üñí-ctx").update(name="ctx-✓"),
          ["      name: üñí-ctx"], ["      name: ctx-✓"])
    after = rename_context(before, "staging", "stage")
    check(before, after, lambda d: ctx(d, "staging").update(name="stage"),
          ['      name: "staging"'], ['      name: "stage"'])


def test_rename_flow_style() -> None:
    after = rename_context(FLOW, "a", "x,y")

    def mutate(d: dict) -> None:
        ctx(d, "a")["name"] = "x,y"
        d["current-context"] = "x,y"

    check(FLOW, after, mutate,
          ["contexts: [{name: a, context: {cluster: c, user: u}}, {context: {cluster: c, "
           "namespace: ns}, name: b}]", "current-context: a"],
          ['contexts: [{name: "x,y", context: {cluster: c, user: u}}, {context: {cluster: c, '
           "namespace: ns}, name: b}]", "current-context: x,y"])


def test_rename_errors() -> None:
    with pytest.raises(EditError, match="no context named 'nope'"):
        rename_context(STANDARD, "nope", "x")
    with pytest.raises(EditError, match="'kind-kind' already exists"):
        rename_context(STANDARD, "prod", "kind-kind")
    assert rename_context(STANDARD, "prod", "prod") == STANDARD
    dup = "contexts:\n- name: a\n- name: b\n- name: a\n"
    with pytest.raises(EditError, match="line 4"):
        rename_context(dup, "a", "c")
    with pytest.raises(EditError, match="line 2: an entry of 'contexts' is not a mapping"):
        rename_context("contexts:\n- a\n", "a", "b")
    with pytest.raises(EditError, match="line 2: more than one YAML document"):
        rename_context("contexts: []\n---\ncontexts: []\n", "a", "b")
    with pytest.raises(EditError, match="line 3: invalid YAML: .* at line 2"):
        rename_context("contexts:\n- name: [a\n", "a", "b")
    with pytest.raises(EditError, match="line 1: 'contexts' is not a list"):
        rename_context("contexts: {a: 1}\n", "a", "b")


def test_rename_through_anchor_and_alias() -> None:
    after = rename_context(ANCHORS, "one", "uno")

    def mutate(d: dict) -> None:
        ctx(d, "one")["name"] = "uno"
        d["current-context"] = "uno"

    check(ANCHORS, after, mutate, ["- name: &cur one", "current-context: *cur"],
          ["- name: &cur uno", "current-context: uno"])
    # An alias used elsewhere that the edit does not also rewrite must keep its meaning.
    shared = "x: &n one\ncontexts:\n- name: *n\n- name: two\ny: *n\n"
    with pytest.raises(EditError, match="alias"):
        rename_context(shared.replace("name: *n", "name: &m one").replace("y: *n", "y: *m"), "one", "1")
    after = rename_context(shared, "one", "uno")  # replaces the alias, leaves the anchor alone
    assert after == shared.replace("- name: *n", "- name: uno")


@given(NAMES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rename_property(new: str) -> None:
    assume(new not in ("prod", "kind-kind", "dev:blue", "staging", "üñí-ctx"))
    after = rename_context(STANDARD, "prod", new)
    expected = load(STANDARD)
    ctx(expected, "prod")["name"] = new
    expected["current-context"] = new
    assert load(after) == expected
    assert len(changes(STANDARD, after)[1]) == 2
    assert entry_names(after, "contexts") == [new, "kind-kind", "dev:blue"]
    assert load(rename_context(after, new, "prod")) == load(STANDARD)
    after = rename_context(INDENTED, "staging", new)
    assert entry_names(after, "contexts") == [new, "üñí-ctx"]
    assert load(after)["contexts"][0]["name"] == new


# ---------------------------------------------------------------- delete_entry


@pytest.mark.parametrize("variant", VARIANTS)
def test_delete_context_with_inner_comment(variant: str) -> None:
    before = variants(STANDARD)[variant]
    after = delete_entry(before, "contexts", "prod")
    check(before, after, lambda d: d["contexts"].pop(0),
          ["- context:", "    cluster: prod-cluster", "    user: admin@prod", "    namespace: payments",
           "  name: prod # careful!", "  # note that belongs to prod"], [])
    assert "# local kind cluster" in after  # the comment above the next item stays


@pytest.mark.parametrize("variant", VARIANTS)
def test_delete_cluster_with_certificate(variant: str) -> None:
    before = variants(STANDARD)[variant]
    after = delete_entry(before, "clusters", "prod-cluster")
    check(before, after, lambda d: d["clusters"].pop(0),
          ["- cluster:", f"    certificate-authority-data: {CERT}", "    server: https://prod.example.com:6443",
           "  name: prod-cluster"], [])


@pytest.mark.parametrize("variant", VARIANTS)
def test_delete_last_user_at_end_of_file(variant: str) -> None:
    before = variants(STANDARD)[variant]
    after = delete_entry(before, "users", "kind-kind")
    check(before, after, lambda d: d["users"].pop(),
          ["- name: kind-kind", "  user:", '    token: "abc\\tdef"'], [])


@pytest.mark.parametrize("variant", VARIANTS)
def test_delete_all_contexts_leaves_empty_list(variant: str) -> None:
    before = variants(STANDARD)[variant]
    text = before
    for name in ("kind-kind", "prod", "dev:blue"):
        text = delete_entry(text, "contexts", name)
    expected = load(before) | {"contexts": []}
    assert load(text) == expected
    removed, added = changes(before, text)
    assert added == ["contexts: []"] and removed[0] == "contexts:"
    assert "# local kind cluster" in text


@pytest.mark.parametrize("variant", VARIANTS)
def test_delete_indented(variant: str) -> None:
    before = variants(INDENTED)[variant]
    after = delete_entry(before, "contexts", "staging")
    check(before, after, lambda d: d["contexts"].pop(0),
          ["    - context:", "          cluster: c1", "          user: u1", '      name: "staging"'], [])
    after = delete_entry(before, "users", "u1")
    removed, added = changes(before, after)
    assert added == ["users: []"] and removed[0] == "users:" and len(removed) == 7
    assert load(after) == load(before) | {"users": []}


def test_delete_lone_dash_and_anchors() -> None:
    before = "contexts:\n-\n  # odd but valid\n  name: a\n- name: b\n"
    assert delete_entry(before, "contexts", "a") == "contexts:\n- name: b\n"
    with pytest.raises(EditError, match=r"line 8: .*\*creds.*line 5"):
        delete_entry(ANCHORS, "users", "alice")
    after = delete_entry(ANCHORS, "users", "bob")
    check(ANCHORS, after, lambda d: d["users"].pop(), ["- name: bob", "  user: *creds"], [])
    with pytest.raises(EditError, match=r"\*(cur|ctx)"):
        delete_entry(ANCHORS, "contexts", "one")
    after = delete_entry(ANCHORS, "contexts", "two")
    check(ANCHORS, after, lambda d: d["contexts"].pop(1), ["- name: two", "  context: *ctx"], [])


def test_delete_flow() -> None:
    after = delete_entry(FLOW, "contexts", "a")
    check(FLOW, after, lambda d: d["contexts"].pop(0),
          ["contexts: [{name: a, context: {cluster: c, user: u}}, {context: {cluster: c, "
           "namespace: ns}, name: b}]"],
          ["contexts: [{context: {cluster: c, namespace: ns}, name: b}]"])
    after = delete_entry(after, "contexts", "b")
    assert "contexts: []\n" in after and load(after)["contexts"] == []
    after = delete_entry(FLOW, "users", "u")
    assert "users: []\n" in after
    for name, removed in (("a", ["  {name: a, context: {cluster: c}},  # first"]),
                          ("b", ["  {name: b, context: {cluster: c}},"])):
        after = delete_entry(FLOW_MULTILINE, "contexts", name)
        check(FLOW_MULTILINE, after, lambda d, n=name: d["contexts"].remove(ctx(d, n)), removed, [])
    after = delete_entry(FLOW_MULTILINE, "contexts", "c")
    assert after == FLOW_MULTILINE.replace(",\n  {name: c, context: {cluster: c}}", "")


def test_delete_errors() -> None:
    with pytest.raises(EditError, match="no user named 'x'"):
        delete_entry(STANDARD, "users", "x")
    with pytest.raises(EditError, match="unknown kubeconfig section"):
        delete_entry(STANDARD, "preferences", "x")
    with pytest.raises(EditError, match="no context named 'a'"):
        delete_entry("contexts:\n", "contexts", "a")


# ---------------------------------------------------------------- set_context_namespace


@pytest.mark.parametrize("variant", VARIANTS)
def test_namespace_added_with_sibling_indentation(variant: str) -> None:
    before = variants(INDENTED)[variant]
    after = set_context_namespace(before, "staging", "web")
    check(before, after, lambda d: ctx(d, "staging")["context"].update(namespace="web"), [],
          ["          namespace: web"])
    before = variants(STANDARD)[variant]
    after = set_context_namespace(before, "kind-kind", "true")
    check(before, after, lambda d: ctx(d, "kind-kind")["context"].update(namespace="true"), [],
          ['    namespace: "true"'])


@pytest.mark.parametrize("variant", VARIANTS)
def test_namespace_replaced_and_removed(variant: str) -> None:
    before = variants(INDENTED)[variant]
    after = set_context_namespace(before, "üñí-ctx", "team-b")
    check(before, after, lambda d: ctx(d, "üñí-ctx")["context"].update(namespace="team-b"),
          ["          namespace: team-a   # team namespace"],
          ["          namespace: team-b   # team namespace"])
    after = set_context_namespace(before, "üñí-ctx", None)
    check(before, after, lambda d: ctx(d, "üñí-ctx")["context"].pop("namespace"),
          ["          namespace: team-a   # team namespace"], [])
    assert set_context_namespace(before, "staging", None) == before


def test_namespace_only_key_and_missing_context() -> None:
    before = "contexts:\n- name: a\n  context:\n    namespace: x\n- name: b\n- name: c\n  context:\n"
    after = set_context_namespace(before, "a", None)
    check(before, after, lambda d: d["contexts"][0].update(context={}),
          ["  context:", "    namespace: x"], ["  context: {}"])
    after = set_context_namespace(before, "b", "n1")
    check(before, after, lambda d: d["contexts"][1].update(context={"namespace": "n1"}), [],
          ["  context: {namespace: n1}"])
    after = set_context_namespace(before, "c", "n2")
    check(before, after, lambda d: d["contexts"][2].update(context={"namespace": "n2"}),
          ["  context:"], ["  context: {namespace: n2}"])


def test_namespace_flow() -> None:
    after = set_context_namespace(FLOW, "a", "x y")
    assert load(after)["contexts"][0]["context"] == {"cluster": "c", "user": "u", "namespace": "x y"}
    assert changes(FLOW, after)[1] == [
        "contexts: [{name: a, context: {cluster: c, user: u, namespace: x y}}, {context: {cluster: c, "
        "namespace: ns}, name: b}]"]
    after = set_context_namespace(FLOW, "b", None)
    assert "{context: {cluster: c}, name: b}" in after
    after = set_context_namespace("contexts: [{name: a, context: {namespace: n}}]\n", "a", None)
    assert after == "contexts: [{name: a, context: {}}]\n"
    after = set_context_namespace("contexts: [{name: a, context: {}}]\n", "a", "ns1")
    assert after == "contexts: [{name: a, context: {namespace: ns1}}]\n"


def test_namespace_shared_context_refused() -> None:
    with pytest.raises(EditError, match=r"line 15: .*\*ctx"):
        set_context_namespace(ANCHORS, "one", "x")
    with pytest.raises(EditError, match=r"\*ctx"):
        set_context_namespace(ANCHORS, "two", "x")
    after = set_context_namespace(ANCHORS, "three", "x")
    check(ANCHORS, after, lambda d: ctx(d, "three")["context"].update(namespace="x"), [],
          ["    namespace: x"])


# ---------------------------------------------------------------- JSON, tabs, odd layouts


JSON_KC = json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [],
                      "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}},
                                   {"name": "b", "context": {"cluster": "c"}}],
                      "users": []}, indent=4) + "\n"


def test_json_kubeconfig() -> None:
    after = set_current_context(JSON_KC, "b")
    assert list(json.loads(after)) == ["apiVersion", "kind", "current-context", "clusters", "contexts",
                                       "users"]
    assert changes(JSON_KC, after) == ([], ['    "current-context": "b",'])
    after = rename_context(after, "b", "B")
    assert json.loads(after)["current-context"] == "B" and entry_names(after, "contexts") == ["a", "B"]
    after = set_context_namespace(after, "a", "ns")
    assert json.loads(after)["contexts"][0]["context"] == {"cluster": "c", "user": "u", "namespace": "ns"}
    after = delete_entry(after, "contexts", "a")
    assert json.loads(after)["contexts"] == [{"name": "B", "context": {"cluster": "c"}}]
    assert after.endswith("}\n") and '\n    "kind": "Config",\n' in after
    assert rename_context(JSON_KC, "a", "a") == JSON_KC
    with pytest.raises(EditError, match="no context named 'z'"):
        delete_entry(JSON_KC, "contexts", "z")
    crlf = JSON_KC.replace("\n", "\r\n")
    assert set_current_context(crlf, "a").count("\n") == set_current_context(crlf, "a").count("\r\n")


def test_tabs_inside_values_preserved() -> None:
    before = 'contexts:\n- name: "tab\\there"\n  context: {cluster: "c\\t1"}\ncurrent-context: "tab\\there"\n'
    after = rename_context(before, "tab\there", "no-tab")
    assert after == 'contexts:\n- name: "no-tab"\n  context: {cluster: "c\\t1"}\ncurrent-context: "no-tab"\n'
    before = "contexts:\n- name: 'a\tb'  # a raw tab inside quotes\n"
    assert load(before)["contexts"][0]["name"] == "a\tb"
    after = rename_context(before, "a\tb", "c")
    assert after == "contexts:\n- name: 'c'  # a raw tab inside quotes\n"


def test_entry_names() -> None:
    assert entry_names(STANDARD, "contexts") == ["prod", "kind-kind", "dev:blue"]
    assert entry_names(STANDARD, "clusters") == ["prod-cluster", "kind-kind"]
    assert entry_names(INDENTED, "users") == ["u1"]
    assert entry_names(FLOW, "contexts") == ["a", "b"]
    assert entry_names("apiVersion: v1\n", "contexts") == []
    assert entry_names("contexts: null\n", "contexts") == []


def test_result_is_verified() -> None:
    """Sequences of edits keep everything else as it was."""
    text = STANDARD
    text = rename_context(text, "dev:blue", "dev")
    text = set_context_namespace(text, "dev", "default")
    text = delete_entry(text, "contexts", "kind-kind")
    text = delete_entry(text, "clusters", "kind-kind")
    text = set_current_context(text, "dev")
    data = load(text)
    assert [c["name"] for c in data["contexts"]] == ["prod", "dev"]
    assert data["contexts"][1]["context"] == {"cluster": "kind-kind", "user": "kind-kind",
                                              "namespace": "default"}
    assert data["current-context"] == "dev" and data["users"] == load(STANDARD)["users"]
    assert text.startswith("# Managed by hand. Please keep the comments.\n")


# ---------------------------------------------------------------- real kubectl


def _kubectl(home: Path, path: Path, *args: str) -> str:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([str(kubectl_binary()), "config", *args, "--kubeconfig", str(path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("variant", ["lf", "crlf"])
def test_kubectl_reads_edited_files(tmp_path: Path, variant: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    odd = "dev: blue #1"
    cases = {
        "standard": (rename_context(set_current_context(variants(STANDARD)[variant], "kind-kind"),
                                    "kind-kind", odd), {"prod", odd, "dev:blue"}),
        "deleted": (delete_entry(delete_entry(delete_entry(variants(STANDARD)[variant], "contexts", "prod"),
                                              "contexts", "kind-kind"), "contexts", "dev:blue"), set()),
        "indented": (set_current_context(set_context_namespace(variants(INDENTED)[variant], "staging", "yes"),
                                         odd), {"staging", "üñí-ctx"}),
        "flow": (set_current_context(rename_context(FLOW, "b", "1.29"), "1.29"), {"a", "1.29"}),
    }
    for label, (text, names) in cases.items():
        path = tmp_path / f"{label}.yaml"
        path.write_bytes(text.encode())
        listed = _kubectl(home, path, "get-contexts", "-o", "name").splitlines()
        assert set(listed) == names, label
        current = load(text).get("current-context")
        if label == "deleted":
            assert current == "prod"
            continue
        assert _kubectl(home, path, "current-context").strip() == current
    data = json.loads(_kubectl(home, tmp_path / "indented.yaml", "view", "-o", "json"))
    staging = next(c for c in data["contexts"] if c["name"] == "staging")
    assert staging["context"]["namespace"] == "yes"


# ---------------------------------------------------------------- random layouts


SIMPLE = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
ODD = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff\x85"),
              min_size=1, max_size=10)
FIXTURE_NAMES = st.one_of(SIMPLE, ODD)


def _q(value: str) -> str:
    """Fixture quoting that does not rely on the module under test."""
    if re.fullmatch(r"[a-z][a-z0-9-]*", value) and load(value) == value:
        return value
    return "'" + value.replace("'", "''") + "'"


@st.composite
def kubeconfigs(draw: st.DrawFn) -> tuple[str, list[str]]:
    names = draw(st.lists(FIXTURE_NAMES, min_size=1, max_size=4, unique=True))
    n = draw(st.sampled_from([2, 4]))
    pad = " " * n if draw(st.booleans()) else ""
    body, inner = pad + "  ", pad + "  " + " " * n
    lines = ["# random layout", "apiVersion: v1", "kind: Config", "clusters:",
             f"{pad}- name: c", f"{body}cluster:", f"{inner}certificate-authority-data: {CERT}",
             f"{inner}server: https://c:6443", "contexts:"]
    for name in names:
        ns = draw(st.one_of(st.none(), SIMPLE))
        style = draw(st.sampled_from(["name-first", "name-last", "flow"]))
        if draw(st.booleans()):
            lines.append(f"{pad}# about {name!r}")
        ctx_flow = "{cluster: c" + (f", namespace: {ns}" if ns else "") + "}"
        if style == "flow":
            lines.append(f"{pad}- {{name: {_q(name)}, context: {ctx_flow}}}")
            continue
        ctx_lines = [f"{body}context:", f"{inner}cluster: c"]
        ctx_lines += [f"{inner}namespace: {ns}  # ns"] if ns else []
        name_line = f"{body}name: {_q(name)}  # ctx"
        item = [name_line, *ctx_lines] if style == "name-first" else [*ctx_lines, name_line]
        if draw(st.booleans()):
            item.append(f"{body}# inner comment")
        lines += [pad + "- " + item[0].lstrip(), *item[1:]]
    if draw(st.booleans()):
        lines.append(f"current-context: {_q(draw(st.sampled_from(names)))} # cc")
    lines += ["users:", f"{pad}- name: u", f"{body}user: {{token: t}}"]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return text, names


@given(kubeconfigs(), st.data())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_layouts(case: tuple[str, list[str]], data: st.DataObject) -> None:
    before, names = case
    expected = load(before)
    assert [c["name"] for c in expected["contexts"]] == names == entry_names(before, "contexts")
    name = data.draw(st.sampled_from(names))
    item = ctx(expected, name)
    op = data.draw(st.sampled_from(["rename", "current", "delete", "namespace"]))
    if op == "rename":
        new = data.draw(NAMES.filter(lambda v: v not in names))
        after = rename_context(before, name, new)
        if expected.get("current-context") == name:
            expected["current-context"] = new
        item["name"] = new
        limit = 2
    elif op == "current":
        after = set_current_context(before, name)
        expected["current-context"] = name
        limit = 1
    elif op == "delete":
        after = delete_entry(before, "contexts", name)
        expected["contexts"].remove(item)
        limit = 1  # at most `contexts: []` is added
    else:
        ns = data.draw(st.one_of(st.none(), NAMES))
        after = set_context_namespace(before, name, ns)
        if ns is None:
            item["context"].pop("namespace", None)
        else:
            item["context"]["namespace"] = ns
        limit = 1
    assert load(after) == expected
    removed, added = changes(before, after)
    assert len(added) <= limit and len(removed) <= (limit if op != "delete" else 8)
    assert after.endswith("\n") == before.endswith("\n")
    if "\r\n" in before:
        assert after.count("\n") == after.count("\r\n")


def test_more_refusals_and_corners() -> None:
    shared_current = "current-context: &c dev\nother: *c\ncontexts:\n- name: dev\n"
    with pytest.raises(EditError, match=r"line 2: .*\*c"):
        set_current_context(shared_current, "prod")
    with pytest.raises(EditError, match=r"line 3: duplicate key 'current-context' \(also at line 1\)"):
        set_current_context("current-context: a\nkind: Config\ncurrent-context: b\n", "x")
    merged = "base: &b {namespace: x}\ncontexts:\n- name: a\n  context:\n    <<: *b\n    cluster: c\n"
    with pytest.raises(EditError, match="line 5: .*merge key"):
        set_context_namespace(merged, "a", None)
    after = set_context_namespace(merged, "a", "y")  # an own key overrides the merged one
    assert load(after)["contexts"][0]["context"] == {"namespace": "y", "cluster": "c"}
    after = set_context_namespace("contexts: [{name: a, context: {namespace: n, cluster: c}}]\n", "a", None)
    assert after == "contexts: [{name: a, context: {cluster: c}}]\n"
    assert entry_names("\ufeffcontexts:\n- name: a\n", "contexts") == ["a"]
    assert entry_names(JSON_KC, "contexts") == ["a", "b"]
    with pytest.raises(EditError, match="line 3: 'context' of 'a' is not a mapping"):
        set_context_namespace("contexts:\n- name: a\n  context: [x]\n", "a", "n")
