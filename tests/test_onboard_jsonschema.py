"""The JSON Schema of the team file (kctx/data/team.schema.json, for editors) agrees with the loader: it accepts
the shipped example, and every variant of it that the loader rejects (each value replaced by odd ones, an
unknown key in each mapping) the schema rejects too, and the other way round. The few rules JSON Schema
cannot say (below) are the loader's alone."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

import jsonschema
import yaml

from kctx.errors import KctxError
from kctx.onboard import schema
from tests.runner import ROOT

EXAMPLE = ROOT / "examples/team.yaml"
SCHEMA = json.loads((ROOT / "kctx/data/team.schema.json").read_text())
ODD_VALUES: list[object] = [None, 0, 1, 1.3, True, "", " ", "x", "1.30", ">=1.29", "red", "x://y", "https://h/k",
                            [], ["a"], [1], ["", "x"], {}, {"a": "b"}, {"A_B": 1}]
# cross-field rules: a name claimed by two clusters, a version below kubectl.minimum, an undeclared ${NAME}, and
# which words of an access question are flags (duplicate keys are YAML's)
LOADER_ONLY = ("is already a context or alias of cluster", "below the team's kubectl.minimum",
               "which variables: does not declare", "is not allowed here (only", 'expected "VERB RESOURCE"')


def loader_accepts(doc: object) -> str:
    """"" when kctx reads ``doc``, else its error."""
    try:
        schema.parse(yaml.safe_dump(doc, sort_keys=False), "/t/team.yaml", "/home/u")
    except KctxError as exc:
        return exc.message
    return ""


def schema_accepts(doc: object) -> bool:
    return jsonschema.Draft202012Validator(SCHEMA).is_valid(doc)


def paths(value: object, at: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*at, i))


def replaced(doc: object, at: tuple[object, ...], value: object) -> object:
    out = copy.deepcopy(doc)
    node = out
    for key in at[:-1]:
        node = node[key]  # type: ignore[index]
    node[at[-1]] = value  # type: ignore[index]
    return out


def variants() -> Iterator[tuple[str, object]]:
    base = yaml.safe_load(EXAMPLE.read_text())
    for at in paths(base):
        if not at:
            continue
        for value in ODD_VALUES:
            yield f"{at}={value!r}", replaced(base, at, value)
        node = base
        for key in at:
            node = node[key]  # type: ignore[index]
        if isinstance(node, dict):
            yield f"{at}+unknown", replaced(base, at, {**node, "unknown": 1})
    yield "no clusters", {k: v for k, v in base.items() if k != "clusters"}
    yield "reserved cluster name", replaced(base, ("clusters", "aliases"), base["clusters"]["dev"])
    yield "bad cluster name", replaced(base, ("clusters", "-x"), base["clusters"]["dev"])
    yield "two sources", replaced(base, ("clusters", "dev", "source", "url"), "https://h/k")
    yield "env without command", replaced(base, ("clusters", "dev", "source", "env"), {"A": "b"})
    yield "prod unprotected", replaced(base, ("clusters", "prod-eu", "protected"), False)


def test_the_schema_is_a_valid_json_schema_and_accepts_the_example() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert schema_accepts(yaml.safe_load(EXAMPLE.read_text()))


def test_the_example_names_the_schema_for_editors() -> None:
    first = EXAMPLE.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../kctx/data/team.schema.json"


def test_schema_and_loader_agree() -> None:
    disagree, rejected = [], 0
    for name, doc in variants():
        error = loader_accepts(doc)
        rejected += bool(error)
        if error and any(rule in error for rule in LOADER_ONLY):
            continue
        if schema_accepts(doc) != (not error):
            disagree.append(f"{name}: {error or 'the loader accepts it'}")
    assert not disagree, "\n".join(disagree)
    assert rejected > 500  # the variants do probe the rules


def test_the_keys_match_the_loaders() -> None:
    assert set(SCHEMA["properties"]) == set(schema.TOP_KEYS)
    assert set(SCHEMA["$defs"]["cluster"]["properties"]) == set(schema.CLUSTER_KEYS)
    assert set(SCHEMA["$defs"]["source"]["properties"]) == set(schema.SOURCE_KEYS)
