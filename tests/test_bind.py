"""Which command lines get the judged context bound (kctx/shim/bind.py)."""

from __future__ import annotations

import pytest

from kctx.kubectl.argv import parse
from kctx.shim.bind import bound_argv


@pytest.mark.parametrize("argv", [
    ["delete", "pod", "x"],
    ["-n", "kube-system", "get", "pods"],
    ["exec", "web", "--", "sh", "-c", "echo --context=other"],
    ["__complete", "get", ""],
    ["version"],
])
def test_lines_that_read_the_current_context_get_the_judged_one(argv):
    assert bound_argv(argv, parse(argv), parse(argv), "dev") == ["--context=dev", *argv]


@pytest.mark.parametrize("argv", [
    ["--context", "prod", "delete", "pod", "x"],
    ["delete", "pod", "x", "--context=prod"],
    ["config", "use-context", "prod"],
    ["config", "set-context", "--current", "--namespace", "x"],
    ["kuberc", "view"],
    ["ctx", "prod"],  # a plugin: kubectl refuses flags before its name
    [],
])
def test_lines_that_name_their_context_or_edit_files_or_run_plugins_are_left_alone(argv):
    assert bound_argv(argv, parse(argv), parse(argv), "dev") == argv


def test_no_context_to_bind():
    assert bound_argv(["get", "pods"], parse(["get", "pods"]), parse(["get", "pods"]), "") == ["get", "pods"]


def test_a_kuberc_alias_is_bound_too():
    assert bound_argv(["gp"], parse(["gp"]), parse(["get", "pods"]), "dev") == ["--context=dev", "gp"]
    assert bound_argv(["u"], parse(["u"]), parse(["config", "use-context", "x"]), "dev") == ["u"]
