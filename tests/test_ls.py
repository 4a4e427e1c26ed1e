"""`kctx ls`: the current context and protected ones stand out on a terminal, NO_COLOR turns colour off, and
-o wide|yaml add the user and the protecting rule, or the rows as YAML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from kctx.commands import completion, ls
from tests.kubeconfigs import simple
from tests.runner import kctx

ANSI = re.compile(r"\033\[[0-9;]*m")
GREEN_BOLD, RED_BOLD, RESET = "\033[32;1m", "\033[31;1m", "\033[0m"


@pytest.fixture
def contexts(home: Path) -> Path:
    simple(home / ".kube" / "config", "dev")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod-eu", current=False)
    simple(home / ".kube" / "configs" / "stage.yaml", "stage", current=False)
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: ['prod*']\n")
    return home


def test_the_current_and_protected_contexts_are_highlighted_and_columns_stay_aligned(contexts):
    plain = kctx("ls", env={"NO_COLOR": "1"}).out
    assert "\033" not in plain
    coloured = kctx("ls", env={"KCTX_FORCE_COLOR": "1"}).out
    assert ANSI.sub("", coloured) == plain
    names = [ln.lstrip("* ").split()[0] for ln in plain.splitlines()[1:]]
    lines = dict(zip(names, coloured.splitlines()[1:], strict=True))
    assert lines["dev"].startswith(f"*         {GREEN_BOLD}dev{RESET} ")
    assert lines["prod-eu"].endswith(f"{RED_BOLD}yes{RESET}") and GREEN_BOLD not in lines["prod-eu"]
    assert "\033" not in lines["stage"]
    assert "\033" not in kctx("ls", env={"KCTX_FORCE_COLOR": "1", "NO_COLOR": "1"}).out  # NO_COLOR wins


def test_wide_adds_the_user_and_why_a_context_is_protected(contexts):
    r = kctx("ls", "-o", "wide", env={"NO_COLOR": "1"})
    header, *rows = r.out.splitlines()
    assert header.split() == ["CURRENT", "NAME", "CLUSTER", "SERVER", "USER", "NAMESPACE", "FILE", "PROTECTED"]
    prod = next(row for row in rows if "prod-eu" in row)
    assert prod.split()[:4] == ["prod-eu", "prod-eu", "https://127.0.0.1:9/prod-eu", "prod-eu"]
    assert prod.endswith('context "prod-eu" matches protect.contexts "prod*"')


def test_yaml_holds_what_json_holds(contexts):
    as_json = json.loads(kctx("ls", "-o", "json").out)
    assert yaml.safe_load(kctx("ls", "-o", "yaml").out) == as_json
    assert [r["name"] for r in as_json] == ["dev", "prod-eu", "stage"]


def test_an_unknown_output_names_the_ones_there_are(contexts):
    r = kctx("ls", "-o", "xml")
    assert (r.code, r.err) == (2, "kctx: error: ls: -o must be table, wide, json, yaml or name, not 'xml'\n")
    assert completion.LS_OUTPUTS == ls.OUTPUTS
